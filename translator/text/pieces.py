"""Sentences → pieces within a model's token budget: what translate.py sends to the model.

:func:`segment_document` gives one :class:`Piece` per sentence (:mod:`translator.text.segment`), and
several for a sentence over the budget, cut by :func:`split_long`: at clause punctuation, dashes,
quotes and brackets first, then before conjunctions, then anywhere between words, preferring
balanced pieces; a run without whitespace is cut by characters. Nothing is ever truncated or
dropped: every non-whitespace character of the input is in exactly one piece, and the text between
pieces is whitespace only.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from translator.text.segment import ABBREV, CLOSERS, TERMINATORS, WORD, clip, is_abbreviation, sentences_with_paragraphs

logger = logging.getLogger("translator")

__all__ = ["Piece", "segment_document", "split_long"]

Counter = Callable[[str], int]  # tokens a text takes as model input
Span = tuple[int, int]


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


# Cut points inside a long sentence, best first. A period here is one Moses did not split at.
_STRONG, _MEDIUM, _WEAK, _PLAIN = 3, 2, 1, 0
# Costs of a cutting plan, in the units of the balance penalty ((size / ideal size - 1) ** 2 per
# piece): a cut mid-clause costs more than an extra piece, so three clauses beat two fragments.
_CUT_COST = {_STRONG: 0.0, _MEDIUM: 0.3, _WEAK: 0.8, _PLAIN: 1.5}
_PIECE_COST = 0.5
_BUCKETS = 24  # a plan places cuts to 1/24 of the budget
_DP_WORDS = 5000  # longer runs are first halved, so that planning stays about linear
_HALVE_RADIUS = 1000  # words either side of the middle a halving cut is looked for in
_DASHES = frozenset({"-", "–", "—", "--", "---", "―"})
_CONJUNCTIONS = frozenset(
    "in ter ali ampak vendar a pa saj zato ker ki ko da če kot medtem "
    "and but or because while which who that so".split()
)
_SENTENCE_WORD_END = re.compile(r"(?:[^\W\d_]{3,}|\d{3,})\.$")


def _gap_level(before: str, after: str) -> int:
    """How good a cut between two words is: clause punctuation first, then conjunctions."""
    core = before.rstrip(CLOSERS)
    if core:
        last = core[-1]
        if last in ";:…" or last in TERMINATORS or core.endswith(".."):
            return _STRONG
        if last == "." and (len(core) < len(before) or _SENTENCE_WORD_END.search(core)):
            abbrev = ABBREV.search(core)
            assert abbrev is not None  # core ends with a period
            if not is_abbreviation(abbrev.group(1)):
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


# ------------------------------------------------------------------ runs without whitespace


def _joined(text: str, q: int) -> bool:
    """True when ``text[q]`` belongs with the character before it (a combining mark, a joiner)."""
    return unicodedata.combining(text[q]) != 0 or text[q] in "\u200d\ufe0e\ufe0f" or text[q - 1] == "\u200d"


def _char_cut(text: str, lo: int, hi: int, target: int) -> int:
    """A cut position lo < p < hi near ``target`` in a run without whitespace (hi - lo >= 2): right
    after punctuation if there is some close by, never between a character and its combining marks."""
    radius = max(1, min(64, (hi - lo) // 10))
    best = None
    for p in range(max(lo + 1, target - radius), min(hi, target + radius + 1)):
        if not text[p - 1].isalnum() and (best is None or abs(p - target) < abs(best - target)):
            best = p
    p = min(max(best if best is not None else target, lo + 1), hi - 1)
    q = p
    while q < hi - 1 and _joined(text, q):
        q += 1
    if not _joined(text, q):
        return q
    q = p
    while q > lo + 1 and _joined(text, q):
        q -= 1
    return q


def _over_budget(a: int, b: int, count: int, max_tokens: int) -> list[Span]:
    # one character cannot be cut: keep it rather than lose it
    logger.warning("segment: one character takes %d tokens, over the budget of %d", count, max_tokens)
    return [(a, b)]


def _split_run(text: str, lo: int, hi: int, count_tokens: Counter, max_tokens: int, count: int | None) -> list[Span]:
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
    out: list[Span] = []
    stack: list[Span] = [(cuts[m], cuts[m + 1]) for m in range(len(cuts) - 2, -1, -1)]
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


# ------------------------------------------------------------------ sentences with words


@dataclass
class _Words:
    """The words of one long sentence, with estimated token costs, for planning where to cut.

    Words are indexed 0..n; "gap g" is the place before word g. ``prefix[g]`` is the estimated
    cost of words 0..g-1 (one count per distinct word, the per-call overhead taken out once).
    """

    text: str
    spans: list[Span]
    cap: float  # the budget for a piece, in estimated tokens
    prefix: list[int]
    levels: dict[int, int] = field(default_factory=dict)

    @classmethod
    def measure(cls, text: str, spans: list[Span], count_tokens: Counter, max_tokens: int) -> _Words:
        """Estimate each word's tokens with ``count_tokens`` (once per distinct word)."""
        base = count_tokens("")  # what every call adds, e.g. the end-of-sentence mark
        memo: dict[str, int] = {}
        prefix = [0]
        for a, b in spans:
            word = text[a:b]
            cost = memo.get(word)
            if cost is None:
                cost = memo[word] = max(0, count_tokens(word) - base)
            prefix.append(prefix[-1] + cost)
        return cls(text, spans, max(1, max_tokens - base), prefix)

    def level(self, g: int) -> int:
        """Quality of a cut before word ``g`` (memoised)."""
        value = self.levels.get(g)
        if value is None:
            (a0, b0), (a1, b1) = self.spans[g - 1], self.spans[g]
            value = self.levels[g] = _gap_level(clip(self.text[a0:b0]), clip(self.text[a1:b1]))
        return value

    def halve(self, i: int, j: int) -> int:
        """The best cut near the middle of words i..j (by estimated tokens)."""
        prefix = self.prefix
        estimate = prefix[j] - prefix[i]
        target = prefix[i] + estimate / 2
        radius = max(estimate / 4, 1e-9)
        g_lo = bisect.bisect_left(prefix, target - radius, i + 1, j)
        g_hi = bisect.bisect_right(prefix, target + radius, i + 1, j)
        middle = min(max(bisect.bisect_left(prefix, target, i + 1, j), i + 1), j - 1)
        g_lo, g_hi = max(g_lo, middle - _HALVE_RADIUS), min(max(g_hi, middle + 1), middle + _HALVE_RADIUS)
        return max(
            range(g_lo, g_hi),
            default=middle,
            key=lambda g: -_CUT_COST[self.level(g)] - abs(prefix[g] - target) / radius,
        )

    def candidates(self, i: int, j: int) -> list[int]:
        """Gaps worth planning with in words i..j, plus both ends: per slice of a _BUCKETS-th of
        the budget, the first gap of each level, and the gaps around big words. This keeps the
        plan near linear in the number of words."""
        prefix = self.prefix
        width = self.cap / _BUCKETS
        seen: set[tuple[int, int]] = set()
        gaps = [i]
        for g in range(i + 1, j):
            key = (int(prefix[g] // width), self.level(g))
            if key not in seen or prefix[g] - prefix[g - 1] > width or prefix[g + 1] - prefix[g] > width:
                seen.add(key)
                gaps.append(g)
        gaps.append(j)
        return gaps

    def plan(self, i: int, j: int) -> list[int]:
        """Cut words i..j into pieces of at most ``cap`` estimated tokens: the cheapest plan by
        cut quality, balance and number of pieces (dynamic programming). Returns the piece starts."""
        prefix = self.prefix
        estimate = prefix[j] - prefix[i]
        ideal = max(estimate / max(1, math.ceil(estimate / self.cap)), 1e-9)
        gaps = self.candidates(i, j)
        n = len(gaps)
        best = [0.0] * n
        back = [0] * n
        first = 0
        for t in range(1, n):
            end = prefix[gaps[t]]
            while first < t - 1 and end - prefix[gaps[first]] > self.cap:
                first += 1  # one slice over the budget is still a piece (cut again later)
            cheapest, arg = math.inf, t - 1
            for s in range(first, t):
                d = (end - prefix[gaps[s]]) / ideal - 1.0
                value = best[s] + d * d
                if value < cheapest:
                    cheapest, arg = value, s
            best[t] = cheapest + _PIECE_COST + (0.0 if t == n - 1 else _CUT_COST[self.level(gaps[t])])
            back[t] = arg
        starts = []
        t = n - 1
        while t > 0:
            t = back[t]
            starts.append(gaps[t])
        return starts[::-1]

    def starts(self, i: int, j: int) -> list[int]:
        """Where the pieces of words i..j (over budget) start: a plan, or halves when the run is
        too long to plan at once or the estimate says it fits."""
        starts = self.plan(i, j) if j - i <= _DP_WORDS else [i]
        return starts if len(starts) > 1 else [i, self.halve(i, j)]


def _split_words(text: str, words: _Words, count_tokens: Counter, max_tokens: int, total: int) -> list[Span]:
    """Cut the words of ``text`` into spans within budget: each planned piece is counted for real
    once, and cut again if the estimate was short."""
    spans = words.spans
    out: list[Span] = []
    # (first word, end word, real count or None); an explicit stack: no recursion limit to hit
    stack: list[tuple[int, int, int | None]] = [(0, len(spans), total)]
    while stack:
        i, j, count = stack.pop()
        a, b = spans[i][0], spans[j - 1][1]
        if j - i == 1:
            out.extend(_split_run(text, a, b, count_tokens, max_tokens, count))
            continue
        if count is None:
            count = count_tokens(text[a:b])
        if count <= max_tokens:
            out.append((a, b))
            continue
        bounds = words.starts(i, j) + [j]
        for k in range(len(bounds) - 2, -1, -1):
            stack.append((bounds[k], bounds[k + 1], None))
    return out


def _split_long(text: str, count_tokens: Counter, max_tokens: int, total: int | None = None) -> list[Span]:
    spans = [m.span() for m in WORD.finditer(text)]
    if not spans:
        return []
    if total is None:
        total = count_tokens(text[spans[0][0] : spans[-1][1]])
    if total <= max_tokens:
        return [(spans[0][0], spans[-1][1])]
    if len(spans) == 1:
        return _split_run(text, spans[0][0], spans[0][1], count_tokens, max_tokens, total)
    words = _Words.measure(text, spans, count_tokens, max_tokens)
    return _split_words(text, words, count_tokens, max_tokens, total)


def split_long(text: str, count_tokens: Counter, max_tokens: int) -> list[Span]:
    """Return spans covering all non-whitespace of ``text``, each of at most ``max_tokens`` tokens.

    Cuts at clause punctuation, dashes, quotes and brackets first, then before conjunctions, then
    anywhere between words, preferring balanced pieces; a run without whitespace is cut by
    characters. Nothing is truncated. Only a single character over the budget is returned as is.
    Raises ValueError when ``max_tokens`` is below 1.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    return _split_long(text, count_tokens, max_tokens)


def _has_letter(text: str) -> bool:
    return any(map(str.isalpha, text))


def segment_document(
    text: str, *, lang: str = "sl", count_tokens: Counter | None = None, max_tokens: int | None = None
) -> list[Piece]:
    """Return the pieces of ``text`` to translate: one per sentence, or several for a sentence of
    more than ``max_tokens`` tokens by ``count_tokens`` (give both or neither). The text between
    pieces is whitespace only. Raises ValueError for one budget argument without the other."""
    if (count_tokens is None) != (max_tokens is None):
        raise ValueError("segment_document() needs both count_tokens and max_tokens, or neither")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    pieces: list[Piece] = []
    for start, end, paragraph in sentences_with_paragraphs(text, lang):
        spans = [(start, end)]
        if count_tokens is not None and max_tokens is not None:
            sentence = text[start:end]
            total = count_tokens(sentence)
            if total > max_tokens:
                spans = [(start + a, start + b) for a, b in _split_long(sentence, count_tokens, max_tokens, total)]
        for a, b in spans:
            pieces.append(Piece(a, b, paragraph, _has_letter(text[a:b])))
    return pieces
