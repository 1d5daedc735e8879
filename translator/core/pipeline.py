"""The one flow every entry point runs: text → Translation → (summary) → TranslationAndSummary.

The Python API, the CLI, the web page, the REST API and the folder batch all call :func:`run`,
:func:`stream` or :func:`run_documents`, so a result has one shape wherever it comes from and the
translate-then-summarise rules live in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from translator.core.summarize import Summarizer
from translator.core.translate import Progress, Translator
from translator.results import Translation, TranslationAndSummary
from translator.text.inputs import built_from_checked
from translator.text.language import LanguageRoute


def _result(
    translation: Translation, summary: str | None, summarizer: Summarizer | None, parts: list[str] | None = None
) -> TranslationAndSummary:
    return TranslationAndSummary(
        translation=translation.text,
        summary=summary,
        segments=translation.segments,
        warnings=translation.warnings,
        translation_model=translation.model,
        summary_model=summarizer.model_name if summarizer else None,
        language=translation.language,
        notes=translation.notes,
        parts=parts or [],
    )


def summarize(english: str, summarizer: Summarizer, *, length: str | None = None) -> str:
    """The summary of English text alone (``""`` for empty text): the CLI's ``summarize``, the
    page's and the REST API's ``/summarize``. Raises TypeError, ValueError (bad length) or
    ModelNotFoundError."""
    return summarizer.summarize(english, length=length)


def _summary(english: str, summarizer: Summarizer | None, length: str | None) -> str | None:
    # the English is built from the checked source and decoded model output: not checked again
    return None if summarizer is None else summarize(built_from_checked(english), summarizer, length=length)


def run(
    text: str,
    translator: Translator,
    summarizer: Summarizer | None = None,
    *,
    length: str | None = None,
    progress: Progress | None = None,
) -> TranslationAndSummary:
    """Translate ``text`` and, when ``summarizer`` is given, summarise the English.

    Args:
        text: the document.
        translator: does the translation (:meth:`Translator.translate_document`).
        summarizer: summarises the English when given.
        length: the summary's length (``short``, ``medium``, ``long``; default: the summariser's).
        progress: called with (pieces done, pieces in all).

    Returns:
        The :class:`~translator.results.TranslationAndSummary` (``summary`` None without a
        summarizer).

    Raises:
        InvalidTypeError, InvalidTextError: ``text`` is not valid text.
        UnsupportedLanguageError: ``text`` is in a language the model does not translate.
        ModelNotFoundError: a model is neither local nor downloadable.
    """
    translation = translator.translate_document(text, progress=progress)
    return _result(translation, _summary(translation.text, summarizer, length), summarizer)


def stream(
    text: str,
    translator: Translator,
    summarizer: Summarizer | None = None,
    *,
    length: str | None = None,
    progress: Progress | None = None,
) -> Iterator[TranslationAndSummary]:
    """Yield growing partial results as paragraph groups finish (:meth:`Translator.iter_translate_document`).

    Args:
        text, translator, summarizer, length, progress: as :func:`run`.

    Returns:
        An iterator of :class:`~translator.results.TranslationAndSummary`: partial ones with
        ``summary`` None, the last one complete (with its summary when ``summarizer`` is given)
        and equal to what :func:`run` returns.

    Raises:
        As :func:`run`, from the first ``next()``.
    """
    translation = None
    for translation in translator.iter_translate_document(text, progress=progress):
        yield _result(translation, None, None)
    assert translation is not None  # iter_translate_document always yields
    if summarizer is not None:
        yield _result(translation, _summary(translation.text, summarizer, length), summarizer)


def run_documents(
    documents: Sequence[Sequence[str]],
    translator: Translator,
    summarizer: Summarizer | None = None,
    *,
    length: str | None = None,
    routes: Sequence[LanguageRoute | None] | None = None,
    progress: Progress | None = None,
) -> list[TranslationAndSummary]:
    """Translate several documents, each given as its units (paragraphs, cells, cues), in one
    go: their sentences share batches, and each document's language is decided from all its units.

    Args:
        documents: each document's units, in order.
        translator, summarizer, length, progress: as :func:`run`.
        routes: one per document (None: detect): languages decided already, so that a document is
            not detected twice.

    Returns:
        One :class:`~translator.results.TranslationAndSummary` per document: ``parts`` the English
        of each unit, ``translation`` the units joined by blank lines (what gets summarised);
        segment offsets are offsets into their own unit.

    Raises:
        UnsupportedLanguageError: a document is in a language the model does not translate.
        and as :func:`run`.
    """
    translations = translator.translate_documents(
        [list(units) for units in documents], routes=routes, progress=progress
    )
    return [
        _result(translation, _summary(translation.text, summarizer, length), summarizer, translation.parts)
        for translation in translations
    ]
