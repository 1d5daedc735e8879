"""The one-call functions: ``translate``, ``summarize``, ``translate_and_summarize``.

They build a light :class:`Translator`/:class:`Summarizer` per call; the heavy part, the loaded
model, is cached per process in models.py, so repeated calls do not reload anything.
"""

from __future__ import annotations

from typing import overload

from . import pipeline
from .errors import InvalidTypeError
from .inputs import check_texts
from .results import TranslationAndSummary
from .segment import split_sentences as _split_sentences
from .summarize import Summarizer
from .translate import Progress, Translator


@overload
def translate(text: str, *, model: str | None = ..., device: str | None = ..., engine: str | None = ...,
              progress: Progress | None = ..., **options: object) -> str: ...
@overload
def translate(text: list[str], *, model: str | None = ..., device: str | None = ..., engine: str | None = ...,
              progress: Progress | None = ..., **options: object) -> list[str]: ...


def translate(text, *, model=None, device=None, engine=None, progress=None, **options):
    """Translate a str (→ str) or a list of str (→ list of str, same length and order).

    Paragraphs and line breaks are kept; ``""``/whitespace gives ``""`` without loading a model.
    ``options`` are TranslationOptions fields (``num_beams=1``, ``max_piece_tokens=...``).
    Raises TypeError for anything but str / list of str, ModelNotFoundError when the model is
    not available.
    """
    if isinstance(text, str):
        if not text.strip():
            return ""
    else:
        texts = check_texts(text)
        if not any(t.strip() for t in texts):
            return ["" for _ in texts]
    translator = Translator(model, device=device, engine=engine, **options)
    documents = [[text]] if isinstance(text, str) else [[t] for t in texts]
    english = [result.parts[0] for result in pipeline.run_documents(documents, translator, progress=progress)]
    return english[0] if isinstance(text, str) else english


def summarize(english_text: str, *, model: str | None = None, length: str = "medium",
              device: str | None = None, engine: str | None = None, **options: object) -> str:
    """Return an English summary of ``english_text`` of any length (``""`` for empty text).

    ``length``: ``short`` | ``medium`` | ``long``. Raises TypeError, ValueError (bad length) or
    ModelNotFoundError.
    """
    if isinstance(english_text, str) and not english_text.strip():
        return ""
    return pipeline.summarize(english_text, Summarizer(model, device=device, engine=engine, **options), length=length)


def translate_and_summarize(
    text: str,
    *,
    translation_model: str | None = None,
    summary_model: str | None = None,
    length: str = "medium",
    device: str | None = None,
    engine: str | None = None,
    progress: Progress | None = None,
) -> TranslationAndSummary:
    """Translate ``text`` and summarise the English; returns ``.translation``, ``.summary``,
    ``.segments`` (source/target pairs), ``.warnings`` and ``.to_dict()``."""
    return pipeline.run(
        text,
        Translator(translation_model, device=device, engine=engine),
        Summarizer(summary_model, device=device, engine=engine),
        length=length,
        progress=progress,
    )


def split_sentences(text: str, lang: str = "sl") -> list[str]:
    """Split ``text`` into sentences with Slovenian-aware rules (``lang="en"`` for English)."""
    if not isinstance(text, str):
        raise InvalidTypeError(f"split_sentences() expects a str, got {type(text).__name__}")
    return _split_sentences(text, lang=lang)
