"""The end of a run (main process): the JSON report, written atomically, and the summary lines."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from translator.batch.config import Config
from translator.batch.plan import Walk
from translator.system.durable import atomic_write

# done: translated in this run; up-to-date: its outputs were already there from an earlier run
# (nothing to do); skipped: in a language the model does not translate (no outputs); failed;
# unsupported: a file type the batch does not read
STATUSES = ("done", "up-to-date", "skipped", "failed", "unsupported")
KEPT_STATUSES = ("done", "up-to-date")  # the statuses whose outputs stay in OUT_DIR


@dataclass(frozen=True)
class FileResult:
    """What became of one file in this run: a line of the report's ``files``.

    ``status`` is one of :data:`STATUSES`; ``reason`` says why a file was skipped or failed
    (a skipped file's ``language`` is the one it was detected in);
    ``least_confident`` lists the sentences the model was least sure of (number, source,
    English, score); ``origins`` counts its translated sentences by where their English came
    from (memory, cache, model)."""

    path: str
    status: str
    rank: int | None = None
    reason: str | None = None
    outputs: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None
    units: int | None = None
    language: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    least_confident: list[dict[str, Any]] = field(default_factory=list)
    origins: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON object: fields that are not set are left out."""
        return {k: v for k, v in asdict(self).items() if k in ("path", "status") or v not in (None, [])}


def write_report(
    cfg: Config,
    walk: Walk,
    results: list[FileResult],
    options: dict[str, Any],
    *,
    sentences: int,
    seconds: float,
    processes: int,
    removed: list[str],
) -> dict[str, Any]:
    """Write ``cfg.report`` and return its content: every file with its status, what was left
    out, and the outputs removed because the current sources and options no longer produce them."""
    unsupported = [FileResult(rel, "unsupported", reason="unsupported file type") for rel in walk.unsupported]
    files = [r.to_dict() for r in sorted(results + unsupported, key=lambda r: r.path)]
    report = {
        "in_dir": str(cfg.in_dir),
        "out_dir": str(cfg.out_dir),
        "options": options,
        "processes": processes,
        "counts": {status: sum(r["status"] == status for r in files) for status in STATUSES},
        "sentences": sentences,
        "origins": _origins(files),
        "seconds": round(seconds, 3),
        "files": files,
        "ignored": walk.ignored,
        "removed": removed,
    }
    try:
        data = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
    except UnicodeEncodeError:  # a file name with undecodable bytes
        data = json.dumps(report, ensure_ascii=True, indent=2).encode("ascii")
    atomic_write(cfg.report, data + b"\n")
    return report


def _origins(files: list[dict[str, Any]]) -> dict[str, int]:
    """The translated sentences of this run's files by origin (memory, cache, model)."""
    total: dict[str, int] = {}
    for entry in files:
        for origin, count in (entry.get("origins") or {}).items():
            total[origin] = total.get(origin, 0) + count
    return dict(sorted(total.items()))


def summary_line(report: dict[str, Any], cfg: Config) -> str:
    """``translator batch: 0 translated, 5 up to date, 1 skipped (in German, which the model does
    not translate), 0 failed, 0 unsupported; ...``: each status counted apart."""
    from translator.text.language import language_name

    counts = report["counts"]
    removed = f", {len(report['removed'])} outdated outputs removed" if report["removed"] else ""
    skipped = f"{counts['skipped']} skipped"
    languages = sorted({r["language"] for r in report["files"] if r["status"] == "skipped" and r.get("language")})
    if languages:
        names = ", ".join(language_name(code) for code in languages)
        skipped += f" (in {names}, which the model does not translate)"
    return (
        f"translator batch: {counts['done']} translated, {counts['up-to-date']} up to date, {skipped}, "
        f"{counts['failed']} failed, {counts['unsupported']} unsupported{removed}; "
        f"{report['sentences']} sentences; {report['seconds']:.1f} s; report: {cfg.report}"
    )


def print_summary(report: dict[str, Any], cfg: Config) -> None:
    """One line of counts on stderr, then one line per failed file."""
    print(summary_line(report, cfg), file=sys.stderr)
    for r in report["files"]:
        if r["status"] == "failed":
            print(f"  failed: {r['path']}: {r['reason']}", file=sys.stderr)
