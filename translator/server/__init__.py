"""The server: one FastAPI app on one port with the Gradio page, the LibreTranslate-compatible
REST API and the operator's routes, served by uvicorn.

``server.py`` builds and runs it (timeouts, graceful stop), ``backend.py`` holds the settings,
the model status and the per-model gates, ``page/`` is the Gradio page, ``rest/`` the REST
routes; ``http.py`` (receipt deadlines, framing), ``guard.py``, ``admission.py``, ``abandon.py``,
``routing.py``, ``openapi.py``, ``metrics.py``, ``logs.py`` and ``downloads.py`` each keep one
concern of a public server. ``translator serve`` (and ``python app.py``) starts it.

Layer: entry point: imports news, core, formats, engines, testing, text, system and the base
modules; never cli, batch or evaluation.
"""

from translator.server.backend import Backend, ModelStatus, Settings
from translator.server.page.page import build_app, launch

__all__ = ["Backend", "ModelStatus", "Settings", "build_app", "launch"]
