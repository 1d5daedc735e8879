"""The REST routes: LibreTranslate's API (``/translate``, ``/detect``, ``/languages``,
``/translate_file``, ``/download_file/{name}``, ``/frontend/settings``), the summary extension
(``/summarize``, ``summary=true``), ``/health`` and the probes ``/health/live`` and
``/health/ready``, on a FastAPI router that shares the page's Backend.

Every call is checked in this order, as LibreTranslate does: the body (413 past its size, 400
if it is not a JSON object or a form), the key and the rate (403, 429, before any work), then
the parameters (400). Errors are ``{"error": "..."}``. The work runs in worker threads and waits
on the Backend's per-model gates, the same queue the page's requests wait in.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from ...files import SUPPORTED_SUFFIXES, FileFormatError, FileTooLargeError, check_file_size
from ...formats import megabytes
from ...models import ModelNotFoundError
from .. import metrics
from ..backend import Backend, Settings
from . import work
from ..admission import Admission, Busy, file_cost, text_cost
from .access import AccessDenied, AccessPolicy, Grant, load_api_keys
from .body import RestError, close_files, read_params
from ..downloads import KEEP_S, StorageUnavailable, download_name, open_downloads, safe_name
from .schemas import (
    ERRORS,
    DetectedLanguage,
    DetectRequest,
    FrontendSettings,
    Health,
    LanguageInfo,
    SummarizeRequest,
    SummarizeResponse,
    TranslateFileRequest,
    TranslateFileResponse,
    TranslateRequest,
    TranslateResponse,
    body_schema,
)

logger = logging.getLogger("translator")

JSON_AND_FORMS = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
WORKER_THREADS = 64  # REST calls working or waiting for a model at once; more wait without a thread
FRONTEND_TIMEOUT_MS = 500  # LibreTranslate's default: the web page's typing pause before it translates
Model = TypeVar("Model", bound=BaseModel)
Work = Callable[[Request, dict[str, Any], Grant], Awaitable[Any]]


def error_response(exc: Exception) -> JSONResponse:
    """``{"error": message}`` with the status LibreTranslate gives for ``exc``; re-raises what
    is not a known failure."""
    headers = None
    if isinstance(exc, RestError):
        status, message = exc.status, exc.message
    elif isinstance(exc, AccessDenied):
        status, message = exc.status, exc.message
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    elif isinstance(exc, FileTooLargeError):
        status, message = 413, f"{exc} (the server's --max-file-mb and --max-chars set the limits)"
    elif isinstance(exc, Busy):
        status, message = 503, exc.message
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, StorageUnavailable):  # Redis down: its address goes to the log
        logger.error("rest: %s", exc)
        status, message = 503, "The server's shared storage is not answering: try again later"
        headers = {"Retry-After": "5"}
    elif isinstance(exc, ModelNotFoundError):  # its message names server folders: those go to the log
        logger.error("rest: %s", exc)
        status, message = 503, "The model is not available on this server yet: the operator's log says why"
    elif isinstance(exc, (FileFormatError, ValueError, TypeError)):  # UnsupportedLanguageError too
        status, message = 400, str(exc)
    else:
        raise exc
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def validated(model: type[Model], params: dict[str, Any]) -> Model:
    """``params`` as ``model``; RestError 400 naming the first bad field."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise RestError(400, f"Invalid request: {field}: {first['msg']}") from None


def require(params: dict[str, Any], name: str) -> None:
    """LibreTranslate's 400 for a missing (or empty) parameter."""
    if params.get(name) in (None, "", []):
        raise RestError(400, f"Invalid request: missing {name} parameter")


def attachment(data: bytes, name: str) -> Response:
    """``data`` as a download named ``name`` (``Content-Disposition: attachment``, as Starlette's
    FileResponse writes it; the edge guard adds ``nosniff``)."""
    quoted = quote(name)
    disposition = (f"attachment; filename*=utf-8''{quoted}" if quoted != name else f'attachment; filename="{name}"')
    return Response(data, media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                    headers={"Content-Disposition": disposition})


def counted(request: Request, characters: int) -> None:
    """Note the characters a call brings, for its access log line."""
    request.state.characters = characters


class RestApi:
    """The REST API of one server: its keys and limits, its downloads, its routes."""

    def __init__(self, backend: Backend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings
        keys = load_api_keys(settings.api_keys_file) if settings.api_keys_file else None
        self.policy = AccessPolicy(keys, settings.req_limit, settings.char_limit, settings.max_chars,
                                   settings.shared_storage)
        # English may run longer than the source: a translated file may be twice --max-file-mb
        self.downloads = open_downloads(settings.shared_storage, 2 * settings.max_file_bytes)
        limits = settings.limits
        self.admission = Admission(limits.work_budget_mb * 2**20, limits.max_waiting, limits.retry_after_s)
        # JSON and URL-encoded forms spell a character in at most 6 bytes ("\u0161", "%C5%A1")
        self.text_body_limit = 8 * settings.max_chars + 64 * 2**10
        self.file_body_limit = settings.max_file_bytes + 64 * 2**10  # the form around the file
        self.upload_too_large = (f"the upload is larger than the limit of {megabytes(settings.max_file_bytes)} "
                                 "(the server's --max-file-mb)")
        self._threads: anyio.CapacityLimiter | None = None
        self._checking = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    async def _in_thread(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(WORKER_THREADS)
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=self._threads)

    async def _handle(self, request: Request, run: Work, limit: int, too_large: str | None = None) -> Any:
        params: dict[str, Any] = {}
        try:
            params = await read_params(request, limit, too_large)
            params = {name: value for name, value in params.items() if value not in (None, "")}
            client = request.client.host if request.client else "unknown"
            api_key = params.get("api_key")
            grant = self.policy.admit(api_key if isinstance(api_key, str) else None, client)
            return await run(request, params, grant)
        except (RestError, AccessDenied, Busy, FileFormatError, ModelNotFoundError, StorageUnavailable, ValueError,
                TypeError) as exc:
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
        ``loading`` or ``unavailable``; looks for missing models again in the background."""
        statuses = self.backend.cached_status()
        if statuses is None or not all(status.ready for status in statuses):
            self._recheck_models()
        if statuses is None:
            return JSONResponse({"status": "loading", "engines": {}}, status_code=503)
        ready = all(status.ready for status in statuses)
        # why a model is missing names server folders: the log and the page say it, not the API
        engines = {status.kind: status.detail if status.ready else "not available (the server's log says why)"
                   for status in statuses}
        return JSONResponse({"status": "ok" if ready else "unavailable", "engines": engines},
                            status_code=200 if ready else 503)

    # -- the work of each route -------------------------------------------------------------

    async def _translate(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        require(params, "q")
        call = validated(TranslateRequest, params)
        if call.format not in ("text", "html"):
            raise RestError(400, f"{call.format} format is not supported")
        single = isinstance(call.q, str)
        texts = [call.q] if single else call.q
        if len(texts) > work.MAX_TEXTS:
            raise work.too_long(len(texts), work.MAX_TEXTS)
        size = sum(len(text) for text in texts)
        counted(request, size)
        if size > grant.char_limit:
            raise work.too_long(size, grant.char_limit)
        work.check_target(call.target)
        work.check_source(call.source)
        with self.admission.admit(text_cost(size)):
            result = await self._in_thread(work.translate_texts, self.backend, texts, source=call.source,
                                           html=call.format == "html", summarise=call.summary,
                                           length=call.length)
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
        if len(call.q) > grant.char_limit:
            raise work.too_long(len(call.q), grant.char_limit)
        with self.admission.admit(text_cost(len(call.q))):
            summary = await self._in_thread(self.backend.summarize, call.q, call.length, endpoint="/summarize")
        return {"summary": summary}

    async def _translate_file(self, request: Request, params: dict[str, Any], grant: Grant) -> dict[str, Any]:
        upload = params.get("file")
        if not isinstance(upload, UploadFile):
            raise RestError(400, "Invalid request: missing file parameter")
        if not upload.filename:
            raise RestError(400, "Invalid request: empty file")
        if Path(upload.filename).suffix.lower() not in SUPPORTED_SUFFIXES:
            raise RestError(400, "Invalid request: file format not supported")
        source, target = params.get("source", "auto"), params.get("target", work.TARGET)
        if not isinstance(source, str) or not isinstance(target, str):
            raise RestError(400, "Invalid request: source and target must be text fields")
        work.check_target(target)
        work.check_source(source)
        name = safe_name(upload.filename)
        size = upload.size if upload.size is not None else self.settings.max_file_bytes  # bytes counted
        check_file_size(name, size, self.settings.max_file_bytes, grant.char_limit)  # before reading it
        with self.admission.admit(file_cost(name, size, self.settings.max_file_bytes)):
            data = await upload.read()
            translated, _route = await self._in_thread(work.translate_file, self.backend, data, name,
                                                       source=source, char_limit=grant.char_limit,
                                                       max_bytes=self.settings.max_file_bytes)
            del data
            stored = await self._in_thread(self.downloads.save, name, translated)
        return {"translatedFileUrl": str(request.url_for("download_file", filename=stored))}

    # -- the router --------------------------------------------------------------------------

    def router(self) -> APIRouter:
        """The REST routes, for the server's FastAPI app (registered before the page is mounted
        at "/", so that they and /docs are found first)."""
        api = APIRouter()
        text_body = body_schema(TranslateRequest, *JSON_AND_FORMS)

        @api.post("/translate", response_model=TranslateResponse, response_model_exclude_none=True,
                  responses=ERRORS, openapi_extra=text_body, tags=["translate"])
        async def translate(request: Request) -> Any:
            """Translate text (or a list of texts) into English. `source=auto` detects each
            text's language; English comes back unchanged. `format=html` keeps the markup.
            Extension: `summary=true` adds an English `summary` (`length`: short, medium, long)."""
            return await self._handle(request, self._translate, self.text_body_limit)

        @api.post("/detect", response_model=list[DetectedLanguage], responses=ERRORS, tags=["translate"],
                  openapi_extra=body_schema(DetectRequest, *JSON_AND_FORMS))
        async def detect(request: Request) -> Any:
            """Detect the language of a text: `[{"confidence": 0-100, "language": code}]`."""
            return await self._handle(request, self._detect, self.text_body_limit)

        @api.get("/languages", response_model=list[LanguageInfo], tags=["translate"])
        async def languages() -> Any:
            """The languages this server translates, each with its targets (English)."""
            return work.languages()

        @api.post("/translate_file", response_model=TranslateFileResponse, responses=ERRORS, tags=["translate"],
                  openapi_extra=body_schema(TranslateFileRequest, "multipart/form-data"))
        async def translate_file(request: Request) -> Any:
            """Translate a document (.txt .md .html .docx .srt), keeping its format and structure;
            answers the URL to download it from (kept for 30 minutes). A file larger than the
            server's limit once unpacked (a .docx is a zip) is refused before it is parsed: 413."""
            return await self._handle(request, self._translate_file, self.file_body_limit, self.upload_too_large)

        @api.get("/download_file/{filename:path}", name="download_file", tags=["translate"],
                 responses={404: {"model": ERRORS[400]["model"], "description": "Unknown or expired file"}})
        async def download_file(filename: str) -> Any:
            """Download a translated file (the URL `/translate_file` answered, by any replica
            sharing this server's `--shared-storage`)."""
            try:
                data = await self._in_thread(self.downloads.read, filename)
            except StorageUnavailable as exc:
                return error_response(exc)
            if data is None:
                return JSONResponse({"error": f"File not found: translated files are kept for {KEEP_S // 60} "
                                              "minutes; translate it again"}, status_code=404)
            return attachment(data, download_name(filename))

        @api.post("/summarize", response_model=SummarizeResponse, responses=ERRORS, tags=["extension"],
                  openapi_extra=body_schema(SummarizeRequest, *JSON_AND_FORMS))
        async def summarize(request: Request) -> Any:
            """Extension: summarise English text (`length`: short, medium or long)."""
            return await self._handle(request, self._summarize, self.text_body_limit)

        @api.get("/frontend/settings", response_model=FrontendSettings, tags=["frontend"])
        async def frontend_settings() -> Any:
            """Settings for a LibreTranslate web front end: limits, keys, file formats, languages."""
            return {
                "charLimit": self.policy.char_limit,
                "frontendTimeout": FRONTEND_TIMEOUT_MS,
                "apiKeys": self.policy.keys_required,
                "keyRequired": self.policy.keys_required,
                "suggestions": False,
                "filesTranslation": True,
                "supportedFilesFormat": list(SUPPORTED_SUFFIXES),
                "language": {"source": {"code": "auto", "name": "Auto Detect"},
                             "target": {"code": work.TARGET, "name": "English"}},
            }

        self._probes(api)
        return api

    def _probes(self, api: APIRouter) -> None:
        """``/health`` and the orchestrator's probes ``/health/live`` and ``/health/ready``."""
        @api.get("/health", response_model=Health, tags=["health"],
                 responses={503: {"model": Health, "description": "Models loading or missing"}})
        async def health() -> Any:
            """200 once both models are loaded, with the engine each runs on; 503 while they load
            or when one is missing (``engines`` then says why)."""
            return self._readiness()

        @api.get("/health/live", tags=["health"])
        async def health_live() -> Any:
            """Liveness: 200 ``{"status": "alive"}`` while the process serves, models or not."""
            return {"status": "alive"}

        @api.get("/health/ready", response_model=Health, tags=["health"],
                 responses={503: {"model": Health, "description": "Models loading or missing"}})
        async def health_ready() -> Any:
            """Readiness: 200 once both models are loaded (send traffic), 503 while they load or
            when one is missing (``engines`` then says why)."""
            return self._readiness()
