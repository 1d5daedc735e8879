"""Slovenian → English: documents → pieces → length-sorted batches → engine → documents again.

Every entry point (the Python API, the CLI, the folder batch, the web page and the REST API)
comes through one route: :meth:`Translator.translate_documents` (``translate`` and
``translate_document`` delegate to it; :meth:`Translator.iter_translate_document` is its
streaming twin, on the same plans and the same generation). The no-loss rules live in one place:
each source character lands in exactly one :class:`~translator.results.Segment`, whitespace
between pieces is copied verbatim (paragraphs and line breaks survive), and a sentence longer
than the model's budget is split (segment.py), never truncated. A document is routed by language
once (plans.py), its unique pieces go through the model once (generation.py, with the sentence
cache in front), and the English is put back in place (:meth:`Translator._assemble`).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any, overload

from translator.core.cache import DEFAULT_CACHE_MB, CachedPiece, TranslationCache, context_key, open_cache, piece_key
from translator.core.generation import Progress, ahead, n_best, run_jobs
from translator.core.memory import TranslationMemory, open_memory
from translator.core.memory.recall import recall
from translator.core.plans import Plan, plan_text, plan_units, stream_groups
from translator.core.terms import honour
from translator.engines import LoadedModel
from translator.engines.loaded import LazyModel
from translator.engines.models import Kind
from translator.errors import InvalidInputError, InvalidTypeError
from translator.options import MAX_ALTERNATIVES, TranslationOptions
from translator.results import Segment, Translation
from translator.text import language
from translator.text.inputs import check_text, check_texts
from translator.text.pieces import Piece
from translator.text.terms import Terms

__all__ = ["Progress", "TextOrUnits", "Translator"]

TextOrUnits = str | Sequence[str]
"""A document: its text, or its units (paragraphs, cells, cues, text nodes) in order."""
LanguageRoute = language.LanguageRoute


class Translator(LazyModel):
    """Translate Slovenian (or any source language of the chosen MarianMT model) into English.

    Models load on first use and are shared by every Translator in the process.

    Args:
        model: a Hub id or a local folder (default: ``$TRANSLATOR_TRANSLATION_MODEL``, else
            ``Helsinki-NLP/opus-mt-tc-big-zls-en``).
        device, engine, dtype: as :class:`~translator.options.RuntimeOptions` (None: the
            environment, else ``auto``).
        options: :class:`~translator.options.TranslationOptions`; ``option_overrides`` replace its
            fields (``num_beams=1``, ``max_piece_tokens=120``).
        source: ``"auto"`` (detected per document) or a language code to translate from.
        cache: a :class:`~translator.core.cache.TranslationCache`, a spec (``"on"``, a ``.sqlite``
            path, ``redis://...``) or None (no cache). The cache keeps the English of each
            sentence: a sentence met again under the same model, engine and options never
            reaches the model.
        memory: a :class:`~translator.core.memory.TranslationMemory`, a spec (``"on"``, a path,
            ``redis://...``) or None. A sentence it holds is answered from it, before the cache,
            never reaching the model (``origin="memory"``); near matches go in ``matches``.
        terms: a glossary and do-not-translate strings the English honours
            (:mod:`translator.core.terms`); None or empty: none.

    Raises:
        InvalidInputError: a bad option, source (the message names the valid ones) or cache spec.
        CacheUnavailable: the cache cannot be opened.
    """

    kind: Kind = "translation"

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
        memory: TranslationMemory | str | None = None,
        terms: Terms | None = None,
        **option_overrides: Any,
    ) -> None:
        super().__init__(model, device, engine, dtype)
        self.options = replace(options or TranslationOptions(), **option_overrides)
        self.sources = tuple(self.options.sources or language.SUPPORTED_SOURCES)
        self.source = source or "auto"
        if self.source.strip().lower() != "auto":
            language.route_language("", self.source, self.sources)  # a bad source= fails here, naming the valid ones
        self.cache: TranslationCache | None = open_cache(cache, DEFAULT_CACHE_MB) if isinstance(cache, str) else cache
        self.memory: TranslationMemory | None = open_memory(memory) if isinstance(memory, str) else memory
        self.terms = terms or None

    def route(self, text: str) -> language.LanguageRoute:
        """What this translator does with ``text``: translate it from ``.language``, pass it
        through (English), or raise UnsupportedLanguageError (a ValueError) naming the language."""
        return language.route_language(text, self.source, self.sources)

    @overload
    def translate(self, text: str, *, progress: Progress | None = None) -> str: ...
    @overload
    def translate(self, text: list[str], *, progress: Progress | None = None) -> list[str]: ...

    def translate(self, text, *, progress=None):
        """The English of a str, or of each text of a list (same order; their sentences share
        batches): :meth:`translate_documents`' texts.

        Raises:
            InvalidTypeError: ``text`` is not a str or a list of str.
            InvalidTextError: a text is not valid Unicode (a lone surrogate).
            UnsupportedLanguageError: a text is in a language the model does not translate.
            ModelNotFoundError: the model is neither local nor downloadable.
        """
        if isinstance(text, str):
            return self.translate_documents([text], progress=progress)[0].text
        return [doc.text for doc in self.translate_documents(check_texts(text), progress=progress)]

    def translate_document(self, text: str, *, progress: Progress | None = None) -> Translation:
        """:meth:`translate_documents` for one text: its English with every piece paired with its
        source (``.segments``), the warnings, language and notes. Raises as :meth:`translate`."""
        check_text(text, "translate_document()")
        return self.translate_documents([text], progress=progress)[0]

    def translate_documents(
        self,
        documents: Sequence[TextOrUnits],
        *,
        routes: Sequence[LanguageRoute | None] | None = None,
        progress: Progress | None = None,
    ) -> list[Translation]:
        """Translate documents, each a text or a list of its units (paragraphs, cells, cues, text
        nodes); the sentences of all of them share batches.

        Each document is routed by language once (``routes[i]``, when the caller has decided it
        already, e.g. at the REST edge; else detected from the whole document, all its units
        together, so a short unit such as "Foto: Reuters" is never refused or passed through on
        its own). English comes back unchanged without loading a model; under ``source="auto"``
        an English paragraph or unit inside another language is copied, and a note says which.

        Args:
            documents: texts, or lists of units (a unit's English is in the result's ``parts``;
                its ``text`` is the units' English joined by blank lines, and segment offsets
                are offsets into their own unit).
            routes: one route (or None: detect) per document.
            progress: called with (pieces done, pieces in all) as batches finish.

        Returns:
            One :class:`~translator.results.Translation` per document, in order.

        Raises:
            InvalidTypeError, InvalidTextError: a document or unit is not valid text.
            UnsupportedLanguageError: a document is in a language the model does not translate
                (check first with :meth:`route` to skip such documents instead).
            ModelNotFoundError: the model is neither local nor downloadable.
        """
        if not isinstance(documents, (list, tuple)):
            raise InvalidTypeError(
                "translate_documents() takes a list of documents (texts or lists of units), "
                f"not {type(documents).__name__}"
            )
        if routes is not None and len(routes) != len(documents):
            raise InvalidInputError(f"{len(documents)} documents but {len(routes)} routes")
        given = list(routes or [None] * len(documents))
        units = [self._units(document) for document in documents]
        plans = [self._plans(parts, where) for parts, where in zip(units, given)]
        texts = [unit for parts in units for unit in parts]
        flat_plans = [plan for doc_plans in plans for plan in doc_plans]
        flat = [(t, piece) for t, plan in enumerate(flat_plans) for piece in plan.pieces]
        segments = self._translate_pieces([(texts[t], piece, flat_plans[t].language) for t, piece in flat], progress)
        per_unit: list[list[Segment]] = [[] for _ in texts]
        for (t, _piece), segment in zip(flat, segments):
            per_unit[t].append(segment)
        done = iter(self._assemble(text, segs, plan) for text, segs, plan in zip(texts, per_unit, flat_plans))
        results = []
        for document, parts in zip(documents, units):
            mine = [next(done) for _ in parts]
            results.append(mine[0] if isinstance(document, str) else Translation.joined(mine))
        return results

    def iter_translate_document(
        self, text: str, *, progress: Progress | None = None, first_pieces: int = 2, overlap: bool | None = None
    ) -> Iterator[Translation]:
        """The streaming twin of :meth:`translate_document`: growing partial translations of
        ``text``, the last one complete and equal to what :meth:`translate_document` returns.

        The first group is small (the first paragraph, at most ``first_pieces`` sentences) so the
        first English shows within seconds; each later group holds at least 12 sentences and as
        many as everything before it (:func:`~translator.core.plans.stream_groups`), so batches stay
        full. With ``overlap`` (default: where the engine decodes several calls side by side,
        CTranslate2's workers) the next group is already submitted while one is decoded, so the
        workers never idle at a group's end and the whole document costs about one call.
        Raises as :meth:`translate`.
        """
        check_text(text, "iter_translate_document()")
        [plan] = self._plans([text], None)
        if not plan.pieces:
            yield self._assemble(text, [], plan)
            return
        groups = stream_groups(plan.pieces, first_pieces)
        jobs = [[(text, piece, plan.language) for piece in group] for group in groups]
        if overlap is None:
            overlap = len(groups) > 1 and getattr(self.model.engine, "name", "") == "ct2"
        done_segments: list[Segment] = []
        for group, segments in zip(groups, self._grouped(jobs, progress, overlap)):
            done_segments += segments
            last = group[-1] is plan.pieces[-1]
            yield self._assemble(text if last else text[: group[-1].end], list(done_segments), plan)

    def _grouped(
        self, jobs: list[list[tuple[str, Piece, str | None]]], progress: Progress | None, overlap: bool
    ) -> Iterator[list[Segment]]:
        """The segments of each group of ``jobs``, in order; with ``overlap`` two groups are in
        the engine at once (the next one waits in its queue while one is decoded). Progress is
        reported from the calling thread only (the page's progress bar is not thread-safe)."""
        total = sum(piece.translatable for group in jobs for _t, piece, _l in group)
        finished = [0] * len(jobs)
        events: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()

        def report() -> None:
            while not events.empty():
                index, count = events.get()
                finished[index] = count
            if progress:
                progress(sum(finished), total)

        def run(index: int) -> list[Segment]:
            return self._translate_pieces(jobs[index], lambda done, _all: events.put((index, done)))

        if not overlap:
            for index in range(len(jobs)):
                segments = run(index)
                report()
                yield segments
            return
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="translator-stream")
        try:
            pending = {0: pool.submit(run, 0)}
            for index in range(len(jobs)):
                if index + 1 < len(jobs):
                    pending[index + 1] = pool.submit(run, index + 1)
                future = pending.pop(index)
                while True:
                    try:
                        segments = future.result(timeout=0.2)
                        break
                    except FutureTimeout:
                        report()
                report()
                yield segments
        finally:  # a reader that stops early (a closed page) leaves at most one group running
            pool.shutdown(wait=True, cancel_futures=True)

    def alternatives(self, texts: list[str], count: int, *, exclude: Sequence[str] | None = None) -> list[list[str]]:
        """Up to ``count`` other English translations of each text, best first.

        Each piece is asked for its ``count + 1`` best hypotheses in one beam search at least that
        wide; alternative *k* puts each piece's *k*-th best in its place (its best where it has
        fewer), as argos-translate (LibreTranslate) builds them. An alternative equal to the
        text's translation (``exclude[i]``, else translated now) or to an earlier one is left out,
        so there may be fewer than ``count``; English and blank texts have none.

        Raises:
            InvalidInputError: ``count`` is not a whole number from 0 to
                :data:`~translator.options.MAX_ALTERNATIVES`, or ``exclude`` does not match ``texts``.
            and as :meth:`translate`.
        """
        texts = check_texts(texts, "alternatives()")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_ALTERNATIVES:
            raise InvalidInputError(f"count must be a whole number from 0 to {MAX_ALTERNATIVES}, got {count!r}")
        if exclude is not None and len(exclude) != len(texts):
            raise InvalidInputError(f"{len(texts)} texts but {len(exclude)} translations to exclude")
        plans = [self._plans([text], None)[0] for text in texts]
        sources = {
            text[p.start : p.end]: None for text, plan in zip(texts, plans) for p in plan.pieces if p.translatable
        }
        if count == 0 or not sources:
            return [[] for _ in texts]
        known = list(exclude) if exclude is not None else [doc.text for doc in self.translate_documents(texts)]
        hypotheses = dict(zip(sources, n_best(self.model, list(sources), self.options, count + 1)))
        found: list[list[str]] = []
        for text, plan, translation in zip(texts, plans, known):
            candidates = []
            for k in range(count + 1):
                segments = []
                for p in plan.pieces:
                    source = text[p.start : p.end]
                    options = hypotheses.get(source) if p.translatable else None
                    target = (options[k] if k < len(options) else options[0]) if options else source
                    segments.append(Segment(source, target, p.start, p.end, p.paragraph, p.translatable))
                candidates.append(self._assemble(text, segments, plan).text)
            unique = [c for n, c in enumerate(candidates) if c != translation and c not in candidates[:n]]
            found.append(unique[:count] if any(p.translatable for p in plan.pieces) else [])
        return found

    # -- the route ----------------------------------------------------------------------------

    @staticmethod
    def _units(document: TextOrUnits) -> list[str]:
        if isinstance(document, str):
            return [check_text(document, "translate_documents()")]
        if isinstance(document, (list, tuple)):
            return check_texts(list(document), "translate_documents()")
        raise InvalidTypeError(f"a document is a str or a list of str units, not {type(document).__name__}")

    def _budget(self, model: LoadedModel) -> int:
        # room for the end-of-sentence mark; never above the model's own limit
        return max(8, min(self.options.max_piece_tokens, model.max_input_tokens - 2))

    def _plans(self, units: list[str], route: LanguageRoute | None) -> list[Plan]:
        """The plans of a document's units, routed once for the whole document (by ``route``
        when given). English is planned without loading a model."""
        joined = "\n\n".join(unit for unit in units if unit.strip())
        if not joined.strip():
            return [Plan([], None) for _ in units]
        route = route or self.route(joined)
        count: Callable[[str], int]
        if route.action == "passthrough":
            count, budget = len, 1 << 30  # no model needed to copy English
        else:
            count, budget = self.model.count_tokens, self._budget(self.model)
        if len(units) == 1:
            return [
                plan_text(units[0], route, count_tokens=count, max_tokens=budget, copy_english=self.source == "auto")
            ]
        return plan_units(units, route, count_tokens=count, max_tokens=budget, detect_units=self.source == "auto")

    def _translate_pieces(self, items: list[tuple[str, Piece, str | None]], progress: Progress | None) -> list[Segment]:
        """Segments of (text, piece, route language) items, in order."""
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
        approved, near = recall(self.memory, languages, self.source)  # the memory, before the cache
        recalled = {source: CachedPiece(english) for source, english in approved.items()}
        progress = ahead(progress, len(recalled), len(languages))  # memory answers are done at once
        rest = {source: lang for source, lang in languages.items() if source not in recalled}
        cached: set[str] = set()
        english = self._english(self.model, rest, progress, cached) if rest else {}
        if self.terms and english:  # glossary and kept strings; the memory's answers are the editors' own
            model = self.model
            more = lambda sources: self._english(model, sources, None, set())  # noqa: E731
            english = honour(model, self.options, self.terms, rest, english, more)
        by_source = {**english, **recalled}
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
            origin = "memory" if source in recalled else "cache" if source in cached else "model"
            where = (piece.start, piece.end, piece.paragraph)
            segments.append(Segment(source, target, *where, True, warnings, found.score, origin, near.get(source, ())))
        return segments

    def _english(
        self, model: LoadedModel, languages: dict[str, str | None], progress: Progress | None, cached: set[str]
    ) -> dict[str, CachedPiece]:
        """What the model makes of each unique source (its route language beside it): from the
        cache where it holds the source (added to ``cached``), else from the model, and then stored."""
        sources = list(languages)
        keys: dict[str, str] = {}
        hits: dict[str, CachedPiece] = {}
        if self.cache is not None:
            context = context_key(model.identity, model.engine_identity, self.options)
            keys = {s: piece_key(context, languages[s], s) for s in sources}
            stored = self.cache.get_many(list(keys.values()))
            hits = {s: stored[k] for s, k in keys.items() if k in stored}
            cached.update(hits)
            progress = ahead(progress, len(hits), len(sources))  # hits are done at once
        misses = [s for s in sources if s not in hits]
        jobs = run_jobs(model, misses, self.options, progress) if misses else []
        made = {s: CachedPiece(model.decode(job.output or []), job.score, job.warnings) for s, job in zip(misses, jobs)}
        if self.cache is not None and made:
            now = context_key(model.identity, model.engine_identity, self.options)
            if now != context:  # engine auto fell back to transformers during the call
                keys = {s: piece_key(now, languages[s], s) for s in made}
            self.cache.put_many({keys[s]: piece for s, piece in made.items()})
        return {**hits, **made}

    def _assemble(self, text: str, segments: list[Segment], plan: Plan) -> Translation:
        return Translation.assemble(
            text, segments, model=self.model_name, language=plan.language, notes=[str(note) for note in plan.notes]
        )
