"""The server: one FastAPI app on one port with the Gradio page, the LibreTranslate-compatible
REST API and the operator's routes, served by uvicorn.

``server.py`` builds and runs it (timeouts, graceful stop), ``settings.py`` declares what it is
started with, ``backend.py`` holds the model status and the per-model gates, ``page/`` is the
Gradio page, ``rest/`` the REST routes; ``http.py`` (receipt deadlines, framing), ``guard.py``,
``admission.py``, ``abandon.py``, ``routing.py``, ``openapi.py``, ``metrics.py``, ``logs.py`` and
``downloads.py`` each keep one concern of a public server. ``translator serve`` (and ``python app.py``) starts it.

Layer: entry point: imports news, core, formats, engines, testing, text, system and the base
modules; never cli, batch or evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from translator.server.settings import Settings

if TYPE_CHECKING:
    from translator.server.backend import Backend, ModelStatus
    from translator.server.page.page import build_app, launch

__all__ = ["Backend", "ModelStatus", "Settings", "build_app", "launch"]

_LATER = {"Backend": "backend", "ModelStatus": "backend", "build_app": "page.page", "launch": "page.page"}


def __getattr__(name: str) -> Any:
    """The page and the backend are imported when first asked for (they import gradio, fastapi and
    the models' libraries): ``translator serve``'s flags need only the Settings."""
    if name not in _LATER:
        raise AttributeError(f"module 'translator.server' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"translator.server.{_LATER[name]}"), name)
