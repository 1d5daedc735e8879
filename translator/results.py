"""Typed results returned by the public API, and their one JSON shape (``to_dict``)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

ORIGINS = ("memory", "cache", "model", "copied")
"""Where a segment's English came from: the translation memory (an approved pair), the sentence
cache, the model, or copied from the source (nothing to translate)."""


@dataclass(frozen=True)
class NearMatch:
    """A translation memory pair close to a segment's source but not equal to it: shown beside
    the segment, never applied. ``score`` is the fuzzy ratio from 0 to 1."""

    source: str
    target: str
    score: float


@dataclass(frozen=True)
class Segment:
    """One piece of the source sent to the model, with its English text.

    ``start``/``end`` are offsets into the source document; ``paragraph`` is the index of the
    blank-line separated paragraph it belongs to. ``translated`` is False for pieces copied
    verbatim (numbers, punctuation, symbols, text already in English: nothing a model should
    rewrite). ``score`` is the model's confidence in its output, the length-normalised
    log-probability of the generated tokens (0 is certain, lower is less sure); None for copied
    pieces and where the engine gave none. ``origin`` is one of :data:`ORIGINS` (default: "model"
    for a translated piece, "copied" for the others); ``matches`` are the translation memory's
    near matches of the source, best first (never applied).
    """

    source: str
    target: str
    start: int
    end: int
    paragraph: int
    translated: bool = True
    warnings: tuple[str, ...] = ()
    score: float | None = None
    origin: str = ""
    matches: tuple[NearMatch, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:  # frozen: the default depends on ``translated``
            object.__setattr__(self, "origin", "model" if self.translated else "copied")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        data["matches"] = [asdict(match) for match in self.matches]
        return data


def confidence(score: float) -> float:
    """A segment's score (mean log-probability of its tokens) as a 0-1 confidence: the geometric
    mean of the model's probabilities for its tokens."""
    return math.exp(min(0.0, score))


def least_confident(segments: list[Segment], count: int) -> list[tuple[int, Segment]]:
    """The ``count`` least confident translated segments as (1-based position, segment), least
    confident first; empty when fewer than two segments have a score (nothing to rank)."""
    scored = [(n, s) for n, s in enumerate(segments, start=1) if s.translated and s.score is not None]
    if len(scored) < 2:
        return []
    return sorted(scored, key=lambda item: (item[1].score, item[0]))[:count]


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)


def numbered_warnings(units: list[list[Segment]]) -> list[str]:
    """Each segment warning of a document, given as its units' segments (one unit: a text),
    named by where it is: ``sentence N`` of the whole document, and ``paragraph P`` when the
    document has more than one, both counted from 1; then the sentence's start and the warning.

    One convention for every entry point, so the same text gets the same words from ``translate``
    (one text), ``batch`` and a .docx (units): a paragraph is a blank-line separated paragraph of
    a unit, and one without a letter (a date line, a number alone) is not counted, nor are its
    pieces (a file read as units has no unit for it)."""
    keys = [[(u, segment.paragraph) for segment in segments] for u, segments in enumerate(units)]
    lettered = {key for segs, ks in zip(units, keys) for s, key in zip(segs, ks) if _has_letter(s.source)}
    many = len(lettered) > 1
    warnings: list[str] = []
    sentence = paragraph = 0
    seen: set[tuple[int, int]] = set()
    for segments, unit_keys in zip(units, keys):
        for segment, key in zip(segments, unit_keys):
            if key in lettered:
                sentence += 1
                if key not in seen:
                    seen.add(key)
                    paragraph += 1
            where = f"sentence {max(sentence, 1)}" + (f", paragraph {max(paragraph, 1)}" if many else "")
            warnings += [f"{where} ({segment.source[:60]!r}): {warning}" for warning in segment.warnings]
    return warnings


@dataclass(frozen=True)
class Translation:
    """A translated document: ``text`` keeps the source's paragraphs and line breaks.

    Invariant: the source equals the concatenation, in order, of each segment's ``source`` and
    the text between consecutive segments (which holds only whitespace, copied verbatim).
    """

    text: str
    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    model: str = ""
    language: str | None = None  # the source language detected or given (None: not known)
    notes: list[str] = field(default_factory=list)  # e.g. "already English: copied unchanged"
    parts: list[str] = field(default_factory=list)  # each unit's English, for a document given as units

    @classmethod
    def assemble(
        cls, text: str, segments: list[Segment], *, model: str, language: str | None, notes: list[str]
    ) -> Translation:
        """The translation of ``text`` from its ``segments`` (in order): each segment's English
        in its place, the whitespace between them copied verbatim, and each segment's warnings
        named by its sentence (and paragraph) number (:func:`numbered_warnings`)."""
        if not text.strip():
            return cls(text="", model=model)
        parts: list[str] = []
        cursor = 0
        for segment in segments:
            parts.append(text[cursor : segment.start])  # whitespace between pieces, verbatim
            parts.append(segment.target)
            cursor = segment.end
        parts.append(text[cursor:])
        return cls("".join(parts), segments, numbered_warnings([segments]), model, language, notes)

    @classmethod
    def joined(cls, units: list[Translation]) -> Translation:
        """One document's translation from its units' (``parts``: each unit's English; ``text``:
        the non-blank parts joined by blank lines); its warnings are numbered in the whole
        document, as :meth:`assemble` numbers a text's."""
        parts = [t.text for t in units]
        return cls(
            text="\n\n".join(part for part in parts if part.strip()),
            segments=[segment for t in units for segment in t.segments],
            warnings=numbered_warnings([t.segments for t in units]),
            model=next((t.model for t in units if t.model), ""),
            language=next((t.language for t in units if t.language), None),
            notes=list(dict.fromkeys(note for t in units for note in t.notes)),
            parts=parts,
        )


@dataclass(frozen=True)
class TranslationAndSummary:
    """What every entry point gets from :func:`translator.core.pipeline.run`.

    ``summary`` is None when no summary was asked for, ``""`` for empty English. ``parts`` is the
    English of each input unit when the pipeline was given a document as units (the folder batch).
    """

    translation: str
    summary: str | None = None
    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    translation_model: str = ""
    summary_model: str | None = None
    language: str | None = None
    notes: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of a result (CLI ``--json``, the page's download and API, REST)."""
        return {
            "translation": self.translation,
            "summary": self.summary,
            "language": self.language,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "models": {"translation": self.translation_model, "summary": self.summary_model},
            "segments": [segment.to_dict() for segment in self.segments],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)
