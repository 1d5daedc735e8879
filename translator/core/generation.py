"""Unique source pieces through the model: encoded, bounded, batched, generated, checked.

:func:`run_jobs` is the translator's one way to the engine: each piece gets an output bound
(``max_length_ratio`` × its tokens + ``max_length_offset``, within the model's limit), the pieces
are cut into engine calls by :func:`translator.engines.batching.plan_batches` (each engine cuts a call
again into the batches it runs, with the same algorithm), a piece caught in a loop is retried once
with a repetition penalty, and every output gets its warnings. :func:`n_best` asks the same
pieces for several hypotheses (the REST API's ``alternatives``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from translator.engines import LoadedModel
from translator.engines.batching import plan_batches
from translator.options import TranslationOptions

logger = logging.getLogger("translator")

__all__ = ["Job", "Progress", "ahead", "is_repetitive", "n_best", "run_jobs"]

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


def ahead(progress: Progress | None, done: int, total: int) -> Progress | None:
    """``progress`` told at once that ``done`` of ``total`` pieces are done (answered without the
    model: the memory, the cache), and shifted so the model's later reports count after them."""
    if progress is None or not done:
        return progress
    report = progress
    report(done, total)
    return lambda more, _total: report(done + more, total)


def is_repetitive(tokens: list[int], min_span: int = 8, max_ngram: int = 6) -> bool:
    """True when some n-gram repeats back to back at least 3 times over ``min_span`` tokens
    (``the the the the ...``, ``of the war of the war of the war``): the classic loop of a
    seq2seq model. Natural text almost never does this."""
    length = len(tokens)
    for n in range(1, max_ngram + 1):
        needed = max(3, -(-min_span // n))  # back-to-back copies needed for this n
        if needed * n > length:
            break
        for start in range(length - needed * n + 1):
            gram = tokens[start : start + n]
            if all(tokens[start + k * n : start + (k + 1) * n] == gram for k in range(1, needed)):
                return True
    return False


@dataclass
class Job:
    """One unique source piece on its way through the model."""

    ids: list[int]
    bound: int
    output: list[int] | None = None
    warnings: tuple[str, ...] = ()
    score: float | None = None  # the engine's score of ``output`` (see engines.base.ScoredIds)


def _jobs(model: LoadedModel, sources: list[str], opts: TranslationOptions) -> list[Job]:
    limit = model.max_input_tokens
    return [
        Job(ids, min(limit, int(opts.max_length_ratio * len(ids)) + opts.max_length_offset))
        for ids in (model.encode(sources) if sources else [])
    ]


def run_jobs(
    model: LoadedModel, sources: list[str], opts: TranslationOptions, progress: Progress | None = None
) -> list[Job]:
    """The model's output for each of ``sources`` (unique pieces), with its score and warnings."""
    jobs = _jobs(model, sources, opts)
    _generate(model, jobs, opts, progress=progress)
    if opts.retry_repetitions:
        suspects = [job for job in jobs if is_repetitive(job.output or [])]
        if suspects:
            logger.info(
                "%d of %d sentences repeat themselves: retrying with a repetition penalty", len(suspects), len(jobs)
            )
            _generate(
                model,
                suspects,
                opts,
                repetition_penalty=opts.retry_repetition_penalty,
                no_repeat_ngram_size=opts.retry_no_repeat_ngram_size,
            )
    for job in jobs:
        warnings = []
        if is_repetitive(job.output or []):
            warnings.append("the translation repeats itself (possible model loop)")
        if len(job.output or []) >= job.bound:
            warnings.append(f"the translation reached its length limit ({job.bound} tokens) and may be cut short")
        job.warnings = tuple(warnings)
    return jobs


def _generate(
    model: LoadedModel, jobs: list[Job], opts: TranslationOptions, progress: Progress | None = None, **extra: Any
) -> None:
    # engine calls: each engine cuts a call again into the batches it runs (the same algorithm,
    # its own budget); a call is the unit of progress reports
    batches = plan_batches([len(job.ids) for job in jobs], opts.batch_tokens, max_rows=opts.max_batch_sentences)
    done = 0
    for batch in batches:
        outputs = model.engine.generate(
            [jobs[i].ids for i in batch],
            max_new_tokens=[jobs[i].bound for i in batch],
            num_beams=opts.num_beams,
            return_scores=opts.scores,
            **extra,
        )
        for i, output in zip(batch, outputs):
            jobs[i].output = output
            jobs[i].score = getattr(output, "score", None)  # a retry replaces the first pass's
        done += len(batch)
        if progress:
            progress(done, len(jobs))


def n_best(model: LoadedModel, sources: list[str], opts: TranslationOptions, count: int) -> list[list[str]]:
    """Up to ``count`` English hypotheses of each of ``sources``, best first, from one beam search
    at least ``count`` wide (``max(num_beams, count)``), bounded as :func:`run_jobs` bounds them;
    a hypothesis repeated after decoding (two token sequences, one text) is kept once."""
    jobs = _jobs(model, sources, opts)
    found: list[list[str]] = [[] for _ in jobs]
    budget = max(1, opts.batch_tokens // max(1, count))
    for batch in plan_batches([len(job.ids) for job in jobs], budget, max_rows=opts.max_batch_sentences):
        outputs = model.engine.n_best(
            [jobs[i].ids for i in batch],
            max_new_tokens=[jobs[i].bound for i in batch],
            count=count,
            num_beams=opts.num_beams,
        )
        for i, hypotheses in zip(batch, outputs):
            texts = [model.decode(ids) for ids in hypotheses]
            found[i] = list(dict.fromkeys(text for text in texts if text.strip()))
    return found
