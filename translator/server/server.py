"""One process, one port: the REST API's routes and the page (gradio's public
``gr.mount_gradio_app``, at "/", or at ``--url-prefix``) on one FastAPI app, served by uvicorn
directly (http.py). Both share the page's Backend: one copy of each model and the same per-model
gates, so REST calls and page requests wait in one queue.

The REST routes are registered before the page is mounted, so that they, ``/docs``, ``/spec``,
``/openapi.json`` and (``--metrics``) ``/metrics`` are found first; everything else is the
page's (its gradio API included), or with ``--disable-web-ui`` a JSON 404. Those paths of the
server's own never reach the page: routing.py answers a wrong method (405), HEAD and CORS for
them. Outside the edge guard, two small middlewares see every request's final status: the access
log (logs.py) and, with ``--metrics``, the request counters (metrics.py).
"""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import gradio as gr
from fastapi import APIRouter, FastAPI
from starlette.routing import Mount

from translator._version import __version__
from translator.options import DEFAULT_PORT
from translator.server import metrics
from translator.server.backend import Backend, Settings
from translator.server.guard import EdgeGuard
from translator.server.http import Server, free_port
from translator.server.logs import AccessLog, use_log_format
from translator.server.openapi import install_docs
from translator.server.rest import RestApi
from translator.server.rest.news import news_router
from translator.server.routing import RestEdge, own_paths

logger = logging.getLogger("translator")

API_DESCRIPTION = (
    "A LibreTranslate-compatible API (`/translate`, `/detect`, `/languages`, `/translate_file`, "
    "`/frontend/settings`, `/suggest`, `/health`) for Slovenian and the other South Slavic languages into "
    "English, with extensions: English summaries (`/summarize`, `summary=true`), an article from a link "
    "(`/translate_url`) and the probes "
    "`/health/live` and `/health/ready`. Parameters may be sent as JSON or as a form. The web page is at `/`."
)


def rest_routers(api: RestApi, settings: Settings) -> list[APIRouter]:
    """Every router of the server's own, in the order they are included: the REST API's, and
    ``/metrics`` with ``--metrics``. A new group of routes (``/translate_url``) goes here: it then
    gets the prefix, the 405s, HEAD and CORS of the others."""
    routers = [api.router(), news_router(api, allow_private_urls=settings.allow_private_urls)]
    if settings.metrics:
        routers.append(metrics.metrics_router(settings.metrics_auth_token))
    return routers


def build_server_app(demo: gr.Blocks, backend: Backend, settings: Settings, page_options: dict[str, Any]) -> FastAPI:
    """The FastAPI app: the REST routes and ``/docs``, then ``demo`` mounted at "/" (or
    ``settings.url_prefix``; not at all with ``disable_web_ui``) with ``settings.auth`` and
    ``page_options`` (theme, style ... for gr.mount_gradio_app), behind the edge guard
    (guard.py), with ``/metrics``, the request counters and the access log as ``settings``
    asks. When it shuts down (SIGTERM, SIGINT, close()), the REST and page download folders are
    removed. Raises ValueError for a bad keys file or shared storage."""
    api = RestApi(backend, settings)
    prefix = settings.url_prefix

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:
            yield
        finally:
            api.downloads.close()
            api.shared.close()
            backend.downloads.close()
            metrics.process_stopped()
            logger.info("server stopped; download folders removed")

    app = FastAPI(
        title="Slovenian → English translator",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{prefix}/openapi.json",
    )
    install_docs(app, prefix)
    _json_errors(app)
    routers = rest_routers(api, settings)
    for router in routers:
        app.include_router(router, prefix=prefix)
    app.state.rest = api
    own = [*(("", route) for route in app.routes), *((prefix, route) for router in routers for route in router.routes)]
    page = None
    if not settings.disable_web_ui:
        gr.mount_gradio_app(
            app,
            demo,
            path=prefix or "/",
            auth=settings.auth,
            server_name=settings.host,
            server_port=settings.port or DEFAULT_PORT,
            **page_options,
        )
        page = _mounted_page(app)
    app.add_middleware(RestEdge, paths=own_paths(own))
    # outermost: every request, the page's included, passes the guard first
    app.add_middleware(EdgeGuard, max_json_depth=settings.limits.max_json_depth, max_json_bytes=api.text_body_limit)
    # outside the guard: they see its refusals and the request id it gives
    labels = metrics.RouteLabels(metrics.app_routes(app, *routers), page=page)
    if settings.metrics:
        metrics.multiprocess_mode()  # its environment variable is read now
        app.add_middleware(metrics.RequestMetrics, labels=labels)
    if settings.access_log:
        app.add_middleware(AccessLog, labels=labels)
    use_log_format(settings.log_format, settings.access_log)
    return app


def _json_errors(app: FastAPI) -> None:
    """FastAPI's own refusals (a wrong method, a bad path parameter) in the API's shape,
    ``{"error": ...}``, instead of ``{"detail": ...}``."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    @app.exception_handler(HTTPException)
    async def http_error(_request, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ())) or "request"
        return JSONResponse({"error": f"Invalid request: {where}: {first.get('msg')}"}, status_code=400)


def _mounted_page(app: FastAPI) -> Any:
    """The gradio App that mount_gradio_app put on ``app`` (None: no page)."""
    from gradio.routes import App

    return next((route.app for route in app.routes if isinstance(route, Mount) and isinstance(route.app, App)), None)


@dataclass
class RunningServer:
    """What :func:`serve` hands back, the project's own handle: the address (``local_url``, and
    ``share_url`` with ``--share``), the FastAPI ``app``, the ``backend`` (models, gates), the
    Gradio ``page`` (None with ``--disable-web-ui``) and the uvicorn ``server``; :meth:`close`
    stops it, :meth:`wait` blocks until it stops."""

    app: FastAPI
    backend: Backend
    page: gr.Blocks | None
    server: Server
    local_url: str
    share_url: str | None = None

    def close(self) -> None:
        """Stop the server (in-flight requests get the grace period) and wait for it."""
        self.server.close()

    def wait(self) -> None:
        """Block until the server stops; Ctrl-C stops it."""
        thread = self.server.thread
        try:
            while thread is not None and thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            self.close()


def serve(
    demo: gr.Blocks,
    backend: Backend,
    settings: Settings,
    page_options: dict[str, Any],
    *,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> RunningServer:
    """Serve the page and the REST API with uvicorn on ``settings.host``/``port`` (None: the
    first free port from 7860), with ``settings.limits``' deadlines, connection cap and grace
    period (http.py). Blocks until the server stops (SIGTERM, SIGINT: in-flight requests finish
    within the grace period, then the folders are removed) unless ``prevent_thread_lock``;
    returns the :class:`RunningServer`. Raises OSError naming --port when the port is taken."""
    if settings.auth and not settings.require_api_key:
        logger.warning("--auth protects the page; the REST API needs --require-api-key to require keys")
    if settings.api_keys_file and not settings.require_api_key:
        logger.warning(
            "--api-keys: callers without a key are served at the server's limits; --require-api-key requires one"
        )
    app = build_server_app(demo, backend, settings, page_options)
    port = settings.port or free_port(settings.host)
    server = Server(app, settings.host, port, settings.limits, proxy_headers=settings.trust_forwarded_for)
    shown_host = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0", "::") else settings.host
    local_url = f"http://{shown_host}:{port}{settings.url_prefix}/"
    running = RunningServer(app, backend, None if settings.disable_web_ui else demo, server, local_url)
    if not quiet:
        print(
            f"* Running on local URL:  {local_url}  (REST API: {local_url}translate, docs: {local_url}docs)", flush=True
        )
    if settings.share:
        server.run_in_thread()
        running.share_url = _share(demo, settings.host, port)
        if not prevent_thread_lock:
            running.wait()
    elif prevent_thread_lock:
        server.run_in_thread()
    else:
        server.run()  # the main thread: uvicorn handles SIGTERM/SIGINT gracefully
    return running


def _share(demo: gr.Blocks, host: str, port: int) -> str | None:
    """A temporary public gradio.live link to the server, as Blocks.launch(share=True) opens;
    None (and a warning) when it cannot be had."""
    from gradio import networking

    try:
        url = networking.setup_tunnel(host, port, demo.share_token, None, None)
    except Exception as exc:  # no internet, blocked binary...: the local server still serves
        print(f"warning: could not create a share link ({exc}); serving locally only", file=sys.stderr)
        return None
    print(f"* Running on public URL: {url}", flush=True)
    return url
