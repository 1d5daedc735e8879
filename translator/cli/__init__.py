"""``translator`` / ``python -m translator``: translate, summarize, batch, follow, serve, download,
evaluate, cache, keys, suggestions.

Every argparse parser of the project lives in this package (``python app.py`` is ``translator
serve``): ``parser.py`` builds them, ``documents.py`` runs translate and summarize, ``serve.py``
the server, ``tools.py`` the other commands, ``main.py`` the table of commands and the exit codes.
Errors go to stderr with a non-zero exit code: 1 for a failure while working, 2 for bad usage.
"""

from .common import UsageError
from .main import COMMANDS, main
from .parser import build_parser
from .serve import parse_auth, serve_settings

__all__ = ["COMMANDS", "UsageError", "build_parser", "main", "parse_auth", "serve_settings"]
