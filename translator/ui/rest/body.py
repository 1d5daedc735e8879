"""A REST request's parameters, read as LibreTranslate reads them: a JSON object, or form
fields (URL-encoded or multipart) with the query string. The body is bounded while it is read:
an upload past the limit is refused after at most that many bytes, never buffered whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from ...formats import megabytes

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RestError(Exception):
    """A request refused with ``{"error": message}`` and HTTP ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyTooLarge(MultiPartException):
    """The body went past its limit while being read (a MultiPartException, so that starlette's
    parser closes the files it had opened)."""


async def _bounded(request: Request, limit: int, too_large: str) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(too_large)
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge(too_large)
        yield chunk


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_params(request: Request, limit: int, too_large: str | None = None) -> dict[str, Any]:
    """The request's parameters by name: a JSON body's object, else the query string's and the
    form's fields (a form's value wins; an uploaded file is an UploadFile, for the caller to
    close). Line endings of form text become "\\n", as LibreTranslate makes them.

    Raises RestError: 413 past ``limit`` bytes (``too_large`` says so, in words the caller
    chooses), 400 for a body that is not a JSON object or not a well-formed form.
    """
    too_large = too_large or f"the request is larger than the limit of {megabytes(limit)}"
    media = _media_type(request)
    try:
        if media in JSON_TYPES or media.endswith("+json"):
            body = b"".join([chunk async for chunk in _bounded(request, limit, too_large)])
            try:
                params = json.loads(body) if body.strip() else None
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise RestError(400, "Invalid JSON format")
            return params
        params = dict(request.query_params)
        if media in FORM_TYPES:
            stream = _bounded(request, limit, too_large)
            if media == "multipart/form-data":
                parser: FormParser | MultiPartParser = MultiPartParser(request.headers, stream, max_files=1,
                                                                       max_fields=50, max_part_size=limit)
            else:
                parser = FormParser(request.headers, stream)
            form = await parser.parse()
            for name, value in form.items():
                if isinstance(value, str):
                    value = value.replace("\r\n", "\n")
                params[name] = value
        return params
    except BodyTooLarge as exc:
        raise RestError(413, f"Invalid request: {exc.message}") from None
    except MultiPartException as exc:
        raise RestError(400, f"Invalid request: {exc.message}") from None


async def close_files(params: dict[str, Any]) -> None:
    """Close the uploads :func:`read_params` left open."""
    for value in params.values():
        if isinstance(value, UploadFile):
            await value.close()
