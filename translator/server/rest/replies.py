"""How the REST routes answer: errors as ``{"error": ..., "hint": ...}`` with LibreTranslate's
status for each failure, parameters checked in LibreTranslate's words, files as attachments.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from translator.engines.models import ModelNotFoundError
from translator.errors import phrased
from translator.formats.files import FileFormatError, FileTooLargeError
from translator.server.abandon import Abandoned
from translator.server.admission import Busy
from translator.server.downloads import StorageUnavailable
from translator.server.rest.access import AccessDenied
from translator.server.rest.body import RestError
from translator.system.records import StoreError, SuggestionQuotaExceeded

logger = logging.getLogger("translator")

JSON_AND_FORMS = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
Model = TypeVar("Model", bound=BaseModel)
# every failure error_response() answers; anything else reaches the server's edge (500, logged)
KNOWN_FAILURES = (
    Abandoned,
    RestError,
    AccessDenied,
    Busy,
    FileFormatError,
    ModelNotFoundError,
    StorageUnavailable,
    StoreError,
    SuggestionQuotaExceeded,
    ValueError,
    TypeError,
)


def error_response(exc: Exception) -> JSONResponse:
    """``{"error": message}`` (and ``"hint"`` when there is one) with the status LibreTranslate
    gives for ``exc``; re-raises what is not one of :data:`KNOWN_FAILURES`."""
    headers = None
    hint = None
    if isinstance(exc, RestError):
        status, message, hint = exc.status, exc.message, exc.hint
    elif isinstance(exc, AccessDenied):
        status, message = exc.status, exc.message
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    elif isinstance(exc, FileTooLargeError):
        status, message = 413, f"{exc} (the server's --max-file-mb and --max-chars set the limits)"
    elif isinstance(exc, Abandoned):  # nobody reads this answer: the client has gone
        logger.info("rest: %s", exc)
        status, message = 499, str(exc)
    elif isinstance(exc, Busy):
        status, message = 503, exc.message
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, StorageUnavailable):  # Redis down: its address goes to the log
        logger.error("rest: %s", exc)
        status, message = 503, "The server's shared storage is not answering: try again later"
        headers = {"Retry-After": "5"}
    elif isinstance(exc, SuggestionQuotaExceeded):
        status, message = (
            429,
            f"{exc}: the operator sets the quota (--suggestions-per-client, --suggestions-mb-per-client)",
        )
    elif isinstance(exc, StoreError):  # its message names a server file: that goes to the log
        logger.error("rest: %s", exc)
        status, message = 503, "The server cannot store this now: try again later"
        headers = {"Retry-After": "5"}
    elif isinstance(exc, ModelNotFoundError):  # its message names server folders: those go to the log
        logger.error("rest: %s", exc)
        status, message = 503, "The model is not available on this server yet: the operator's log says why"
    elif isinstance(exc, (FileFormatError, ValueError, TypeError)):
        status, message = 400, phrased(exc, "rest")
    else:
        raise exc
    body = {"error": message, **({"hint": hint} if hint else {})}
    return JSONResponse(body, status_code=status, headers=headers)


def validated(model: type[Model], params: dict[str, Any]) -> Model:
    """``params`` as ``model``; RestError 400 naming the first bad field."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise RestError(400, f"Invalid request: {field}: {first['msg']}") from None


def require(params: dict[str, Any], *names: str) -> None:
    """LibreTranslate's 400 for the first missing (or empty) parameter of ``names``."""
    for name in names:
        if params.get(name) in (None, "", []):
            raise RestError(400, f"Invalid request: missing {name} parameter")


def attachment(data: bytes, name: str) -> Response:
    """``data`` as a download named ``name`` (``Content-Disposition: attachment``, as Starlette's
    FileResponse writes it; the edge guard adds ``nosniff``)."""
    quoted = quote(name)
    disposition = f"attachment; filename*=utf-8''{quoted}" if quoted != name else f'attachment; filename="{name}"'
    return Response(
        data,
        media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        headers={"Content-Disposition": disposition},
    )


def counted(request: Request, characters: int) -> None:
    """Note the characters a call brings, for its access log line."""
    request.state.characters = characters
