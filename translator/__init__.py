"""Slovenian news → English, condensed. The docs (docs/, built with MkDocs) give the tour."""

from translator._version import __version__
from translator.api import split_sentences, summarize, translate, translate_and_summarize
from translator.core.cache import CacheUnavailable
from translator.core.summarize import Summarizer
from translator.core.translate import Translator
from translator.engines import EngineUnavailable
from translator.engines.models import ModelNotFoundError
from translator.errors import InvalidInputError, InvalidTypeError, TranslatorError
from translator.formats import FileFormatError, FileTooLargeError, MarkupTooComplexError
from translator.options import RuntimeOptions, SummaryOptions, TranslationOptions
from translator.results import Segment, Translation, TranslationAndSummary
from translator.text.inputs import InvalidTextError
from translator.text.language import UnsupportedLanguageError

__all__ = [
    "__version__",
    "CacheUnavailable",
    "EngineUnavailable",
    "FileFormatError",
    "FileTooLargeError",
    "InvalidInputError",
    "InvalidTextError",
    "InvalidTypeError",
    "MarkupTooComplexError",
    "ModelNotFoundError",
    "RuntimeOptions",
    "Segment",
    "SummaryOptions",
    "Summarizer",
    "Translation",
    "TranslationAndSummary",
    "TranslationOptions",
    "Translator",
    "TranslatorError",
    "UnsupportedLanguageError",
    "split_sentences",
    "summarize",
    "translate",
    "translate_and_summarize",
]
