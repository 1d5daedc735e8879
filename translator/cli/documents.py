"""``translator translate`` and ``translator summarize``: a file, standard input or a link."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from translator.cli.common import (
    WARNINGS_SHOWN,
    UsageError,
    cli_terms,
    max_file_bytes,
    open_cli_cache,
    open_cli_memory,
)
from translator.errors import needs_extra
from translator.options import MAX_FILE_BYTES
from translator.paths import translator_command

logger = logging.getLogger("translator")


def _input_path(source: str) -> Path | None:
    """None for stdin; the file's path, or UsageError naming what is wrong with it."""
    if source == "-":
        return None
    path = Path(source)
    if path.is_dir():
        raise UsageError(
            f"{source} is a folder: translate a whole folder with `{translator_command()} batch {source} OUT_DIR`"
        )
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    return path


def _read_stdin() -> str:
    """Standard input decoded as a text file is (BOM, UTF-8, the Slovenian code pages ...), so
    bytes the terminal's encoding cannot decode never reach the model as lone surrogates.
    Raises FileFormatError for binary input."""
    from translator.formats.encoding import decode_text, normalize_newlines

    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # a text stream put in place by the caller (tests, embedding)
        return sys.stdin.read()
    text, _encoding, warnings = decode_text(raw.read(), "standard input")
    for warning in warnings:
        print(f"warning: standard input: {warning}", file=sys.stderr)
    return normalize_newlines(text)


def _read_text(source: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The plain text of a file (any supported format, encoding detected) or of stdin."""
    path = _input_path(source)
    if path is None:
        return _read_stdin()
    from translator.formats.files import document_text, read_document

    return document_text(read_document(path, max_bytes))


def _print_warnings(warnings: list[str], quiet: bool) -> None:
    if quiet or not warnings:
        return
    for warning in warnings[:WARNINGS_SHOWN]:
        print(f"warning: {warning}", file=sys.stderr)
    if len(warnings) > WARNINGS_SHOWN:
        print(
            f"warning: ... and {len(warnings) - WARNINGS_SHOWN} more ({len(warnings)} in all; "
            "--json lists them, --quiet hides them)",
            file=sys.stderr,
        )


def load_engines(args: argparse.Namespace, *, translation: bool = True, summary: bool = False):
    from translator.core.summarize import Summarizer
    from translator.core.translate import Translator

    common = dict(device=args.device, engine=args.engine, num_beams=args.beams)
    translator = (
        Translator(
            args.translation_model,
            source=args.source,
            cache=open_cli_cache(args),
            memory=open_cli_memory(args),
            terms=cli_terms(args),
            **common,
        )
        if translation
        else None
    )
    summarizer = Summarizer(args.summary_model, **common) if summary else None
    return translator, summarizer


def translate_command(args: argparse.Namespace) -> int:
    from translator.core import pipeline
    from translator.formats.files import output_suffix, read_document, render_document
    from translator.system.durable import atomic_write

    if args.input.lower().startswith(("http://", "https://")):
        return _translate_link(args)
    path = _input_path(args.input)
    translator, summarizer = load_engines(args, summary=args.summary)
    structured = path is not None and path.suffix.lower() not in (".txt", "")
    output = Path(args.output) if args.output else None
    if output is not None and path is not None and output.suffix.lower() != output_suffix(path).lower():
        raise UsageError(
            f"-o {output}: the output keeps the input's format, so it must end in {output_suffix(path)}"
            + (" (a .pdf is translated into a Word file)" if output_suffix(path) != path.suffix else "")
        )
    if output is not None and path is not None and output.resolve() == path.resolve():
        raise UsageError("-o must differ from the input file (sources are never overwritten)")
    if path is not None and (structured or output is not None):  # structured only with a path
        doc = read_document(path, max_file_bytes(args))
        [result] = pipeline.run_documents([doc.units], translator, summarizer, length=args.length)
        rendered = render_document(doc, result.parts)
        if output is not None:
            atomic_write(output, rendered)
        elif not args.json:
            if doc.encoding == "binary":  # .docx, .odt, .pptx, .epub ...: a zip, not text
                print(
                    f"note: {path.name} is a {doc.format} file: printing its text; -o FILE{output_suffix(path)} keeps "
                    "its formatting",
                    file=sys.stderr,
                )
                sys.stdout.write(result.translation.rstrip("\n") + "\n")
            else:
                sys.stdout.write(rendered.decode("utf-8"))
    else:
        text = _read_stdin() if path is None else _read_text(args.input, max_file_bytes(args))
        if args.json or output is not None:
            result = pipeline.run(text, translator, summarizer, length=args.length)
            if output is not None:
                atomic_write(output, result.translation)
        else:
            result = _stream_to_stdout(text, translator, summarizer, args.length)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif result.summary is not None and output is None:
        sys.stdout.write("\nSummary:\n" + result.summary + "\n")
    elif result.summary is not None:
        print(f"Summary:\n{result.summary}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    _print_warnings(result.warnings, args.quiet)
    return 0


@needs_extra("news", "translator translate URL")
def _translate_link(args: argparse.Namespace) -> int:
    """``translator translate URL``: the article at URL (its main text, no menus or comments)
    fetched and translated, title first; ``--json`` adds ``title`` (English) and ``article``."""
    from translator.news import FetchLimits, fetch_article, translate_article
    from translator.system.durable import atomic_write

    article = fetch_article(args.input, limits=FetchLimits(max_bytes=max_file_bytes(args)))
    translator, summarizer = load_engines(args, summary=args.summary)
    english = translate_article(article, translator, summarizer, length=args.length)
    result = english.result
    text = "\n\n".join(part for part in (english.title, result.translation.strip("\n")) if part) + "\n"
    if args.output:
        atomic_write(args.output, text)
    if args.json:
        json.dump(english.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif not args.output:
        sys.stdout.write(text)
    if result.summary is not None and not args.json:
        print(f"\nSummary:\n{result.summary}", file=sys.stderr if args.output else sys.stdout)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    _print_warnings(result.warnings, args.quiet)
    return 0


def _stream_to_stdout(text, translator, summarizer, length):
    """Print the English as it grows (the first paragraph within seconds); return the result."""
    from translator.core import pipeline

    printed = ""
    result = None
    for result in pipeline.stream(text, translator, summarizer, length=length):
        english = result.translation
        if english.startswith(printed) and len(english) > len(printed):
            sys.stdout.write(english[len(printed) :])
            sys.stdout.flush()
            printed = english
    if not printed.endswith("\n"):
        sys.stdout.write("\n")
    return result


def summarize_command(args: argparse.Namespace) -> int:
    text = _read_text(args.input)
    from translator.core import pipeline
    from translator.text import language

    found = language.identify(text)  # the decision translate and the server make for source=auto
    if found.language != language.PASSTHROUGH and found.confidence > 0:
        print(
            f"warning: the text looks {language.language_name(found.language)} ({found.language}), but the "
            f"summary model reads English: `{translator_command()} translate --summary` translates it first",
            file=sys.stderr,
        )
    _translator, summarizer = load_engines(args, translation=False, summary=True)

    sys.stdout.write(pipeline.summarize(text, summarizer, length=args.length) + "\n")
    return 0
