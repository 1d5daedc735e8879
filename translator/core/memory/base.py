"""What every translation memory is and holds: the :class:`TranslationMemory` protocol, a stored
:class:`Pair`, the normalisation exact matches are made on, and the near-match search both stores
share (a length window, then rapidfuzz over the candidates in it)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import fuzz, process

from translator.errors import TranslatorError
from translator.results import NearMatch

DEFAULT_NEAR = 0.9  # the fuzzy ratio from which a pair is shown as a near match
NEAR_LIMIT = 3  # near matches shown per sentence
NEAR_CANDIDATES = 50  # pairs scored per sentence at most: those sharing the most word pairs with it
MAX_TEXT_CHARS = 5000  # longest source or English of one pair

# typographic quotes of the languages translated (and of English) → the ASCII ones
_QUOTES = str.maketrans({**dict.fromkeys("„“”«»‟″〝〞＂", '"'), **dict.fromkeys("‘’‚‛′‹›`´", "'")})


class MemoryUnavailable(TranslatorError, OSError):
    """The translation memory asked for cannot be opened, read or written (the message names it)."""


def normalise(text: str) -> str:
    """``text`` as exact matches compare it: Unicode NFC, every quote style as ``"`` or ``'``,
    runs of whitespace as one space, none at the ends."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


@dataclass(frozen=True)
class Pair:
    """An approved translation: ``target`` (English) for ``source`` in ``language``."""

    language: str
    source: str
    target: str


@dataclass(frozen=True)
class MemoryStats:
    """How many pairs the memory at ``where`` holds, in all and per source language."""

    entries: int
    where: str
    languages: dict[str, int] = field(default_factory=dict)


def check_pair(pair: Pair) -> Pair:
    """``pair`` when it can be stored: a language code and non-blank texts of at most
    :data:`MAX_TEXT_CHARS` characters; ValueError naming what is wrong otherwise."""
    from translator.errors import InvalidInputError

    if not pair.language or len(pair.language) > 16 or not pair.language.replace("-", "").isalnum():
        raise InvalidInputError(f"a memory pair needs a language code such as sl, not {pair.language!r}")
    for name, text in (("source", pair.source), ("English", pair.target)):
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError(f"a memory pair's {name} is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInputError(f"a memory pair's {name} has {len(text):,} characters, at most {MAX_TEXT_CHARS:,}")
    return pair


def grams(language: str, key: str) -> list[int]:
    """The near-match index entries of the normalised source ``key``: a 63-bit hash of each pair
    of consecutive words (lower-cased; the word itself for a one-word source), with the language.
    A pair close enough to be a near match shares some: one changed word spoils two of them."""
    words = key.lower().split()
    parts = [f"{a} {b}" for a, b in zip(words, words[1:])] or words
    return sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{language}\0{part}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
            )
            >> 1
            for part in parts
        }
    )


def length_window(length: int, cutoff: float) -> tuple[int, int]:
    """The lengths a string may have for its ratio with one of ``length`` characters to reach
    ``cutoff``: ratio = 2·matches / (a + b) ≤ 2·min(a, b) / (a + b)."""
    if cutoff <= 0:
        return 0, 1 << 30
    return int(length * cutoff / (2 - cutoff)), int(length * (2 - cutoff) / cutoff) + 1


def best_matches(
    query: str, candidates: dict[str, tuple[str, str]], cutoff: float, limit: int = NEAR_LIMIT
) -> list[NearMatch]:
    """The ``limit`` candidates (normalised source → (source, English)) whose ratio with the
    normalised ``query`` is at least ``cutoff``, best first (rapidfuzz's ``fuzz.ratio``)."""
    if not candidates:
        return []
    found = process.extract(query, list(candidates), scorer=fuzz.ratio, score_cutoff=cutoff * 100, limit=limit)
    return [NearMatch(candidates[key][0], candidates[key][1], round(score / 100, 3)) for key, score, _index in found]


class TranslationMemory(Protocol):
    """What :class:`~translator.core.translate.Translator` and the commands need from a store.
    Lookups never fail a translation (a storage error is logged and answered as no match);
    changes raise :class:`MemoryUnavailable`."""

    where: str
    near_cutoff: float  # near matches from this ratio (above 1: none are looked for)

    def exact(self, language: str, sources: Sequence[str]) -> dict[str, str]:
        """The English of each of ``sources`` that the memory holds (after :func:`normalise`)."""
        ...

    def near(self, language: str, source: str) -> list[NearMatch]:
        """The pairs of ``language`` whose source is close to ``source`` (ratio ≥ ``near_cutoff``), best first."""
        ...

    def add(self, pairs: Sequence[Pair]) -> int:
        """Store each pair (replacing the English of a source stored already); how many were new or changed."""
        ...

    def remove(self, language: str, source: str) -> bool:
        """Remove the pair of ``source``; False when there was none."""
        ...

    def pairs(self) -> Iterator[Pair]:
        """Every pair, by language."""
        ...

    def stats(self) -> MemoryStats:
        """How many pairs, per language."""
        ...

    def clear(self) -> int:
        """Remove every pair; how many there were."""
        ...
