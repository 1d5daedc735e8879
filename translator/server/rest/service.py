"""What each REST route does, without its HTTP route: the API's keys and limits, downloads,
admission and stores, and the work of each call (routes.py gives them their paths).

Every call is checked in this order, as LibreTranslate does: the body (413 past its size, 400
if it is not a JSON object or a form), the key and the rate (403, 429, before any work), then
the parameters (400). The key and the rate are checked in a worker thread of their own pool
(a SQLite read, a Redis round trip), so a stalled store never holds the event loop; the work runs
in worker threads and waits on the Backend's per-model gates, the same queue the page's requests
wait in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from translator.core.memory import MemoryUnavailable, Pair
from translator.formats import megabytes
from translator.formats.files import SUPPORTED_SUFFIXES, check_file_size, output_name
from translator.paths import api_keys_path
from translator.server import metrics
from translator.server.abandon import watched
from translator.server.admission import Admission, file_cost, text_cost
from translator.server.backend import Backend, Settings
from translator.server.downloads import open_downloads, safe_name
from translator.server.rest import work
from translator.server.rest.access import AccessDenied, AccessPolicy, Grant, Rules, load_api_keys
from translator.server.rest.body import RestError, close_files, read_params
from translator.server.rest.replies import KNOWN_FAILURES, counted, error_response, require, validated
from translator.server.rest.schemas import (
    DetectRequest,
    SuggestRequest,
    SummarizeRequest,
    TermsRequest,
    TranslateRequest,
)
from translator.server.rest.storage import SharedStorage
from translator.system.records import KeyStore, Suggestion
from translator.text.language import identify, language_name

logger = logging.getLogger("translator")

WORKER_THREADS = 64  # REST calls working or waiting for a model at once; more wait without a thread
ADMIT_THREADS = 16  # calls having their key and rate checked at once (apart, so work never delays a 429)
FILES_DISABLED = "Files translation are disabled on this server."  # LibreTranslate's words
SUGGESTIONS_DISABLED = "Suggestions are disabled on this server."
Work = Callable[[Request, dict[str, Any], Grant], Awaitable[Any]]


def rules_of(settings: Settings) -> Rules:
    """LibreTranslate's other limits and key rules, from the server's settings."""
    return Rules(
        hourly=settings.hourly_req_limit,
        decay=settings.hourly_req_limit_decay,
        hourly_multiplier=settings.hourly_req_limit_multiplier,
        daily=settings.daily_req_limit,
        daily_multiplier=settings.daily_req_limit_multiplier,
        flood_threshold=settings.req_flood_threshold,
        time_cost=settings.req_time_cost,
        origin=settings.require_api_key_origin,
        secret=settings.require_api_key_secret,
        fingerprint=settings.require_api_key_fingerprint,
        under_attack=settings.under_attack,
        key_link=settings.get_api_key_link,
        remote=settings.api_keys_remote,
        secondary=settings.secondary,
    )


class RestService:
    """The REST API of one server: its keys and limits, its downloads and stores, and the work
    of each call. Raises ValueError for a bad keys file or shared storage."""

    def __init__(self, backend: Backend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings
        keys = load_api_keys(settings.api_keys_file) if settings.api_keys_file else None
        key_store = KeyStore(settings.api_keys_db or api_keys_path()) if settings.keys_enabled else None
        limits_storage = settings.req_limit_storage or settings.shared_storage
        self.shared = SharedStorage(settings.shared_storage)
        self.policy = AccessPolicy(
            keys,
            settings.req_limit,
            settings.char_limit,
            settings.max_chars,
            limits_storage,
            key_store=key_store if not settings.api_keys_remote else None,
            require_key=settings.require_api_key,
            shared=self.shared if limits_storage == settings.shared_storage else SharedStorage(limits_storage),
            when_down=settings.shared_storage_down,
            rules=rules_of(settings),
        )
        self.suggestions = backend.suggestions  # one store for the API and the page
        # English may run longer than the source: a translated file may be twice --max-file-mb
        self.downloads = open_downloads(settings.shared_storage, 2 * settings.max_file_bytes)
        limits = settings.limits
        self.admission = Admission(
            limits.work_budget_mb * 2**20, limits.max_waiting, limits.retry_after_s, limits.max_waiting_chars
        )
        # --load-only: the languages served (None: all)
        self.served = (
            (*settings.served_sources, *([work.PASSTHROUGH] if settings.serves_english else []))
            if settings.load_only
            else None
        )
        self.batch_limit = min(settings.batch_limit or work.MAX_TEXTS, work.MAX_TEXTS)
        # JSON and URL-encoded forms spell a character in at most 6 bytes ("\u0161", "%C5%A1")
        self.text_body_limit = 8 * settings.max_chars + 64 * 2**10
        self.file_body_limit = settings.max_file_bytes + 64 * 2**10  # the form around the file
        self.upload_too_large = (
            f"the upload is larger than the limit of {megabytes(settings.max_file_bytes)} (the server's --max-file-mb)"
        )
        self._threads: anyio.CapacityLimiter | None = None
        self._admitting: anyio.CapacityLimiter | None = None
        self._checking = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    async def _in_thread(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(WORKER_THREADS)
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=self._threads)

    async def _admit(self, api_key: str | None, client: str, **request: Any) -> Grant:
        """:meth:`AccessPolicy.admit` in a worker thread of its own pool (it may wait on SQLite or Redis)."""
        if self._admitting is None:
            self._admitting = anyio.CapacityLimiter(ADMIT_THREADS)
        admit = partial(self.policy.admit, api_key, client, **request)
        return await anyio.to_thread.run_sync(admit, limiter=self._admitting)

    async def _handle(self, request: Request, run: Work, limit: int, too_large: str | None = None) -> Any:
        """Read the call's parameters (bounded by ``limit`` bytes), admit it (key, rate) and
        ``run`` it; a known failure becomes its JSON error (replies.py)."""
        params: dict[str, Any] = {}
        try:
            params = await read_params(request, limit, too_large)
            params = {name: value for name, value in params.items() if value not in (None, "")}
            # the socket's peer, or with --trust-forwarded-for the address X-Forwarded-For gives (http.py)
            client = request.client.host if request.client else "unknown"
            api_key = params.get("api_key")
            headers = request.headers
            grant = await self._admit(
                api_key if isinstance(api_key, str) else None,
                client,
                origin=headers.get("origin", ""),
                secret=params.get("secret"),
                fingerprint=headers.get("user-agent", "") + headers.get("cookie", ""),
            )
            started = time.monotonic()
            try:
                return await run(request, params, grant)
            finally:
                if self.policy.rules.time_cost and grant.counted:
                    await self._in_thread(self.policy.charge, grant, time.monotonic() - started)
        except KNOWN_FAILURES as exc:
            if isinstance(exc, AccessDenied) and exc.status == 429:
                metrics.RATE_LIMITED.inc()
            return error_response(exc)
        finally:  # anything else reaches the server's edge (guard.py): logged, 500 with a request id
            await close_files(params)

    def _recheck_models(self) -> None:
        """Load (or look again for) the models in the background; at most one look at a time."""
        if not self._checking.acquire(blocking=False):
            return

        def check() -> None:
            try:
                self.backend.model_status()
            finally:
                self._checking.release()

        threading.Thread(target=check, name="translator-model-status", daemon=True).start()

    def _readiness(self) -> JSONResponse:
        """200 ``{"status": "ok", "engines": ...}`` once both models are ready, else 503 with
        ``loading`` or ``unavailable``; looks for missing models again in the background. With a
        Redis shared storage, ``shared_storage``: ``ok``, or ``unavailable`` (as last heard,
        never waited for): then 503 with ``--shared-storage-down closed``, 200 ``degraded``
        with ``open`` (the server still serves every call)."""
        statuses = self.backend.cached_status()
        if statuses is None or not all(status.ready for status in statuses):
            self._recheck_models()
        storage = {}
        storage_down = False
        if self.shared.watched:
            storage_down = self.shared.down() is not None
            storage = {"shared_storage": "unavailable" if storage_down else "ok"}
        if statuses is None:
            return JSONResponse({"status": "loading", "engines": {}, **storage}, status_code=503)
        ready = all(status.ready for status in statuses)
        # why a model is missing names server folders: the log and the page say it, not the API
        engines = {
            status.kind: status.detail if status.ready else "not available (the server's log says why)"
            for status in statuses
        }
        status = "ok" if ready else "unavailable"
        if ready and storage_down:
            status = "unavailable" if self.settings.shared_storage_down == "closed" else "degraded"
        return JSONResponse(
            {"status": status, "engines": engines, **storage}, status_code=503 if status == "unavailable" else 200
        )

    def _frontend_settings(self) -> dict[str, Any]:
        """LibreTranslate's ``/frontend/settings``."""
        settings = self.settings
        files = not settings.disable_files_translation
        source = settings.frontend_language_source
        if source != "auto" and source not in settings.served_sources:
            source = "auto"  # as LibreTranslate, a language not served falls back
        shown = {
            "charLimit": self.policy.char_limit,
            "frontendTimeout": settings.frontend_timeout,
            "apiKeys": self.policy.keys_enabled,
            "keyRequired": self.policy.keys_required,
            "suggestions": self.suggestions is not None,
            "filesTranslation": files,
            "supportedFilesFormat": list(SUPPORTED_SUFFIXES) if files else [],
            "language": {
                "source": {"code": source, "name": "Auto Detect" if source == "auto" else language_name(source)},
                "target": {"code": work.TARGET, "name": "English"},
            },
        }
        if settings.get_api_key_link:
            shown["getApiKeyLink"] = settings.get_api_key_link
        if settings.under_attack:
            shown["underAttack"] = True
        return shown

    # -- the work of each route -------------------------------------------------------------

    async def _translate(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        require(params, "q", "source", "target")
        params["alternatives"] = work.alternatives_count(params.get("alternatives"), self.settings.alternatives_limit)
        call = validated(TranslateRequest, params)
        single = isinstance(call.q, str)
        texts = [call.q] if isinstance(call.q, str) else call.q
        counted(request, sum(len(text) for text in texts))
        size = work.check_sizes(
            texts,
            batch=not single,
            batch_limit=self.batch_limit,
            char_limit=grant.char_limit,
            total_limit=grant.total_limit,
        )
        work.check_source(call.source, self.served)
        work.check_target(call.target)
        if call.format not in ("text", "html"):
            raise RestError(400, f"{call.format} format is not supported")
        terms = work.request_terms(call)
        with self.admission.admit(text_cost(size), size):
            async with watched(request) as watch:
                result = await self._in_thread(
                    work.translate_texts,
                    self.backend,
                    texts,
                    source=call.source,
                    html=call.format == "html",
                    summary=call.summary,
                    length=call.length,
                    alternatives=call.alternatives,
                    watch=watch,
                    scope=grant.key,
                    segments=call.segments,
                    terms=terms,
                    served=self.served,
                )
        return result.to_dict(single=single, auto=call.source == "auto")

    async def _detect(self, request: Request, params: dict[str, Any], grant: Grant) -> list[dict[str, Any]]:
        require(params, "q")
        call = validated(DetectRequest, params)
        text = call.q if isinstance(call.q, str) else "\n\n".join(call.q)
        counted(request, len(text))
        return await self._in_thread(work.detect_languages, text)

    async def _summarize(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        require(params, "q")
        call = validated(SummarizeRequest, params)
        counted(request, len(call.q))
        work.check_sizes(
            [call.q], batch=False, batch_limit=1, char_limit=grant.char_limit, total_limit=grant.total_limit
        )
        with self.admission.admit(text_cost(len(call.q)), len(call.q)):
            async with watched(request) as watch:
                summary = await self._in_thread(
                    self.backend.summarize, call.q, call.length, endpoint="/summarize", watch=watch
                )
        return {"summary": summary}

    async def _translate_file(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        upload = params.get("file")
        if not isinstance(upload, UploadFile):
            raise RestError(400, "Invalid request: missing file parameter")
        require(params, "source", "target")
        if not upload.filename:
            raise RestError(400, "Invalid request: empty file")
        if Path(upload.filename).suffix.lower() not in SUPPORTED_SUFFIXES:
            raise RestError(
                400,
                "Invalid request: file format not supported",
                hint="/frontend/settings lists the formats (supportedFilesFormat)",
            )
        source, target = params["source"], params["target"]
        if not isinstance(source, str) or not isinstance(target, str):
            raise RestError(400, "Invalid request: source and target must be text fields")
        work.check_source(source, self.served)
        work.check_target(target)
        terms = work.request_terms(validated(TermsRequest, {k: params.get(k) for k in ("glossary", "keep")}))
        name = safe_name(upload.filename)
        size = upload.size if upload.size is not None else self.settings.max_file_bytes  # bytes counted
        limit = grant.total_limit  # a document is bounded by --max-chars, not by the per-text --char-limit
        check_file_size(name, size, self.settings.max_file_bytes, limit)  # before reading it
        with self.admission.admit(file_cost(name, size, self.settings.max_file_bytes)):
            data = await upload.read()
            async with watched(request) as watch:
                translated, _route = await self._in_thread(
                    work.translate_file,
                    self.backend,
                    data,
                    name,
                    source=source,
                    char_limit=limit,
                    max_bytes=self.settings.max_file_bytes,
                    watch=watch,
                    scope=grant.key,
                    terms=terms,
                )
            del data
            stored = await self._in_thread(self.downloads.save, output_name(name), translated)
        url = request.url_for("download_file", filename=stored)
        if self.settings.ssl:  # --ssl: behind a TLS proxy, the link is https
            url = url.replace(scheme="https")
        return {"translatedFileUrl": str(url)}

    async def _suggest(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        require(params, "q", "s", "source", "target")
        call = validated(SuggestRequest, params)
        counted(request, len(call.q) + len(call.s))
        work.check_sizes(
            [call.q, call.s], batch=False, batch_limit=2, char_limit=grant.char_limit, total_limit=grant.total_limit
        )
        work.check_source(call.source, self.served)
        work.check_target(call.target)
        source = identify(call.q).language if call.source == "auto" else call.source
        if self.suggestions is None:  # the route refuses before reading the body; this is for callers of _suggest
            raise RestError(403, SUGGESTIONS_DISABLED)
        memory = self.backend.memory
        if grant.key and grant.key in self.settings.approving_keys and memory is not None:
            # a trusted key's correction is approved at once: the next translation on every replica uses it
            try:
                await self._in_thread(memory.add, [Pair(source, call.q, call.s)])
                return {"success": True}
            except MemoryUnavailable as exc:  # kept pending instead: never lost
                logger.warning("%s: the suggestion is kept pending", exc)
        # a key's quota is the key's; without one, the address's (with --trust-forwarded-for, the proxy's word)
        sender = f"key:{grant.key}" if grant.key else f"address:{request.client.host if request.client else 'unknown'}"
        await self._in_thread(
            self.suggestions.add, Suggestion(call.q, call.s, source, call.target, grant.key, time.time()), sender
        )
        return {"success": True}
