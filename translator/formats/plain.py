"""Plain text: one unit per blank-line separated paragraph."""

from __future__ import annotations

import re

from translator.formats import has_letters

# A paragraph break: a line break, optional blank lines (spaces allowed), another line break.
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t\f\v]*\n\s*)")


class PlainText:
    """A text split into paragraphs; everything between them (blank lines, indentation of the
    first line, trailing spaces) is kept verbatim. Line breaks inside a paragraph are part of
    the unit: the translator keeps them.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.warnings: list[str] = []
        # Skeleton: verbatim strings and unit indices, in order.
        self._skeleton: list[str | int] = []
        self.units: list[str] = []
        for i, chunk in enumerate(_PARAGRAPH_BREAK.split(text)):
            if i % 2:  # a separator captured by split()
                self._skeleton.append(chunk)
                continue
            lead, core, trail = _edges(chunk)
            if has_letters(core):
                self._skeleton += [lead, len(self.units), trail]
                self.units.append(core)
            else:
                self._skeleton.append(chunk)

    def render(self, translations: list[str]) -> str:
        """The text with each paragraph replaced by its translation."""
        return "".join(translations[part].strip() if isinstance(part, int) else part for part in self._skeleton)


def _edges(chunk: str) -> tuple[str, str, str]:
    """(leading whitespace, the rest, trailing whitespace) of ``chunk``; linear, unlike a
    ``(\\s*)(.*?)(\\s*)`` match, which is quadratic in a long run of inner spaces."""
    core = chunk.strip()
    if not core:
        return chunk, "", ""
    start = len(chunk) - len(chunk.lstrip())
    return chunk[:start], core, chunk[start + len(core) :]
