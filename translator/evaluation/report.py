"""The evaluation report: typed results, their one JSON shape (``to_dict``) and the text table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from translator.evaluation.configs import RunConfig
from translator.evaluation.measure import format_bytes
from translator.evaluation.scores import MetricScore

SOURCE_SHOWN = 70  # characters of each text shown in the worst-lines list


@dataclass(frozen=True)
class LineResult:
    """One line of the worst list: its 1-based ``line``, its score and the model's confidence
    (mean of its segments' length-normalised log-probabilities; None where there is none)."""

    line: int
    score: float
    confidence: float | None
    source: str
    hypothesis: str
    references: list[str]


@dataclass(frozen=True)
class RunResult:
    """What one configuration did on the data: scores, speed, memory and its weakest lines."""

    config: RunConfig
    model: str
    engine: str  # the engine's own description, e.g. "ct2 int8 on cpu (4 threads)"
    options: dict[str, Any]  # every option the run used, defaults included
    hypotheses: list[str]
    confidences: list[float | None]
    scores: list[MetricScore]
    line_metric: str  # what ``worst`` is ranked by: "chrF" or "ROUGE-L"
    worst: list[LineResult]
    seconds: float  # translating (or summarising) only, the model already loaded
    load_seconds: float
    output_tokens: int
    peak_rss_bytes: int
    peak_cuda_bytes: int | None
    source_sha256: str  # of the lines this run was given: equal across runs of one report
    hypotheses_file: str | None = None

    @property
    def tokens_per_second(self) -> float:
        return self.output_tokens / self.seconds if self.seconds > 0 else 0.0

    def score(self, name: str) -> float:
        """The corpus score called ``name`` (``BLEU``, ``chrF2``, ``ROUGE-2``...)."""
        return next(metric.score for metric in self.scores if metric.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.config.label,
            "config": {key: value for key, value in asdict(self.config).items() if key != "label"},
            "model": self.model,
            "engine": self.engine,
            "options": self.options,
            "scores": {metric.name: metric.to_dict() for metric in self.scores},
            "speed": {
                "output_tokens": self.output_tokens,
                "seconds": round(self.seconds, 3),
                "tokens_per_second": round(self.tokens_per_second, 1),
                "load_seconds": round(self.load_seconds, 3),
            },
            "memory": {"peak_rss_bytes": self.peak_rss_bytes, "peak_cuda_bytes": self.peak_cuda_bytes},
            "source_sha256": self.source_sha256,
            "hypotheses_file": self.hypotheses_file,
            "worst": {"by": self.line_metric, "lines": [asdict(line) for line in self.worst]},
        }


@dataclass(frozen=True)
class Report:
    """Every configuration's results on the same lines."""

    task: str
    origin: str
    lines: int
    empty_sources: int
    source_sha256: str
    runs: list[RunResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of an evaluation (``translator evaluate --json``)."""
        return {
            "task": self.task,
            "data": {
                "origin": self.origin,
                "lines": self.lines,
                "empty_sources": self.empty_sources,
                "source_sha256": self.source_sha256,
            },
            "runs": [run.to_dict() for run in self.runs],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def _short(text: str, width: int = SOURCE_SHOWN) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _confidence(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(rows: list[list[str]], left: tuple[int, ...] = (0,)) -> list[str]:
    """Columns padded to one width: those in ``left`` left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i in left else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]


def render_text(report: Report) -> str:
    """The report as a person reads it: one table row per configuration, the signatures, the
    engine and options of each run and its least-scoring lines."""
    first = report.runs[0]
    names = [metric.name for metric in first.scores]
    cuda = any(run.peak_cuda_bytes is not None for run in report.runs)
    header = ["config", *names, "tok/s", "peak RSS", *(["peak CUDA"] if cuda else [])]
    rows = [header]
    for run in report.runs:
        rows.append(
            [
                run.config.label,
                *(f"{metric.score:.2f}" for metric in run.scores),
                f"{run.tokens_per_second:.1f}",
                format_bytes(run.peak_rss_bytes),
                *([format_bytes(run.peak_cuda_bytes)] if cuda else []),
            ]
        )
    empty = f", {report.empty_sources} empty (kept as empty lines)" if report.empty_sources else ""
    out = [f"{report.task}: {report.lines} lines from {report.origin}{empty}", "", *_table(rows), "", "signatures:"]
    out += [f"  {metric.name}: {metric.signature}" for metric in first.scores]
    for run in report.runs:
        options = ", ".join(f"{key}={value}" for key, value in run.options.items())
        out += [
            "",
            f"[{run.config.label}] model {run.model}; engine {run.engine}",
            f"  options: {options}",
            f"  {run.output_tokens} output tokens in {run.seconds:.1f} s (model load {run.load_seconds:.1f} s)",
        ]
        if run.hypotheses_file:
            out.append(f"  hypotheses: {run.hypotheses_file}")
        if run.worst:
            out.append(f"  lowest {run.line_metric} (confidence: mean log-probability per token, 0 = sure):")
            lines = [["line", run.line_metric, "confidence", "source → hypothesis | reference"]]
            for item in run.worst:
                lines.append(
                    [
                        str(item.line),
                        f"{item.score:.1f}",
                        _confidence(item.confidence),
                        f"{_short(item.source)} → {_short(item.hypothesis)} | {_short(item.references[0])}",
                    ]
                )
            out += ["    " + line for line in _table(lines, left=(3,))]
    return "\n".join(out) + "\n"
