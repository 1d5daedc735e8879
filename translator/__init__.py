"""Slovenian news → English, condensed. See README.md for the tour."""

from .api import split_sentences, summarize, translate, translate_and_summarize
from .models import ModelNotFoundError
from .options import RuntimeOptions, SummaryOptions, TranslationOptions
from .results import Segment, Translation, TranslationAndSummary
from .summarize import Summarizer
from .translate import Translator

__all__ = [
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

__version__ = "0.1.0"
