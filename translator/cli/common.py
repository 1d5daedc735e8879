"""What every command's parser shares: the help format, the model, file-size and cache options."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from translator.core.cache.base import DEFAULT_CACHE_MB
from translator.errors import InvalidInputError, surface
from translator.options import (
    DEFAULT_BEAMS,
    DEFAULT_SUMMARY_MODEL,
    DEFAULT_TRANSLATION_MODEL,
    DEVICES_HELP,
    ENGINES,
    HUB_BARS_VARIABLE,
    MAX_BEAMS,
    MAX_FILE_BYTES,
    MIN_BEAMS,
    SUMMARY_LENGTHS,
    check_beams,
    check_device,
    set_for_libraries,
)
from translator.system.terminal import is_terminal

logger = logging.getLogger("translator")


WARNINGS_SHOWN = 3  # warnings printed by `translate` before "... and N more"
HUB_BARS = HUB_BARS_VARIABLE
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


class UsageError(InvalidInputError):
    """Bad usage that argparse cannot see (a folder where a file belongs...): exit code 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something (not None/False, not already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def argument_type(check):
    """An argparse ``type=`` that turns the check's ValueError into a one-line usage error."""

    def convert(value: str):
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__.removeprefix("check_")
    return convert


def check_source(value: str) -> str:
    """``--source``: "auto" or a language the default model translates (tags such as "slv" and
    "sr-Latn" are accepted); ValueError naming the valid ones. Checked by argparse, so every
    command refuses a bad one alike: exit code 2 and the same message."""
    from translator.text.language import route_language

    route_language("", value)
    return value


def add_model_options(
    parser: argparse.ArgumentParser,
    *,
    translation: bool = True,
    summary: bool = True,
    length: bool = True,
    beams: int | None = DEFAULT_BEAMS,
) -> None:
    """The model, device, engine, beams (and summary length) options of a command: each command
    gets only those it uses."""
    if translation:
        parser.add_argument(
            "--translation-model",
            default=None,
            help="Hub id, alias or local folder (default: $TRANSLATOR_TRANSLATION_MODEL or "
            f"{DEFAULT_TRANSLATION_MODEL})",
        )
        parser.add_argument(
            "--source",
            default="auto",
            type=argument_type(check_source),
            metavar="LANG",
            help="source language: auto (detect), sl, hr, sr, bs, bg, mk, or en (copy as is)",
        )
    if summary:
        parser.add_argument(
            "--summary-model",
            default=None,
            help=f"Hub id, alias or local folder (default: $TRANSLATOR_SUMMARY_MODEL or {DEFAULT_SUMMARY_MODEL})",
        )
    parser.add_argument(
        "--device",
        default=None,
        type=argument_type(check_device),
        help=f"{DEVICES_HELP} (default: $TRANSLATOR_DEVICE or auto)",
    )
    parser.add_argument(
        "--engine", default=None, choices=ENGINES, help="generation engine (default: $TRANSLATOR_ENGINE or auto)"
    )
    parser.add_argument(
        "--beams",
        type=argument_type(check_beams),
        default=beams,
        metavar=f"{MIN_BEAMS}-{MAX_BEAMS}",
        help="beam size (1 = greedy: fastest)",
    )
    if summary and length:
        parser.add_argument("--length", default="medium", choices=list(SUMMARY_LENGTHS), help="summary length")


def add_file_limit(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--max-file-mb: the largest document accepted, once unpacked (a .docx is a zip)."""
    parser.add_argument(
        "--max-file-mb",
        type=float,
        default=MAX_FILE_BYTES / 2**20,
        metavar="MB",
        help="refuse a document larger than this once unpacked (.docx parts count unzipped)",
    )


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """--cache [SPEC] and --translation-cache-mb: the sentence cache (docs: operating.md, Translation cache)."""
    parser.add_argument(
        "--cache",
        nargs="?",
        const="on",
        default=None,
        metavar="SPEC",
        help="keep each sentence's English for next time (off unless given): bare --cache is the "
        "default SQLite file under $TRANSLATOR_CACHE_DIR (~/.cache/translator); or FILE.sqlite, "
        "redis://host:port/db, off",
    )
    parser.add_argument(
        "--translation-cache-mb",
        type=int,
        default=DEFAULT_CACHE_MB,
        metavar="MB",
        help="largest SQLite cache; past it the least recently used sentences are dropped",
    )


def add_memory_options(parser: argparse.ArgumentParser) -> None:
    """--memory SPEC and --memory-near RATIO: the translation memory (docs: own-words.md)."""
    parser.add_argument(
        "--memory",
        default=None,
        metavar="SPEC",
        help="the translation memory whose approved sentences are used as they are: on (memory.sqlite in "
        "$TRANSLATOR_CACHE_DIR or ~/.cache/translator, shared with a server on this machine), off, FILE, or "
        "redis://host:port/db (default: $TRANSLATOR_MEMORY, else on)",
    )
    parser.add_argument(
        "--memory-near",
        type=float,
        default=0.9,
        metavar="RATIO",
        help="show the memory's near matches (not applied) from this fuzzy ratio, 0 to 1 (above 1: none)",
    )


def open_cli_memory(args: argparse.Namespace):
    """The translation memory ``--memory`` names (None: off); UsageError for a bad spec or ratio."""
    from translator.core.memory import default_memory_spec, open_memory

    try:
        return open_memory(getattr(args, "memory", None) or default_memory_spec(), getattr(args, "memory_near", 0.9))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def add_terms_options(parser: argparse.ArgumentParser, keep_flag: str = "--keep") -> None:
    """--glossary FILE, --keep STRING and --keep-file FILE (docs: own-words.md), each repeatable;
    ``keep_flag``: --keep's name where the command has a --keep of its own (follow)."""
    parser.add_argument(
        "--glossary",
        action="append",
        default=None,
        metavar="FILE",
        help="glossary terms the English honours: CSV (source,target[,language]) or TBX; repeatable",
    )
    parser.add_argument(
        keep_flag,
        dest="keep_strings",
        action="append",
        default=None,
        metavar="STRING",
        help="a name, brand or code kept verbatim in the English; repeatable",
    )
    parser.add_argument(
        "--keep-file",
        action="append",
        default=None,
        metavar="FILE",
        help="strings kept verbatim, one a line (# starts a comment); repeatable",
    )


def cli_terms(args: argparse.Namespace):
    """The Terms of --glossary, --keep and --keep-file (None: none); UsageError naming a bad file or term."""
    from translator.formats.glossary import load_terms

    try:
        return load_terms(
            getattr(args, "glossary", None) or (),
            getattr(args, "keep_strings", None) or (),
            getattr(args, "keep_file", None) or (),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def open_cli_cache(args: argparse.Namespace):
    """The translation cache ``--cache`` names (None: none); UsageError for a bad spec or size."""
    from translator.core.cache import open_cache

    try:
        return open_cache(getattr(args, "cache", None), getattr(args, "translation_cache_mb", DEFAULT_CACHE_MB))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def max_file_bytes(args: argparse.Namespace) -> int:
    return int(args.max_file_mb * 2**20)


def run_command(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command with its errors' hints phrased for the command line (``--source sl``, not
    ``source="sl"``), and progress bars only on a terminal. A reader that closes standard output
    early (``translator translate - | head -1``) ends the command quietly with
    :data:`EXIT_PIPE_CLOSED`, as Unix tools do: no traceback and no error line."""
    try:
        with surface("cli"), _library_bars(is_terminal()):
            code = command(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE_CLOSED


@contextmanager
def _library_bars(shown: bool) -> Iterator[None]:
    """Off the terminal, the libraries' bars too (transformers' "Loading weights", the Hub's
    downloads): they read HF_HUB_DISABLE_PROGRESS_BARS when first imported, during the command,
    or are switched off here when already imported (commands run in one process, as in the tests).
    A value the user set is kept; ours is taken back after the command."""
    if shown:
        yield
        return
    with set_for_libraries(HUB_BARS, "1") as ours:
        loaded = sys.modules.get("transformers.utils.logging") if ours else None
        was_on = loaded if loaded is not None and loaded.is_progress_bar_enabled() else None
        if was_on is not None:
            was_on.disable_progress_bar()
        try:
            yield
        finally:
            if was_on is not None:
                was_on.enable_progress_bar()


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's flush at exit has nowhere to fail."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a stream put in place by the caller (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
