"""``translator`` / ``python -m translator``: translate, summarize, batch, serve, download.

Errors go to stderr with a non-zero exit code: 1 for a failure while working, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from . import models

logger = logging.getLogger("translator")


def _read_input(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    from .files import document_text, read_document

    # the folder batch's readers: encodings detected, .md/.html/.docx/.srt reduced to their text
    return document_text(read_document(path))


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something (not None/False, not already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def add_model_options(parser: argparse.ArgumentParser, *, summary_length: bool = True) -> None:
    """--translation-model, --summary-model, --device, --engine (and --length): shared by every
    command and by the web page's options."""
    parser.add_argument("--translation-model", default=None,
                        help="Hub id, alias or local folder (default: $TRANSLATOR_TRANSLATION_MODEL or "
                             f"{models.DEFAULT_TRANSLATION_MODEL})")
    parser.add_argument("--summary-model", default=None,
                        help="Hub id, alias or local folder (default: $TRANSLATOR_SUMMARY_MODEL or "
                             f"{models.DEFAULT_SUMMARY_MODEL})")
    parser.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N | mps (default: auto)")
    parser.add_argument("--engine", default=None, choices=["auto", "hf", "ct2"],
                        help="generation engine (default: auto)")
    if summary_length:
        parser.add_argument("--length", default="medium", choices=["short", "medium", "long"],
                            help="summary length")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``translator`` command."""
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Slovenian news into English and summarise it.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("translate", help="translate a file or stdin to English",
                            formatter_class=HelpFormatter)
    p.add_argument("input", nargs="?", default="-", help="a .txt/.md/.html/.docx/.srt file, or - for stdin")
    p.add_argument("--summary", action="store_true", help="also summarise the English")
    p.add_argument("--json", action="store_true", help="print JSON: translation, summary, segments, warnings")
    add_model_options(p)

    p = commands.add_parser("summarize", help="summarise English text from a file or stdin",
                            formatter_class=HelpFormatter)
    p.add_argument("input", nargs="?", default="-", help="a text file, or - for stdin")
    add_model_options(p)

    p = commands.add_parser("batch", help="translate every file of a folder into another folder",
                            formatter_class=HelpFormatter)
    p.add_argument("in_dir", help="folder of Slovenian documents (read only, never modified)")
    p.add_argument("out_dir", help="folder for the English documents (mirrors IN_DIR)")
    p.add_argument("--summary", action="store_true", help="also write NAME.summary.txt beside each output")
    p.add_argument("--formats", default=None,
                   help="comma-separated suffixes to translate, e.g. txt,md (default: all supported)")
    p.add_argument("--force", action="store_true", help="redo files the manifest says are done")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--report", default=None, help="write a JSON report here (default: OUT_DIR/report.json)")
    p.add_argument("--beams", type=int, default=None,
                   help="beam size for translations and summaries (1 = greedy: fastest; default: 4)")
    add_model_options(p)

    # `serve` hands everything after it to the web page's own parser (see main)
    commands.add_parser("serve", help="start the web page: the same options as python app.py (serve --help)",
                        add_help=False)

    p = commands.add_parser("download", help="save models into models/ for offline use",
                            formatter_class=HelpFormatter)
    p.add_argument("names", nargs="*", help="Hub ids or aliases (default: the two default models)")
    p.add_argument("--ct2", action="store_true", help="also convert them for the CTranslate2 engine")

    p = commands.add_parser("tiny-models", help="build tiny random-weight models for offline demos and tests",
                            formatter_class=HelpFormatter)
    p.add_argument("out_dir", nargs="?", default="models/tiny", help="where to put marian/ and bart/")
    return parser


def _translate(args: argparse.Namespace) -> int:
    from .summarize import Summarizer
    from .translate import Translator

    text = _read_input(args.input)
    translation = Translator(args.translation_model, device=args.device, engine=args.engine).translate_document(text)
    summary = None
    if args.summary and translation.text.strip():
        summary = Summarizer(args.summary_model, device=args.device, engine=args.engine).summarize(
            translation.text, length=args.length)
    if args.json:
        payload = {
            "translation": translation.text,
            "summary": summary,
            "segments": [asdict(segment) for segment in translation.segments],
            "warnings": translation.warnings,
            "model": translation.model,
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(translation.text.rstrip("\n") + "\n")
    if summary is not None:
        sys.stdout.write("\nSummary:\n" + summary + "\n")
    for warning in translation.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _summarize(args: argparse.Namespace) -> int:
    from .summarize import Summarizer

    text = _read_input(args.input)
    summary = Summarizer(args.summary_model, device=args.device, engine=args.engine).summarize(text, length=args.length)
    sys.stdout.write(summary + "\n")
    return 0


def _download(args: argparse.Namespace) -> int:
    names = args.names or [models.DEFAULT_TRANSLATION_MODEL, models.DEFAULT_SUMMARY_MODEL]
    failed = 0
    for name in names:
        try:
            folder = models.download(name)
            print(f"{name}: saved in {folder}")
            if args.ct2:
                from .engines.ct2 import convert

                print(f"{name}: CTranslate2 copy in {convert(folder)}")
        except models.ModelNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _tiny(args: argparse.Namespace) -> int:
    from .tiny import build_all

    marian, bart = build_all(Path(args.out_dir))
    print(f"tiny MarianMT: {marian}\ntiny BART: {bart}")
    print(f"try: TRANSLATOR_TRANSLATION_MODEL={marian} TRANSLATOR_SUMMARY_MODEL={bart} python app.py")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from .batch import main as batch_main

    return batch_main(args)


COMMANDS = {"translate": _translate, "summarize": _summarize, "download": _download,
            "tiny-models": _tiny, "batch": _batch}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        # gradio loads only here, so the other commands start fast
        from .ui import main as serve_main

        return serve_main(argv[1:], prog="translator serve")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from .files import FileFormatError

    try:
        return COMMANDS[args.command](args)
    except (models.ModelNotFoundError, FileNotFoundError, FileFormatError, ValueError, TypeError) as exc:
        print(f"translator {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
