"""The newsroom's own words: glossary terms and do-not-translate strings, matched in sentences.

A :class:`Terms` holds a glossary (source term → English term, per source language or for all)
and a keep list (strings kept verbatim: names, brands, product codes). :meth:`Terms.required`
says what the English of one sentence must contain: the English of each glossary term found in
it, and each kept string found in it.

Glossary terms match inflected forms. Slovenian and the other South Slavic languages decline
nouns ("predsednik vlade" is met as "predsednika vlade", "predsedniku vlade"), so the term and
the sentence are compared word by word as lemmas, from lemmagen3 (the ``glossary`` extra) for
sl, hr, sr, bs (hr model), cnr (sr model) and bg; its Macedonian model is licensed for
non-commercial use only and is not used. Where no lemmatiser applies (mk, another language,
lemmagen3 not installed) two words match when one is the other with a short ending changed
(a common prefix of all but the last two letters of the term's word, at least four letters).
A word also matches itself, case aside, so a term the lemmatiser does not know still matches
where it is written as in the glossary. Sentences are pre-filtered by a set of first-word
keys, so one without a term costs a lemma and a set lookup per word.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from translator.errors import InvalidInputError

logger = logging.getLogger("translator")

__all__ = ["MAX_TERMS", "MAX_TERM_CHARS", "Required", "Term", "Terms", "contains_english"]

MAX_TERMS = 20_000  # terms (glossary and keep together) in one Terms
MAX_TERM_CHARS = 200  # characters of one source term, English term or kept string

# lemmagen3 model per source language; mk's model is for non-commercial use only (not used)
_LEMMATISER_MODELS = {"sl": "sl", "hr": "hr", "bs": "hr", "sr": "sr", "cnr": "sr", "bg": "bg"}
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class Term:
    """One glossary entry: ``source`` (as written in the source language, any inflection) is
    to be ``target`` in the English; ``language``: the source language it applies to (None: all)."""

    source: str
    target: str
    language: str | None = None


@dataclass(frozen=True)
class Required:
    """What the English of a sentence must contain: ``english``, for ``found`` (the words of
    the sentence that matched); ``kind`` "glossary" (case-insensitive, whole words) or "keep"
    (byte for byte)."""

    kind: Literal["glossary", "keep"]
    found: str
    english: str

    def met_by(self, english: str) -> bool:
        """Whether ``english`` contains what is required."""
        if self.kind == "keep":
            return self.english in english
        return contains_english(english, self.english)

    def warning(self) -> str:
        """The sentence's warning when its English lacks this."""
        if self.kind == "keep":
            return f"do-not-translate: {self.english!r} is not kept verbatim in the English"
        return f"glossary: {self.found!r} should be {self.english!r}, which the English lacks"


def contains_english(text: str, term: str) -> bool:
    """Whether ``text`` contains ``term`` as whole words, case aside (spaces between its words
    may be any whitespace)."""
    words = [re.escape(word) for word in term.split()]
    if not words:
        return True
    pattern = r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


@functools.lru_cache(maxsize=8)
def _lemmatiser(language: str | None) -> Any:
    model = _LEMMATISER_MODELS.get(language or "")
    if model is None:
        return None
    try:
        import lemmagen3
    except ImportError:
        logger.warning(
            "glossary terms in %r match by word endings only: install the glossary extra "
            "(pip install 'translator[glossary]') for lemmagen3",
            language,
        )
        return None
    return lemmagen3.Lemmatizer(model)


@dataclass(frozen=True)
class _Word:
    surface: str  # lower-cased
    lemma: str | None  # lower-cased; None without a lemmatiser

    @property
    def key(self) -> str:
        return self.lemma if self.lemma is not None else self.surface[:4]

    def matches(self, other: _Word) -> bool:
        """Whether this word of the sentence is ``other`` (a word of a term)."""
        if self.surface == other.surface or (self.lemma is not None and self.lemma == other.lemma):
            return True
        if self.lemma is not None:
            return False
        need = max(4, len(other.surface) - 2)
        return len(self.surface) >= need and self.surface[:need] == other.surface[:need]


def _words(text: str, language: str | None) -> list[tuple[_Word, int, int]]:
    lemmatiser = _lemmatiser(language)
    found = []
    for match in _WORD.finditer(text):
        surface = match.group().lower()
        lemma = lemmatiser.lemmatize(match.group()).lower() if lemmatiser is not None else None
        found.append((_Word(surface, lemma), match.start(), match.end()))
    return found


def _checked(text: object, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"{what} must be a non-empty string, got {text!r}")
    text = " ".join(text.split())
    if len(text) > MAX_TERM_CHARS:
        raise InvalidInputError(f"{what} {text[:40]!r}... is longer than {MAX_TERM_CHARS} characters")
    return text


class Terms:
    """A glossary and a keep list (see the module docstring). Empty Terms are false.

    Raises:
        InvalidInputError: an empty or too long term, a term without a word, or more than
            :data:`MAX_TERMS` of them.
    """

    def __init__(self, glossary: Iterable[Term] = (), keep: Iterable[str] = ()) -> None:
        terms: dict[tuple[str, str | None], Term] = {}
        for term in glossary:
            source = _checked(term.source, "a glossary's source term")
            if not _WORD.search(source):
                raise InvalidInputError(f"the glossary term {source!r} has no word to match")
            target = _checked(term.target, f"the English of the glossary term {source!r}")
            language = term.language.strip().lower() if term.language and term.language.strip() else None
            terms[(source.lower(), language)] = Term(source, target, language)  # a later entry wins
        kept = {_checked(text, "a do-not-translate string"): None for text in keep}
        if len(terms) + len(kept) > MAX_TERMS:
            raise InvalidInputError(f"{len(terms) + len(kept)} glossary terms and kept strings; at most {MAX_TERMS}")
        self.glossary: tuple[Term, ...] = tuple(terms.values())
        self.keep: tuple[str, ...] = tuple(sorted(kept, key=len, reverse=True))  # longest first
        self._indexes: dict[str | None, dict[str, list[tuple[list[_Word], Term]]]] = {}
        self._layers: tuple[Terms, ...] = ()  # merged(): the Terms looked in, first wins

    def __bool__(self) -> bool:
        return bool(self.glossary or self.keep)

    def __repr__(self) -> str:
        return f"Terms({len(self.glossary)} glossary terms, {len(self.keep)} kept strings)"

    def merged(self, other: Terms | None) -> Terms:
        """These terms and ``other``'s; ``other`` wins where both match the same words (a
        request's glossary over the server's). Each keeps its own index (a large server glossary
        is not indexed again per request) and its own :data:`MAX_TERMS`."""
        if not other:
            return self
        if not self:
            return other
        layered = Terms()
        layered._layers = (*(other._layers or (other,)), *(self._layers or (self,)))
        layered.glossary = other.glossary + self.glossary
        layered.keep = tuple(dict.fromkeys(other.keep + self.keep))
        return layered

    def _index(self, language: str | None) -> dict[str, list[tuple[list[_Word], Term]]]:
        index = self._indexes.get(language)
        if index is None:
            index = {}
            for term in self.glossary:
                if term.language is None or term.language == language:
                    words = [word for word, _s, _e in _words(term.source, language)]
                    index.setdefault(words[0].key, []).append((words, term))
            for entries in index.values():
                entries.sort(key=lambda entry: -len(entry[0]))  # longest term first
            self._indexes[language] = index  # a benign race: two threads build the same index
        return index

    def required(self, sentence: str, language: str | None) -> list[Required]:
        """What the English of ``sentence`` (in ``language``) must contain, in source order; the
        longest term wins where terms overlap. Empty when no term occurs."""
        needs: list[tuple[int, Required]] = []
        taken: list[tuple[int, int]] = []
        for layer in self._layers or (self,):
            layer._find(sentence, language, taken, needs)
        needs.sort(key=lambda item: item[0])
        unique: dict[tuple[str, str], Required] = {}
        for _at, need in needs:
            unique.setdefault((need.kind, need.english), need)  # one need per English
        return list(unique.values())

    def _find(
        self, sentence: str, language: str | None, taken: list[tuple[int, int]], needs: list[tuple[int, Required]]
    ) -> None:
        """Add to ``needs`` (at their start) this layer's kept strings and terms in ``sentence``
        that overlap nothing in ``taken`` (which they join)."""
        for text in self.keep:
            at = sentence.find(text)
            while at >= 0:
                end = at + len(text)
                if not any(at < e and s < end for s, e in taken):
                    taken.append((at, end))
                    needs.append((at, Required("keep", text, text)))
                at = sentence.find(text, end)
        if not self.glossary:
            return
        index = self._index(language)
        words = _words(sentence, language) if index else []
        for i, (word, start, _end) in enumerate(words):
            for term_words, term in index.get(word.key, ()):
                n = len(term_words)
                if i + n > len(words) or not all(w.matches(t) for (w, _s, _e), t in zip(words[i:], term_words)):
                    continue
                end = words[i + n - 1][2]
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                needs.append((start, Required("glossary", sentence[start:end], term.target)))
                break

    def fingerprint(self) -> str:
        """A short digest of the terms: what a batch's manifest records (other terms, other outputs)."""
        entries = sorted((t.source, t.target, t.language or "") for t in self.glossary)
        data = json.dumps([entries, sorted(self.keep)], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]
