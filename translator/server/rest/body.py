"""A REST request's parameters, read as LibreTranslate reads them: a JSON object, or form
fields (URL-encoded or multipart) with the query string. The body is bounded while it is read:
an upload past the limit is refused after at most that many bytes, never buffered whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from translator.formats import megabytes
from translator.text.inputs import InvalidTextError, check_encodable

JSON_TYPES = ("application/json",)
MAX_FIELDS = 50  # fields in a query string or form


class RestError(Exception):
    """A request refused with ``{"error": message}`` and HTTP ``status``; ``hint`` (when given)
    says what to do, in its own field, so that ``error`` stays LibreTranslate's wording."""

    def __init__(self, status: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


class BodyTooLarge(MultiPartException):
    """The body went past its limit while being read (a MultiPartException, so that starlette's
    parser closes the files it had opened)."""


async def _bounded(request: Request, limit: int, too_large: str) -> AsyncGenerator[bytes, None]:
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


def _decoded(raw: bytes, what: str) -> str:
    """``raw`` as UTF-8; RestError 400 naming the first undecodable byte's position."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RestError(
            400, f"Invalid request: {what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start})"
        ) from None


def _fields(raw: bytes, what: str) -> dict[str, Any]:
    """URL-encoded fields (a query string or a form body): a repeated ``q`` is a list (a batch,
    as some LibreTranslate clients send it); another repeated field keeps its last value.
    Percent-escapes that are not UTF-8 are refused (400 naming the field and the position)."""
    try:
        pairs = parse_qsl(
            _decoded(raw, what), keep_blank_values=True, errors="surrogateescape", max_num_fields=MAX_FIELDS
        )
    except ValueError:  # more fields than MAX_FIELDS
        raise RestError(400, f"Invalid request: {what} has more than {MAX_FIELDS} fields") from None
    params: dict[str, Any] = {}
    for name, value in pairs:
        check_params({name: value}, f"{what} field")
        _add(params, name, value)
    return params


def _add(params: dict[str, Any], name: str, value: Any) -> None:
    previous = params.get(name)
    if name == "q" and previous is not None and not isinstance(previous, UploadFile):
        params[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    else:
        params[name] = value


def check_params(params: dict[str, Any], what: str = "field") -> None:
    """RestError 400 naming the field and position of the first text that is not valid Unicode
    (a lone surrogate from a JSON escape, a percent-escape that is not UTF-8). Nested lists and
    objects are walked without recursion."""
    stack: list[tuple[str, Any]] = [(name, name) for name in params] + list(params.items())
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            shown = name if name.isprintable() and len(name) <= 40 else "(a field name)"
            try:
                check_encodable(name, f"the name of a {what}")
                check_encodable(value, f"{what} {shown}")
            except InvalidTextError as exc:
                raise RestError(400, f"Invalid request: {exc}") from None
        elif isinstance(value, dict):
            stack += [(name, key) for key in value] + [(name, item) for item in value.values()]
        elif isinstance(value, list):
            stack += [(name, item) for item in value]


async def read_params(request: Request, limit: int, too_large: str | None = None) -> dict[str, Any]:
    """The request's parameters by name: a JSON body's object, else the query string's and the
    form's fields (a form's value wins; an uploaded file is an UploadFile, for the caller to
    close). Line endings of form text become "\\n", as LibreTranslate makes them. Every text is
    checked here, once: valid UTF-8, no lone surrogates.

    Raises RestError: 413 past ``limit`` bytes (``too_large`` says so, in words the caller
    chooses), 400 for a body that is not a JSON object or not a well-formed form, or text that is
    not valid Unicode (naming the field and the position).
    """
    too_large = too_large or f"the request is larger than the limit of {megabytes(limit)}"
    media = _media_type(request)
    try:
        if media in JSON_TYPES or media.endswith("+json"):
            body = b"".join([chunk async for chunk in _bounded(request, limit, too_large)])
            try:
                params = json.loads(_decoded(body, "the JSON body")) if body.strip() else None
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise RestError(400, "Invalid JSON format")
            check_params(params)
            return params
        params = _fields(request.scope.get("query_string", b""), "the query string")
        if media == "application/x-www-form-urlencoded":
            body = b"".join([chunk async for chunk in _bounded(request, limit, too_large)])
            for name, value in _fields(body, "the form").items():
                params[name] = value.replace("\r\n", "\n") if isinstance(value, str) else value
        elif media == "multipart/form-data":
            parser = MultiPartParser(
                request.headers,
                _bounded(request, limit, too_large),
                max_files=1,
                max_fields=MAX_FIELDS,
                max_part_size=limit,
            )
            form = await parser.parse()
            from_form: dict[str, Any] = {}
            for name, value in form.multi_items():
                if isinstance(value, str):
                    value = value.replace("\r\n", "\n")
                    check_params({name: value}, "form field")
                _add(from_form, name, value)
            params.update(from_form)
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
