"""``translator`` / ``python -m translator``: translate, summarize, batch, serve, download, evaluate.

Every argparse parser of the project lives here (``python app.py`` is ``translator serve``).
Errors go to stderr with a non-zero exit code: 1 for a failure while working, 2 for bad usage.
"""

from __future__ import annotations

from .errors import InvalidInputError, TranslatorError
import argparse
import json
import logging
import sys
from pathlib import Path

from ._version import __version__
from .cache.base import DEFAULT_CACHE_MB
from .options import (
    DEFAULT_BEAMS,
    DEFAULT_HOST,
    DEFAULT_MAX_CHARS,
    DEFAULT_PORT,
    DEFAULT_SUMMARY_MODEL,
    DEFAULT_TRANSLATION_MODEL,
    DEVICES_HELP,
    ENGINES,
    ENV_AUTH,
    ENV_METRICS_TOKEN,
    MAX_BEAMS,
    MAX_FILE_BYTES,
    MIN_BEAMS,
    SUMMARY_LENGTHS,
    check_beams,
    check_device,
    env,
)

logger = logging.getLogger("translator")

WARNINGS_SHOWN = 3  # warnings printed by `translate` before "... and N more"


class UsageError(InvalidInputError):
    """Bad usage that argparse cannot see (a folder where a file belongs...): exit code 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something (not None/False, not already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _argument_type(check):
    """An argparse ``type=`` that turns the check's ValueError into a one-line usage error."""
    def convert(value: str):
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__.removeprefix("check_")
    return convert


def add_model_options(parser: argparse.ArgumentParser, *, translation: bool = True, summary: bool = True,
                      length: bool = True, beams: int | None = DEFAULT_BEAMS) -> None:
    """The model, device, engine, beams (and summary length) options of a command: each command
    gets only those it uses."""
    if translation:
        parser.add_argument("--translation-model", default=None,
                            help="Hub id, alias or local folder (default: $TRANSLATOR_TRANSLATION_MODEL or "
                                 f"{DEFAULT_TRANSLATION_MODEL})")
        parser.add_argument("--source", default="auto", metavar="LANG",
                            help="source language: auto (detect), sl, hr, sr, bs, bg, mk, or en (copy as is)")
    if summary:
        parser.add_argument("--summary-model", default=None,
                            help="Hub id, alias or local folder (default: $TRANSLATOR_SUMMARY_MODEL or "
                                 f"{DEFAULT_SUMMARY_MODEL})")
    parser.add_argument("--device", default=None, type=_argument_type(check_device),
                        help=f"{DEVICES_HELP} (default: $TRANSLATOR_DEVICE or auto)")
    parser.add_argument("--engine", default=None, choices=ENGINES,
                        help="generation engine (default: $TRANSLATOR_ENGINE or auto)")
    parser.add_argument("--beams", type=_argument_type(check_beams), default=beams, metavar=f"{MIN_BEAMS}-{MAX_BEAMS}",
                        help="beam size (1 = greedy: fastest)")
    if summary and length:
        parser.add_argument("--length", default="medium", choices=list(SUMMARY_LENGTHS), help="summary length")


def add_file_limit(parser: argparse.ArgumentParser) -> None:
    """--max-file-mb: the largest document accepted, once unpacked (a .docx is a zip)."""
    parser.add_argument("--max-file-mb", type=float, default=MAX_FILE_BYTES / 2**20, metavar="MB",
                        help="refuse a document larger than this once unpacked (.docx parts count unzipped)")


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """--cache [SPEC] and --translation-cache-mb: the sentence cache (README: Translation cache)."""
    parser.add_argument("--cache", nargs="?", const="on", default=None, metavar="SPEC",
                        help="keep each sentence's English for next time (off unless given): bare --cache is the "
                             "default SQLite file under $TRANSLATOR_CACHE_DIR (~/.cache/translator); or FILE.sqlite, "
                             "redis://host:port/db, off")
    parser.add_argument("--translation-cache-mb", type=int, default=DEFAULT_CACHE_MB, metavar="MB",
                        help="largest SQLite cache; past it the least recently used sentences are dropped")


def add_cache_command(commands: argparse._SubParsersAction) -> None:
    """``translator cache stats|clear [--cache SPEC]``."""
    p = commands.add_parser("cache", help="show or empty the translation cache", formatter_class=HelpFormatter)
    p.add_argument("action", choices=("stats", "clear"), help="stats: entries, bytes and path; clear: empty it")
    p.add_argument("--cache", default="on", metavar="SPEC",
                   help="which cache: on (the default SQLite file), FILE.sqlite or redis://host:port/db")


def _open_cache(args: argparse.Namespace):
    """The translation cache ``--cache`` names (None: none); UsageError for a bad spec or size."""
    from .cache import open_cache

    try:
        return open_cache(getattr(args, "cache", None), getattr(args, "translation_cache_mb", DEFAULT_CACHE_MB))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _max_bytes(args: argparse.Namespace) -> int:
    return int(args.max_file_mb * 2**20)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``translator`` command."""
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Slovenian news into English and summarise it.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("translate", help="translate a file or stdin to English", formatter_class=HelpFormatter,
                            description="Translate a file (.txt .md .html .docx .srt) or stdin. Structured formats "
                                        "keep their structure: -o FILE writes the translated file in the same "
                                        "format; .md/.html/.srt are printed as such.")
    p.add_argument("input", nargs="?", default="-",
                   help="a .txt/.md/.html/.docx/.srt file, - for stdin, or an http(s) link to a news article")
    p.add_argument("-o", "--output", default=None, metavar="FILE",
                   help="write the English here (same format as the input; written atomically)")
    p.add_argument("--summary", action="store_true", help="also summarise the English")
    p.add_argument("--json", action="store_true",
                   help="print JSON: translation, summary (null unless --summary), language, notes, warnings, "
                        "models, segments")
    p.add_argument("-q", "--quiet", action="store_true", help="no warning lines on stderr")
    add_file_limit(p)
    add_model_options(p)
    add_cache_options(p)

    p = commands.add_parser("summarize", help="summarise English text from a file or stdin",
                            formatter_class=HelpFormatter)
    p.add_argument("input", nargs="?", default="-", help="a text file, or - for stdin")
    add_model_options(p, translation=False)

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
    add_file_limit(p)
    add_model_options(p, beams=None)
    add_cache_options(p)
    add_cache_command(commands)
    add_admin_commands(commands)

    add_follow_command(commands)

    p = commands.add_parser("serve", help="start the web page and the REST API (the same as python app.py)",
                            formatter_class=HelpFormatter,
                            description="Web page and LibreTranslate-compatible REST API on one port: "
                                        "Slovenian news → English translation and summary.")
    add_serve_arguments(p)

    p = commands.add_parser("download", help="save models into models/ for offline use",
                            formatter_class=HelpFormatter)
    p.add_argument("names", nargs="*", help="Hub ids or aliases (default: the two default models)")
    p.add_argument("--ct2", action="store_true", help="also convert them for the CTranslate2 engine")

    p = commands.add_parser("tiny-models", help="build tiny random-weight models for offline demos and tests",
                            formatter_class=HelpFormatter)
    p.add_argument("out_dir", nargs="?", default="models/tiny", help="where to put marian/ and bart/")

    from .options import DTYPES

    p = commands.add_parser(
        "evaluate", help="score translations (BLEU, chrF, TER) or summaries (ROUGE) against references",
        formatter_class=HelpFormatter,
        description="Translate (or summarise) test lines with the project's own pipeline and score the output: "
                    "sacrebleu BLEU, chrF and TER with their signatures (--task summary: rouge-score ROUGE-1/2/L), "
                    "output tokens/s, peak memory, and the lines that score lowest beside the model's confidence. "
                    "Line N of a reference is the reference of source line N; empty lines stay in place.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--src", metavar="FILE", help="source lines (--task summary: one document per line)")
    source.add_argument("--data", metavar="FILE",
                        help="one .tsv (source, reference columns) or .jsonl (source, reference fields) file")
    source.add_argument("--testset", metavar="NAME",
                        help="a test set sacrebleu downloads and caches: flores200 (devtest), flores200/dev, wmt22...")
    p.add_argument("--ref", metavar="FILE", nargs="+", help="reference lines for --src (several files: several references)")
    p.add_argument("--src-field", default=None,
                   help="--data: source column (TSV: 1-based number, default 1, or header name) or JSONL field "
                        "(default: source, src, article, document or text)")
    p.add_argument("--ref-field", default=None,
                   help="--data: reference column (TSV default 2) or JSONL field (default: reference, ref, target, "
                        "translation, highlights or summary)")
    p.add_argument("--langpair", default="sl-en", help="--testset: language pair (or FLORES codes: slv_Latn-eng_Latn)")
    p.add_argument("--task", default="translation", choices=("translation", "summary"), help="what to evaluate")
    p.add_argument("--compare", nargs="+", metavar="CONFIG", default=None,
                   help='run several configurations on the same lines, e.g. "engine=ct2,dtype=int8" '
                        '"engine=hf,dtype=float32"; keys: model, engine, device, dtype and any TranslationOptions '
                        "(--task summary: SummaryOptions) field such as num_beams")
    p.add_argument("--worst", type=int, default=10, metavar="N",
                   help="show the N lines with the lowest sentence chrF (summaries: ROUGE-L)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate only the first N lines")
    p.add_argument("--hyp-out", metavar="FILE", default=None,
                   help="write the hypotheses here, one per line (several configurations: FILE.1.txt, FILE.2.txt...)")
    p.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    p.add_argument("--dtype", default=None, choices=DTYPES, help="weights' precision (default: $TRANSLATOR_DTYPE or auto)")
    add_model_options(p)
    return parser


# -- translate and summarize ------------------------------------------------------------------


def _input_path(source: str) -> Path | None:
    """None for stdin; the file's path, or UsageError naming what is wrong with it."""
    if source == "-":
        return None
    path = Path(source)
    if path.is_dir():
        raise UsageError(f"{source} is a folder: translate a whole folder with "
                         f"`translator batch {source} OUT_DIR`")
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    return path


def _read_stdin() -> str:
    """Standard input decoded as a text file is (BOM, UTF-8, the Slovenian code pages ...), so
    bytes the terminal's encoding cannot decode never reach the model as lone surrogates.
    Raises FileFormatError for binary input."""
    from .formats.encoding import decode_text, normalize_newlines

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
    from .files import document_text, read_document

    return document_text(read_document(path, max_bytes))


def _print_warnings(warnings: list[str], quiet: bool) -> None:
    if quiet or not warnings:
        return
    for warning in warnings[:WARNINGS_SHOWN]:
        print(f"warning: {warning}", file=sys.stderr)
    if len(warnings) > WARNINGS_SHOWN:
        print(f"warning: ... and {len(warnings) - WARNINGS_SHOWN} more ({len(warnings)} in all; "
              "--json lists them, --quiet hides them)", file=sys.stderr)


def _engines(args: argparse.Namespace, *, translation: bool = True, summary: bool = False):
    from .summarize import Summarizer
    from .translate import Translator

    common = dict(device=args.device, engine=args.engine, num_beams=args.beams)
    translator = (Translator(args.translation_model, source=args.source, cache=_open_cache(args), **common)
                  if translation else None)
    summarizer = Summarizer(args.summary_model, **common) if summary else None
    return translator, summarizer


def _translate(args: argparse.Namespace) -> int:
    from . import pipeline
    from .files import read_document, render_document
    from .io import atomic_write

    if args.input.lower().startswith(("http://", "https://")):
        return _translate_link(args)
    path = _input_path(args.input)
    translator, summarizer = _engines(args, summary=args.summary)
    structured = path is not None and path.suffix.lower() not in (".txt", "")
    output = Path(args.output) if args.output else None
    if output is not None and path is not None and output.suffix.lower() != path.suffix.lower():
        raise UsageError(f"-o {output}: the output keeps the input's format, so it must end in {path.suffix}")
    if output is not None and path is not None and output.resolve() == path.resolve():
        raise UsageError("-o must differ from the input file (sources are never overwritten)")
    if structured or (output is not None and path is not None):
        doc = read_document(path, _max_bytes(args))
        [result] = pipeline.run_documents([doc.units], translator, summarizer, length=args.length)
        rendered = render_document(doc, result.parts)
        if output is not None:
            atomic_write(output, rendered)
        elif not args.json:
            if doc.encoding == "binary":  # .docx, .odt, .pptx, .epub ...: a zip, not text
                print(f"note: {path.name} is a {doc.format} file: printing its text; -o FILE{path.suffix} keeps "
                      "its formatting", file=sys.stderr)
                sys.stdout.write(result.translation.rstrip("\n") + "\n")
            else:
                sys.stdout.write(rendered.decode("utf-8"))
    else:
        text = _read_stdin() if path is None else _read_text(args.input, _max_bytes(args))
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


def _translate_link(args: argparse.Namespace) -> int:
    """``translator translate URL``: the article at URL (its main text, no menus or comments)
    fetched and translated, title first; ``--json`` adds ``title`` (English) and ``article``."""
    from .io import atomic_write
    from .news import FetchLimits, fetch_article, translate_article

    article = fetch_article(args.input, limits=FetchLimits(max_bytes=_max_bytes(args)))
    translator, summarizer = _engines(args, summary=args.summary)
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
    from . import pipeline

    printed = ""
    result = None
    for result in pipeline.stream(text, translator, summarizer, length=length):
        english = result.translation
        if english.startswith(printed) and len(english) > len(printed):
            sys.stdout.write(english[len(printed):])
            sys.stdout.flush()
            printed = english
    if not printed.endswith("\n"):
        sys.stdout.write("\n")
    return result


def _summarize(args: argparse.Namespace) -> int:
    text = _read_text(args.input)
    from . import language, pipeline

    found = language.identify(text)  # the decision translate and the server make for source=auto
    if found.language != language.PASSTHROUGH and found.confidence > 0:
        print(f"warning: the text looks {language.language_name(found.language)} ({found.language}), but the "
              "summary model reads English: `translator translate --summary` translates it first",
              file=sys.stderr)
    _translator, summarizer = _engines(args, translation=False, summary=True)

    sys.stdout.write(pipeline.summarize(text, summarizer, length=args.length) + "\n")
    return 0


# -- follow: feeds in, an English digest out ---------------------------------------------------


def check_interval(value: str) -> float:
    """``--every``: seconds in 90, 30s, 15m, 1h; ValueError otherwise."""
    from .news.follow import parse_interval

    return parse_interval(value)


def add_follow_command(commands: argparse._SubParsersAction) -> None:
    """``translator follow FEED_OR_SITE... --out DIR [--once | --every 15m]`` (README: Follow the news)."""
    p = commands.add_parser("follow", help="follow news feeds or sites: each new article translated and summarised "
                                           "into an English digest (feed.xml, index.html)",
                            formatter_class=HelpFormatter,
                            description="Read RSS/Atom feeds (a site's page: the feed it names), fetch each new "
                                        "article, translate its title and text, summarise it, and write "
                                        "DIR/items/<date>-<slug>.json and .md, DIR/feed.xml (RSS 2.0) and "
                                        "DIR/index.html. A rerun does only new or changed items.")
    p.add_argument("sources", nargs="+", metavar="FEED_OR_SITE", help="feed or site links (http:// or https://)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the digest and its state go")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one round, then exit (the default)")
    when.add_argument("--every", type=_argument_type(check_interval), default=None, metavar="INTERVAL",
                      help="a round every INTERVAL (30s, 15m, 1h) until interrupted")
    p.add_argument("--max-items", type=int, default=20, metavar="N", help="newest items looked at per feed and round")
    p.add_argument("--keep", type=int, default=100, metavar="N", help="items in feed.xml and index.html")
    p.add_argument("--pace", type=float, default=1.0, metavar="SECONDS", help="least time between requests to one host")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="longest fetch of one page or feed")
    p.add_argument("--max-page-mb", type=float, default=5.0, metavar="MB", help="largest page or feed fetched")
    p.add_argument("--recheck", action="store_true",
                   help="fetch every item's article each round (no conditional GETs): catches articles edited "
                        "without a change in their feed")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_model_options(p)
    add_cache_options(p)


def _follow(args: argparse.Namespace) -> int:
    from .news import FetchLimits, FollowConfig, follow

    try:
        config = FollowConfig(sources=tuple(args.sources), out_dir=Path(args.out), every_s=args.every,
                              max_items=args.max_items, keep=args.keep, pace_s=args.pace,
                              limits=FetchLimits(max_bytes=int(args.max_page_mb * 2**20), timeout_s=args.timeout),
                              length=args.length, recheck=args.recheck, progress=not args.quiet)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    translator, summarizer = _engines(args, summary=True)
    return follow(config, translator, summarizer)


# -- batch, download, tiny models -------------------------------------------------------------


def _batch(args: argparse.Namespace) -> int:
    from .batch import main as batch_main

    return batch_main(args)


def _download(args: argparse.Namespace) -> int:
    from . import models

    names = args.names or [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARY_MODEL]
    failed = 0
    for name in names:
        try:
            folder = models.download(name)
            print(f"{name}: saved in {folder}")
            if args.ct2:
                from .engines.ct2_convert import convert

                print(f"{name}: CTranslate2 copy in {convert(folder)}")
        except models.ModelNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _cache(args: argparse.Namespace) -> int:
    cache = _open_cache(args)
    if cache is None:
        raise UsageError("--cache off names no cache: give on, FILE.sqlite or redis://host:port/db")
    if args.action == "clear":
        print(f"removed: {cache.clear()}")
    stats = cache.stats()
    print(f"entries: {stats.entries}\nbytes: {stats.bytes}\npath: {stats.where}")
    return 0


def add_admin_commands(commands: argparse._SubParsersAction) -> None:
    """``translator keys add|remove|list`` and ``translator suggestions export`` (README: Keys and
    limits): they work on the server's databases while it runs, without importing the page."""
    p = commands.add_parser("keys", help="add, remove or list the REST API's keys (no restart needed)",
                            formatter_class=HelpFormatter)
    actions = p.add_subparsers(dest="keys_action", required=True, metavar="ACTION")
    for name, text in (("add", "add a key (or change its limits); without KEY, a new random one"),
                       ("remove", "remove a key"), ("list", "list the keys and their limits")):
        action = actions.add_parser(name, help=text, formatter_class=HelpFormatter)
        if name != "list":
            action.add_argument("key", nargs="?" if name == "add" else None, metavar="KEY")
        if name == "add":
            action.add_argument("--req-limit", type=int, default=None, metavar="N",
                                help="requests per minute (0: no limit; default: the server's --req-limit)")
            action.add_argument("--char-limit", type=int, default=None, metavar="N",
                                help="characters per text (default: the server's --char-limit)")
        action.add_argument("--api-keys-db-path", default=None, metavar="PATH",
                            help="the keys database (default: the server's, api_keys.sqlite in $TRANSLATOR_CACHE_DIR "
                                 "or ~/.cache/translator)")
    p = commands.add_parser("suggestions", help="export the translations users suggested (serve --suggestions)",
                            formatter_class=HelpFormatter)
    p.add_argument("action", choices=("export",), help="write every suggestion out")
    p.add_argument("--format", choices=("jsonl", "tmx"), default="jsonl", help="JSON lines, or TMX 1.4")
    p.add_argument("-o", "--output", default=None, metavar="FILE", help="write here (default: standard output)")
    p.add_argument("--suggestions-db-path", default=None, metavar="PATH",
                   help="the suggestions database (default: the server's)")


def _keys(args: argparse.Namespace) -> int:
    import uuid

    from .paths import api_keys_path
    from .store import ApiKey, KeyStore

    store = KeyStore(args.api_keys_db_path or api_keys_path())
    if args.keys_action == "add":
        key = ApiKey(args.key or str(uuid.uuid4()), args.req_limit, args.char_limit)
        print(f"{'added' if store.add(key) else 'updated'}: {key.key}")
    elif args.keys_action == "remove":
        if not store.remove(args.key):
            print(f"translator keys: no such key in {store.path}", file=sys.stderr)
            return 1
        print(f"removed: {args.key}")
    else:
        for key in store.keys().values():
            limits = ["-" if value is None else str(value) for value in (key.req_limit, key.char_limit)]
            print(f"{key.key}\t{limits[0]}\t{limits[1]}")
    return 0


def _suggestions(args: argparse.Namespace) -> int:
    import io

    from .io import atomic_write
    from .paths import suggestions_path
    from .store import SuggestionStore, export_suggestions

    store = SuggestionStore(args.suggestions_db_path or suggestions_path())
    if args.output is None:
        written = export_suggestions(store, sys.stdout, args.format)
    else:
        buffer = io.StringIO()
        written = export_suggestions(store, buffer, args.format)
        atomic_write(args.output, buffer.getvalue())
    print(f"{written} suggestion{'s' if written != 1 else ''} exported", file=sys.stderr)
    return 0


def _tiny(args: argparse.Namespace) -> int:
    from .testing import build_all

    marian, bart = build_all(Path(args.out_dir))
    print(f"tiny MarianMT: {marian}\ntiny BART: {bart}")
    print(f"try: TRANSLATOR_TRANSLATION_MODEL={marian} TRANSLATOR_SUMMARY_MODEL={bart} python app.py")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    if bool(args.src) != bool(args.ref):
        raise UsageError("--src and --ref go together: the source lines and their line-aligned references")
    from .evaluation import main as evaluate_main

    return evaluate_main(args)


# -- serve: the web page ----------------------------------------------------------------------


def parse_auth(value: str) -> tuple[str, str] | None:
    """``USER:PASSWORD`` → ``(user, password)``; ``""`` → None (no login). ArgumentTypeError
    otherwise (argparse also applies it to the $TRANSLATOR_AUTH default)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth expects USER:PASSWORD (both non-empty)")
    return user, password


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The web page's options (``python app.py`` and ``translator serve``)."""
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (0.0.0.0 for every network interface)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--share", action="store_true",
                        help="also open a temporary public gradio.live link (needs internet)")
    add_model_options(parser, length=False,
                      beams=DEFAULT_BEAMS)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help="longest input accepted, in characters")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests each model serves at once (default: 1 on CPU, 2 on a GPU)")
    parser.add_argument("--auth", type=parse_auth, default=env(ENV_AUTH),
                        metavar="USER:PASSWORD",
                        help="require this login for the page (default: $TRANSLATOR_AUTH; none if unset)")
    rest = parser.add_argument_group("REST API (LibreTranslate-compatible, on the same port; docs at /docs)")
    add_key_arguments(rest)
    rest.add_argument("--req-limit", type=int, default=0, metavar="N",
                      help="requests per minute per client without a limit of its own (0: no limit)")
    rest.add_argument("--char-limit", type=int, default=0, metavar="N",
                      help="characters per text for callers without a limit of their own (0: --max-chars, "
                           "which bounds every request in all)")
    add_libretranslate_arguments(rest)
    add_file_limit(rest)
    rest.add_argument("--translation-cache", default="all", metavar="off|all|SPEC",
                      help="keep each sentence's English for every client: all (the default SQLite file, or Redis "
                           "with --shared-storage redis://...), FILE.sqlite, redis://host:port/db, or off; "
                           "LibreTranslate's list of API keys is accepted and means all")
    rest.add_argument("--translation-cache-mb", type=int, default=DEFAULT_CACHE_MB, metavar="MB",
                      help="largest SQLite translation cache; past it the least recently used sentences go")
    rest.add_argument("--shared-storage", default="memory://", metavar="URI",
                      help="memory:// or redis://host:port/db: in Redis, replicas share the translation cache, "
                           "request limits and translated files")
    add_operations_arguments(parser)
    add_limit_arguments(parser)
    # `python app.py -v` is `translator serve -v`; SUPPRESS keeps `translator -v serve` working
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    return parser


def add_key_arguments(group: argparse._ArgumentGroup) -> None:
    """API keys, as LibreTranslate's flags (README: Keys and limits)."""
    group.add_argument("--api-keys", nargs="?", const=True, default=None, metavar="FILE",
                       help="give the API keys: the keys database (translator keys add KEY) and, with FILE, one key "
                            "per line, optionally followed by its requests per minute and characters per text "
                            "(# starts a comment); callers without a key get the server's limits")
    group.add_argument("--api-keys-db-path", default=None, metavar="PATH",
                       help="the keys database (default: api_keys.sqlite in $TRANSLATOR_CACHE_DIR or "
                            "~/.cache/translator)")
    group.add_argument("--require-api-key", action="store_true",
                       help="refuse calls without a key (403); implies --api-keys")


def add_libretranslate_arguments(group: argparse._ArgumentGroup) -> None:
    """LibreTranslate's other flags: batches, alternatives, suggestions, features, prefix, proxies."""
    group.add_argument("--batch-limit", type=int, default=0, metavar="N",
                       help="texts in one /translate call (0: at most 1000)")
    group.add_argument("--alternatives-limit", type=int, default=3, metavar="N",
                       help="the most alternative translations a call may ask for")
    group.add_argument("--suggestions", action="store_true",
                       help="keep the translations users suggest (POST /suggest); translator suggestions export")
    group.add_argument("--suggestions-db-path", default=None, metavar="PATH",
                       help="where suggestions are kept (default: suggestions.sqlite beside the keys database)")
    group.add_argument("--disable-files-translation", action="store_true", help="refuse /translate_file (403)")
    group.add_argument("--disable-web-ui", action="store_true", help="serve the API only, no web page")
    group.add_argument("--url-prefix", default="", metavar="/PATH",
                       help="serve everything (API, docs, page) under this path, e.g. /translator")
    group.add_argument("--allow-private-urls", action="store_true",
                       help="let /translate_url and the page fetch loopback, private, link-local and other non-public "
                            "addresses (default: public addresses only)")
    group.add_argument("--trust-forwarded-for", action="store_true",
                       help="take a client's address (for --req-limit) from X-Forwarded-For, as a trusted proxy "
                            "sets it ($FORWARDED_ALLOW_IPS: the proxies' addresses, default 127.0.0.1)")


def add_operations_arguments(parser: argparse.ArgumentParser) -> None:
    """Metrics, logs (README: Operating it)."""
    group = parser.add_argument_group("operating it (README: Operating it)")
    group.add_argument("--metrics", action="store_true", help="serve Prometheus metrics at /metrics")
    group.add_argument("--metrics-auth-token", default=env(ENV_METRICS_TOKEN),
                       metavar="TOKEN", help="serve /metrics only with Authorization: Bearer TOKEN "
                                             "(default: $TRANSLATOR_METRICS_TOKEN; none if unset)")
    group.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="json: one JSON object per log line, for log shippers")
    group.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True,
                       help="log one line per HTTP request, logger translator.access (default: on)")


LIMIT_FLAGS = {  # ServerLimits field → (flag, type, help); README "Running it in public"
    "header_timeout_s": ("--header-timeout", float, "seconds for a request's line and headers to arrive"),
    "body_timeout_s": ("--body-timeout", float, "seconds for a request's body to arrive after its headers"),
    "keep_alive_s": ("--keep-alive", float, "seconds an idle keep-alive connection stays open"),
    "max_connections": ("--max-connections", int, "connections and requests at once; beyond: 503"),
    "max_json_depth": ("--max-json-depth", int, "deepest nesting of a JSON body; beyond: 400"),
    "work_budget_mb": ("--work-budget-mb", int, "memory the documents in progress may reserve; beyond: 503"),
    "max_waiting": ("--max-waiting", int, "REST requests working or waiting for a model; beyond: 503"),
    "grace_s": ("--grace", float, "seconds in-flight requests may finish after SIGTERM/SIGINT"),
}


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """The limits of a public server (translator.options.ServerLimits)."""
    from dataclasses import fields

    from .options import ServerLimits

    defaults = ServerLimits()
    group = parser.add_argument_group("limits for a public server (README: Running it in public)")
    for item in fields(ServerLimits):
        if item.name in LIMIT_FLAGS:
            flag, kind, text = LIMIT_FLAGS[item.name]
            group.add_argument(flag, dest=item.name, type=kind, default=getattr(defaults, item.name), help=text,
                               metavar="SECONDS" if kind is float else "N")


def serve_settings(args: argparse.Namespace):
    """The page's ``Settings`` from ``translator serve``'s options; UsageError for a bad value."""
    from .options import ServerLimits
    from .ui import Settings
    from .ui.rest import load_api_keys

    try:
        limits = ServerLimits(**{name: getattr(args, name) for name in LIMIT_FLAGS})
        keys_file = args.api_keys if isinstance(args.api_keys, str) else None
        if keys_file:
            load_api_keys(keys_file)  # a bad file is named now, not after the models load
        return Settings(translation_model=args.translation_model, summary_model=args.summary_model,
                        device=args.device, engine=args.engine, num_beams=args.beams, source=args.source,
                        max_chars=args.max_chars,
                        concurrency=args.concurrency, host=args.host, port=args.port, share=args.share,
                        auth=args.auth, api_keys_file=keys_file, api_keys=args.api_keys is not None,
                        api_keys_db=args.api_keys_db_path, require_api_key=args.require_api_key,
                        req_limit=args.req_limit, char_limit=args.char_limit, batch_limit=args.batch_limit,
                        alternatives_limit=args.alternatives_limit, suggestions=args.suggestions,
                        suggestions_db=args.suggestions_db_path, url_prefix=args.url_prefix,
                        disable_web_ui=args.disable_web_ui, disable_files_translation=args.disable_files_translation,
                        trust_forwarded_for=args.trust_forwarded_for, allow_private_urls=args.allow_private_urls, max_file_bytes=_max_bytes(args), limits=limits,
                        translation_cache=args.translation_cache, translation_cache_mb=args.translation_cache_mb,
                        shared_storage=args.shared_storage, metrics=args.metrics,
                        metrics_auth_token=args.metrics_auth_token, log_format=args.log_format,
                        access_log=args.access_log)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _serve(args: argparse.Namespace) -> int:
    from .ui import launch

    launch(serve_settings(args))
    return 0


COMMANDS = {"translate": _translate, "summarize": _summarize, "download": _download,
            "tiny-models": _tiny, "batch": _batch, "serve": _serve,
            "evaluate": _evaluate, "cache": _cache, "follow": _follow, "keys": _keys,
            "suggestions": _suggestions}


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
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from .files import FileTooLargeError

    try:
        return COMMANDS[args.command](args)
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
