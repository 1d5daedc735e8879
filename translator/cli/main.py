"""Running the command line: the command table and the exit codes."""

from __future__ import annotations

import logging
import sys

from translator.cli.common import UsageError, run_command
from translator.cli.documents import summarize_command, translate_command
from translator.cli.memory import memory_command, suggestions_command
from translator.cli.parser import build_parser
from translator.cli.serve import serve_command
from translator.cli.tools import (
    batch_command,
    cache_command,
    download_command,
    evaluate_command,
    follow_command,
    keys_command,
    tiny_models_command,
)
from translator.errors import TranslatorError, needs_extra

logger = logging.getLogger("translator")


COMMANDS = {
    "translate": translate_command,
    "summarize": summarize_command,
    "download": download_command,
    "tiny-models": tiny_models_command,
    "batch": batch_command,
    "serve": serve_command,
    "evaluate": evaluate_command,
    "cache": cache_command,
    "follow": follow_command,
    "keys": keys_command,
    "suggestions": suggestions_command,
    "memory": memory_command,
}

# The extra (pyproject.toml) each command needs beyond `pip install .`: a missing one is named
# with its install command instead of a traceback.
COMMAND_EXTRAS = {"serve": "server", "follow": "news", "evaluate": "evaluate"}


def _traceback_if(verbose: bool) -> None:
    """With -v, the traceback of the error being handled goes to stderr before its one line."""
    if verbose:
        import traceback

        traceback.print_exc(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    from translator.formats.files import FileTooLargeError

    try:
        extra = COMMAND_EXTRAS.get(args.command)
        if extra is None:
            return run_command(COMMANDS[args.command], args)
        with needs_extra(extra, f"translator {args.command}"):
            return run_command(COMMANDS[args.command], args)
    except UsageError as exc:
        _traceback_if(args.verbose)
        parser.exit(2, f"translator {args.command}: error: {exc}\n")
    except (TranslatorError, OSError) as exc:  # what a user can fix; anything else is a bug: its traceback shows
        _traceback_if(args.verbose)
        hint = "; --max-file-mb raises the limit" if isinstance(exc, FileTooLargeError) else ""
        print(f"translator {args.command}: error: {exc}{hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
