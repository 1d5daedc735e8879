"""The one flow every entry point runs: text → Translation → (summary) → TranslationAndSummary.

The Python API, the CLI, the web page, the REST API and the folder batch all call :func:`run`,
:func:`stream` or :func:`run_documents`, so a result has one shape wherever it comes from and the
translate-then-summarise rules live in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .results import Translation, TranslationAndSummary
from .summarize import Summarizer
from .translate import Progress, Translator


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
    return None if summarizer is None else summarize(english, summarizer, length=length)


def run(
    text: str,
    translator: Translator,
    summarizer: Summarizer | None = None,
    *,
    length: str | None = None,
    progress: Progress | None = None,
) -> TranslationAndSummary:
    """Translate ``text`` and, when ``summarizer`` is given, summarise the English.

    Raises TypeError for a non-str, ValueError for bad options or an unsupported language,
    ModelNotFoundError when a model is unavailable.
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
    """Yield growing partial results (``summary`` None) as paragraphs finish; the last one is
    complete, with its summary when ``summarizer`` is given."""
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
    progress: Progress | None = None,
) -> list[TranslationAndSummary]:
    """Translate several documents, each given as its units (paragraphs, cells, cues), in one
    go: their sentences share batches, and each document's language is decided from all its
    units. Each result's ``parts`` holds the English of each unit, ``translation`` the units
    joined by blank lines, which is also what gets summarised; segment offsets are offsets into
    their own unit. Raises UnsupportedLanguageError for a document the model does not translate."""
    results = []
    for mine in translator.translate_units([list(units) for units in documents], progress=progress):
        parts = [t.text for t in mine]
        english = "\n\n".join(part for part in parts if part.strip())
        merged = Translation(
            text=english,
            segments=[segment for t in mine for segment in t.segments],
            warnings=[warning for t in mine for warning in t.warnings],
            model=translator.model_name,
            language=next((t.language for t in mine if t.language), None),
            notes=list(dict.fromkeys(note for t in mine for note in t.notes)),
        )
        results.append(_result(merged, _summary(english, summarizer, length), summarizer, parts))
    return results
