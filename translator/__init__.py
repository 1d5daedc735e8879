"""Slovenian news → English, condensed. See README.md for the tour."""

from ._version import __version__
from .api import split_sentences, summarize, translate, translate_and_summarize
from .cache import CacheUnavailable
from .engines import EngineUnavailable
from .errors import InvalidInputError, InvalidTypeError, TranslatorError
from .formats import FileFormatError, FileTooLargeError, MarkupTooComplexError
from .inputs import InvalidTextError
from .language import UnsupportedLanguageError
from .models import ModelNotFoundError
from .options import RuntimeOptions, SummaryOptions, TranslationOptions
from .results import Segment, Translation, TranslationAndSummary
from .summarize import Summarizer
from .translate import Translator

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
