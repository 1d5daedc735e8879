"""``translator`` / ``python -m translator``: translate, summarize, batch, follow, serve, download,
evaluate, cache, keys, suggestions.

Every argparse parser of the project lives in this package (``python app.py`` is ``translator
serve``): ``parser.py`` builds them, ``documents.py`` runs translate and summarize, ``serve.py``
the server, ``tools.py`` the other commands, ``main.py`` the table of commands and the exit codes.
Errors go to stderr with a non-zero exit code: 1 for a failure while working, 2 for bad usage.

Layer: the top: imports every layer below it (server, batch, evaluation, news, core, formats,
engines, text, system, base).
"""

from translator.cli.common import UsageError
from translator.cli.main import COMMANDS, main
from translator.cli.parser import build_parser
from translator.cli.serve import parse_auth, serve_settings

__all__ = ["COMMANDS", "UsageError", "build_parser", "main", "parse_auth", "serve_settings"]
