"""The API's description for people and programs: ``/docs`` (Swagger UI 5, its files served from
the ``fastapi-offline`` package, so it works offline), ``/openapi.json`` and ``/spec``
(LibreTranslate's path for it). The document is FastAPI's own OpenAPI 3.1, which Swagger UI 5 reads.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI


def swagger_ui_folder() -> Path:
    """The folder of Swagger UI's files (``swagger-ui-bundle.js``, ``swagger-ui.css``,
    ``favicon.png``), shipped as package data by fastapi-offline."""
    import fastapi_offline

    return Path(str(files(fastapi_offline) / "static"))


def install_docs(app: FastAPI, prefix: str = "") -> None:
    """``/docs``, ``/docs-assets/...`` and ``/spec`` under ``prefix`` on ``app``."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(f"{prefix}/docs-assets", StaticFiles(directory=swagger_ui_folder()), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> Any:
        assets = f"{prefix}/docs-assets"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or f"{prefix}/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )

    @app.get(f"{prefix}/spec", include_in_schema=False)
    def spec() -> Any:
        """The OpenAPI document, at LibreTranslate's path for it."""
        return app.openapi()
