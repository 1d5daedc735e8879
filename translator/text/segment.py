"""Paragraphs → sentences, with their offsets in the text (language-aware).

Sentences come from Koehn's Moses splitter (``sentence_splitter``), run one line at a time and
mapped back to offsets in the original text, with rules on top for what it gets wrong in South
Slavic news and prose (see :func:`_decide`). The rule sets — "sl", "hr" (Croatian, Bosnian,
Serbian in Latin script), "bg" (Bulgarian, Macedonian, Serbian in Cyrillic script), "en" — and
which one a language tag gets are in :mod:`translator.text.segment_rules`; Moses' own abbreviation lists
are used where it ships one (Slovenian, English), its generic rules elsewhere.
Paragraphs are separated by blank lines. Nothing is ever dropped: every non-whitespace character of
the input is in exactly one sentence, and the text between sentences is whitespace only. Sentences
longer than a model's budget are cut apart by :mod:`translator.text.pieces`.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Literal

from translator.text.segment_rules import GENERIC, RULES, Rules, rule_set

if TYPE_CHECKING:  # imported lazily: ``regex`` makes it slow to import
    from sentence_splitter import SentenceSplitter

logger = logging.getLogger("translator")

__all__ = ["is_abbreviation", "sentence_spans", "sentences_with_paragraphs", "split_sentences"]

# The line boundaries of str.splitlines(): a lone "\r", form feeds and U+2028 end lines as well.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
WORD = re.compile(r"\S+")  # \S is the complement of str.isspace(), so NBSP separates words too

# Quotes and brackets around sentence ends. Slovenian quotes are »…« and „…“, so "«" and "“" close
# while Unicode files them as opening punctuation; a character here counts as closing at the end of
# a word and as opening at its start.
_OPENERS = "\"'»«„“”‚‘’‹›([{¿¡"
CLOSERS = "\"'»«“”‘’‹›)]}"
TERMINATORS = "?!‼⁇⁈⁉？！"
# Moses only knows ASCII quotes and "...": it sees these so that »Pridem.« Nato splits like "Pridem." Nato.
_TO_MOSES = str.maketrans(
    {
        "»": '"',
        "«": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "‟": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "‹": "'",
        "›": "'",
        "…": "...",
    }
)

# Moses looks at the end of a word and the start of the next, and its regular expressions
# backtrack quadratically inside long words ("a.a.a.…"): it sees only both ends of a long word.
_HEAD = 32
_TAIL = 64
# Moses rebuilds its text word by word (quadratic time), so long lines go to it in windows of
# _WINDOW words that overlap by 2 * _MARGIN; its decisions depend on a few neighbouring words only.
_WINDOW = 1000
_MARGIN = 16

ABBREV = re.compile(r"([\w.\-]*)\.$")
_DAY = re.compile(r"\d{1,2}")
_DAY_DOT = re.compile(r"\d{1,2}\.")
_MONTH_NEXT = re.compile(r"\d{1,2}\.(?!\d{3})")  # "11." or "11.2025", not "1.500"
_YEAR_NEXT = re.compile(r"\d{2,4}(?!\d)")
_LIST_MARK = re.compile(r"\(?(?:\d{1,3}|[IVXLCDM]{1,6}|[a-z])\.")
_CODE = re.compile(r"[^\W\d_]{3}(?![^\W\d_])|[€$£¥]")  # "EUR", "ЕУР" (checked for capitals)
_NUMBER = re.compile(r"\d[\d.,:/]*|[IVXLCDM]+\.?")  # "2005", "19.", "1,5", "XIX"
_DASHES = "-‐‑‒–—―"
_STARTS = _OPENERS + _DASHES  # what may stand before a sentence's first letter
# "Blejski", "Pulskom", "Београдском": an ordinal before an event's name ("41. Slovenski filmski
# maraton"); not "-ska"/"-ske", which end country names ("Nizozemska 0. Hrvatska je …")
_EVENT_ADJECTIVE = re.compile(r"[^\W\d_]+(?:[sšcčć]k(?:i|em|ega|emu|im|ih|om|og|oga)|[сшцчћ]к(?:и|ом|ог|ога|им|их))")
# "(STA)", "(vd)", "(Beta)", "(Бета)", "(vd/STA)": an agency's or author's mark after a story;
# not "(a)" or "(iv)", which number the items of a list
_BYLINE = re.compile(r"\((?!(?:i{1,3}|iv|vi{0,3}|ix|x)\))[^\W\d_]{2,8}(?:/[^\W\d_]{2,8})*\)")


@functools.cache
def _splitter(code: str) -> SentenceSplitter:
    """The Moses splitter for ``code``; for languages it lacks, its rules without any abbreviations
    (an empty non-breaking prefix file: the splitter reads it when it is made)."""
    import tempfile
    from pathlib import Path

    from sentence_splitter import SentenceSplitter, SentenceSplitterException

    try:
        return SentenceSplitter(language=code)
    except SentenceSplitterException:
        logger.debug("segment: no abbreviations for language %r", code)
    with tempfile.TemporaryDirectory(prefix="translator-splitter-") as folder:
        empty = Path(folder, "none.txt")
        empty.touch()
        return SentenceSplitter(language="en", non_breaking_prefix_file=str(empty))  # "en": any valid code


def clip(word: str) -> str:
    """``word``, or both its ends when it is long: what the rules and Moses need to see of it."""
    return word if len(word) <= _HEAD + _TAIL else word[:_HEAD] + word[-_TAIL:]


def _moses_breaks(splitter: SentenceSplitter, words: list[str], needed: list[int]) -> set[int] | None:
    """Of the gaps ``needed`` (sorted word indices), those where Moses starts a sentence; None if
    it failed. Moses sees each needed gap with _MARGIN words of context on both sides."""
    n = len(words)
    intervals: list[list[int]] = []
    for g in needed:
        lo, hi = max(0, g - _MARGIN), min(n, g + _MARGIN + 1)
        if intervals and lo <= intervals[-1][1]:
            intervals[-1][1] = hi
        else:
            intervals.append([lo, hi])
    breaks: set[int] = set()
    for first, last in intervals:
        start = first
        while True:
            end = min(last, start + _WINDOW)
            try:
                sentences = splitter.split(" ".join(w.translate(_TO_MOSES) for w in words[start:end]))
            except Exception:  # never let a third-party splitter take the document down
                logger.warning("segment: the sentence splitter failed; using plain rules", exc_info=True)
                return None
            counts = [len(s.split()) for s in sentences]
            if sum(counts) != end - start:
                logger.warning("segment: the sentence splitter changed the words; using plain rules")
                return None
            # trust only the decisions with enough context on both sides of the window
            low = start + _MARGIN if start else 1
            high = end - _MARGIN if end < n else n
            position = start
            for count in counts:
                position += count
                if low <= position < high:
                    breaks.add(position)
            if end == last:
                break
            start = end - 2 * _MARGIN
    return breaks


def _upperish(ch: str) -> bool:
    # capitals and caseless letters (CJK) start sentences, as in Moses
    return ch.isalpha() and not ch.islower()


def _ends_sentence(word: str) -> bool:
    core = word.rstrip(CLOSERS)
    return bool(core) and core[-1] in ".…" + TERMINATORS


def _plain_break(before: str, after: str) -> bool:
    """Fallback rule: sentence punctuation, then a capital."""
    return _ends_sentence(before) and _upperish(after.lstrip(_STARTS)[:1])


def _decide(words: list[str], g: int, rules: Rules) -> bool | None:
    """Whether a sentence starts at word ``g`` of a line, or None to keep Moses' decision.

    Around :func:`_decide_pair`, two rules that look past the next word:
    - a byline after the last sentence belongs to it ("… v četrtek. (STA)", "(vd)", "(Бета)"),
      and a capital after the byline starts a sentence;
    - a dialogue dash after a sentence ("– Kamo ideš? – upitala je majka. – Van.") starts a
      sentence when the word after it is capitalised, and is part of the sentence when it is not.
    """
    before, after = words[g - 1], words[g]
    prev = words[g - 2] if g >= 2 else ""
    if _BYLINE.fullmatch(after) and _ends_sentence(before):
        return False
    if _BYLINE.fullmatch(before) and _ends_sentence(prev):
        return _upperish(after.lstrip(_STARTS)[:1])
    if after.strip(_DASHES) or g + 1 >= len(words):
        return _decide_pair(prev, before, after, rules)
    # a lone dash: decide on the word after it; Moses cannot see past the dash
    decision = _decide_pair(prev, before, words[g + 1], rules)
    return _plain_break(before, words[g + 1]) if decision is None else decision


def _decide_pair(prev: str, before: str, after: str, rules: Rules) -> bool | None:
    """Whether a sentence starts at ``after``, the word after ``before`` (``prev`` is the word
    before that), or None to keep Moses' decision.

    Rules on top of Moses:
    - never before a lower-case word ("»Pridem.« je rekel.", "itd. in", "… pa ni");
    - always after ?, !, …, "..", or a period followed by closing quotes, before a capital;
      this covers Slovenian »…« and „…“, which Moses does not know;
    - dates: "7. 11. 2025" stays whole;
    - initials in any alphabet ("Janez Ž. Novak"), titles and abbreviations Moses lacks
      ("prof.", "g.", "mag.", "str. 5", "l. 2020", "5 mio. EUR", "проф.", "ул.", "т.е.");
    - "itd.", "itn.", "ipd.", "idr.", "i dr.", "и др." ("etc." in English) end a sentence before
      a capital: mid-sentence they are followed by lower case;
    - units after a number end sentences ("през 2005 г. Той", "v 19. st. Nato"), while the same
      abbreviations elsewhere are titles ("г. Петровић", "St. Louis");
    - "ga." is the title "gospa" only after a preposition or conjunction ("z ga. Novak"), else
      the pronoun that ends "Prijeli so ga.";
    - ranking lists: "…, 2. Može" or ": 1. Korošak" is a list number, not a sentence end;
    - a number after an article's abbreviation is an ordinal ("prema čl. 199. Zakona"), while
      house and page numbers ("ul. Kneza Miloša br. 5. Došao je") may end a sentence;
    - a number of up to three digits with a period right after a preposition is an ordinal
      ("na 75. Berlinalu"): a wrongly merged sentence translates well, a wrongly cut one
      does not. Years ("od leta 1992. Trump") still end sentences.
    :func:`_line_sentences` adds one more: "1." or "II." alone is no sentence but a list number
    or a numbered heading ("1. Uvod").
    """
    next_core = after.lstrip(_STARTS)
    first = next_core[:1]
    if not first:
        return None
    if first.islower():
        return False
    upper = _upperish(first)
    core = before.rstrip(CLOSERS)
    if not core:
        return None
    punctuation = _after_punctuation(core, before, upper)
    if punctuation is not _UNDECIDED:
        return punctuation
    if not (upper or first.isdigit()):
        return None
    abbrev = ABBREV.search(core)
    assert abbrev is not None  # core ends with a period (_after_punctuation decides any other end)
    word = abbrev.group(1).lstrip(".-")
    decided = _after_abbreviation(word, prev, next_core, upper, rules)
    if decided is not _UNDECIDED:
        return decided
    if word.isdigit() and len(word) <= 3 and core == word + ".":  # "20.", not "3:1." or "1,5."
        return _after_small_number(prev, next_core, upper, rules)
    return None


class _Undecided(enum.Enum):
    """What a step of _decide_pair returns when it leaves the decision to the next one."""

    UNDECIDED = enum.auto()


_UNDECIDED: Final = _Undecided.UNDECIDED


def _after_punctuation(core: str, before: str, upper: bool) -> bool | None | Literal[_Undecided.UNDECIDED]:
    """The punctuation rules: ?, !, …, ".." and a period before closing quotes end a sentence
    before a capital; anything but a period never does. _UNDECIDED for a bare period."""
    last = core[-1]
    if last in TERMINATORS or last == "…" or core.endswith(".."):
        return True if upper else None
    if last != ".":
        return False  # Moses too breaks only after sentence punctuation
    if len(core) < len(before):  # closing quote or bracket after the period
        return True if upper else None
    return _UNDECIDED


def _after_abbreviation(
    word: str, prev: str, next_core: str, upper: bool, rules: Rules
) -> bool | None | Literal[_Undecided.UNDECIDED]:
    """The rules for the word before a period: dates, initials, sentence-final abbreviations,
    titles, units after numbers, codes. _UNDECIDED when none applies."""
    lower = word.lower()
    prev_core = prev.strip(_OPENERS + CLOSERS)
    if next_core[:1].isdigit() and _DAY.fullmatch(word):
        if _MONTH_NEXT.match(next_core):
            return False  # "7. 11."
        if _DAY_DOT.fullmatch(prev.lstrip(_OPENERS)) and _YEAR_NEXT.match(next_core):
            return False  # "7. 11. 2025"
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Donald J. Trump", "Janez Ž. Novak"
    if f"{prev_core.lower()} {lower}" in rules.sentence_final or lower in rules.sentence_final:
        return True if upper else None
    if lower in rules.never_break:
        return False
    if lower in rules.after_number:
        return None if _NUMBER.fullmatch(prev_core) else False
    if lower in rules.ambiguous_titles:
        return False if word[0].isupper() or prev.lower() in rules.title_context else None
    if next_core[:1].isdigit() and lower in rules.numeric_only:
        return False
    if (
        upper
        and lower in rules.before_code
        and _CODE.match(next_core)
        and (next_core[0] in "€$£¥" or next_core[:3].isupper())
    ):
        return False
    return _UNDECIDED


def _after_small_number(prev: str, next_core: str, upper: bool, rules: Rules) -> bool | None:
    """A number of up to three digits with a period: a list number or an ordinal, or None."""
    if upper and prev.rstrip(CLOSERS)[-1:] in (",", ";", ":"):
        return False  # a ranking list: "40 točk, 2. Može (Slovenija)"
    abbrev = ABBREV.search(prev) if prev.endswith(".") else None  # ABBREV matches whatever ends with "."
    if abbrev is not None and abbrev.group(1).lower() in rules.articles:
        return False  # "prema čl. 199. Zakona": articles are numbered with ordinals
    if upper and (prev.lower() in rules.ordinal_preps or _EVENT_ADJECTIVE.fullmatch(next_core)):
        return False  # "na 75. Berlinalu", "začel 20. Blejski strateški forum"
    return None


def _line_sentences(text: str, start: int, end: int, code: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, a single line."""
    spans = [m.span() for m in WORD.finditer(text, start, end)]
    if len(spans) <= 1:
        yield from spans
        return
    words = [clip(text[a:b]) for a, b in spans]
    rules = RULES.get(code, GENERIC)
    decisions = [_decide(words, g, rules) for g in range(1, len(words))]
    needed = [g for g, decision in enumerate(decisions, 1) if decision is None]
    moses = _moses_breaks(_splitter(code), words, needed) if needed else set()
    first = 0
    for g, decision in enumerate(decisions, 1):
        if decision is None:
            decision = g in moses if moses is not None else _plain_break(words[g - 1], words[g])
        if decision and g - 1 == first and _LIST_MARK.fullmatch(words[g - 1]):
            decision = False  # "1." alone is no sentence: a numbered heading or list item ("1. Uvod")
        if decision:
            yield spans[first][0], spans[g - 1][1]
            first = g
    yield spans[first][0], spans[-1][1]


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line of ``text``, line breaks excluded."""
    position = 0
    for m in _LINE_BREAK.finditer(text):
        yield position, m.start()
        position = m.end()
    yield position, len(text)


def sentences_with_paragraphs(text: str, lang: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, paragraph) of every sentence of ``text``: paragraphs are separated by blank
    lines, and no sentence crosses a line break. ``lang`` is a language code or tag ("sl", "hr",
    "bs", "sr", "sr-Cyrl", "bg", "mk", "en", "slv"...) or a rule-set name; others get generic rules."""
    code = rule_set(lang, text)
    paragraph = 0
    seen_text = False
    blank_run = False
    for start, end in _lines(text):
        if WORD.search(text, start, end) is None:
            # blank lines separate paragraphs only between lines with text
            blank_run = seen_text
            continue
        if blank_run:
            paragraph += 1
            blank_run = False
        seen_text = True
        for a, b in _line_sentences(text, start, end, code):
            yield a, b, paragraph


def is_abbreviation(word: str) -> bool:
    """True for ``word`` (without its period) when some language's rules never end a sentence
    after it ("prof", "str", "mr"...)."""
    lower = word.lower()
    return any(
        lower in rules.never_break or lower in rules.numeric_only or lower in rules.after_number
        for rules in RULES.values()
    )


def sentence_spans(text: str, lang: str = "sl") -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the sentences of ``text``, stripped, sorted, never
    crossing a line break; every non-whitespace character is in exactly one span."""
    return [(a, b) for a, b, _ in sentences_with_paragraphs(text, lang)]


def split_sentences(text: str, lang: str = "sl") -> list[str]:
    """Return the sentences of ``text`` (the texts of :func:`sentence_spans`); [] for blank text."""
    return [text[a:b] for a, b in sentence_spans(text, lang)]
