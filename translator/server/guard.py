"""The edge of the server: the one place every HTTP request passes before any route.

:class:`EdgeGuard` (outermost ASGI middleware) gives each request an id (``X-Request-ID``),
refuses JSON bodies nested deeper than ``ServerLimits.max_json_depth`` before any parser
recurses into them (400), adds ``X-Content-Type-Options: nosniff`` to every response, and turns
any exception that escapes a route into ``{"error": "...", "request_id": "..."}`` with status
500: the client sees the id, never a path, a process id or an exception's repr; the log has the
traceback under the same id.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("translator")

# a JSON string, escapes included (the unrolled form: linear, no backtracking)
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
JSON_MEDIA = ("application/json", "text/json", "")


def json_depth(body: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text, counted without parsing it (linear
    time, no recursion). Brackets inside strings do not count."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def error_body(message: str, **extra: Any) -> bytes:
    """``{"error": message, ...}`` as ASCII JSON: it always encodes, whatever the message holds."""
    return json.dumps({"error": message, **extra}, ensure_ascii=True).encode("ascii")


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    """Send a whole JSON response."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


def _has_body(scope: Scope) -> bool:
    return scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS", "DELETE")


class EdgeGuard:
    """See the module docstring. ``max_json_bytes`` bounds a JSON body read here (413 past it):
    the REST routes' own bound for text bodies, and far above any page call."""

    def __init__(self, app: ASGIApp, *, max_json_depth: int, max_json_bytes: int) -> None:
        self.app = app
        self.max_json_depth = max_json_depth
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def tagged_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-request-id", request_id)
                headers.setdefault("x-content-type-options", "nosniff")
            await send(message)

        try:
            media = _media_type(scope)
            if _has_body(scope) and (media in JSON_MEDIA or media.endswith("+json")):
                refused, receive = await self._checked_json(receive)
                if refused is not None:
                    status, message = refused
                    await send_json(tagged_send, status, error_body(message))
                    return
            await self.app(scope, receive, tagged_send)
        except ClientDisconnect:
            logger.info("request %s: the client went away", request_id)
        except Exception:  # the server's boundary: log everything, show the client only the id
            logger.exception("request %s %s %s failed", request_id, scope.get("method"), scope.get("path"))
            if not started:
                await send_json(
                    tagged_send,
                    500,
                    error_body(
                        f"Internal error: the server could not answer this request (request id {request_id})",
                        request_id=request_id,
                    ),
                )

    async def _checked_json(self, receive: Receive) -> tuple[tuple[int, str] | None, Receive]:
        """Read the JSON body (bounded), check its depth; return a refusal or a receive() that
        replays the body to the app."""
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_json_bytes:
                return (
                    413,
                    f"Invalid request: the JSON body is larger than the limit of {self.max_json_bytes:,} bytes",
                ), receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        depth = json_depth(body)
        if depth > self.max_json_depth:
            return (
                400,
                f"Invalid request: the JSON body is nested {depth} levels deep, more than the limit "
                f"of {self.max_json_depth}",
            ), receive
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only http.disconnect comes after the body
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return None, replay
