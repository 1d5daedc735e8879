"""Typed results returned by the public API."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """One piece of the source sent to the model, with its English text.

    ``start``/``end`` are offsets into the source document; ``paragraph`` is the index of the
    blank-line separated paragraph it belongs to. ``translated`` is False for pieces copied
    verbatim (numbers, punctuation, symbols: nothing a model should rewrite).
    """

    source: str
    target: str
    start: int
    end: int
    paragraph: int
    translated: bool = True
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Translation:
    """A translated document: ``text`` keeps the source's paragraphs and line breaks."""

    text: str
    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    model: str = ""


@dataclass(frozen=True)
class TranslationAndSummary:
    """The result of :func:`translator.translate_and_summarize`."""

    translation: str
    summary: str
    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
