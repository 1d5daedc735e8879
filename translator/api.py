"""The one-call functions: ``translate``, ``summarize``, ``translate_and_summarize``.

They build a light :class:`Translator`/:class:`Summarizer` per call; the heavy part, the loaded
model, is cached per process in models.py, so repeated calls do not reload anything.
"""

from __future__ import annotations

from typing import Any, overload

from translator.core import pipeline
from translator.core.summarize import Summarizer
from translator.core.translate import Progress, Translator
from translator.errors import InvalidTypeError
from translator.results import TranslationAndSummary
from translator.text.inputs import check_texts
from translator.text.segment import split_sentences as _split_sentences


@overload
def translate(
    text: str,
    *,
    model: str | None = ...,
    device: str | None = ...,
    engine: str | None = ...,
    progress: Progress | None = ...,
    **options: object,
) -> str: ...
@overload
def translate(
    text: list[str],
    *,
    model: str | None = ...,
    device: str | None = ...,
    engine: str | None = ...,
    progress: Progress | None = ...,
    **options: object,
) -> list[str]: ...


def translate(text, *, model=None, device=None, engine=None, progress=None, **options):
    """Translate a text, or a list of texts, into English.

    Paragraphs and line breaks are kept; ``""``/whitespace gives ``""`` without loading a model.

    Args:
        text: a str, or a list of str (translated together: their sentences share batches).
        model: a Hub id or a local folder (default: ``$TRANSLATOR_TRANSLATION_MODEL``, else
            ``Helsinki-NLP/opus-mt-tc-big-zls-en``).
        device: ``auto`` | ``cpu`` | ``cuda[:N]`` | ``mps``. engine: ``auto`` | ``ct2`` | ``hf``.
        progress: called with (pieces done, pieces in all).
        **options: TranslationOptions fields (``num_beams=1``, ``max_piece_tokens=...``), and
            ``source`` (``"auto"`` or a language code), ``cache`` and ``memory`` as for :class:`Translator`.

    Returns:
        The English: a str for a str, a list of the same length and order for a list.

    Raises:
        InvalidTypeError: anything but a str or a list of str (a TypeError).
        InvalidTextError: text that is not valid Unicode (a ValueError naming the position).
        UnsupportedLanguageError: a text in a language the model does not translate.
        ModelNotFoundError: the model is neither local nor downloadable.
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


def summarize(
    english_text: str,
    *,
    model: str | None = None,
    length: str = "medium",
    device: str | None = None,
    engine: str | None = None,
    **options: Any,
) -> str:
    """Summarise English text of any length (map-reduce over the model's input limit).

    Args:
        english_text: the English to summarise (``""`` gives ``""``).
        model: a BART-family summariser (default: ``$TRANSLATOR_SUMMARY_MODEL``, else
            ``sshleifer/distilbart-cnn-12-6``).
        length: ``short`` | ``medium`` | ``long``.
        device, engine: as for :func:`translate`. **options: SummaryOptions fields.

    Returns:
        The summary.

    Raises:
        InvalidTypeError: not a str. InvalidInputError: a bad length or option.
        ModelNotFoundError: the model is neither local nor downloadable.
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
    """Translate ``text`` and summarise the English, in one pipeline call.

    Args:
        text: the article. translation_model, summary_model: as ``model`` for :func:`translate`
            and :func:`summarize`. length, device, engine, progress: as there.

    Returns:
        A TranslationAndSummary: ``.translation``, ``.summary``, ``.segments`` (source/target
        pairs), ``.warnings``, ``.language``, ``.notes`` and ``.to_dict()`` (the JSON shape every
        entry point returns).

    Raises:
        As :func:`translate` and :func:`summarize`.
    """
    return pipeline.run(
        text,
        Translator(translation_model, device=device, engine=engine),
        Summarizer(summary_model, device=device, engine=engine),
        length=length,
        progress=progress,
    )


def split_sentences(text: str, lang: str = "sl") -> list[str]:
    """Split a text into sentences with language-aware rules.

    Args:
        text: the text. lang: the rules' language (``sl``, ``hr``, ``sr``, ``bg``, ``en`` ...).

    Returns:
        The sentences, in order (whitespace between them left out).

    Raises:
        InvalidTypeError: ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise InvalidTypeError(f"split_sentences() expects a str, got {type(text).__name__}")
    return _split_sentences(text, lang=lang)
