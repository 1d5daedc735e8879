"""The REST routes: LibreTranslate's API (``/translate``, ``/detect``, ``/languages``,
``/translate_file``, ``/download_file/{name}``, ``/frontend/settings``, ``/suggest``,
``/health``), the summary extension (``/summarize``, ``summary=true``) and the probes
``/health/live`` and ``/health/ready``, on a FastAPI router that shares the page's Backend.
service.py does the work of each; errors are ``{"error": "...", "hint": "..."}`` (replies.py).

The server (server.py) answers a method a path does not take with 405, ``HEAD`` as ``GET``, and
adds CORS headers to every answer of these routes (routing.py), so the routes only say what
they take.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from translator.server.downloads import KEEP_S, StorageUnavailable, download_name, is_stored_name
from translator.server.rest import work
from translator.server.rest.body import RestError
from translator.server.rest.replies import JSON_AND_FORMS, attachment, counted, error_response, require, validated
from translator.server.rest.schemas import (
    ERRORS,
    DetectedLanguage,
    DetectRequest,
    FrontendSettings,
    Health,
    LanguageInfo,
    Readiness,
    SuggestRequest,
    SuggestResponse,
    SummarizeRequest,
    SummarizeResponse,
    TranslateFileRequest,
    TranslateFileResponse,
    TranslateRequest,
    TranslateResponse,
    body_schema,
)
from translator.server.rest.service import FILES_DISABLED, SUGGESTIONS_DISABLED, RestService

# what other route modules (news.py) build on
__all__ = ["JSON_AND_FORMS", "RestApi", "counted", "require", "validated"]


class RestApi(RestService):
    """The REST API of one server (service.py) and its routes (:meth:`router`)."""

    def router(self) -> APIRouter:
        """The REST routes, for the server's FastAPI app (registered before the page is mounted,
        so that they and /docs are found first), in groups."""
        api = APIRouter()
        self._translation_routes(api)
        self._file_routes(api)
        self._information_routes(api)
        self._feedback_routes(api)
        self._probes(api)
        return api

    def _translation_routes(self, api: APIRouter) -> None:
        """``/translate``, ``/detect`` and ``/summarize``."""

        @api.post(
            "/translate",
            response_model=TranslateResponse,
            response_model_exclude_none=True,
            responses=ERRORS,
            openapi_extra=body_schema(TranslateRequest, *JSON_AND_FORMS),
            tags=["translate"],
        )
        async def translate(request: Request) -> Any:
            """Translate text (or a list of texts) into English. `source=auto` detects each
            text's language; English comes back unchanged. `format=html` keeps the markup.
            `alternatives=N` adds up to N other translations of each text. Extension:
            `summary=true` adds an English `summary` (`length`: short, medium, long)."""
            return await self._handle(request, self._translate, self.text_body_limit)

        @api.post(
            "/detect",
            response_model=list[DetectedLanguage],
            responses=ERRORS,
            tags=["translate"],
            openapi_extra=body_schema(DetectRequest, *JSON_AND_FORMS),
        )
        async def detect(request: Request) -> Any:
            """Detect the language of a text: `[{"confidence": 0-100, "language": code}]`, always
            a language `/languages` lists, decided as `/translate` decides `source=auto`."""
            return await self._handle(request, self._detect, self.text_body_limit)

        @api.post(
            "/summarize",
            response_model=SummarizeResponse,
            responses=ERRORS,
            tags=["extension"],
            openapi_extra=body_schema(SummarizeRequest, *JSON_AND_FORMS),
        )
        async def summarize(request: Request) -> Any:
            """Extension: summarise English text (`length`: short, medium or long)."""
            return await self._handle(request, self._summarize, self.text_body_limit)

    def _file_routes(self, api: APIRouter) -> None:
        """``/translate_file`` and ``/download_file/{name}``."""

        @api.post(
            "/translate_file",
            response_model=TranslateFileResponse,
            responses=ERRORS,
            tags=["translate"],
            openapi_extra=body_schema(TranslateFileRequest, "multipart/form-data"),
        )
        async def translate_file(request: Request) -> Any:
            """Translate a document (.txt .md .html .docx .srt .pdf ...), keeping its format and
            structure (a .pdf comes back as a Word .docx); answers the URL to download it from
            (kept for 30 minutes). A file larger than the server's limit once unpacked (a .docx
            is a zip, a .pdf holds compressed streams) is refused before it is parsed: 413."""
            if self.settings.disable_files_translation:
                return error_response(RestError(403, FILES_DISABLED))
            return await self._handle(request, self._translate_file, self.file_body_limit, self.upload_too_large)

        @api.get(
            "/download_file/{filename:path}",
            name="download_file",
            tags=["translate"],
            responses={
                400: {"model": ERRORS[400]["model"], "description": "Invalid filename, or files translation disabled"},
                404: {"model": ERRORS[400]["model"], "description": "Unknown or expired file"},
            },
        )
        async def download_file(filename: str) -> Any:
            """Download a translated file (the URL `/translate_file` answered, by any replica
            sharing this server's `--shared-storage`)."""
            if self.settings.disable_files_translation:
                return error_response(RestError(400, FILES_DISABLED))
            if not is_stored_name(filename):  # a path, or a name no upload could have: LibreTranslate's 400
                return error_response(RestError(400, "Invalid filename"))
            try:
                data = await self._in_thread(self.downloads.read, filename)
            except StorageUnavailable as exc:
                return error_response(exc)
            if data is None:
                return JSONResponse(
                    {
                        "error": f"File not found: translated files are kept for {KEEP_S // 60} "
                        "minutes; translate it again"
                    },
                    status_code=404,
                )
            return attachment(data, download_name(filename))

    def _information_routes(self, api: APIRouter) -> None:
        """``/languages`` and ``/frontend/settings`` (open to everyone, as in LibreTranslate)."""

        @api.get("/languages", response_model=list[LanguageInfo], tags=["translate"])
        async def languages() -> Any:
            """The languages this server translates, each with its targets (English)."""
            return work.languages(self.settings.served_sources if self.served else None, self.settings.serves_english)

        @api.get("/frontend/settings", response_model=FrontendSettings, tags=["frontend"])
        async def frontend_settings() -> Any:
            """Settings for a LibreTranslate web front end: limits, keys, file formats, languages."""
            return self._frontend_settings()

    def _feedback_routes(self, api: APIRouter) -> None:
        """``/suggest``: stored with ``--suggestions``, else 403 as in LibreTranslate."""

        @api.post(
            "/suggest",
            response_model=SuggestResponse,
            responses=ERRORS,
            tags=["feedback"],
            openapi_extra=body_schema(SuggestRequest, *JSON_AND_FORMS),
        )
        async def suggest(request: Request) -> Any:
            """Propose a better translation `s` of `q` (`source` → `target`); the server keeps it
            (`translator suggestions export` writes them out). 403 unless the server runs with
            `--suggestions`."""
            if self.suggestions is None:
                return error_response(RestError(403, SUGGESTIONS_DISABLED))
            return await self._handle(request, self._suggest, self.text_body_limit)

    def _probes(self, api: APIRouter) -> None:
        """``/health`` (LibreTranslate's) and the orchestrator's probes ``/health/live`` and
        ``/health/ready``."""

        @api.get("/health", response_model=Health, tags=["health"])
        async def health() -> Any:
            """200 `{"status": "ok"}` while the server answers, as LibreTranslate's. Whether the
            models are loaded: `/health/ready`."""
            return {"status": "ok"}

        @api.get("/health/live", tags=["health"])
        async def health_live() -> Any:
            """Liveness: 200 ``{"status": "alive"}`` while the process serves, models or not."""
            return {"status": "alive"}

        @api.get(
            "/health/ready",
            response_model=Readiness,
            tags=["health"],
            responses={
                503: {
                    "model": Readiness,
                    "description": "Models loading or missing, or shared storage down (--shared-storage-down closed)",
                }
            },
        )
        async def health_ready() -> Any:
            """Readiness: 200 once both models are loaded (send traffic), with the engine each
            runs on; 503 while they load or when one is missing (``engines`` then says why).
            With `--shared-storage redis://...`, `shared_storage` says whether Redis answers (as
            last heard: never waited for); while it does not, `degraded` (200) with
            `--shared-storage-down open`, `unavailable` (503) with `closed`."""
            return self._readiness()
