"""A document on its way to the model: routed by language, cut into pieces, grouped for streaming.

A :class:`Plan` is what :class:`~translator.core.translate.Translator` decides about one text (or one
unit of a document) before any model runs: its pieces (:func:`~translator.text.pieces.segment_document`),
which of them are copied (English paragraphs, numbers), its source language and the typed
:class:`Note`\\ s the user will read. The language is detected once per document: a document given
as units is routed from all its units together (:func:`plan_units`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from translator.text import language
from translator.text.pieces import Piece, segment_document

__all__ = ["MIN_STREAM_GROUP", "Note", "Plan", "plan_text", "plan_units", "stream_groups"]

MIN_STREAM_GROUP = 12
"""Translatable pieces in each streaming group after the first."""


@dataclass(frozen=True)
class Note:
    """Something the user should know about a translation, typed so that code decides on its
    ``kind`` and only the user reads its words (``str(note)``).

    ``english``: the whole text is English and was copied; ``paragraphs``/``parts``: the
    paragraphs (of a text) or parts (units of a document) numbered in ``numbers`` (1-based) are
    English and were copied."""

    kind: Literal["english", "paragraphs", "parts"]
    numbers: tuple[int, ...] = ()

    def __str__(self) -> str:
        if self.kind == "english":
            return "already English: copied unchanged"
        plural = "s" if len(self.numbers) > 1 else ""
        shown = ", ".join(str(n) for n in self.numbers)
        word = "paragraph" if self.kind == "paragraphs" else "part"
        return f"already English, copied unchanged: {word}{plural} {shown}"


@dataclass
class Plan:
    """A text routed and cut: its pieces, its source language (None: blank) and notes."""

    pieces: list[Piece]
    language: str | None
    notes: list[Note] = field(default_factory=list)


Counter = Callable[[str], int]


def plan_text(
    text: str, route: language.LanguageRoute, *, count_tokens: Counter, max_tokens: int, copy_english: bool
) -> Plan:
    """``text`` cut into pieces of at most ``max_tokens`` (as ``count_tokens`` counts them) for
    ``route``: every piece copied when the route passes it through (English), and with
    ``copy_english`` each paragraph detected as English copied inside a text in another
    language."""
    if not text.strip():
        return Plan([], None)
    if route.action == "passthrough":
        pieces = [replace(p, translatable=False) for p in segment_document(text, lang=language.PASSTHROUGH)]
        return Plan(pieces, route.language, [Note("english")])
    rules = language.sentence_rules_for(route.language)
    pieces = segment_document(text, lang=rules, count_tokens=count_tokens, max_tokens=max_tokens)
    if copy_english and any(p.paragraph for p in pieces):
        return _copy_english_paragraphs(text, pieces, route.language)
    return Plan(pieces, route.language)


def _copy_english_paragraphs(text: str, pieces: list[Piece], source: str) -> Plan:
    """The pieces of paragraphs detected as English marked as copied, with a note saying which."""
    numbers = sorted({p.paragraph for p in pieces})
    spans = {
        n: (min(p.start for p in pieces if p.paragraph == n), max(p.end for p in pieces if p.paragraph == n))
        for n in numbers
    }
    detections = language.detect_paragraphs([text[a:b] for a, b in spans.values()])
    english = {n for n, found in zip(numbers, detections) if found.language == language.PASSTHROUGH}
    if not english:
        return Plan(pieces, source)
    copied = [replace(p, translatable=False) if p.paragraph in english else p for p in pieces]
    return Plan(copied, source, [Note("paragraphs", tuple(n + 1 for n in sorted(english)))])


def plan_units(
    units: list[str],
    route: language.LanguageRoute,
    *,
    count_tokens: Counter,
    max_tokens: int,
    detect_units: bool,
) -> list[Plan]:
    """The plans of a document's ``units`` (paragraphs, cells, cues, text nodes) under the one
    ``route`` decided for the whole document. With ``detect_units`` (the translator's source is
    ``auto``), a unit detected as English inside a document in another language is copied and the
    first unit's notes name those parts; a single unit is planned as a text (its English
    paragraphs copied)."""
    english = [route.action == "passthrough"] * len(units)
    if route.action == "translate" and detect_units and len(units) > 1:
        found = iter(language.detect_paragraphs([unit for unit in units if unit.strip()]))
        english = [bool(unit.strip()) and next(found).language == language.PASSTHROUGH for unit in units]
    passthrough = language.LanguageRoute(language.PASSTHROUGH, route.confidence, "passthrough")
    plans = []
    for unit, is_english in zip(units, english):
        plan = plan_text(
            unit,
            passthrough if is_english else route,
            count_tokens=count_tokens,
            max_tokens=max_tokens,
            copy_english=detect_units and len(units) == 1,
        )
        if route.action == "translate":  # the document is not English: the note below says which parts are
            plan.notes = [note for note in plan.notes if note.kind != "english"]
        plan.language = route.language
        plans.append(plan)
    copied = tuple(i + 1 for i, is_english in enumerate(english) if is_english)
    if copied and route.action == "translate" and plans:
        plans[0].notes.append(Note("parts", copied))
    return plans


def stream_groups(pieces: list[Piece], first_pieces: int = 2, min_group: int = MIN_STREAM_GROUP) -> list[list[Piece]]:
    """Consecutive groups of ``pieces`` for streaming: the first holds at most ``first_pieces``
    translatable pieces of the first paragraph (the first English shows within seconds); each
    later one at least ``min_group`` and as many as all before it, so batches stay full and the
    whole document costs little more than one call."""
    groups: list[list[Piece]] = [[]]
    in_group = 0
    target = max(1, first_pieces)
    for piece in pieces:
        if (
            groups[-1]
            and in_group >= 1
            and (in_group >= target or (len(groups) == 1 and piece.paragraph != groups[-1][-1].paragraph))
        ):
            done = sum(p.translatable for g in groups for p in g)
            target = max(min_group, done)  # the next group at least doubles the total
            groups.append([])
            in_group = 0
        groups[-1].append(piece)
        in_group += piece.translatable
    if len(groups) > 2 and sum(p.translatable for p in groups[-1]) < min_group // 2:
        tail = groups.pop()  # a short tail would run alone with idle workers
        groups[-1] += tail
    return groups
