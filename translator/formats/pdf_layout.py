"""The lines of a PDF's pages (from pdfminer.six) rebuilt into blocks in reading order.

Rules (per page):

* Lines: every horizontal text line pdfminer finds, with its box and its font size (the most
  common size of its characters).
* Headers and footers: a line in the top or bottom :data:`BAND` of the page whose text, with
  digits ignored, repeats on at least half of the pages (and two), or that is only a page number
  ("3", "- 3 -", "Stran 3", "Page 3 of 9", "3/9"), is page furniture: it is kept out of the body.
  Each repeated header or footer is translated once and written as the .docx's page header or
  footer; bare page numbers are dropped (Word numbers its own pages).
* Columns: on a page where at least three wide lines lie wholly left of the middle and three
  wholly right of it, the lines between two full-width lines (headings, tables, a spanning
  paragraph) are read left column first, then right; elsewhere top to bottom.
* Tables: rows of lines sharing a baseline, three or more cells, or two narrow ones (two wide
  lines side by side are two columns of text), in a run of at least two rows; every cell is a
  unit, rows and cells in order, and the .docx gets a real table.
* Paragraphs: consecutive lines of one column and kind, split where the vertical gap exceeds
  :data:`PARAGRAPH_GAP` times the font size, where a line is indented, where a list marker
  (``•``, ``-``, ``1.``, ``a)``) starts a line, or where the font size class changes. A paragraph
  that ends a column or page without closing punctuation continues on the next one when that
  starts with a lowercase letter.
* Hyphens: a line ending in ``-`` after a letter, followed by a line starting with a lowercase
  letter, is a word split at the line end ("pre-" + "vod"): the hyphen is dropped and the halves
  joined ("prevod"), unless the document spells the hyphenated form elsewhere inside a line
  ("slovensko-angleški"), when the hyphen is a real one and stays. A hyphen after a letter and
  before an uppercase letter or a digit stays, without a space ("EU-" + "Članice"); an en or em
  dash, or a hyphen after a space, stays with a space. Without a dictionary a compound broken
  exactly at its hyphen and written nowhere else in the document loses its hyphen: line-end
  hyphenation is by far the more common case.
* Headings: lines whose size is at least :data:`HEADING_RATIO` times the body size (the most
  common size, by characters); the largest size is level 1, the next 2, the rest 3.
* Footnotes: lines at most :data:`FOOTNOTE_RATIO` of the body size in the lower half of a page;
  they stay at the end of their page's text, marked as footnotes, their number kept.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from translator.formats.pdf_docx import Block, BlockKind

BAND = 0.1
"""Share of the page height, at the top and at the bottom, where headers and footers are looked for."""

PARAGRAPH_GAP = 0.55
"""A vertical gap between two lines larger than this many font sizes starts a new paragraph."""

HEADING_RATIO = 1.15
FOOTNOTE_RATIO = 0.85

_PAGE_NUMBER = re.compile(
    r"[-–—\s]*(?:(?:stran|str\.|page|p\.)\s*)?\d{1,5}(?:\s*(?:/|od|of)\s*\d{1,5})?[-–—\s]*", re.IGNORECASE
)
_BULLET = re.compile(r"([•·▪◦●■‣*–-])\s+")
_NUMBERED = re.compile(r"(\(?(?:\d{1,3}|[a-zA-Z])[.)])\s+")
_FOOTNOTE_MARK = re.compile(r"(\d{1,3}|\*{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*")
_CLOSING = tuple(".!?:;…\"'”»)")


@dataclass
class Line:
    """One text line of a page: its box (points, top-down), text and font size."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float
    column: str = "full"


def split_furniture(
    pages: list[list[Line]], sizes: list[tuple[float, float]]
) -> tuple[list[str], list[str], list[list[Line]]]:
    """(header texts, footer texts, body lines per page): repeated or page-number lines in the bands."""

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    def band(line: Line) -> str | None:
        height = sizes[line.page][1]
        if line.bottom <= BAND * height:
            return "top"
        if line.top >= (1 - BAND) * height:
            return "bottom"
        return None

    seen: dict[tuple[str, str], set[int]] = {}
    for lines in pages:
        for line in lines:
            where = band(line)
            if where:
                seen.setdefault((where, key(line)), set()).add(line.page)
    needed = max(2, (len(pages) + 1) // 2)
    repeated = {k for k, on in seen.items() if len(on) >= needed}
    texts: dict[tuple[str, str], list[str]] = {}
    body = []
    for lines in pages:
        kept = []
        for line in lines:
            where = band(line)
            if where and _PAGE_NUMBER.fullmatch(line.text):
                continue
            if where and (where, key(line)) in repeated:
                texts.setdefault((where, key(line)), []).append(line.text)
                continue
            kept.append(line)
        body.append(kept)
    headers: list[str] = []
    footers: list[str] = []
    for (where, _), variants in texts.items():
        text = variants[0]
        if len(set(variants)) > 1:  # a page number inside the header: drop it
            text = re.sub(r"(?i)\s*[-–—|·,]?\s*(?:stran|str\.|page)?\s*\d{1,5}\s*$", "", text)
            text = re.sub(r"(?i)^\s*(?:stran|str\.|page)?\s*\d{1,5}\s*[-–—|·,]?\s*", "", text)
        (headers if where == "top" else footers).append(text)
    return headers, footers, body


def _body_size(pages: list[list[Line]]) -> float:
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def blocks(pages: list[list[Line]], sizes: list[tuple[float, float]]) -> list[Block]:
    body = _body_size(pages)
    heading_sizes = sorted({line.size for lines in pages for line in lines if line.size >= HEADING_RATIO * body})
    levels = {size: min(3, len(heading_sizes) - i) for i, size in enumerate(heading_sizes)}
    inline = _inline_hyphenated(pages)
    blocks: list[Block] = []
    open_block: tuple[Block, Line] | None = None  # a paragraph that may continue on the next column
    for number, lines in enumerate(pages):
        width, height = sizes[number]
        footnotes: list[Block] = []
        for item in _reading_order(lines, width):
            if isinstance(item, Block):  # a table
                blocks.append(item)
                open_block = None
                continue
            for group in _paragraph_lines(item):
                first = group[0]
                kind = _kind(first, body, height)
                text = join_lines([line.text for line in group], inline)
                if (
                    open_block is not None
                    and kind == "paragraph"
                    and open_block[0].kind in ("paragraph", "bullet", "number")
                    and (open_block[1].page != first.page or open_block[1].column != first.column)
                    and not open_block[1].text.endswith(_CLOSING)
                    and first.text[:1].islower()
                ):
                    open_block[0].text = join_lines([open_block[0].text, text], inline)
                    open_block = (open_block[0], group[-1])
                    continue
                block = _make_block(kind, text, levels.get(first.size, 1))
                (footnotes if kind == "footnote" else blocks).append(block)
                open_block = (block, group[-1]) if kind != "footnote" else open_block
        blocks += footnotes
    return blocks


def _kind(line: Line, body: float, height: float) -> BlockKind:
    if line.size >= HEADING_RATIO * body:
        return "heading"
    if line.size <= FOOTNOTE_RATIO * body and line.top > height / 2:
        return "footnote"
    if _BULLET.match(line.text):
        return "bullet"
    if _NUMBERED.match(line.text):
        return "number"
    return "paragraph"


def _make_block(kind: BlockKind, text: str, level: int) -> Block:
    if kind == "bullet":
        match = _BULLET.match(text)
        return Block("bullet", text[match.end() :] if match else text)
    if kind == "number":
        match = _NUMBERED.match(text)
        return Block("number", text[match.end() :], prefix=match.group(1)) if match else Block("paragraph", text)
    if kind == "footnote":
        match = _FOOTNOTE_MARK.match(text)
        if match and match.end() < len(text):
            return Block("footnote", text[match.end() :], prefix=match.group(1))
        return Block("footnote", text)
    return Block(kind, text, level if kind == "heading" else 0)


def _reading_order(lines: list[Line], width: float) -> list[list[Line] | Block]:
    """The page's lines as runs of one column (lists of lines) and tables (Blocks), in reading order."""
    mid = width / 2
    wide = 0.3 * width
    for line in lines:
        line.column = "left" if line.x1 <= mid + 1 else "right" if line.x0 >= mid - 1 else "full"
    left = sum(1 for line in lines if line.column == "left" and line.x1 - line.x0 >= wide)
    right = sum(1 for line in lines if line.column == "right" and line.x1 - line.x0 >= wide)
    two_columns = left >= 3 and right >= 3
    rows = _rows(lines)
    is_table_row = [_table_row(row, width, two_columns) for row in rows]
    out: list[list[Line] | Block] = []
    segment: list[Line] = []
    mode = "full"

    def flush() -> None:
        if not segment:
            return
        if mode == "columns":
            for column in ("left", "right"):
                run = [line for line in segment if line.column == column]
                if run:
                    out.append(run)
        else:
            for line in segment:
                line.column = "full"
            out.append(list(segment))
        segment.clear()

    i = 0
    previous: list[Line] | None = None
    while i < len(rows):
        j = i
        while j < len(rows) and is_table_row[j]:
            j += 1
        if j - i >= 2:  # a table: two rows or more
            flush()
            out.append(Block("table", rows=[[cell.text for cell in row] for row in rows[i:j]]))
            i, previous = j, None
            continue
        row = rows[i]
        row_mode = "full"
        if two_columns and all(line.column != "full" for line in row):
            # The short last line of a full-width paragraph lies left of the middle too.
            follows_full = (
                mode == "full"
                and previous is not None
                and len(row) == 1
                and row[0].column == "left"
                and abs(row[0].x0 - previous[0].x0) < 2
                and row[0].top - previous[-1].bottom <= PARAGRAPH_GAP * row[0].size
            )
            row_mode = "full" if follows_full else "columns"
        if row_mode != mode:
            flush()
            mode = row_mode
        segment.extend(row)
        previous = row
        i += 1
    flush()
    return out


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by shared baseline (top within a third of their size), top to bottom."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: (line.top, line.x0)):
        if rows and abs(rows[-1][0].top - line.top) <= rows[-1][0].size / 3:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda line: line.x0) for row in rows]


def _table_row(row: list[Line], width: float, two_columns: bool) -> bool:
    if len(row) >= 3:
        return True
    if len(row) == 2:
        narrow = all(line.x1 - line.x0 < 0.3 * width for line in row)
        return narrow and not (two_columns and row[0].column == "left" and row[1].column == "right" and not narrow)
    return False


def _paragraph_lines(run: list[Line]) -> list[list[Line]]:
    """A column run split into paragraphs (see the module docstring)."""
    groups: list[list[Line]] = []
    left = min(line.x0 for line in run)
    for line in run:
        if groups:
            prev = groups[-1][-1]
            gap = line.top - prev.bottom
            same_class = round(prev.size) == round(line.size)
            indented = line.x0 > left + 1.5 * line.size and prev.x0 <= left + 1.5 * line.size
            starts_item = bool(_BULLET.match(line.text) or _NUMBERED.match(line.text))
            if same_class and gap <= PARAGRAPH_GAP * line.size and not indented and not starts_item:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def _inline_hyphenated(pages: list[list[Line]]) -> set[str]:
    """Hyphenated words the document writes inside a line ("slovensko-angleški"), lowercased."""
    words: set[str] = set()
    for lines in pages:
        for line in lines:
            words.update(m.lower() for m in re.findall(r"\w+-\w+", line.text))
    return words


def join_lines(lines: list[str], inline: set[str]) -> str:
    """Lines of one paragraph as one text, end-of-line hyphenation undone (module docstring)."""
    text = ""
    for line in lines:
        if not text:
            text = line
            continue
        hyphenated = re.search(r"(\w+)-$", text)
        if hyphenated and text[-2:-1].isalpha() and line[:1].islower():
            head = hyphenated.group(1)
            tail = re.match(r"\w+", line)
            word = f"{head}-{tail.group(0) if tail else ''}".lower()
            text = text + line if word in inline else text[:-1] + line
        elif hyphenated and text[-2:-1].isalpha() and line[:1].isalnum():
            text = text + line  # "EU-" + "Članice": a hyphen before a capital or a digit is real
        else:
            text = text + " " + line
    return text
