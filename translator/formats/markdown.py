"""Markdown: markdown-it-py finds the blocks and inline tokens; only text tokens are rewritten.

Every ``inline`` token (heading text, paragraph, list item, blockquote line, table cell) is one
unit. Its children are walked alongside the block's source lines to find where each text token
sits in the file; the translation is spread back over those spans (:mod:`slots`) and the rest
of the file - markers, indentation, ``>``, pipes, emphasis markers, link destinations, code,
HTML, front matter - is never touched. Identity translation therefore gives the file back byte
for byte. Inline code, escapes and entities are anchors: the translator sees them and they stay
where its words put them. A block whose source cannot be matched to its tokens (tabs expanded
inside list indentation, escaped pipes in tables) is left untranslated with a warning rather
than risking the markup.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from translator.formats.limits import check_markdown_marks
from translator.formats.slots import Slot, is_translatable, splice, spread, unit_text

# What may precede a block's text on its line: indentation and block markers.
_LINE_PREFIX = re.compile(r"[ \t>#|*+\-0-9.)]*")
_FRONT_MATTER_END = {"---", "..."}
_OPEN = {"em_open", "strong_open", "s_open"}
_CLOSE = {"em_close", "strong_close", "s_close"}
# Characters the translator's words must not turn into markup.
_ESCAPE = re.compile(r"[\\`*\[\]<|~]|(?<!\w)_|_(?!\w)|&(?=#?\w+;)")


class _Mismatch(Exception):
    """The tokens of a block do not line up with its source text."""


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Keep escapes and entities as their own tokens: their source differs from their text.
    md.disable("text_join")
    return md


class Markdown:
    """A parsed Markdown document; see the module docstring."""

    def __init__(self, text: str, name: str = "the Markdown text") -> None:
        check_markdown_marks(text, name)
        self._source = text
        self.warnings: list[str] = []
        self.units: list[str] = []
        self._blocks: list[list[Slot]] = []

        lines = text.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        front = _front_matter_lines(lines)
        # Blank out front matter so that markdown-it keeps line numbers but sees no YAML.
        md = _parser()
        tokens = md.parse("\n" * front + "\n".join(lines[front:]))
        next_col: dict[int, int] = {}
        for token in tokens:
            if token.type != "inline" or not token.children or token.map is None:
                continue
            try:
                pieces = _pieces(token, lines, starts, next_col, md)
            except _Mismatch as exc:
                self.warnings.append(f"line {token.map[0] + 1}: left untranslated ({exc})")
                continue
            if is_translatable(pieces):
                self._blocks.append(pieces)
                self.units.append(unit_text(pieces))
        self.text = "\n\n".join(self.units)

    def render(self, translations: list[str]) -> str:
        """The document with the text spans of each block replaced."""
        edits: list[tuple[int, int, str]] = []
        for pieces, unit, translation in zip(self._blocks, self.units, translations):
            if translation == unit:
                continue
            for piece, new in zip(pieces, spread(translation, pieces)):
                if new is not None and new != piece.text:
                    start, end = piece.ref
                    edits.append((start, end, _escape(new, piece.text)))
        return splice(self._source, edits)


def _escape(new: str, old: str) -> str:
    """``new`` with markup characters backslash-escaped, except those ``old`` already had
    as literal text (escaping those could change how neighbouring markup pairs up)."""
    return _ESCAPE.sub(lambda m: m.group() if m.group()[0] in old else "\\" + m.group(), new)


def _front_matter_lines(lines: list[str]) -> int:
    """Number of lines taken by a YAML front matter block (``---`` ... ``---``), else 0."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i, line in enumerate(lines[1:], 1):
        if line.rstrip() in _FRONT_MATTER_END:
            return i + 1
    return 0


def _pieces(token: Token, lines: list[str], starts: list[int], next_col: dict[int, int], md: MarkdownIt) -> list[Slot]:
    """The pieces of one inline token; text pieces carry their (start, end) in the file."""
    content = token.content
    bases = _line_bases(token, lines, starts, next_col)
    line_starts = [0] + [m.end() for m in re.finditer("\n", content)]

    def to_file(pos: int) -> int:
        k = bisect_right(line_starts, pos) - 1  # the content line that ``pos`` is on
        return bases[k] + pos - line_starts[k]

    walker = _Walker(content, md)
    pieces: list[Slot] = []
    children = token.children or []
    i = 0
    while i < len(children):
        child = children[i]
        kind = child.type
        if kind == "text":
            if child.content:
                at = walker.expect(child.content)
                pieces.append(Slot("text", child.content, ref=(to_file(at), to_file(walker.pos))))
        elif kind == "text_special":  # an escape (\*) or an entity (&amp;)
            at = walker.expect(child.markup)
            pieces.append(Slot("anchor", child.markup, display=child.content))
        elif kind == "softbreak":
            walker.expect("\n")
            pieces.append(Slot("glue", "\n", display=" "))
        elif kind == "hardbreak":
            walker.expect("\n", allowed=" \t\\")
            pieces.append(Slot("break", "\n"))
        elif kind in _OPEN or kind in _CLOSE:
            walker.expect(child.markup)
            pieces.append(Slot("glue", child.markup, side="open" if kind in _OPEN else "close"))
        elif kind == "code_inline":
            at = walker.expect(child.markup)
            walker.pos = walker.closing_backticks(child.markup) + len(child.markup)
            pieces.append(Slot("anchor", content[at : walker.pos], display=child.content))
        elif kind == "html_inline":
            walker.expect(child.content)
            side: Literal["open", "close"] = "close" if child.content.startswith("</") else "open"
            pieces.append(Slot("glue", child.content, side=side))
        elif kind == "link_open" and child.markup == "autolink":
            at = walker.expect("<")
            end = content.find(">", at)
            if end < 0:
                raise _Mismatch("autolink without '>'")
            walker.pos = end + 1
            pieces.append(Slot("anchor", content[at : walker.pos], display=content[at + 1 : end]))
            while children[i].type != "link_close":  # the URL text is inside the anchor
                i += 1
        elif kind == "link_open":
            walker.expect("[")
            pieces.append(Slot("glue", "[", side="open"))
        elif kind == "link_close":
            at = walker.expect("]")
            walker.pos = walker.link_tail(at)
            pieces.append(Slot("glue", content[at : walker.pos], side="close"))
        elif kind == "image":  # alt text is left as is
            at = walker.expect("![")
            label_end = parseLinkLabel(walker.state, at + 1, False)
            if label_end < 0:
                raise _Mismatch("image without ']'")
            walker.pos = walker.link_tail(label_end)
            pieces.append(Slot("glue", content[at : walker.pos]))
        else:
            raise _Mismatch(f"unexpected token {kind}")
        i += 1
    if content[walker.pos :].strip():
        raise _Mismatch("text left after the last token")
    return pieces


def _line_bases(token: Token, lines: list[str], starts: list[int], next_col: dict[int, int]) -> list[int]:
    """Where each line of ``token``'s content starts in the file; ``next_col`` keeps, per line,
    the column after the text already found on it."""
    assert token.map is not None
    bases = []
    for k, content_line in enumerate(token.content.split("\n")):
        number = token.map[0] + k
        if number >= len(lines):
            raise _Mismatch("content runs past its lines")
        line = lines[number]
        start = next_col.get(number, 0)
        col = line.find(content_line, start)
        if col < 0 or not _LINE_PREFIX.fullmatch(line[start:col]):
            raise _Mismatch("text not found on its line")
        bases.append(starts[number] + col)
        next_col[number] = col + len(content_line)
    return bases


class _Walker:
    """A cursor over a block's inline source, advanced token by token."""

    def __init__(self, content: str, md: MarkdownIt) -> None:
        self.content = content
        self.pos = 0
        self.state = StateInline(content, md, {}, [])

    def expect(self, needle: str, allowed: str = " \t") -> int:
        """Position of ``needle`` at the cursor (after skippable characters); moves past it."""
        at = self.content.find(needle, self.pos)
        if at < 0 or any(ch not in allowed for ch in self.content[self.pos : at]):
            raise _Mismatch(f"expected {needle!r}")
        self.pos = at + len(needle)
        return at

    def closing_backticks(self, marker: str) -> int:
        """Start of the backtick run that closes an inline code span opened by ``marker``."""
        pos = self.pos
        while True:
            at = self.content.find(marker, pos)
            if at < 0:
                raise _Mismatch("unclosed code span")
            end = at
            while end < len(self.content) and self.content[end] == "`":
                end += 1
            if end - at == len(marker):
                return at
            pos = end

    def link_tail(self, label_end: int) -> int:
        """End of ``](destination "title")``, ``][ref]`` or ``]`` that follows a link label."""
        src, maximum = self.content, len(self.content)
        pos = label_end + 1
        if pos < maximum and src[pos] == "(":
            pos = _skip_space(src, pos + 1)
            result = parseLinkDestination(src, pos, maximum)
            if result.ok:
                after = _skip_space(src, result.pos)
                title = parseLinkTitle(src, after, maximum)
                pos = _skip_space(src, title.pos) if after != result.pos and title.ok else after
            if pos < maximum and src[pos] == ")":
                return pos + 1
            pos = label_end + 1  # not an inline link after all: a reference
        if pos < maximum and src[pos] == "[":
            end = parseLinkLabel(self.state, pos)
            if end >= 0:
                return end + 1
        return label_end + 1


def _skip_space(src: str, pos: int) -> int:
    while pos < len(src) and src[pos] in " \t\n":
        pos += 1
    return pos
