"""The page's work, without any page: settings, model status, input checks, per-model gates,
downloads. Every translation goes through :mod:`translator.core.pipeline`.

Nothing here imports gradio: failures are plain exceptions (ValueError, TypeError,
ModelNotFoundError) that page.py turns into messages on the page.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from translator.core import pipeline
from translator.core.cache import CacheUnavailable, ScopedCache, TranslationCache, open_cache, server_cache_spec
from translator.core.memory import MemoryUnavailable, TranslationMemory, open_memory, server_memory_spec
from translator.core.summarize import Summarizer
from translator.core.translate import Progress, Translator
from translator.engines import models, shared
from translator.engines.observed import add_observer
from translator.formats.glossary import load_terms
from translator.options import DEFAULT_BEAMS, MAX_FILE_BYTES, RuntimeOptions, check_length, model_name
from translator.paths import suggestions_path
from translator.results import TranslationAndSummary
from translator.server import metrics
from translator.server.abandon import Watch, dropped_when_gone
from translator.server.downloads import Downloads
from translator.server.settings import Settings
from translator.system.durable import atomic_write
from translator.system.records import SuggestionStore
from translator.text.inputs import check_size, check_text
from translator.text.language import LanguageRoute
from translator.text.terms import Terms

logger = logging.getLogger("translator")

MODEL_RECHECK_S = 60.0  # how long a missing model's status is kept before the page looks again


@dataclass(frozen=True)
class ModelStatus:
    """Whether one of the page's models is ready: ``detail`` is the engine it runs on when
    ``ready``, else the first line of the error (which names the fix)."""

    kind: str  # "translation" | "summary"
    name: str
    ready: bool
    detail: str


SHARED_CONCURRENCY = 8
"""Requests each model serves at once when their sentences share engine batches (a batch window):
their rounds are cut to the engine's budget, so more requests cost no more memory in the engine,
only their own texts (counted by the admission budget)."""


def default_concurrency(device: str, window_ms: float = 0.0) -> int:
    """With a batch window, :data:`SHARED_CONCURRENCY` requests per model at once (they share
    batches); without one, one request per model at a time on CPU (they would only fight over the
    cores), two on a GPU."""
    if window_ms > 0:
        return SHARED_CONCURRENCY
    try:
        return 1 if models.resolve_device(device) == "cpu" else 2
    except ValueError:
        return 1


class Backend:
    """The page's work, shared by its buttons and its API endpoints.

    Models load once per process (models.py caches them); the Translator/Summarizer made per
    beam count are light. Gradio's queue limits each event group; the gates make the limit hold
    per model even when two groups (``/summarize`` and ``/translate_and_summarize``) need the
    same one.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime = RuntimeOptions.from_env(settings.device, settings.engine)
        if settings.threads:  # --threads: CTranslate2's threads per model (torch's: cli/serve.py)
            self.runtime = dataclasses.replace(self.runtime, ct2_intra_threads=settings.threads)
        self.translation_model = model_name("translation", settings.translation_model)
        self.summary_model = model_name("summary", settings.summary_model)
        shared.set_window(settings.batch_window_ms)  # process-wide: the models are shared too
        shared.add_batch_observer(metrics.observe_round)
        self.concurrency = settings.concurrency or default_concurrency(self.runtime.device, settings.batch_window_ms)
        self._gates = {kind: threading.BoundedSemaphore(self.concurrency) for kind in ("translation", "summary")}
        self._lock = threading.Lock()
        self._status: tuple[float, list[ModelStatus]] | None = None
        self.downloads = Downloads(prefix="translator-ui-")  # pruned after 30 minutes, removed at shutdown
        # one sentence cache for every Translator of this server (docs: operating.md, Translation cache)
        self.cache: TranslationCache | None = None
        try:
            self.cache = open_cache(
                server_cache_spec(settings.translation_cache, settings.shared_storage), settings.translation_cache_mb
            )
        except CacheUnavailable as exc:  # a read-only home, Redis down: serve, only slower
            logger.warning("%s: serving without a translation cache", exc)
        self._cache_counts = metrics.CacheCounts(self.cache) if self.cache is not None else None
        # the suggestions of the REST API (POST /suggest) and of the page's correction box
        self.suggestions = (
            SuggestionStore(
                settings.suggestions_db or suggestions_path(),
                max_rows=settings.suggestions_per_client,
                max_bytes=int(settings.suggestions_mb_per_client * 2**20),
            )
            if settings.suggestions
            else None
        )
        # one translation memory for every caller (not scoped by API key: it is the newsroom's own words)
        self.memory: TranslationMemory | None = None
        try:
            self.memory = open_memory(
                server_memory_spec(settings.memory, settings.shared_storage), settings.memory_near
            )
        except MemoryUnavailable as exc:
            logger.warning("%s: serving without a translation memory", exc)
        add_observer(metrics.observe_model_seconds)  # translator_model_seconds: every engine call
        # --glossary and --keep-file: every request's English honours them (docs: own-words.md)
        self.terms: Terms | None = load_terms(
            [settings.glossary] if settings.glossary else (), (), [settings.keep_file] if settings.keep_file else ()
        )

    # -- models ------------------------------------------------------------------------------

    def translator(
        self,
        num_beams: object = DEFAULT_BEAMS,
        source: str | None = None,
        scope: str | None = None,
        terms: Terms | None = None,
    ) -> Translator:
        """A Translator for the page's model with ``num_beams`` (ValueError unless 1 to 6) from
        ``source`` (None: the page's ``Settings.source``; "auto": detected; ValueError naming the
        valid codes for a bad one). ``scope``: an API key whose cache entries are its own
        (None: the entries every caller without a key shares). ``terms``: a request's glossary
        and kept strings, added to the server's (``--glossary``, ``--keep-file``)."""
        runtime = self.runtime
        cache = self.cache
        if cache is not None and scope is not None:
            cache = ScopedCache(cache, scope)
        return Translator(
            self.translation_model,
            device=runtime.device,
            engine=runtime.engine,
            dtype=runtime.dtype,
            num_beams=num_beams,
            source=source or self.settings.source,
            cache=cache,
            memory=self.memory,
            terms=self.terms.merged(terms) if self.terms else terms,
        )

    def summarizer(self, num_beams: object = DEFAULT_BEAMS) -> Summarizer:
        """A Summarizer for the page's model with ``num_beams`` (ValueError unless 1 to 6)."""
        runtime = self.runtime
        return Summarizer(
            self.summary_model,
            device=runtime.device,
            engine=runtime.engine,
            dtype=runtime.dtype,
            num_beams=num_beams,
        )

    def model_status(self) -> list[ModelStatus]:
        """Load both models (once) and say whether each is ready. Never raises: a missing model
        is a status the page shows. Kept for good once both are ready; while one is missing it is
        looked for again at most every minute (a page load must not keep searching)."""
        with self._lock:
            if self._status is not None:
                checked, statuses = self._status
                if all(s.ready for s in statuses) or time.monotonic() - checked < MODEL_RECHECK_S:
                    return statuses
            statuses = [self._check("translation", self.translator), self._check("summary", self.summarizer)]
            self._status = (time.monotonic(), statuses)
            return statuses

    def cached_status(self) -> list[ModelStatus] | None:
        """The last :meth:`model_status` answer, without loading or looking for anything (None:
        not checked yet): for health checks, which must answer at once."""
        status = self._status
        return None if status is None else status[1]

    def _check(self, kind: str, make) -> ModelStatus:
        worker = make(self.settings.num_beams)
        try:
            description = worker.model.engine.description
        except (RuntimeError, ValueError, OSError) as exc:  # ModelNotFoundError, EngineUnavailable...
            logger.info("%s model %s is not available: %s", kind, worker.model_name, exc)
            metrics.model_ready(kind, False)
            # the status names the model itself: the detail is the reason and the fix, said once
            detail = getattr(exc, "reason", None) or str(exc)
            return ModelStatus(kind, worker.model_name, False, detail.strip().splitlines()[0])
        metrics.model_ready(kind, True)
        return ModelStatus(kind, worker.model_name, True, description)

    # -- checks ------------------------------------------------------------------------------

    def check_input(self, text: object, what: str = "text", endpoint: str = "the page") -> str:
        """``text`` if it is a non-empty str within the page's limit; TypeError/ValueError
        saying what is wrong and what to do otherwise."""
        text = check_text("" if text is None else text, endpoint)
        if not text.strip():
            raise ValueError(f"The {what} is empty: paste an article, upload a file or pick the example.")
        return check_size(text, self.settings.max_chars)

    # -- work --------------------------------------------------------------------------------

    def run(
        self,
        text: object,
        *,
        summary: bool = False,
        length: str = "medium",
        num_beams: object = None,
        endpoint: str = "the page",
        source: str | None = None,
        terms: Terms | None = None,
    ) -> TranslationAndSummary:
        """Translate ``text`` from ``source`` (None: the server's ``--source``; "auto": detected)
        and summarise the English when ``summary``: the API endpoints. Raises TypeError/
        ValueError for bad input or options, ModelNotFoundError."""
        text = self.check_input(text, endpoint=endpoint)
        translator, summarizer, length = self._workers(summary, length, num_beams, source, terms=terms)
        with self._holding(summarizer is not None):
            result = pipeline.run(text, translator, summarizer, length=length)
        self._counted([result])
        return result

    def stream(
        self,
        text: object,
        *,
        summary: bool = False,
        length: str = "medium",
        num_beams: object = None,
        progress: Progress | None = None,
        endpoint: str = "the page",
        source: str | None = None,
        terms: Terms | None = None,
    ) -> Iterator[TranslationAndSummary]:
        """Yield growing partial results as paragraph groups finish, the last one complete and
        with its summary when ``summary``: the page's buttons. Raises as :meth:`run`."""
        text = self.check_input(text, endpoint=endpoint)
        translator, summarizer, length = self._workers(summary, length, num_beams, source, terms=terms)
        result = None
        with self._holding(summarizer is not None):
            for result in pipeline.stream(text, translator, summarizer, length=length, progress=progress):
                yield result
        self._counted([result] if result is not None else [])

    def run_documents(
        self,
        documents: list[list[str]],
        *,
        source: str = "auto",
        summary: bool = False,
        length: str = "medium",
        num_beams: object = None,
        routes: Sequence[LanguageRoute | None] | None = None,
        watch: Watch | None = None,
        scope: str | None = None,
        terms: Terms | None = None,
    ) -> list[TranslationAndSummary]:
        """Translate several documents from ``source``, each given as its units (REST lists,
        HTML, uploaded files), in one pipeline call under the same gates as :meth:`run`; each
        result's ``parts`` holds the English of each unit. ``routes``: each document's language
        where the caller has detected it already. ``watch``: the request's client; once it is
        gone the work stops before the model and after any batch (Abandoned). ``scope``: the
        caller's cache scope (:meth:`translator`); ``terms``: the request's glossary and kept strings.
        The caller checks the sizes. Raises as :meth:`run`."""
        translator, summarizer, length = self._workers(summary, length, num_beams, source, scope, terms)
        with self._holding(summarizer is not None):
            progress = None
            if watch is not None:
                watch.check()  # it waited for the model: is anyone still waiting for it?
                progress = watch.progress
            with dropped_when_gone(watch):
                results = pipeline.run_documents(
                    documents, translator, summarizer, length=length, routes=routes, progress=progress
                )
        self._counted(results)
        return results

    def alternatives(
        self,
        texts: list[str],
        count: int,
        *,
        source: str,
        exclude: Sequence[str] | None = None,
        num_beams: object = None,
        watch: Watch | None = None,
    ) -> list[list[str]]:
        """Up to ``count`` other translations of each text from ``source``, best first, none equal
        to ``exclude[i]`` (the translation already given): :meth:`Translator.alternatives`, under
        the translation gate. Raises as :meth:`run`."""
        translator, _summarizer, _length = self._workers(False, "medium", num_beams, source)
        with self._holding(False):
            if watch is not None:
                watch.check()
            return translator.alternatives(texts, count, exclude=exclude)

    def _counted(self, results: list[TranslationAndSummary]) -> None:
        metrics.count_translated(results)
        if self._cache_counts is not None:
            self._cache_counts.sync()

    def _workers(
        self,
        summary: bool,
        length: str,
        num_beams: object,
        source: str | None = None,
        scope: str | None = None,
        terms: Terms | None = None,
    ):
        beams = self.settings.num_beams if num_beams is None else num_beams
        translator = self.translator(beams, source, scope, terms)
        return translator, self.summarizer(beams) if summary else None, check_length(length)

    @contextmanager
    def _holding(self, summary: bool) -> Iterator[None]:
        # always taken in this order (translation, then summary), so two requests never wait on
        # each other; the summary gate is held from the start so that the work stays one
        # pipeline call
        with ExitStack() as gates:
            gates.enter_context(metrics.waiting_for(self._gates["translation"], "translation"))
            if summary:
                gates.enter_context(metrics.waiting_for(self._gates["summary"], "summary"))
            yield

    def summarize(
        self,
        english: object,
        length: str = "medium",
        num_beams: object = None,
        endpoint: str = "the page",
        watch: Watch | None = None,
    ) -> str:
        """A summary of English text (the ``/summarize`` endpoint); dropped (Abandoned) when
        ``watch`` says its client left while it waited for the model."""
        english = self.check_input(english, "English text", endpoint)
        length = check_length(length)
        summarizer = self.summarizer(self.settings.num_beams if num_beams is None else num_beams)
        with metrics.waiting_for(self._gates["summary"], "summary"):
            if watch is not None:
                watch.check()
            return pipeline.summarize(english, summarizer, length=length)

    # -- files -------------------------------------------------------------------------------

    def write_downloads(self, result: TranslationAndSummary) -> tuple[Path, Path]:
        """Write translation.txt and translation.json (``result.to_dict()``, the one JSON shape)
        into a fresh folder of their own (older ones are pruned); return both paths."""
        folder = self.downloads.new_folder()
        text = result.translation.rstrip("\n") + "\n"
        if result.summary:
            text += "\nSummary\n-------\n" + result.summary.strip() + "\n"
        txt = atomic_write(folder / "translation.txt", text)
        data = atomic_write(folder / "translation.json", result.to_json(indent=2) + "\n")
        return txt, data


def supported_suffixes() -> list[str]:
    """The file suffixes an upload may have (the CLI's and the batch's readers)."""
    from translator.formats.files import SUPPORTED_SUFFIXES

    return list(SUPPORTED_SUFFIXES)


def read_upload(path: str | Path | None, max_bytes: int = MAX_FILE_BYTES, max_chars: int | None = None) -> str:
    """The text of an uploaded file (``""`` for none), through the CLI's and the batch's
    readers. Raises ValueError naming the file and what is wrong with it."""
    from translator.formats.files import FileFormatError, document_text, read_document

    if not path:
        return ""
    file = Path(path)
    suffixes = supported_suffixes()
    if file.suffix.lower() not in suffixes:
        raise ValueError(
            f"{file.name}: {file.suffix or 'files without a suffix'} is not supported. "
            f"Upload one of: {', '.join(suffixes)}."
        )
    try:
        return document_text(read_document(file, max_bytes, max_chars))
    except (FileFormatError, OSError, UnicodeError, ValueError) as exc:
        raise ValueError(f"Could not read {file.name}: {exc}") from exc
