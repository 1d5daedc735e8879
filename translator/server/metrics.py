"""Prometheus metrics of the server (``--metrics`` serves them at ``GET /metrics``).

The series are module-level ``prometheus_client`` objects in this module's own registry: one set
per process, whatever number of servers it runs (tests run several). They are counted where the
work happens: :class:`RequestMetrics` (an ASGI middleware) counts every HTTP request by route
template, method and status and times it; the Backend counts characters and sentences
translated, times the engine's calls (:func:`observe_model_seconds`), counts requests waiting for a
model (:func:`waiting_for`) and each model's state; :class:`CacheCounts` carries the translation
cache's hits and misses over; the REST routes count rate-limit refusals and the limited calls
let through uncounted while the shared storage is down.

Several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts) every
process writes its values into files there and ``/metrics`` of any of them adds them up
(``prometheus_client``'s multiprocess mode; gauges say how: ``livesum``, ``livemin``). Nothing
here reads it when imported: :func:`multiprocess_mode` does, when the app is built.

Labels stay bounded against hostile clients: a route label is a route's template (``/translate``,
``/download_file/{filename:path}``), ``page`` for everything the mounted page serves, or
``other`` (:class:`RouteLabels`); never the raw path.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from translator.engines.shared import Round
from translator.options import ENV_PROMETHEUS_DIR, env
from translator.results import TranslationAndSummary

SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
DISCONNECTED = 499  # no answer was started: the client went away (nginx's code for it)

REGISTRY = CollectorRegistry(auto_describe=True)
_multiprocess: bool | None = None  # read by multiprocess_mode(), once

REQUESTS = Counter(
    "translator_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "translator_http_request_duration_seconds",
    "Seconds from a request's arrival to the end of its answer, by route template",
    ["route"],
    buckets=SECONDS,
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "translator_http_requests_in_flight",
    "HTTP requests being answered now",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
QUEUE = Gauge(
    "translator_queue_depth",
    "Requests waiting for a model (its --concurrency places are taken)",
    ["model"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
CHARACTERS = Counter(
    "translator_characters_translated",
    "Characters of the source sentences translated (from the model or the cache)",
    registry=REGISTRY,
)
SENTENCES = Counter(
    "translator_sentences_translated",
    "Source sentences (pieces) translated (from the model or the cache)",
    registry=REGISTRY,
)
MODEL_SECONDS = Histogram(
    "translator_model_seconds",
    "Seconds in the engine's generate, per batch",
    ["model"],
    buckets=SECONDS,
    registry=REGISTRY,
)
SHARED_ROWS = Histogram(
    "translator_shared_batch_rows",
    "Sentences in each shared engine round (--batch-window-ms)",
    ["model", "lane"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    registry=REGISTRY,
)
SHARED_FILL = Histogram(
    "translator_shared_batch_fill",
    "Share of the engine's budget (decoder positions, or padded source tokens) each shared round used",
    ["model", "lane"],
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 2.0),
    registry=REGISTRY,
)
SHARED_WAIT = Histogram(
    "translator_shared_queue_seconds",
    "Seconds an engine call waited in the shared queue before its first sentence ran",
    ["model", "lane"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
SHARED_SHARE = Histogram(
    "translator_shared_request_share",
    "Each engine call's part of the sentences of a shared round it was in (1: alone)",
    ["model", "lane"],
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 0.99, 1.0),
    registry=REGISTRY,
)
CACHE_HITS = Counter("translator_cache_hits", "Sentences found in the translation cache", registry=REGISTRY)
CACHE_MISSES = Counter(
    "translator_cache_misses", "Sentences looked up in the translation cache and not found", registry=REGISTRY
)
MODEL_READY = Gauge(
    "translator_model_ready",
    "1 when the model is loaded and ready, 0 when it is missing (multiprocess: the lowest of the live processes)",
    ["model"],
    multiprocess_mode="livemin",
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "translator_rate_limited", "REST calls refused with 429 (--req-limit or a key's limit)", registry=REGISTRY
)
LIMITS_UNCHECKED = Counter(
    "translator_limits_unchecked",
    "Limited REST calls let through uncounted while the shared storage did not answer (--shared-storage-down open)",
    registry=REGISTRY,
)


class RouteLabels:
    """The bounded label of a request's route: its template when it is one of the server's own
    ``routes`` (a route, or a mount such as ``/docs-assets``), ``page`` for what the mounted
    ``page`` app answered (gradio's routes and its 404s), ``other`` for the rest (refused before
    any route)."""

    def __init__(self, routes: frozenset[str], page: Any = None) -> None:
        self.routes = routes
        self.page = page

    def __call__(self, scope: Scope) -> str:
        """The label of the request of ``scope`` (read once the app has answered it)."""
        path = getattr(scope.get("route"), "path", None)
        if path in self.routes:
            return path
        if scope.get("root_path") in self.routes:  # a mount of the server's own
            return scope["root_path"]
        if self.page is not None and scope.get("app") is self.page:
            return "page"
        return "other"


def method_label(scope: Scope) -> str:
    """The request's method, or ``other`` for a method HTTP does not define."""
    method = str(scope.get("method", ""))
    return method if method in METHODS else "other"


def app_routes(app: Any, *routers: Any) -> frozenset[str]:
    """The route templates of ``app``'s own routes and mounts (not the page mounted at "/") and
    of the ``routers`` it includes (FastAPI keeps those apart from ``app.routes``)."""
    routes = [*app.routes, *(route for router in routers for route in router.routes)]
    return frozenset(path for route in routes if (path := getattr(route, "path", None)))


class WatchedRequests:
    """ASGI middleware base: runs every HTTP request through the app, then calls
    ``finished(scope, status, seconds)`` (status DISCONNECTED when no answer started), its route
    named by ``labels``. Subclasses count (RequestMetrics) or log (logs.AccessLog)."""

    def __init__(self, app: ASGIApp, labels: RouteLabels) -> None:
        self.app = app
        self.labels = labels

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = DISCONNECTED
        started = time.perf_counter()

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.starting(scope)
        try:
            await self.app(scope, receive, watched)
        finally:
            self.finished(scope, status, time.perf_counter() - started)

    def starting(self, scope: Scope) -> None:
        """Called as a request comes in."""

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        """Called once the request is answered (or the client went away)."""


class RequestMetrics(WatchedRequests):
    """ASGI middleware: counts and times every HTTP request (see the module docstring), labelled
    by ``labels``."""

    def starting(self, scope: Scope) -> None:
        IN_FLIGHT.inc()

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        IN_FLIGHT.dec()
        route = self.labels(scope)
        REQUESTS.labels(route, method_label(scope), str(status)).inc()
        LATENCY.labels(route).observe(seconds)


def count_translated(results: Sequence[TranslationAndSummary]) -> None:
    """Count the sentences each result translated and their characters."""
    sentences = characters = 0
    for result in results:
        for segment in result.segments:
            if segment.translated:
                sentences += 1
                characters += len(segment.source)
    if sentences:
        SENTENCES.inc(sentences)
        CHARACTERS.inc(characters)


def observe_model_seconds(kind: str, seconds: float) -> None:
    """An engine call of the ``kind`` model took ``seconds``: ``translator_model_seconds{model=kind}``
    (registered with :func:`translator.engines.observed.add_observer` when the server is built)."""
    MODEL_SECONDS.labels(kind).observe(seconds)


def observe_round(done: Round) -> None:
    """A shared engine round ran, on the ``shared`` or the ``express`` lane (registered with
    :func:`translator.engines.shared.add_batch_observer` when the server is built)."""
    labels = (done.kind, done.lane)
    SHARED_ROWS.labels(*labels).observe(done.rows)
    SHARED_FILL.labels(*labels).observe(done.positions / max(1, done.budget))
    for wait in done.waits:
        SHARED_WAIT.labels(*labels).observe(wait)
    for share in done.shares:
        SHARED_SHARE.labels(*labels).observe(share)


def model_ready(kind: str, ready: bool) -> None:
    """Record whether the ``kind`` model ("translation", "summary") is ready."""
    MODEL_READY.labels(kind).set(1 if ready else 0)


@contextmanager
def waiting_for(gate: Any, kind: str) -> Iterator[None]:
    """Acquire ``gate`` (a semaphore of the ``kind`` model), counted in ``translator_queue_depth``
    while waiting; release it when the block ends."""
    QUEUE.labels(kind).inc()
    try:
        gate.acquire()
    finally:
        QUEUE.labels(kind).dec()
    try:
        yield
    finally:
        gate.release()


class CacheCounts:
    """Carries a translation cache's own ``hits`` and ``misses`` into the metrics: :meth:`sync`
    adds what they grew by since the last call (exact however requests interleave)."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self._seen = (cache.hits, cache.misses)
        self._lock = threading.Lock()

    def sync(self) -> None:
        """Count the hits and misses since the last call."""
        with self._lock:
            hits, misses = self.cache.hits, self.cache.misses
            seen_hits, seen_misses = self._seen
            self._seen = (hits, misses)
        if hits > seen_hits:
            CACHE_HITS.inc(hits - seen_hits)
        if misses > seen_misses:
            CACHE_MISSES.inc(misses - seen_misses)


def multiprocess_mode() -> bool:
    """Whether ``$PROMETHEUS_MULTIPROC_DIR`` puts the process in multiprocess mode (prometheus_client
    reads it too, when imported: set it before the process starts). Read once, when the app is
    built (server.py) or first needed; outside that mode the registry then gets the process's
    memory and CPU (per process only: not added up across processes)."""
    global _multiprocess
    if _multiprocess is None:
        _multiprocess = env(ENV_PROMETHEUS_DIR) is not None
        if not _multiprocess:
            ProcessCollector(registry=REGISTRY)
    return _multiprocess


def exposition() -> bytes:
    """The metrics in Prometheus's text format: this process's, or with
    ``PROMETHEUS_MULTIPROC_DIR`` every process's added up."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_stopped() -> None:
    """In multiprocess mode, drop this process's live gauges (at shutdown)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())


def metrics_router(token: str | None) -> APIRouter:
    """``GET /metrics``; with ``token``, only for ``Authorization: Bearer <token>`` (else 401
    ``{"error": ...}``)."""
    router = APIRouter()
    expected = f"Bearer {token}".encode() if token else None

    @router.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode("latin-1", "replace")
            if not hmac.compare_digest(given, expected):
                return JSONResponse(
                    {
                        "error": "Unauthorized: /metrics needs Authorization: Bearer <token> "
                        "(the server's --metrics-auth-token)"
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
