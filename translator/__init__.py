"""Slovenian news → English, condensed. See README.md for the tour."""

from ._version import __version__
from .api import split_sentences, summarize, translate, translate_and_summarize
from .inputs import InvalidTextError
from .models import ModelNotFoundError
from .options import RuntimeOptions, SummaryOptions, TranslationOptions
from .results import Segment, Translation, TranslationAndSummary
from .summarize import Summarizer
from .translate import Translator

__all__ = [
    "__version__",
    "InvalidTextError",
    "ModelNotFoundError",
    "RuntimeOptions",
    "Segment",
    "SummaryOptions",
    "Summarizer",
    "Translation",
    "TranslationAndSummary",
    "TranslationOptions",
    "Translator",
    "split_sentences",
    "summarize",
    "translate",
    "translate_and_summarize",
]

