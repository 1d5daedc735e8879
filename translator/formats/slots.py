"""Build one translation unit from the pieces of a formatted paragraph, and spread the
translation back over those pieces.

Rich formats (Markdown, HTML, DOCX, SRT) split a paragraph into *text slots*: a DOCX run's
text, an HTML text node, a Markdown text token, an SRT line. Translating slot by slot gives
poor sentences (``"To je "``, ``"zelo"``, ``" lepo."``), so the whole paragraph is one unit
and the translation is spread back:

* *anchors* (inline code, entities, escapes) and *breaks* (line breaks, tabs) are shown to the
  translator and looked for, in order, in its output. Where found they cut the translation into
  sections, each going to the slots between the same anchors in the source; an anchor that was
  dropped or changed just merges its neighbouring sections. Anchors themselves are never
  rewritten, so code stays code.
* inside a section, words go to the slots in proportion to the slots' source word counts, each
  slot getting at least one word while words last. Slovenian and English word order is close,
  so a bold word or a link text usually lands on its translation; when it does not, the text is
  still complete and in order, only the formatting boundary has moved by a word or two.
* whitespace at slot edges comes from the source, so spacing around markup is kept; where the
  source had none (markup inside a word) a space is added on the side that keeps the markup
  valid (after closing, before opening markers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from translator.formats import has_letters

SlotKind = Literal["text", "anchor", "break", "glue"]

_WS = re.compile(r"[ \t\n\r\f\v]+")
_SPACE = " \t\n\r\f\v"
_WORD = re.compile(r"\S+")
_CLOSING = frozenset(".,;:!?)]}»”…")
_OPENING = frozenset("([{«„“")
_SEARCH_BUDGET = 256  # characters scanned for anchors, per character of the translation


@dataclass
class Slot:
    """One slot of a paragraph (a piece of its text or markup), in source order.

    ``text``: the piece as it is in the source. ``display``: what the translator sees
    (default: ``text``; ``""`` for glue). ``side``: for glue, whether it opens or closes markup.
    ``ref``: the format's handle on the piece (a span, a node, an XML element).

    Kinds: ``text`` is rewritten with translated words; ``anchor`` is shown to the translator
    but kept as is (inline code, escapes); ``break`` is a line break or tab the translator
    should keep; ``glue`` is markup kept as is and shown as ``display`` (a soft line break
    shows as a space, an emphasis marker as nothing).
    """

    kind: SlotKind
    text: str
    display: str | None = None
    side: Literal["open", "close"] | None = None
    ref: Any = None

    def shown(self) -> str:
        """What the translator sees for this piece."""
        if self.display is not None:
            return self.display
        return "" if self.kind == "glue" else self.text


def unit_text(pieces: list[Slot]) -> str:
    """The unit for ``pieces``: their displayed text with source line wrapping collapsed."""
    parts = []
    for piece in pieces:
        shown = piece.shown()
        # Wrapping and indentation inside a paragraph are layout, not content: a newline
        # here would make the translator split a sentence. Breaks are real line breaks.
        parts.append(shown if piece.kind == "break" else _WS.sub(" ", shown))
    text = re.sub(r" {2,}", " ", "".join(parts))
    return re.sub(r" *([\n\t]) *", r"\1", text).strip(" ")


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each non-overlapping ``(start, end, replacement)`` applied."""
    parts = []
    pos = 0
    for start, end, replacement in sorted(edits):
        parts += [text[pos:start], replacement]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def is_translatable(pieces: list[Slot]) -> bool:
    """True if some text piece has a letter (a paragraph of code or numbers is not a unit)."""
    return any(p.kind == "text" and has_letters(p.text) for p in pieces)


def spread(translation: str, pieces: list[Slot]) -> list[str | None]:
    """New source text for each text piece of ``pieces`` (None for the others, kept as is)."""
    bounds = _match_bounds(translation, pieces)
    sections: list[tuple[range, str]] = []
    first_piece, first_char = 0, 0
    for index, begin, end in bounds:
        sections.append((range(first_piece, index), translation[first_char:begin]))
        first_piece, first_char = index + 1, end
    sections.append((range(first_piece, len(pieces)), translation[first_char:]))

    receivers = [[i for i in rng if _receives(pieces[i])] for rng, _ in sections]
    # Section text is one line: breaks that were not matched stay where they are in the source.
    texts = _rehome([_WS.sub(" ", text).strip() for _, text in sections], receivers)
    weights = {i: len(pieces[i].text.split()) for slots in receivers for i in slots}
    matched = {index for index, _, _ in bounds}
    for (rng, _), slots in zip(sections, receivers):
        before = -1  # slots[before] is the last receiving slot ahead of piece i
        for i in rng:
            while before + 1 < len(slots) and slots[before + 1] < i:
                before += 1
            if pieces[i].kind == "anchor" and i not in matched and slots and has_letters(pieces[i].shown()):
                # An anchor the translator changed (a Slovenian word in `code`) still adds
                # words to its section: count them for the slot before it (or the first).
                owner = slots[max(before, 0)]
                weights[owner] += len(pieces[i].shown().split())
    new: list[str | None] = [None] * len(pieces)
    for slots, text in zip(receivers, texts):
        if slots:
            _fill(text, [(i, weights[i]) for i in slots], pieces, new)
    return new


def _match_bounds(translation: str, pieces: list[Slot]) -> list[tuple[int, int, int]]:
    """(piece index, start, end) of each anchor and break found, in order, in the translation."""
    found = []
    pos = 0
    shown = [piece.shown() for piece in pieces]
    total = max(1, sum(map(len, shown)))
    # The displayed character just before / after each piece, for the word guards below.
    before, after = [""] * len(pieces), [""] * len(pieces)
    for i in range(1, len(pieces)):
        before[i] = shown[i - 1][-1:] or before[i - 1]
    for i in range(len(pieces) - 2, -1, -1):
        after[i] = shown[i + 1][:1] or after[i + 1]
    offset = 0
    # Every search that fails scans the rest of the translation: past this many characters
    # scanned, the remaining anchors count as dropped, so that thousands of them stay linear.
    budget = _SEARCH_BUDGET * len(translation) + 2**16
    for index, piece in enumerate(pieces):
        here, offset = offset, offset + len(shown[index])
        if budget < 0:
            break
        if piece.kind == "break":
            at = translation.find(piece.text, pos)
            budget -= (at if at >= 0 else len(translation)) - pos
            if at >= 0:
                found.append((index, at, at + len(piece.text)))
                pos = at + len(piece.text)
        elif piece.kind == "anchor" or (piece.kind == "text" and not _receives(piece)):
            needle = _WS.sub(" ", piece.shown()).strip()
            if not needle:
                continue
            # "x" must not match inside "Exit": guard the needle's edges, unless the anchor is
            # glued to a word in the source too ("a`b`").
            pattern = re.escape(needle)
            if _is_word(needle[0]) and not _is_word(before[index]):
                pattern = r"(?<!\w)" + pattern
            if _is_word(needle[-1]) and not _is_word(after[index]):
                pattern += r"(?!\w)"
            match, scanned = _find_anchor(translation, pattern, pos, here / total * len(translation))
            budget -= scanned
            if match is not None:
                found.append((index, match.start(), match.end()))
                pos = match.end()
    return found


def _find_anchor(translation: str, pattern: str, pos: int, expected: float) -> tuple[re.Match[str] | None, int]:
    """(match, characters scanned) for an anchor's ``pattern`` from ``pos``: the first exact
    match; failing that, ignoring case (a code word capitalised at a sentence start), the match
    nearest ``expected`` (the anchor's relative place in the source), as an uppercased "Make"
    may be an ordinary word that the anchor `make` also spells."""
    match = re.compile(pattern).search(translation, pos)
    if match is not None:
        return match, match.end() - pos
    best = None
    for candidate in re.compile(pattern, re.IGNORECASE).finditer(translation, pos):
        if best is None or abs(candidate.start() - expected) < abs(best.start() - expected):
            best = candidate
        if candidate.start() >= expected:  # later ones are only further away
            return best, len(translation) - pos + candidate.end() - pos
    return best, 2 * (len(translation) - pos)


def _receives(piece: Slot) -> bool:
    """Text pieces with a letter or digit take words; punctuation-only ones act as anchors,
    so that in "To je <b>zelo lepo</b>." the final "." does not pull a word out of the bold."""
    return piece.kind == "text" and any(ch.isalnum() for ch in piece.text)


def _is_word(ch: str) -> bool:
    return bool(ch) and (ch.isalnum() or ch == "_")


def _rehome(texts: list[str], receivers: list[list[int]]) -> list[str]:
    """Move the text of sections without slots (between adjacent anchors) to a neighbour."""
    out = list(texts)
    carry: list[str] = []  # joined once: adding to a string each time was quadratic
    for k, slots in enumerate(receivers):
        if slots:
            out[k] = _join(*carry, out[k])
            carry = []
        else:
            carry.append(out[k])
            out[k] = ""
    if any(carry):
        last = max((k for k, slots in enumerate(receivers) if slots), default=None)
        if last is not None:
            out[last] = _join(out[last], *carry)
    return out


def _join(*parts: str) -> str:
    """The non-empty ``parts`` joined with single spaces."""
    return " ".join(part for part in parts if part)


def _allot(counts: list[int], n_words: int) -> list[int]:
    """End word index for each slot: proportional to ``counts``, at least one word each."""
    total = sum(counts)
    ends: list[int] = []
    acc = prev = 0
    for j, count in enumerate(counts):
        acc += count
        left = len(counts) - j - 1
        end = math.floor(acc * n_words / total + 0.5)
        end = max(end, min(prev + 1, n_words))
        end = min(end, max(n_words - left, prev))
        ends.append(end)
        prev = end
    ends[-1] = n_words
    return ends


def _edges(text: str) -> tuple[str, str]:
    """(leading, trailing) ASCII whitespace of ``text``; all of it is leading if it is blank."""
    core = text.lstrip(_SPACE)
    lead = text[: len(text) - len(core)]
    return lead, core[len(core.rstrip(_SPACE)) :]


def _fill(text: str, weighted: list[tuple[int, int]], pieces: list[Slot], new: list[str | None]) -> None:
    """Write the words of ``text`` into ``new`` for the text pieces (index, word weight)."""
    slots = [i for i, _ in weighted]
    ranges = _word_ranges(text, weighted, [pieces[i].text.strip() for i in slots])
    for i, rng in zip(slots, ranges):
        lead, trail = _edges(pieces[i].text)
        if rng is None:
            new[i] = lead or trail
            continue
        chunk = text[rng[0] : rng[1]]
        # No space before "." or after "(" that a moved word boundary left behind.
        lead = "" if chunk[0] in _CLOSING else lead
        trail = "" if chunk[-1] in _OPENING else trail
        new[i] = lead + chunk + trail
    _keep_word_spaces(text, [(i, rng) for i, rng in zip(slots, ranges) if rng], pieces, new)


def _word_ranges(text: str, weighted: list[tuple[int, int]], cores: list[str]) -> list[tuple[int, int] | None]:
    """The span of ``text`` each slot gets (None: no words for it), words allotted by weight."""
    spans = [m.span() for m in _WORD.finditer(text)]
    counts = [weight for _, weight in weighted]
    if len(spans) < len(weighted):
        # Fewer words than slots (markup inside a word, "*a*b"): cut inside words rather
        # than leave a slot empty, which would leave "**" behind.
        spans = [(i, i + 1) for i, ch in enumerate(text) if not ch.isspace()]
        counts = [len(core) for core in cores]
    ranges: list[tuple[int, int] | None] = []
    start = 0
    for end in _allot(counts, len(spans)):
        ranges.append((spans[start][0], spans[end - 1][1]) if end > start else None)
        start = end
    return ranges


def _keep_word_spaces(
    text: str, filled: list[tuple[int, tuple[int, int]]], pieces: list[Slot], new: list[str | None]
) -> None:
    """Where two filled slots hold words the translation separates by a space, make sure a space
    stays between them, on the side that keeps Markdown emphasis whole."""
    for (a, rng_a), (b, rng_b) in zip(filled, filled[1:]):
        if not text[rng_a[1] : rng_b[0]]:
            continue  # cut inside a word: no space to place
        between = pieces[a + 1 : b]
        gap = "".join(p.text if (n := new[j]) is None else n for j, p in enumerate(between, a + 1))
        if re.search(r"\s", _edges(new[a] or "")[1] + gap + _edges(new[b] or "")[0]):
            continue
        sides = {p.side for p in between if p.kind == "glue"}
        # "**a**b" -> "**a** b" but "a**b**" -> "a **b**": whitespace inside the markers
        # would break Markdown emphasis.
        if "close" in sides and "open" not in sides:
            new[b] = " " + (new[b] or "")
        else:
            new[a] = (new[a] or "") + " "
