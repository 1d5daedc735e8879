"""The web page: paste or upload Slovenian news, get the English, a summary and a
sentence-by-sentence view; the same page is an API (``/translate``, ``/summarize``,
``/translate_and_summarize``).

backend.py does the work (settings, model status, checks, the pipeline), render.py turns results
into HTML and Markdown, page.py lays out the gradio page and serves it. Its command-line options
are ``translator serve``'s (cli.py); ``python app.py`` is the same command.
"""

from .backend import Backend, ModelStatus, Settings
from .page import build_app, launch

__all__ = ["Backend", "ModelStatus", "Settings", "build_app", "launch"]
