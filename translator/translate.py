"""Slovenian → English: documents → pieces → length-sorted batches → engine → documents again.

Every entry point (the Python API, the CLI, the folder batch and the web page) comes through
:meth:`Translator.translate_documents`, so the no-loss rules live in one place: each source
character lands in exactly one :class:`~translator.results.Segment`, whitespace between pieces is
copied verbatim (paragraphs and line breaks survive), and a sentence longer than the model's budget
is split (segment.py), never truncated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import overload

from . import language
from .batching import plan_batches
from .cache import DEFAULT_CACHE_MB, CachedPiece, TranslationCache, context_key, open_cache, piece_key
from .engines import LoadedModel, load
from .inputs import check_text, check_texts
from .options import RuntimeOptions, TranslationOptions, model_name
from .pieces import Piece, segment_document
from .results import Segment, Translation

logger = logging.getLogger("translator")

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


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
    score: float | None = None  # the engine's score of ``output`` (see engines.base.ScoredIds)


@dataclass
class _Plan:
    """A document routed and cut: its pieces, its source language and notes for the user."""

    pieces: list[Piece]
    language: str | None
    notes: list[str]


def _copy_english_paragraphs(text: str, pieces: list[Piece]) -> tuple[list[Piece], list[str]]:
    """Mark the pieces of paragraphs detected as English as copied; return them and a note."""
    numbers = sorted({p.paragraph for p in pieces})
    spans = {
        n: (min(p.start for p in pieces if p.paragraph == n), max(p.end for p in pieces if p.paragraph == n))
        for n in numbers
    }
    detections = language.detect_paragraphs([text[a:b] for a, b in spans.values()])
    english = {n for n, found in zip(numbers, detections) if found.language == language.PASSTHROUGH}
    if not english:
        return pieces, []
    shown = ", ".join(str(n + 1) for n in sorted(english))
    note = f"already English, copied unchanged: paragraph{'s' if len(english) > 1 else ''} {shown}"
    return [replace(p, translatable=False) if p.paragraph in english else p for p in pieces], [note]


MIN_STREAM_GROUP = 12  # translatable pieces in each streaming group after the first


def stream_groups(pieces: list[Piece], first_pieces: int = 2, min_group: int = MIN_STREAM_GROUP) -> list[list[Piece]]:
    """Cut ``pieces`` into streaming groups: the first paragraph (at most ``first_pieces``
    translatable pieces), then groups of at least ``min_group`` pieces that at least double the
    translated count each time; a short last group joins the one before. Small groups would
    leave the engine's workers idle."""
    groups: list[list[Piece]] = [[]]
    in_group = 0
    target = max(1, first_pieces)
    for piece in pieces:
        if (
            groups[-1]
            and in_group >= 1
            and (in_group >= target or (len(groups) == 1 and piece.paragraph != groups[-1][-1].paragraph))
        ):
            done = sum(p.translatable for g in groups for p in g)
            target = max(min_group, done)  # the next group at least doubles the total
            groups.append([])
            in_group = 0
        groups[-1].append(piece)
        in_group += piece.translatable
    if len(groups) > 2 and sum(p.translatable for p in groups[-1]) < min_group // 2:
        tail = groups.pop()  # a short tail would run alone with idle workers
        groups[-1] += tail
    return groups


class Translator:
    """Translate Slovenian (or any source language of the chosen MarianMT model) into English.

    Models load on first use and are shared by every Translator in the process. ``cache`` (a
    :class:`~translator.cache.TranslationCache`, a spec such as ``"on"``, a ``.sqlite`` path or
    ``redis://...``, or None: no cache) keeps the English of each sentence: a sentence met again
    under the same model, engine and options never reaches the model. Raises ValueError for a bad
    option, source or cache spec, CacheUnavailable when the cache cannot be opened.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        engine: str | None = None,
        dtype: str | None = None,
        options: TranslationOptions | None = None,
        source: str = "auto",
        cache: TranslationCache | str | None = None,
        **option_overrides: object,
    ) -> None:
        self.model_name = model_name("translation", model)
        self.runtime = RuntimeOptions.from_env(device=device, engine=engine, dtype=dtype)
        self.options = replace(options or TranslationOptions(), **option_overrides)
        self.sources = tuple(self.options.sources or language.SUPPORTED_SOURCES)
        self.source = source or "auto"
        language.route("", self.source, self.sources)  # a bad source= fails here, naming the valid ones
        self.cache: TranslationCache | None = open_cache(cache, DEFAULT_CACHE_MB) if isinstance(cache, str) else cache
        self._loaded: LoadedModel | None = None

    def route(self, text: str) -> language.Route:
        """What this translator does with ``text``: translate it from ``.language``, pass it
        through (English), or raise UnsupportedLanguageError (a ValueError) naming the language."""
        return language.route(text, self.source, self.sources)

    @property
    def model(self) -> LoadedModel:
        """The loaded model (loads it on first access). Raises ModelNotFoundError."""
        if self._loaded is None:
            self._loaded = load(self.model_name, "translation", self.runtime)
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
        self, text: str, *, progress: Progress | None = None, first_pieces: int = 2
    ) -> Iterator[Translation]:
        """Yield growing partial translations of ``text``, the last one complete.

        The first group is small (the first paragraph, at most ``first_pieces`` sentences) so the
        first English shows within seconds; each later group holds at least 12 sentences and as
        many as everything before it, so batches stay full and the whole document costs little
        more than one call.
        """
        check_text(text, "iter_translate_document()")
        if not text.strip():
            yield Translation(text="", model=self.model_name)
            return
        plan = self._plan(text)
        pieces = plan.pieces
        total = sum(p.translatable for p in pieces)
        done_segments: list[Segment] = []
        done = 0
        for group in stream_groups(pieces, first_pieces):
            offset = done

            def group_progress(finished: int, _total: int, offset: int = offset) -> None:
                if progress:
                    progress(offset + finished, total)

            done_segments += self._translate_pieces(text, group, group_progress, plan.language)
            done += sum(p.translatable for p in group)
            last = group[-1] is pieces[-1]
            yield self._assemble(text if last else text[: group[-1].end], list(done_segments), plan)

    def translate_documents(self, texts: list[str], *, progress: Progress | None = None) -> list[Translation]:
        """Translate several documents at once: their sentences share batches.

        Raises UnsupportedLanguageError when one is in a language the model does not translate
        (check first with :meth:`route` to skip such documents instead)."""
        texts = check_texts(texts)
        return self._run_plans(texts, [self._plan(text) for text in texts], progress)

    def translate_units(
        self, documents: list[list[str]], *, progress: Progress | None = None
    ) -> list[list[Translation]]:
        """Translate documents given as their units (paragraphs, cells, cues, text nodes): the
        language is decided once per document, from all its units, so a short unit ("Foto:
        Reuters", a heading) is never refused or passed through on its own; under
        ``source="auto"`` a unit in English inside another language is copied. Sentences of all
        documents share batches. Returns the translations of each document's units, in order.
        Raises UnsupportedLanguageError for a document the model does not translate."""
        texts: list[str] = []
        plans: list[_Plan] = []
        for units in documents:
            units = check_texts(units, "translate_units()")
            texts += units
            plans += self._unit_plans(units)
        translations = iter(self._run_plans(texts, plans, progress))
        return [[next(translations) for _ in units] for units in documents]

    def _unit_plans(self, units: list[str]) -> list[_Plan]:
        joined = "\n\n".join(unit for unit in units if unit.strip())
        if not joined.strip():
            return [_Plan([], None, []) for _ in units]
        route = self.route(joined)
        english = [route.action == "passthrough"] * len(units)
        if route.action == "translate" and self.source == "auto" and len(units) > 1:
            found = iter(language.detect_paragraphs([unit for unit in units if unit.strip()]))
            english = [bool(unit.strip()) and next(found).language == language.PASSTHROUGH for unit in units]
        passthrough = language.Route(language.PASSTHROUGH, route.confidence, "passthrough")
        plans = [
            self._plan(unit, passthrough if is_english else route, english_paragraphs=len(units) == 1)
            for unit, is_english in zip(units, english)
        ]
        if route.action == "translate":  # the document is not English: say which parts are, below
            for plan in plans:
                plan.notes = [note for note in plan.notes if not note.startswith("already English: ")]
        copied = [str(i + 1) for i, is_english in enumerate(english) if is_english]
        if copied and route.action == "translate":
            plans[0].notes.append(
                f"already English, copied unchanged: part{'s' if len(copied) > 1 else ''} " + ", ".join(copied)
            )
        for plan in plans:
            plan.language = route.language
        return plans

    def _run_plans(self, texts: list[str], plans: list[_Plan], progress: Progress | None) -> list[Translation]:
        flat = [(doc, piece) for doc, plan in enumerate(plans) for piece in plan.pieces]
        segments = self._translate_flat([(texts[doc], piece, plans[doc].language) for doc, piece in flat], progress)
        per_doc: list[list[Segment]] = [[] for _ in texts]
        for (doc, _piece), segment in zip(flat, segments):
            per_doc[doc].append(segment)
        return [self._assemble(text, segs, plan) for text, segs, plan in zip(texts, per_doc, plans)]

    # -- pipeline -------------------------------------------------------------------------

    def _budget(self, model: LoadedModel) -> int:
        # room for the end-of-sentence mark; never above the model's own limit
        return max(8, min(self.options.max_piece_tokens, model.max_input_tokens - 2))

    def _plan(self, text: str, route: language.Route | None = None, *, english_paragraphs: bool = True) -> _Plan:
        """Route ``text`` by language (unless ``route`` is given) and cut it into pieces. English
        is copied without loading a model; under ``source="auto"`` (and ``english_paragraphs``)
        an English paragraph inside another language is copied."""
        if not text.strip():
            return _Plan([], None, [])
        route = route or self.route(text)
        if route.action == "passthrough":
            pieces = [replace(p, translatable=False) for p in segment_document(text, lang=language.PASSTHROUGH)]
            return _Plan(pieces, route.language, ["already English: copied unchanged"])
        model = self.model
        pieces = segment_document(
            text,
            lang=language.sentence_rules_for(route.language),
            count_tokens=model.count_tokens,
            max_tokens=self._budget(model),
        )
        notes: list[str] = []
        if english_paragraphs and self.source == "auto" and any(p.paragraph for p in pieces):
            pieces, notes = _copy_english_paragraphs(text, pieces)
        return _Plan(pieces, route.language, notes)

    def _translate_pieces(
        self, text: str, pieces: list[Piece], progress: Progress | None, lang: str | None
    ) -> list[Segment]:
        return self._translate_flat([(text, piece, lang) for piece in pieces], progress)

    def _translate_flat(self, items: list[tuple[str, Piece, str | None]], progress: Progress | None) -> list[Segment]:
        """Segments of (document, piece, route language) items, in order."""
        sources = [text[piece.start : piece.end] for text, piece, _lang in items]
        # identical sentences (datelines, bylines, repeated headings) are translated once
        languages: dict[str, str | None] = {}
        for source, (_, piece, lang) in zip(sources, items):
            if piece.translatable:
                languages.setdefault(source, lang)
        if not languages:  # nothing for the model (English, numbers only): no model is loaded
            return [
                Segment(s, s, p.start, p.end, p.paragraph, translated=False) for s, (_, p, _l) in zip(sources, items)
            ]
        model = self.model
        by_source = self._english(model, languages, progress)
        segments = []
        for source, (_, piece, _lang) in zip(sources, items):
            if not piece.translatable:
                segments.append(Segment(source, source, piece.start, piece.end, piece.paragraph, translated=False))
                continue
            found = by_source[source]
            target, warnings = found.target, found.warnings
            if not target:
                warnings += ("empty translation: the source is kept in its place",)
                target = source
            segments.append(
                Segment(source, target, piece.start, piece.end, piece.paragraph, True, warnings, score=found.score)
            )
        return segments

    def _english(
        self, model: LoadedModel, languages: dict[str, str | None], progress: Progress | None
    ) -> dict[str, CachedPiece]:
        """What the model makes of each unique source (its route language beside it): from the
        cache where it holds the source, else from the model, and then stored."""
        sources = list(languages)
        keys: dict[str, str] = {}
        hits: dict[str, CachedPiece] = {}
        if self.cache is not None:
            context = context_key(model.identity, model.engine_identity, self.options)
            keys = {s: piece_key(context, languages[s], s) for s in sources}
            stored = self.cache.get_many(list(keys.values()))
            hits = {s: stored[k] for s, k in keys.items() if k in stored}
            if hits and progress:  # hits count as done at once
                report, offset, total = progress, len(hits), len(sources)
                report(offset, total)
                progress = lambda done, _total: report(offset + done, total)  # noqa: E731
        misses = [s for s in sources if s not in hits]
        jobs = self._run_jobs(model, misses, progress) if misses else []
        made = {s: CachedPiece(model.decode(job.output or []), job.score, job.warnings) for s, job in zip(misses, jobs)}
        if self.cache is not None and made:
            now = context_key(model.identity, model.engine_identity, self.options)
            if now != context:  # engine auto fell back to transformers during the call
                keys = {s: piece_key(now, languages[s], s) for s in made}
            self.cache.put_many({keys[s]: piece for s, piece in made.items()})
        return {**hits, **made}

    def _run_jobs(self, model: LoadedModel, sources: list[str], progress: Progress | None) -> list[_Job]:
        opts = self.options
        encoded = model.encode(sources) if sources else []
        limit = model.max_input_tokens
        jobs = [
            _Job(ids, min(limit, int(opts.max_length_ratio * len(ids)) + opts.max_length_offset)) for ids in encoded
        ]
        self._generate(model, jobs, progress=progress)
        if opts.retry_repetitions:
            suspects = [job for job in jobs if is_repetitive(job.output or [])]
            if suspects:
                logger.info(
                    "%d of %d sentences repeat themselves: retrying with a repetition penalty", len(suspects), len(jobs)
                )
                self._generate(
                    model,
                    suspects,
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

    def _generate(self, model: LoadedModel, jobs: list[_Job], progress: Progress | None = None, **extra) -> None:
        opts = self.options
        # engine calls: each engine cuts a call again into the batches it runs (the same
        # algorithm, its own budget); a call is the unit of progress reports and outputs
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

    def _assemble(self, text: str, segments: list[Segment], plan: _Plan) -> Translation:
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
        if not text.strip():
            return Translation(text="", model=self.model_name)
        return Translation(
            text="".join(parts),
            segments=segments,
            warnings=warnings,
            model=self.model_name,
            language=plan.language,
            notes=list(plan.notes),
        )
