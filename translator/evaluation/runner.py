"""Run each configuration on the same lines through the project's own pipeline, measure it and
score it.

Translation: every source line is its own document (``pipeline.run_documents``), so sentence
splitting, batching, guards and retries are exactly those of ``translator translate``. Summaries:
every source line is one English document for :class:`~translator.core.summarize.Summarizer`.
An empty source line gives an empty hypothesis in its place (see :mod:`.scores` for how scores
treat it).
"""

from __future__ import annotations

import dataclasses
import gc
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from translator.evaluation.configs import RunConfig, check_config
from translator.evaluation.data import EvalData, source_fingerprint
from translator.evaluation.measure import PeakMemory
from translator.evaluation.report import LineResult, Report, RunResult
from translator.evaluation.scores import corpus_scores, line_scores

DEFAULT_WORST = 10
# Every character Python or an editor may take for a line break: a hypothesis stays one line.
_LINE_BREAKS = re.compile(r"\s*[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """``text`` on one line (line breaks become spaces), without outer whitespace."""
    return _LINE_BREAKS.sub(" ", text).strip()


def line_confidence(segments: Sequence) -> float | None:
    """Mean score of the translated segments of a line (None when none has a score)."""
    scores = [segment.score for segment in segments if segment.translated and segment.score is not None]
    return sum(scores) / len(scores) if scores else None


def count_output_tokens(tokenizer, texts: list[str]) -> int:
    """Tokens of ``texts`` as the model's target side spells them (no special tokens)."""
    texts = [text for text in texts if text]
    if not texts:
        return 0
    return sum(len(ids) for ids in tokenizer(text_target=texts, add_special_tokens=False)["input_ids"])


def _worker(task: str, config: RunConfig):
    runtime: dict[str, Any] = dict(device=config.device, engine=config.engine, dtype=config.dtype)
    if task == "translation":
        from translator.core.translate import Translator

        extra: dict[str, Any] = {"source": config.lang} if config.lang else {}
        return Translator(config.model, **runtime, **extra, **config.options)
    from translator.core.summarize import Summarizer

    return Summarizer(config.model, **runtime, **config.options)


def _generate(task: str, worker, sources: list[str]) -> tuple[list[str], list[float | None]]:
    if task == "translation":
        from translator.core.pipeline import run_documents

        results = run_documents([[line] for line in sources], worker)
        return [one_line(r.translation) for r in results], [line_confidence(r.segments) for r in results]
    from translator.core.pipeline import summarize

    return [one_line(summarize(document, worker)) for document in sources], [None] * len(sources)


def _worst(
    data: EvalData, hypotheses: list[str], confidences: list[float | None], scores: list[float | None], count: int
) -> list[LineResult]:
    ranked = sorted((score, index) for index, score in enumerate(scores) if score is not None)
    return [
        LineResult(
            index + 1,
            score,
            confidences[index],
            data.sources[index],
            hypotheses[index],
            [stream[index] for stream in data.references],
        )
        for score, index in ranked[:count]
    ]


def run_config(
    data: EvalData, config: RunConfig, *, task: str = "translation", worst: int = DEFAULT_WORST
) -> RunResult:
    """Load ``config``'s model, run it on every source line, and score the hypotheses.

    The model load is timed apart from the work; peak memory covers both. Raises
    ModelNotFoundError, ValueError for bad options, EngineUnavailable.
    """
    worker = _worker(task, check_config(config, task))
    with PeakMemory() as peak:
        started = time.perf_counter()
        loaded = worker.model
        loaded_at = time.perf_counter()
        hypotheses, confidences = _generate(task, worker, data.sources)
        finished = time.perf_counter()
    metric, per_line = line_scores(task, hypotheses, data.references)
    return RunResult(
        config=config,
        model=worker.model_name,
        engine=loaded.engine.description,
        options=dataclasses.asdict(worker.options),
        hypotheses=hypotheses,
        confidences=confidences,
        scores=corpus_scores(task, hypotheses, data.references),
        line_metric=metric,
        worst=_worst(data, hypotheses, confidences, per_line, worst),
        seconds=finished - loaded_at,
        load_seconds=loaded_at - started,
        output_tokens=count_output_tokens(loaded.tokenizer, hypotheses),
        peak_rss_bytes=peak.rss_bytes,
        # CTranslate2 allocates outside torch: torch's peak would say ~0, so say nothing
        peak_cuda_bytes=peak.cuda_bytes if loaded.engine.name != "ct2" else None,
        source_sha256=source_fingerprint(data.sources),
    )


def evaluate(
    data: EvalData,
    configs: Sequence[RunConfig],
    *,
    task: str = "translation",
    worst: int = DEFAULT_WORST,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run every configuration on exactly the same lines of ``data``; return the report.

    Between configurations the loaded models are dropped (``engines.clear_cache``) so each peak
    memory is its own. Raises ValueError when there is nothing to translate.
    """
    from translator.engines import clear_cache

    if not configs:
        raise ValueError("no configuration to evaluate")
    empty = sum(not line.strip() for line in data.sources)
    if empty == len(data.sources):
        raise ValueError(f"{data.origin}: every source line is empty: nothing to evaluate")
    runs = []
    for index, config in enumerate(configs):
        if index:
            clear_cache()
            gc.collect()
        if progress:
            progress(f"[{index + 1}/{len(configs)}] {config.label}: {len(data.sources)} lines")
        runs.append(run_config(data, config, task=task, worst=worst))
    return Report(task, data.origin, len(data.sources), empty, data.source_sha256, runs)
