"""Split documents into sentence pieces with offsets, for translation piece by piece.

Sentences come from Koehn's Moses splitter (``sentence_splitter``, Slovenian non-breaking prefixes),
run one line at a time and mapped back to offsets in the original text, with rules on top for what
it gets wrong in Slovenian news (see :func:`_decide`). Sentences longer than the model's budget are
cut by :func:`split_long`. Nothing is ever dropped: every non-whitespace character of the input is
in exactly one piece, and the text between pieces is whitespace only.
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily: ``regex`` makes it slow to import
    from sentence_splitter import SentenceSplitter

logger = logging.getLogger("translator")

__all__ = ["Piece", "segment_document", "sentence_spans", "split_long", "split_sentences"]


@dataclass(frozen=True)
class Piece:
    """One piece of a document: ``text[start:end]``, in blank-line separated paragraph ``paragraph``.

    ``translatable`` is False for pieces without a letter (numbers, punctuation, symbols, bullets),
    which are copied verbatim.
    """

    start: int
    end: int
    paragraph: int
    translatable: bool


# The line boundaries of str.splitlines(): a lone "\r", form feeds and U+2028 end lines as well.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_WORD = re.compile(r"\S+")  # \S is the complement of str.isspace(), so NBSP separates words too

# Quotes and brackets around sentence ends. Slovenian quotes are »…« and „…“, so "«" and "“" close
# while Unicode files them as opening punctuation; a character here counts as closing at the end of
# a word and as opening at its start.
_OPENERS = "\"'»«„“”‚‘’‹›([{¿¡"
_CLOSERS = "\"'»«“”‘’‹›)]}"
_TERMINATORS = "?!‼⁇⁈⁉？！"
# Moses only knows ASCII quotes and "...": it sees these so that »Pridem.« Nato splits like "Pridem." Nato.
_TO_MOSES = str.maketrans({
    "»": '"', "«": '"', "„": '"', "“": '"', "”": '"', "‟": '"',
    "‚": "'", "‘": "'", "’": "'", "‹": "'", "›": "'", "…": "...",
})

# Moses looks at the end of a word and the start of the next, and its regular expressions
# backtrack quadratically inside long words ("a.a.a.…"): it sees only both ends of a long word.
_HEAD = 32
_TAIL = 64
# Moses rebuilds its text word by word (quadratic time), so long lines go to it in windows of
# _WINDOW words that overlap by 2 * _MARGIN; its decisions depend on a few neighbouring words only.
_WINDOW = 1000
_MARGIN = 16

_ABBREV = re.compile(r"([\w.\-]*)\.$")
_DAY = re.compile(r"\d{1,2}")
_DAY_DOT = re.compile(r"\d{1,2}\.")
_MONTH_NEXT = re.compile(r"\d{1,2}\.(?!\d{3})")  # "11." or "11.2025", not "1.500"
_YEAR_NEXT = re.compile(r"\d{2,4}(?!\d)")
_LIST_MARK = re.compile(r"\(?(?:\d{1,3}|[IVXLCDM]{1,6}|[a-z])\.")
_CODE = re.compile(r"[A-Z]{3}(?![A-Za-z])|[€$£¥]")


@dataclass(frozen=True)
class _Rules:
    """Abbreviations (lower case, without the dot) that Moses' lists miss or get wrong."""

    never_break: frozenset[str] = frozenset()  # titles and the like: never end a sentence
    numeric_only: frozenset[str] = frozenset()  # "str. 5": no break before a number
    sentence_final: frozenset[str] = frozenset()  # "itd. Nato": break before a capital
    before_code: frozenset[str] = frozenset()  # "5 mio. EUR": no break before a currency code
    ambiguous_titles: frozenset[str] = frozenset()  # "ga." is a title after these words only
    title_context: frozenset[str] = frozenset()
    ordinal_preps: frozenset[str] = frozenset()  # "na 75. Berlinalu": ordinal after a preposition


_SL_PREPOSITIONS = frozenset(
    "na v ob za do od po pred med s z k h pri o nad pod proti brez iz izpod".split())

_RULES: dict[str, _Rules] = {
    "sl": _Rules(
        never_break=frozenset(
            "prof doc izr dr ddr mag mr g gdč sv akad univ dipl ing spec pok npr oz tj t i t.i "
            "prim gl op ca cca pribl angl ang nem lat franc ital hrv srb rus špan".split()),
        numeric_only=frozenset("št str l čl odst tč pogl tab tel zv letn izd sl s pril".split()),
        sentence_final=frozenset("itd itn ipd idr".split()),
        before_code=frozenset("mio mrd tis mil milj mlrd".split()),
        ambiguous_titles=frozenset({"ga"}),  # "ga" is also the pronoun: "Prijeli so ga. Policija …"
        title_context=_SL_PREPOSITIONS | frozenset("in ter ali oz. kot da ki".split()),
        ordinal_preps=_SL_PREPOSITIONS,
    ),
    "en": _Rules(
        never_break=frozenset(
            "mr mrs ms dr prof sen rep gov gen lt col sgt capt rev hon pres supt atty".split()),
        numeric_only=frozenset("no nos art nr p pp vol ch fig eq".split()),
        sentence_final=frozenset({"etc"}),
    ),
}
_GENERIC = _Rules()


def _norm_lang(lang: str) -> str:
    """"sl-SI", "SL", "slv" -> "sl"; "" for what is no ISO 639-1 code (the generic rules)."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    code = {"slv": "sl", "eng": "en"}.get(code, code)
    return code if re.fullmatch(r"[a-z]{2}", code) else ""


@functools.lru_cache(maxsize=None)
def _splitter(code: str) -> SentenceSplitter:
    """The Moses splitter for ``code``; for languages it lacks, its rules without any abbreviations."""
    from sentence_splitter import SentenceSplitter, SentenceSplitterException

    try:
        return SentenceSplitter(language=code)
    except SentenceSplitterException:
        pass
    splitter = SentenceSplitter(language="en")
    try:
        # the generic rules: drop the English abbreviation list (a private slot; keep it if renamed)
        setattr(splitter, "_SentenceSplitter__non_breaking_prefixes", {})
    except AttributeError:
        logger.debug("segment: using English abbreviations for language %r", code)
    return splitter


def _clip(word: str) -> str:
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


def _plain_break(before: str, after: str) -> bool:
    """Fallback rule: sentence punctuation, then a capital."""
    core = before.rstrip(_CLOSERS)
    first = after.lstrip(_OPENERS)[:1]
    return bool(core) and core[-1] in ".…" + _TERMINATORS and _upperish(first)


def _decide(words: list[str], g: int, rules: _Rules) -> bool | None:
    """Whether a sentence starts at word ``g`` of a line, or None to keep Moses' decision.

    Rules on top of Moses:
    - never before a lower-case word ("»Pridem.« je rekel.", "itd. in", "… pa ni");
    - always after ?, !, …, "..", or a period followed by closing quotes, before a capital;
      this covers Slovenian »…« and „…“, which Moses does not know;
    - dates: "7. 11. 2025" stays whole;
    - initials in any alphabet ("Janez Ž. Novak"), titles and abbreviations Moses lacks
      ("prof.", "g.", "mag.", "str. 5", "l. 2020", "5 mio. EUR");
    - "itd.", "itn.", "ipd.", "idr." ("etc." in English) end a sentence before a capital:
      mid-sentence they are followed by lower case, so a capital almost always starts a sentence;
    - "ga." is the title "gospa" only after a preposition or conjunction ("z ga. Novak"), else
      the pronoun that ends "Prijeli so ga.";
    - Slovenian: a number of up to three digits with a period right after a preposition is an
      ordinal ("na 75. Berlinalu"): a wrongly merged sentence translates well, a wrongly cut one
      does not. Years ("od leta 1992. Trump") still end sentences.
    :func:`_line_sentences` adds one more: "1." or "II." alone is no sentence but a list number
    or a numbered heading ("1. Uvod").
    """
    before, after = words[g - 1], words[g]
    next_core = after.lstrip(_OPENERS)
    first = next_core[:1]
    if not first:
        return None
    if first.islower():
        return False
    upper = _upperish(first)
    digit = first.isdigit()
    core = before.rstrip(_CLOSERS)
    if not core:
        return None
    last = core[-1]
    if last in _TERMINATORS or last == "…" or core.endswith(".."):
        return True if upper else None
    if last != ".":
        return False  # Moses too breaks only after sentence punctuation
    if len(core) < len(before):  # closing quote or bracket after the period
        return True if upper else None
    if not (upper or digit):
        return None
    word = _ABBREV.search(core).group(1).lstrip(".-")
    lower = word.lower()
    if digit and _DAY.fullmatch(word):
        if _MONTH_NEXT.match(next_core):
            return False  # "7. 11."
        if g >= 2 and _DAY_DOT.fullmatch(words[g - 2].lstrip(_OPENERS)) and _YEAR_NEXT.match(next_core):
            return False  # "7. 11. 2025"
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Donald J. Trump", "Janez Ž. Novak"
    if lower in rules.sentence_final:
        return True if upper else None
    if lower in rules.never_break:
        return False
    if lower in rules.ambiguous_titles:
        if word[0].isupper() or (g >= 2 and words[g - 2].lower() in rules.title_context):
            return False
        return None
    if digit and lower in rules.numeric_only:
        return False
    if upper and lower in rules.before_code and _CODE.match(next_core):
        return False
    if (upper and word.isdigit() and len(word) <= 3 and g >= 2
            and words[g - 2].lower() in rules.ordinal_preps):
        return False
    return None


def _line_sentences(text: str, start: int, end: int, code: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, a single line."""
    spans = [m.span() for m in _WORD.finditer(text, start, end)]
    if len(spans) <= 1:
        yield from spans
        return
    words = [_clip(text[a:b]) for a, b in spans]
    rules = _RULES.get(code, _GENERIC)
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


def _sentences_with_paragraphs(text: str, lang: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, paragraph) of every sentence of ``text``."""
    code = _norm_lang(lang)
    paragraph = 0
    seen_text = False
    blank_run = False
    for start, end in _lines(text):
        if _WORD.search(text, start, end) is None:
            # blank lines separate paragraphs only between lines with text
            blank_run = seen_text
            continue
        if blank_run:
            paragraph += 1
            blank_run = False
        seen_text = True
        for a, b in _line_sentences(text, start, end, code):
            yield a, b, paragraph


def sentence_spans(text: str, lang: str = "sl") -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the sentences of ``text``, stripped, sorted, never
    crossing a line break; every non-whitespace character is in exactly one span."""
    return [(a, b) for a, b, _ in _sentences_with_paragraphs(text, lang)]


def split_sentences(text: str, lang: str = "sl") -> list[str]:
    """Return the sentences of ``text`` (the texts of :func:`sentence_spans`); [] for blank text."""
    return [text[a:b] for a, b in sentence_spans(text, lang)]


# Cut points inside a long sentence, best first. A period here is one Moses did not split at.
_STRONG, _MEDIUM, _WEAK, _PLAIN = 3, 2, 1, 0
# Costs of a cutting plan, in the units of the balance penalty ((size / ideal size - 1) ** 2 per
# piece): a cut mid-clause costs more than an extra piece, so three clauses beat two fragments.
_CUT_COST = {_STRONG: 0.0, _MEDIUM: 0.3, _WEAK: 0.8, _PLAIN: 1.5}
_PIECE_COST = 0.5
_BUCKETS = 24  # a plan places cuts to 1/24 of the budget
_DP_WORDS = 5000  # longer runs are first halved, so that planning stays about linear
_DASHES = frozenset({"-", "–", "—", "--", "---", "―"})
_CONJUNCTIONS = frozenset(
    "in ter ali ampak vendar a pa saj zato ker ki ko da če kot medtem "
    "and but or because while which who that so".split())
_SENTENCE_WORD_END = re.compile(r"(?:[^\W\d_]{3,}|\d{3,})\.$")


def _gap_level(before: str, after: str) -> int:
    """How good a cut between two words is: clause punctuation first, then conjunctions."""
    core = before.rstrip(_CLOSERS)
    if core:
        last = core[-1]
        if last in ";:…" or last in _TERMINATORS or core.endswith(".."):
            return _STRONG
        if last == "." and (len(core) < len(before) or _SENTENCE_WORD_END.search(core)):
            word = _ABBREV.search(core).group(1).lower()
            if not any(word in rules.never_break or word in rules.numeric_only for rules in _RULES.values()):
                return _STRONG
        if last == ",":
            return _MEDIUM
    if after in _DASHES:
        return _MEDIUM  # cut before " - ", " – ": the dash stays with its clause
    if len(core) < len(before) and core:
        return _MEDIUM  # after a closing quote or bracket
    if after[0] in "([„»" and len(after) > 1:
        return _MEDIUM  # before an opening quote or bracket
    if after.lower() in _CONJUNCTIONS:
        return _WEAK
    return _PLAIN


def _char_cut(text: str, lo: int, hi: int, target: int) -> int:
    """A cut position lo < p < hi near ``target`` in a run without whitespace (hi - lo >= 2): right
    after punctuation if there is some close by, never between a character and its combining marks."""
    radius = max(1, min(64, (hi - lo) // 10))
    best = None
    for p in range(max(lo + 1, target - radius), min(hi, target + radius + 1)):
        if not text[p - 1].isalnum() and (best is None or abs(p - target) < abs(best - target)):
            best = p
    p = min(max(best if best is not None else target, lo + 1), hi - 1)

    def joined(q: int) -> bool:
        return (unicodedata.combining(text[q]) != 0 or text[q] in "\u200d\ufe0e\ufe0f"
                or text[q - 1] == "\u200d")

    q = p
    while q < hi - 1 and joined(q):
        q += 1
    if not joined(q):
        return q
    q = p
    while q > lo + 1 and joined(q):
        q -= 1
    return q


def _split_run(text: str, lo: int, hi: int, count_tokens: Callable[[str], int], max_tokens: int,
               count: int | None) -> list[tuple[int, int]]:
    """Cut a run without whitespace into pieces within budget, by characters."""
    if count is None:
        count = count_tokens(text[lo:hi])
    if count <= max_tokens or hi - lo <= 1:
        return [(lo, hi)] if count <= max_tokens else _over_budget(lo, hi, count, max_tokens)
    # Equal chunks by the run's own token density, with 10% to spare; a chunk still over the
    # budget is halved until it fits.
    k = min(hi - lo, max(2, math.ceil(count / (max_tokens * 0.9))))
    cuts = [lo]
    for m in range(1, k):
        if hi - cuts[-1] < 2:
            break
        cuts.append(_char_cut(text, cuts[-1], hi, max(cuts[-1] + 1, lo + round((hi - lo) * m / k))))
    cuts.append(hi)
    out: list[tuple[int, int]] = []
    stack: list[tuple[int, int]] = [(cuts[m], cuts[m + 1]) for m in range(len(cuts) - 2, -1, -1)]
    while stack:
        a, b = stack.pop()
        c = count_tokens(text[a:b])
        if c <= max_tokens:
            out.append((a, b))
        elif b - a <= 1:
            out.extend(_over_budget(a, b, c, max_tokens))
        else:
            p = _char_cut(text, a, b, (a + b) // 2)
            stack.append((p, b))
            stack.append((a, p))
    return out


def _over_budget(a: int, b: int, count: int, max_tokens: int) -> list[tuple[int, int]]:
    # one character cannot be cut: keep it rather than lose it
    logger.warning("segment: one character takes %d tokens, over the budget of %d", count, max_tokens)
    return [(a, b)]


def _split_long(text: str, count_tokens: Callable[[str], int], max_tokens: int,
                total: int | None = None) -> list[tuple[int, int]]:
    words = [m.span() for m in _WORD.finditer(text)]
    if not words:
        return []
    if total is None:
        total = count_tokens(text[words[0][0]:words[-1][1]])
    if total <= max_tokens:
        return [(words[0][0], words[-1][1])]
    if len(words) == 1:
        return _split_run(text, words[0][0], words[0][1], count_tokens, max_tokens, total)

    # Word costs plan the cuts (one count per distinct word); each piece is then counted for real
    # once, and cut again if the estimate was short.
    base = count_tokens("")  # what every call adds, e.g. the end-of-sentence mark
    cap = max(1, max_tokens - base)
    memo: dict[str, int] = {}
    prefix = [0]
    for a, b in words:
        word = text[a:b]
        cost = memo.get(word)
        if cost is None:
            cost = memo[word] = max(0, count_tokens(word) - base)
        prefix.append(prefix[-1] + cost)
    levels: dict[int, int] = {}

    def level(g: int) -> int:
        """Quality of a cut before word ``g``."""
        value = levels.get(g)
        if value is None:
            (a0, b0), (a1, b1) = words[g - 1], words[g]
            value = levels[g] = _gap_level(_clip(text[a0:b0]), _clip(text[a1:b1]))
        return value

    def halve(i: int, j: int) -> int:
        """The best cut near the middle of words i..j (by estimated tokens)."""
        est = prefix[j] - prefix[i]
        target = prefix[i] + est / 2
        radius = max(est / 4, 1e-9)
        g_lo = bisect.bisect_left(prefix, target - radius, i + 1, j)
        g_hi = bisect.bisect_right(prefix, target + radius, i + 1, j)
        middle = min(max(bisect.bisect_left(prefix, target, i + 1, j), i + 1), j - 1)
        g_lo, g_hi = max(g_lo, middle - 1000), min(max(g_hi, middle + 1), middle + 1000)
        best, best_score = middle, -math.inf
        for g in range(g_lo, g_hi):
            score = -_CUT_COST[level(g)] - abs(prefix[g] - target) / radius
            if score > best_score:
                best, best_score = g, score
        return best

    def plan(i: int, j: int) -> list[int]:
        """Cut words i..j into pieces of at most ``cap`` estimated tokens: the cheapest plan by
        cut quality, balance and number of pieces (dynamic programming). Returns the piece starts."""
        est = prefix[j] - prefix[i]
        ideal = max(est / max(1, math.ceil(est / cap)), 1e-9)
        # Candidate cuts: per slice of _BUCKETS-th of the budget, the first gap of each level, and
        # the gaps around big words; this keeps the plan near linear in the number of words.
        width = cap / _BUCKETS
        seen: set[tuple[int, int]] = set()
        cands = [i]
        for g in range(i + 1, j):
            key = (int(prefix[g] // width), level(g))
            if key not in seen or prefix[g] - prefix[g - 1] > width or prefix[g + 1] - prefix[g] > width:
                seen.add(key)
                cands.append(g)
        cands.append(j)
        n = len(cands)
        best = [0.0] * n
        back = [0] * n
        first = 0
        for t in range(1, n):
            end = prefix[cands[t]]
            while first < t - 1 and end - prefix[cands[first]] > cap:
                first += 1  # one slice over the budget is still a piece (cut again later)
            cheapest, arg = math.inf, t - 1
            for s in range(first, t):
                d = (end - prefix[cands[s]]) / ideal - 1.0
                value = best[s] + d * d
                if value < cheapest:
                    cheapest, arg = value, s
            best[t] = cheapest + _PIECE_COST + (0.0 if t == n - 1 else _CUT_COST[level(cands[t])])
            back[t] = arg
        starts = []
        t = n - 1
        while t > 0:
            t = back[t]
            starts.append(cands[t])
        return starts[::-1]

    out: list[tuple[int, int]] = []
    # (first word, end word, real count or None); an explicit stack: no recursion limit to hit
    stack: list[tuple[int, int, int | None]] = [(0, len(words), total)]
    while stack:
        i, j, c = stack.pop()
        a, b = words[i][0], words[j - 1][1]
        if j - i == 1:
            out.extend(_split_run(text, a, b, count_tokens, max_tokens, c))
            continue
        if c is None:
            c = count_tokens(text[a:b])
        if c <= max_tokens:
            out.append((a, b))
            continue
        starts = plan(i, j) if j - i <= _DP_WORDS else [i]
        if len(starts) == 1:  # too long to plan at once, or the estimate says it fits: halve it
            starts = [i, halve(i, j)]
        bounds = starts + [j]
        for k in range(len(starts) - 1, -1, -1):
            stack.append((bounds[k], bounds[k + 1], None))
    return out


def split_long(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[tuple[int, int]]:
    """Return spans covering all non-whitespace of ``text``, each of at most ``max_tokens`` tokens.

    Cuts at clause punctuation, dashes, quotes and brackets first, then before conjunctions, then
    anywhere between words, preferring balanced pieces; a run without whitespace is cut by
    characters. Nothing is truncated. Only a single character over the budget is returned as is.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    return _split_long(text, count_tokens, max_tokens)


def _has_letter(text: str) -> bool:
    return any(map(str.isalpha, text))


def segment_document(text: str, *, lang: str = "sl", count_tokens: Callable[[str], int] | None = None,
                     max_tokens: int | None = None) -> list[Piece]:
    """Return the pieces of ``text`` to translate: one per sentence, or several for a sentence of
    more than ``max_tokens`` tokens by ``count_tokens`` (give both or neither). The text between
    pieces is whitespace only."""
    if (count_tokens is None) != (max_tokens is None):
        raise ValueError("segment_document() needs both count_tokens and max_tokens, or neither")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    pieces: list[Piece] = []
    for start, end, paragraph in _sentences_with_paragraphs(text, lang):
        spans = [(start, end)]
        if count_tokens is not None and max_tokens is not None:
            sentence = text[start:end]
            total = count_tokens(sentence)
            if total > max_tokens:
                spans = [(start + a, start + b) for a, b in _split_long(sentence, count_tokens, max_tokens, total)]
        for a, b in spans:
            pieces.append(Piece(a, b, paragraph, _has_letter(text[a:b])))
    return pieces
