"""The argument parser of the ``translator`` command: every subcommand's options."""

from __future__ import annotations

import argparse
import logging

from translator._version import __version__
from translator.cli.common import (
    HelpFormatter,
    add_cache_options,
    add_file_limit,
    add_memory_options,
    add_model_options,
    add_terms_options,
)
from translator.cli.memory import add_memory_commands
from translator.cli.serve import add_serve_arguments
from translator.cli.tools import add_admin_commands, add_cache_command, add_follow_command
from translator.server.settings import Settings

logger = logging.getLogger("translator")


def build_parser(settings: type[Settings] = Settings) -> argparse.ArgumentParser:
    """The argument parser of the ``translator`` command; ``serve``'s flags are those of the
    fields of ``settings`` (a subclass of Settings adds its own)."""
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Slovenian news into English and summarise it.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_document_commands(commands)
    add_cache_command(commands)
    add_admin_commands(commands)
    add_memory_commands(commands)

    add_follow_command(commands)

    p = commands.add_parser(
        "serve",
        help="start the web page and the REST API (the same as python app.py)",
        formatter_class=HelpFormatter,
        description="Web page and LibreTranslate-compatible REST API on one port: "
        "Slovenian news → English translation and summary.",
    )
    add_serve_arguments(p, settings)

    p = commands.add_parser(
        "download",
        help="save models into models/ for offline use",
        formatter_class=HelpFormatter,
        description="Download models from the Hugging Face Hub into models/ (or $TRANSLATOR_MODELS_DIR), "
        "where every command finds them without a network: run it on a machine with internet and copy "
        "the folder to one without.",
    )
    p.add_argument("names", nargs="*", help="Hub ids or aliases (default: the two default models)")
    p.add_argument("--ct2", action="store_true", help="also convert them for the CTranslate2 engine")

    p = commands.add_parser(
        "tiny-models",
        help="build tiny random-weight models for offline demos and tests",
        formatter_class=HelpFormatter,
        description="Build a tiny MarianMT and a tiny BART with random weights and real tokenizers, in "
        "seconds and offline: every feature works with them, but their English is nonsense. Point "
        "$TRANSLATOR_TRANSLATION_MODEL and $TRANSLATOR_SUMMARY_MODEL at them.",
    )
    p.add_argument("out_dir", nargs="?", default="models/tiny", help="where to put marian/ and bart/")

    _add_evaluate_command(commands)
    return parser


def _add_document_commands(commands: argparse._SubParsersAction) -> None:
    """translate, summarize and batch."""
    from translator.formats import SUPPORTED_SUFFIXES

    suffixes = " ".join(SUPPORTED_SUFFIXES)  # the format registry: the help lists what is read
    p = commands.add_parser(
        "translate",
        help="translate a file or stdin to English",
        formatter_class=HelpFormatter,
        description=f"Translate a file ({suffixes}), stdin or a news article's link. Structured formats "
        "keep their structure: -o FILE writes the translated file in the same "
        "format (a .pdf into a Word .docx); text formats (.md, .html, .srt ...) are printed as such.",
    )
    p.add_argument(
        "input",
        nargs="?",
        default="-",
        help=f"a file ({suffixes}), - for stdin, or an http(s) link to a news article",
    )
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="write the English here (same format as the input, .docx for a .pdf; written atomically)",
    )
    p.add_argument("--summary", action="store_true", help="also summarise the English")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: translation, summary (null unless --summary), language, notes, warnings, models, segments",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no warning lines on stderr")
    add_file_limit(p)
    add_model_options(p)
    add_cache_options(p)
    add_memory_options(p)
    add_terms_options(p)

    p = commands.add_parser(
        "summarize",
        help="summarise English text from a file or stdin",
        formatter_class=HelpFormatter,
        description="Summarise English text (a file of any format translate reads, or stdin) with the "
        "summary model; Slovenian text is translated first by `translate --summary`.",
    )
    p.add_argument("input", nargs="?", default="-", help="a text file, or - for stdin")
    add_model_options(p, translation=False)

    p = commands.add_parser(
        "batch",
        help="translate every file of a folder into another folder",
        formatter_class=HelpFormatter,
        description=f"Translate every document of IN_DIR ({suffixes}) into a mirror tree in OUT_DIR, "
        "each in its own format (a .pdf as NAME.docx), resumably: a rerun does only what changed, and "
        "removes the outputs the current sources and options no longer produce. OUT_DIR/report.json says "
        "what became of each file.",
    )
    p.add_argument("in_dir", help="folder of Slovenian documents (read only, never modified)")
    p.add_argument("out_dir", help="folder for the English documents (mirrors IN_DIR)")
    p.add_argument("--summary", action="store_true", help="also write NAME.summary.txt beside each output")
    p.add_argument(
        "--formats", default=None, help="comma-separated suffixes to translate, e.g. txt,md (default: all supported)"
    )
    p.add_argument("--force", action="store_true", help="redo files the manifest says are done")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--report", default=None, help="write a JSON report here (default: OUT_DIR/report.json)")
    add_file_limit(p)
    add_model_options(p, beams=None)
    add_cache_options(p)
    add_memory_options(p)
    add_terms_options(p)


def _add_evaluate_command(commands: argparse._SubParsersAction) -> None:
    """translator evaluate."""
    from translator.options import DTYPES

    p = commands.add_parser(
        "evaluate",
        help="score translations (BLEU, chrF, TER) or summaries (ROUGE) against references",
        formatter_class=HelpFormatter,
        description="Translate (or summarise) test lines with the project's own pipeline and score the output: "
        "sacrebleu BLEU, chrF and TER with their signatures (--task summary: rouge-score ROUGE-1/2/L), "
        "output tokens/s, peak memory, and the lines that score lowest beside the model's confidence. "
        "Line N of a reference is the reference of source line N; empty lines stay in place.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--src", metavar="FILE", help="source lines (--task summary: one document per line)")
    source.add_argument(
        "--data", metavar="FILE", help="one .tsv (source, reference columns) or .jsonl (source, reference fields) file"
    )
    source.add_argument(
        "--testset",
        metavar="NAME",
        help="a test set sacrebleu downloads and caches: flores200 (devtest), flores200/dev, wmt22...",
    )
    p.add_argument(
        "--ref", metavar="FILE", nargs="+", help="reference lines for --src (several files: several references)"
    )
    p.add_argument(
        "--src-field",
        default=None,
        help="--data: source column (TSV: 1-based number, default 1, or header name) or JSONL field "
        "(default: source, src, article, document or text)",
    )
    p.add_argument(
        "--ref-field",
        default=None,
        help="--data: reference column (TSV default 2) or JSONL field (default: reference, ref, target, "
        "translation, highlights or summary)",
    )
    p.add_argument("--langpair", default="sl-en", help="--testset: language pair (or FLORES codes: slv_Latn-eng_Latn)")
    p.add_argument("--task", default="translation", choices=("translation", "summary"), help="what to evaluate")
    p.add_argument(
        "--compare",
        nargs="+",
        metavar="CONFIG",
        default=None,
        help='run several configurations on the same lines, e.g. "engine=ct2,dtype=int8" '
        '"engine=hf,dtype=float32"; keys: model, engine, device, dtype and any TranslationOptions '
        "(--task summary: SummaryOptions) field such as num_beams",
    )
    p.add_argument(
        "--worst",
        type=int,
        default=10,
        metavar="N",
        help="show the N lines with the lowest sentence chrF (summaries: ROUGE-L)",
    )
    p.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate only the first N lines")
    p.add_argument(
        "--hyp-out",
        metavar="FILE",
        default=None,
        help="write the hypotheses here, one per line (several configurations: FILE.1.txt, FILE.2.txt...)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    p.add_argument(
        "--dtype", default=None, choices=DTYPES, help="weights' precision (default: $TRANSLATOR_DTYPE or auto)"
    )
    add_model_options(p)
