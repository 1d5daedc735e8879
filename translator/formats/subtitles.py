"""SubRip subtitles: one unit per cue, indices and timings kept byte for byte."""

from __future__ import annotations

import re
from typing import Literal

import srt

from translator.formats import FileFormatError
from translator.formats.slots import Slot, is_translatable, splice, spread, unit_text

# The srt regex backtracks quadratically over a long run of digits (an index it tries to read);
# no real subtitle file has one this long.
_LONG_DIGITS = re.compile(r"[0-9]{65}")
# Formatting inside a cue: HTML-like tags (<i>, </b>, <font color=...>) and ASS overrides ({\an8}).
_CUE_MARKUP = re.compile(r"</?[A-Za-z][^<>\n]*>|\{\\[^{}\n]*\}")


class Subtitles:
    """A parsed .srt file.

    ``srt.parse`` validates the file; the spans of the cue texts come from the same
    ``srt.SRT_REGEX`` the parser uses, so everything outside the cue texts (indices, timings,
    blank lines) is written back unchanged. A cue's lines are joined with spaces for the
    translator (a sentence often runs over two lines) and the translation is spread back over
    the same number of lines; tags such as ``<i>`` stay around their words.
    """

    def __init__(self, text: str, name: str) -> None:
        matches = _cue_matches(text, name)
        try:
            cues = list(srt.parse(text)) if matches else []  # blank: srt.parse would try every position
        except (srt.SRTParseError, ValueError) as exc:
            raise FileFormatError(f"{name}: not a valid SubRip (.srt) file ({exc})") from None
        if len(matches) != len(cues):
            raise FileFormatError(f"{name}: could not locate the subtitle texts")
        self._source = text
        self.warnings: list[str] = []
        self._cues: list[tuple[int, int, list[Slot]]] = []
        self.units: list[str] = []
        for match in matches:
            start, end = match.span(5)
            pieces = _cue_pieces(text[start:end])
            if is_translatable(pieces):
                self._cues.append((start, end, pieces))
                self.units.append(unit_text(pieces))
        self.text = "\n\n".join(self.units)

    def render(self, translations: list[str]) -> str:
        """The file with each cue's text replaced; cues keep their line count where possible."""
        edits = []
        for (start, end, pieces), unit, translation in zip(self._cues, self.units, translations):
            if translation == unit:
                continue
            new = spread(translation, pieces)
            cue = "".join(p.text if n is None else n for p, n in zip(pieces, new))
            # A blank line would end the cue early; drop lines that ended up without words.
            lines = [line for line in cue.split("\n") if _CUE_MARKUP.sub("", line).strip()]
            edits.append((start, end, "\n".join(lines or [translation.strip()])))
        return splice(self._source, edits)


def _cue_matches(text: str, name: str) -> list[re.Match[str]]:
    """The cues of ``text``, matched one after the other with ``srt.SRT_REGEX`` as ``srt.parse``
    finds them in a valid file. ``srt.parse`` searches forward from a place where no cue
    starts, trying every position, which is quadratic in a long run of blank space; here the
    first gap is an error at once, so that ``srt.parse`` only ever sees a valid file.

    Returns the matches; raises FileFormatError where a cue was expected but none starts."""
    if _LONG_DIGITS.search(text):
        raise FileFormatError(f"{name}: not a valid SubRip (.srt) file (a number more than 64 digits long)")
    matches: list[re.Match[str]] = []
    pos = 1 if text.startswith("\ufeff") else 0
    while pos < len(text):
        match = srt.SRT_REGEX.match(text, pos)
        if match is None or match.end() == pos:
            break
        matches.append(match)
        pos = match.end()
    rest = text[pos:]
    if rest and (matches or not rest.isspace()):
        line = text.count("\n", 0, len(text) - len(rest.lstrip())) + 1
        raise FileFormatError(
            f"{name}: not a valid SubRip (.srt) file (no subtitle at line {line}: {rest.strip()[:40]!r})"
        )
    return matches


def _cue_pieces(cue: str) -> list[Slot]:
    pieces: list[Slot] = []
    for i, line in enumerate(cue.split("\n")):
        if i:
            pieces.append(Slot("glue", "\n", display=" "))
        pos = 0
        for match in _CUE_MARKUP.finditer(line):
            if match.start() > pos:
                pieces.append(Slot("text", line[pos : match.start()]))
            tag = match.group()
            side: Literal["open", "close"] | None = (
                "close" if tag.startswith("</") else "open" if tag.startswith("<") else None
            )
            pieces.append(Slot("glue", tag, side=side))
            pos = match.end()
        if pos < len(line):
            pieces.append(Slot("text", line[pos:]))
    return pieces
