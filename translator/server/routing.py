"""What the server's own paths (the REST API, its docs, ``/metrics``) answer before any route,
so that they behave as LibreTranslate's whatever the page mounted beside them does.

Starlette tries the page (mounted at the root, matching every path) when a route's path
matches but not its method, so without this ``GET /detect`` would be the page's 404.
:class:`RestEdge` answers instead: a method a path does not take gets 405 ``{"error": ...}``
with ``Allow``; ``HEAD`` on a ``GET`` route is answered as ``GET`` without the body; a plain
``OPTIONS`` gets 204 with ``Allow``, a CORS preflight 200. Every answer of these paths carries
LibreTranslate's CORS headers (any origin, with or without an ``Origin`` header); the page keeps
gradio's own, stricter CORS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from re import Pattern
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute, Mount, compile_path, get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-expose-headers": "Authorization, Retry-After, X-Request-ID",
    "access-control-max-age": str(20 * 24 * 3600),
}


@dataclass(frozen=True)
class OwnPath:
    """One route of the server's own: its full path's pattern, its template (for messages) and
    the methods it takes (HEAD with GET), and whether it answers HEAD itself."""

    pattern: Pattern[str]
    template: str
    methods: frozenset[str]
    native_head: bool
    route: BaseRoute


def own_paths(routes: Iterable[tuple[str, BaseRoute]]) -> list[OwnPath]:
    """The :class:`OwnPath` of each ``(prefix, route)`` that has a path and methods (mounts
    such as the page or the docs' static files are left out)."""
    paths = []
    for prefix, route in routes:
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        if isinstance(route, Mount) or not methods or path is None:
            continue
        pattern, template, _convertors = compile_path(prefix + path)
        allowed = frozenset(methods) | ({"HEAD"} if "GET" in methods else set())
        paths.append(OwnPath(pattern, template, allowed, "HEAD" in methods, route))
    return paths


def _json(status: int, body: dict[str, Any] | None, headers: dict[str, str]) -> tuple[Message, Message]:
    data = json.dumps(body, ensure_ascii=True).encode("ascii") if body is not None else b""
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    if body is not None:
        raw += [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    return (
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": data},
    )


class RestEdge:
    """ASGI middleware for ``paths`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, paths: list[OwnPath]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = get_route_path(scope)
        matched = [own for own in self.paths if own.pattern.match(path)]
        if not matched:
            await self.app(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in CORS_HEADERS.items():
                    headers[name] = value
            await send(message)

        allowed = frozenset().union(*(own.methods for own in matched))
        shown = ", ".join(sorted(allowed))
        method = scope["method"]
        if method == "OPTIONS":
            preflight = "access-control-request-method" in Headers(scope=scope)
            await self._answer(with_cors, 200 if preflight else 204, None, {"allow": shown})
        elif method not in allowed:
            scope["route"] = matched[0].route  # the metrics' label: the route's template
            await self._answer(
                with_cors,
                405,
                {"error": f"Method Not Allowed: {matched[0].template} accepts {shown}"},
                {"allow": shown},
            )
        elif method == "HEAD" and not any(own.native_head for own in matched):
            as_get = {**scope, "method": "GET"}
            try:
                await self.app(as_get, receive, _without_body(with_cors))
            finally:
                if "route" in as_get:
                    scope["route"] = as_get["route"]
        else:
            await self.app(scope, receive, with_cors)

    @staticmethod
    async def _answer(send: Send, status: int, body: dict[str, Any] | None, headers: dict[str, str]) -> None:
        for message in _json(status, body, headers):
            await send(message)


def _without_body(send: Send) -> Send:
    """``send`` with every body chunk emptied (the answer to a HEAD request; headers kept)."""

    async def head_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_only
