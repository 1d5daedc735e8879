"""``translator memory import|export|stats|clear`` and ``translator suggestions
list|approve|reject|export`` (docs: own-words.md): the translation memory and the suggestions
that fill it, worked on while a server runs, without importing the page."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from translator.cli.common import HelpFormatter, UsageError, open_cli_memory
from translator.core.memory import MEMORY_HELP

TARGET = "en"


def _sentence(text: str) -> str:
    """A subcommand's help as its description: a capital and a full stop."""
    return text[:1].upper() + text[1:] + "."


def _memory_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        default=None,
        metavar="SPEC",
        help=f"which memory: {MEMORY_HELP} (default: $TRANSLATOR_MEMORY, else on)",
    )


def add_memory_commands(commands: argparse._SubParsersAction) -> None:
    """The ``memory`` and ``suggestions`` commands."""
    p = commands.add_parser(
        "memory",
        help="import, export, count or empty the translation memory",
        formatter_class=HelpFormatter,
        description="The translation memory: approved (source sentence, English) pairs used as they are, "
        "before the cache and the model. Import or export TMX 1.4 or CSV (language,source,target), count "
        "the pairs, or remove them all.",
    )
    actions = p.add_subparsers(dest="memory_action", required=True, metavar="ACTION")
    action = actions.add_parser(
        "import",
        help="add the pairs of a TMX or CSV file",
        description=_sentence("add the pairs of a TMX or CSV file"),
        formatter_class=HelpFormatter,
    )
    action.add_argument("file", help="a .tmx or .csv file")
    action.add_argument("--format", choices=("tmx", "csv"), default=None, help="default: from the file's suffix")
    action.add_argument("--language", default=None, help="the source language of a CSV file of source,target rows")
    _memory_flags(action)
    action = actions.add_parser(
        "export",
        help="write every pair as TMX or CSV",
        description=_sentence("write every pair as TMX or CSV"),
        formatter_class=HelpFormatter,
    )
    action.add_argument("--format", choices=("tmx", "csv"), default="tmx", help="TMX 1.4, or CSV")
    action.add_argument("-o", "--output", default=None, metavar="FILE", help="write here (default: standard output)")
    _memory_flags(action)
    for name, text in (("stats", "count the pairs, per language"), ("clear", "remove every pair")):
        _memory_flags(actions.add_parser(name, help=text, description=_sentence(text), formatter_class=HelpFormatter))

    p = commands.add_parser(
        "suggestions",
        help="list, approve, reject or export the translations users suggested (serve --suggestions)",
        formatter_class=HelpFormatter,
        description="The translations users suggested (POST /suggest on a server started with --suggestions, "
        "or the page's correction box) wait here until approved into the translation memory or rejected.",
    )
    actions = p.add_subparsers(dest="suggestions_action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="the pending suggestions, numbered",
        description=_sentence("the pending suggestions, numbered"),
        formatter_class=HelpFormatter,
    )
    for name, text in (
        ("approve", "put suggestions into the translation memory (and remove them from the pending ones)"),
        ("reject", "remove suggestions"),
    ):
        action = actions.add_parser(name, help=text, description=_sentence(text), formatter_class=HelpFormatter)
        action.add_argument("numbers", nargs="*", type=int, metavar="N", help="numbers from `suggestions list`")
        action.add_argument("--all", action="store_true", help="every pending suggestion")
        if name == "approve":
            _memory_flags(action)
    export = actions.add_parser(
        "export",
        help="write every pending suggestion out",
        description=_sentence("write every pending suggestion out"),
        formatter_class=HelpFormatter,
    )
    export.add_argument("--format", choices=("jsonl", "tmx"), default="jsonl", help="JSON lines, or TMX 1.4")
    export.add_argument("-o", "--output", default=None, metavar="FILE", help="write here (default: standard output)")
    for action in (listing, export, *[actions.choices[name] for name in ("approve", "reject")]):
        action.add_argument(
            "--suggestions-db-path",
            default=None,
            metavar="PATH",
            help="the suggestions database (default: the server's)",
        )


def _write_out(output: str | None, write) -> int:
    from translator.system.durable import atomic_write

    if output is None:
        return write(sys.stdout)
    buffer = io.StringIO()
    written = write(buffer)
    atomic_write(output, buffer.getvalue())
    return written


def memory_command(args: argparse.Namespace) -> int:
    from translator.core.memory import read_pairs, write_pairs
    from translator.core.memory.files import MAX_FILE_BYTES

    memory = open_cli_memory(args)
    if memory is None:
        raise UsageError(f"--memory off names no memory: give {MEMORY_HELP}")
    if args.memory_action == "import":
        path = Path(args.file)
        form = args.format or path.suffix.lower().lstrip(".")
        if form not in ("tmx", "csv"):
            raise UsageError(f"{args.file}: say --format tmx or --format csv (the suffix does not tell)")
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise UsageError(f"{args.file} has {size:,} bytes, at most {MAX_FILE_BYTES:,} are read")
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{args.file} cannot be read: {exc.strerror or exc}") from None
        pairs = read_pairs(data, form, args.language)
        changed = memory.add(pairs)
        print(f"{len(pairs)} pairs read, {changed} new or changed: {memory.where}")
    elif args.memory_action == "export":
        written = _write_out(args.output, lambda out: write_pairs(memory.pairs(), out, args.format))
        print(f"{written} pair{'s' if written != 1 else ''} exported", file=sys.stderr)
    elif args.memory_action == "clear":
        print(f"removed: {memory.clear()}")
    if args.memory_action in ("stats", "clear"):
        stats = memory.stats()
        print(f"pairs: {stats.entries}\npath: {stats.where}")
        for language, count in stats.languages.items():
            print(f"{language}: {count}")
    return 0


def suggestions_command(args: argparse.Namespace) -> int:
    from translator.core.memory import Pair
    from translator.paths import suggestions_path
    from translator.system.records import SuggestionStore, export_suggestions

    store = SuggestionStore(args.suggestions_db_path or suggestions_path())
    action = args.suggestions_action
    if action == "export":
        written = _write_out(args.output, lambda out: export_suggestions(store, out, args.format))
        print(f"{written} suggestion{'s' if written != 1 else ''} exported", file=sys.stderr)
        return 0
    if action == "list":
        for number, suggestion in store.numbered():
            key = suggestion.api_key or "-"
            print(f"{number}\t{suggestion.source}\t{suggestion.q}\t{suggestion.s}\t{key}\t{suggestion.iso_time()}")
        return 0
    if bool(args.numbers) == bool(args.all):
        raise UsageError(f"suggestions {action}: give the numbers `suggestions list` shows, or --all")
    chosen = dict(store.numbered()) if args.all else store.get(args.numbers)
    missing = sorted(set(args.numbers) - set(chosen))
    for number in missing:
        print(f"translator suggestions: no suggestion {number} in {store.path}", file=sys.stderr)
    if action == "approve":
        memory = open_cli_memory(args)
        if memory is None:
            raise UsageError(f"--memory off names no memory to approve into: give {MEMORY_HELP}")
        english = {n: s for n, s in chosen.items() if s.target == TARGET}
        for number in sorted(set(chosen) - set(english)):
            print(
                f"translator suggestions: {number} is into {chosen[number].target!r}, not English: kept",
                file=sys.stderr,
            )
        # into the memory first: a failure there leaves the suggestions pending, never lost
        memory.add([Pair(s.source, s.q, s.s) for s in english.values()])
        removed = store.remove(english)
        print(f"approved: {removed} into {memory.where}")
    else:
        print(f"rejected: {store.remove(chosen)}")
    return 1 if missing else 0
