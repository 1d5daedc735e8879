"""Slovenian → English: documents → pieces → length-sorted batches → engine → documents again.

Every entry point (the Python API, the CLI, the folder batch and the web page) comes through
:meth:`Translator.translate_documents`, so the no-loss rules live in one place: each source
character lands in exactly one :class:`~translator.results.Segment`, whitespace between pieces is
copied verbatim (paragraphs and line breaks survive), and a sentence longer than the model's budget
is split (segment.py), never truncated.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import overload

from . import models
from .models import LoadedModel
from .options import RuntimeOptions, TranslationOptions
from .results import Segment, Translation
from .segment import Piece, segment_document

logger = logging.getLogger("translator")

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


def check_text(text: object, what: str = "translate()") -> None:
    """Raise TypeError unless ``text`` is a str."""
    if not isinstance(text, str):
        raise TypeError(f"{what} expects a str or a list of str, got {type(text).__name__}: {text!r:.80}")


def check_texts(texts: object, what: str = "translate()") -> list[str]:
    """Return ``texts`` as a list of str, or raise TypeError naming the first bad item."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
        raise TypeError(f"{what} expects a str or a list of str, got {type(texts).__name__}")
    for index, item in enumerate(texts):
        if not isinstance(item, str):
            raise TypeError(f"{what}: item {index} is {type(item).__name__}, not str: {item!r:.80}")
    return list(texts)


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
class _Job:
    """One unique source piece on its way through the model."""

    ids: list[int]
    bound: int
    output: list[int] | None = None
    warnings: tuple[str, ...] = ()


def plan_batches(lengths: list[int], batch_tokens: int, max_sentences: int) -> list[list[int]]:
    """Group indices into batches sorted by length, each within ``batch_tokens`` padded tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[index]  # sorted ascending, so this is the batch's widest row
        if current and ((len(current) + 1) * width > batch_tokens or len(current) >= max_sentences):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class Translator:
    """Translate Slovenian (or any source language of the chosen MarianMT model) into English.

    Models load on first use and are shared by every Translator in the process.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        engine: str | None = None,
        dtype: str | None = None,
        options: TranslationOptions | None = None,
        lang: str = "sl",
        **option_overrides: object,
    ) -> None:
        self.model_name = model or models.default_model("translation")
        self.runtime = RuntimeOptions(
            device=device or os.environ.get("TRANSLATOR_DEVICE") or "auto",
            dtype=dtype or "auto",
            engine=engine or os.environ.get("TRANSLATOR_ENGINE") or "auto",  # type: ignore[arg-type]
        )
        self.options = replace(options or TranslationOptions(), **option_overrides)
        self.lang = lang
        self._loaded: LoadedModel | None = None

    @property
    def model(self) -> LoadedModel:
        """The loaded model (loads it on first access). Raises ModelNotFoundError."""
        if self._loaded is None:
            self._loaded = models.load(self.model_name, "translation", self.runtime)
        return self._loaded

    @overload
    def translate(self, text: str, *, progress: Progress | None = None) -> str: ...
    @overload
    def translate(self, text: list[str], *, progress: Progress | None = None) -> list[str]: ...

    def translate(self, text, *, progress=None):
        """Return the English for a str, or a list of English texts for a list (same order)."""
        if isinstance(text, str):
            return self.translate_documents([text], progress=progress)[0].text
        texts = check_texts(text)
        return [doc.text for doc in self.translate_documents(texts, progress=progress)]

    def translate_document(self, text: str, *, progress: Progress | None = None) -> Translation:
        """Translate one document; the result keeps paragraphs and pairs each source piece
        with its English (``.segments``) and lists anything suspicious in ``.warnings``."""
        check_text(text, "translate_document()")
        return self.translate_documents([text], progress=progress)[0]

    def iter_translate_document(
        self, text: str, *, progress: Progress | None = None, min_pieces: int | None = None
    ) -> Iterator[Translation]:
        """Yield growing partial translations of ``text`` as groups of paragraphs finish, the
        last one complete. Groups hold at least ``min_pieces`` sentences so batching stays
        efficient while the first paragraphs show up within seconds."""
        check_text(text, "iter_translate_document()")
        if not text.strip():
            yield Translation(text="", model=self.model_name)
            return
        min_pieces = min_pieces or max(8, self.options.max_batch_sentences // 4)
        pieces = self._segment(text)
        total = sum(p.translatable for p in pieces)
        groups: list[list[Piece]] = [[]]
        for piece in pieces:
            if groups[-1] and piece.paragraph != groups[-1][-1].paragraph and \
                    sum(p.translatable for p in groups[-1]) >= min_pieces:
                groups.append([])
            groups[-1].append(piece)
        done_segments: list[Segment] = []
        done = 0
        for group in groups:
            offset = done

            def group_progress(finished: int, _total: int, offset: int = offset) -> None:
                if progress:
                    progress(offset + finished, total)

            done_segments += self._translate_pieces(text, group, group_progress)
            done += sum(p.translatable for p in group)
            end = group[-1].end
            yield self._assemble(text[:end] if group is not groups[-1] else text, done_segments)

    def translate_documents(self, texts: list[str], *, progress: Progress | None = None) -> list[Translation]:
        """Translate several documents at once: their sentences share batches."""
        texts = check_texts(texts)
        plans = [self._segment(text) if text.strip() else [] for text in texts]
        flat = [(doc, piece) for doc, pieces in enumerate(plans) for piece in pieces]
        if not flat:
            return [Translation(text="", model=self.model_name) for _ in texts]
        segments = self._translate_flat([(texts[doc], piece) for doc, piece in flat], progress)
        per_doc: list[list[Segment]] = [[] for _ in texts]
        for (doc, _piece), segment in zip(flat, segments):
            per_doc[doc].append(segment)
        return [
            self._assemble(text, segs) if text.strip() else Translation(text="", model=self.model_name)
            for text, segs in zip(texts, per_doc)
        ]

    # -- pipeline -------------------------------------------------------------------------

    def _budget(self, model: LoadedModel) -> int:
        # room for the end-of-sentence mark; never above the model's own limit
        return max(8, min(self.options.max_piece_tokens, model.max_input_tokens - 2))

    def _segment(self, text: str) -> list[Piece]:
        model = self.model
        return segment_document(text, lang=self.lang, count_tokens=model.count_tokens,
                                max_tokens=self._budget(model))

    def _translate_pieces(self, text: str, pieces: list[Piece], progress: Progress | None) -> list[Segment]:
        return self._translate_flat([(text, piece) for piece in pieces], progress)

    def _translate_flat(self, items: list[tuple[str, Piece]], progress: Progress | None) -> list[Segment]:
        model = self.model
        sources = [text[piece.start : piece.end] for text, piece in items]
        # identical sentences (datelines, bylines, repeated headings) are translated once
        unique = list(dict.fromkeys(s for s, (_, p) in zip(sources, items) if p.translatable))
        jobs = self._run_jobs(model, unique, progress)
        by_source = dict(zip(unique, jobs))
        segments = []
        for source, (_, piece) in zip(sources, items):
            if not piece.translatable:
                segments.append(Segment(source, source, piece.start, piece.end, piece.paragraph, translated=False))
                continue
            job = by_source[source]
            target = model.decode(job.output or [])
            warnings = job.warnings
            if not target:
                warnings += ("empty translation: the source is kept in its place",)
                target = source
            segments.append(Segment(source, target, piece.start, piece.end, piece.paragraph, True, warnings))
        return segments

    def _run_jobs(self, model: LoadedModel, sources: list[str], progress: Progress | None) -> list[_Job]:
        opts = self.options
        encoded = model.encode(sources) if sources else []
        limit = model.max_input_tokens
        jobs = [
            _Job(ids, min(limit, int(opts.max_length_ratio * len(ids)) + opts.max_length_offset))
            for ids in encoded
        ]
        self._generate(model, jobs, progress=progress)
        if opts.retry_repetitions:
            suspects = [job for job in jobs if is_repetitive(job.output or [])]
            if suspects:
                logger.info("%d of %d sentences repeat themselves: retrying with a repetition penalty",
                            len(suspects), len(jobs))
                self._generate(model, suspects, repetition_penalty=opts.retry_repetition_penalty,
                               no_repeat_ngram_size=opts.retry_no_repeat_ngram_size)
        for job in jobs:
            warnings = []
            if is_repetitive(job.output or []):
                warnings.append("the translation repeats itself (possible model loop)")
            if len(job.output or []) >= job.bound:
                warnings.append(f"the translation reached its length limit ({job.bound} tokens) and may be cut short")
            job.warnings = tuple(warnings)
        return jobs

    def _generate(self, model: LoadedModel, jobs: list[_Job], progress: Progress | None = None, **extra) -> None:
        opts = self.options
        batches = plan_batches([len(job.ids) for job in jobs], opts.batch_tokens, opts.max_batch_sentences)
        done = 0
        for batch in batches:
            outputs = model.engine.generate(
                [jobs[i].ids for i in batch],
                max_new_tokens=[jobs[i].bound for i in batch],
                num_beams=opts.num_beams,
                **extra,
            )
            for i, output in zip(batch, outputs):
                jobs[i].output = output
            done += len(batch)
            if progress:
                progress(done, len(jobs))

    def _assemble(self, text: str, segments: list[Segment]) -> Translation:
        parts: list[str] = []
        cursor = 0
        for segment in segments:
            parts.append(text[cursor : segment.start])  # whitespace between pieces, verbatim
            parts.append(segment.target)
            cursor = segment.end
        parts.append(text[cursor:])
        warnings = [
            f"sentence {index + 1} ({segment.source[:60]!r}): {warning}"
            for index, segment in enumerate(segments)
            for warning in segment.warnings
        ]
        return Translation(text="".join(parts), segments=segments, warnings=warnings, model=self.model_name)
