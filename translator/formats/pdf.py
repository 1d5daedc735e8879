"""PDF in, Word .docx out: text read with pdfminer.six's layout analysis, rebuilt into headings,
paragraphs, list items, tables and footnotes, and written as a new .docx.

Why .docx and not a PDF: a PDF places each line at fixed coordinates in fixed fonts. English is
often longer than the Slovenian it replaces and needs glyphs the embedded font subsets lack, so
re-setting it in the same boxes overflows, clips or shows blanks. A .docx reflows, keeps the
structure (heading levels, lists, tables) and opens everywhere; the reader loses only the exact
page geometry, which a translation cannot keep anyway.

Reading (per page, after :func:`translator.formats.pdfscan.check_pdf` has bounded the file):

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
  ("slovensko-angleški"), when the hyphen is a real one and stays. A hyphen before an uppercase
  letter or a digit, an en or em dash, or a hyphen after a space always stays.
* Headings: lines whose size is at least :data:`HEADING_RATIO` times the body size (the most
  common size, by characters); the largest size is level 1, the next 2, the rest 3.
* Footnotes: lines at most :data:`FOOTNOTE_RATIO` of the body size in the lower half of a page;
  they stay at the end of their page's text, marked as footnotes, their number kept.

Refused with FileFormatError naming the reason: an encrypted PDF, a PDF with no text layer
("scanned images; run OCR first"), a damaged one (broken cross-references that pdfminer cannot
recover, nesting too deep for the parser).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from itertools import islice

from translator.formats import FileFormatError, MarkupTooComplexError, has_letters
from translator.formats.pdf_docx import Block, BlockKind, write_docx
from translator.formats.pdfscan import ENCRYPTED, MAX_PDF_OBJECTS, MAX_PDF_PAGES, check_pdf

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


class Pdf:
    """A parsed PDF; ``units``, ``text``, ``warnings`` and :meth:`render` as every format."""

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None) -> None:
        check_pdf(data, name, max_bytes)
        self.name = name
        self.warnings: list[str] = []
        pages, sizes, images = _read_lines(data, name)
        if not pages:
            raise FileFormatError(f"{name}: not a valid PDF file (no pages found: damaged cross-references?)")
        if not any(pages) and images:
            raise FileFormatError(f"{name}: the PDF has no text layer (scanned images); run OCR on it first")
        if not any(pages):
            raise FileFormatError(f"{name}: the PDF has no text to translate (its pages are empty)")
        headers, footers, body = _split_furniture(pages, sizes)
        self.headers, self.footers = headers, footers
        self.blocks = _blocks(body, sizes)
        self.units: list[str] = []
        for block in self.blocks:
            if block.kind == "table":
                self.units += [cell for row in block.rows for cell in row if has_letters(cell)]
            elif has_letters(block.text):
                self.units.append(block.text)
        self.units += [text for text in headers + footers if has_letters(text)]
        if headers or footers:
            self.warnings.append(
                f"{len(headers) + len(footers)} page header/footer text(s) repeated on the pages translated once "
                "(the .docx's header and footer); page numbers dropped"
            )
        self.text = "\n\n".join(_plain(block) for block in self.blocks)

    def render(self, translations: list[str]) -> bytes:
        """A new .docx holding the translated blocks in order (see the module docstring)."""
        it = iter(translations)

        def take(text: str) -> str:
            return next(it) if has_letters(text) else text

        blocks = []
        for block in self.blocks:
            if block.kind == "table":
                blocks.append(Block("table", rows=[[take(cell) for cell in row] for row in block.rows]))
            else:
                blocks.append(Block(block.kind, take(block.text), block.level, block.prefix))
        headers = [take(text) for text in self.headers]
        footers = [take(text) for text in self.footers]
        return stable_zip(write_docx(blocks, headers, footers))


def stable_zip(data: bytes) -> bytes:
    """``data`` (a zip) with every entry dated 1980-01-01: the same translation gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as saved, zipfile.ZipFile(out, "w") as stable:
        for info in saved.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            stable.writestr(entry, saved.read(info.filename))
    return out.getvalue()


def _plain(block: Block) -> str:
    if block.kind == "table":
        return "\n".join("\t".join(row) for row in block.rows)
    return (block.prefix + " " + block.text).strip() if block.prefix else block.text


# --- reading -------------------------------------------------------------------------------------


def _read_lines(data: bytes, name: str) -> tuple[list[list[Line]], list[tuple[float, float]], bool]:
    """The text lines of each page, each page's (width, height), and whether images were seen."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTTextLineHorizontal
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    pages: list[list[Line]] = []
    sizes: list[tuple[float, float]] = []
    images = False
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        if document.encryption is not None:
            raise FileFormatError(f"{name}: {ENCRYPTED}")
        objects = sum(len(list(islice(xref.get_objids(), MAX_PDF_OBJECTS + 1))) for xref in document.xrefs)
        if objects > MAX_PDF_OBJECTS:
            raise MarkupTooComplexError(
                f"{name}: more than {MAX_PDF_OBJECTS:,} objects in the PDF; refused before reading it",
                objects,
                MAX_PDF_OBJECTS,
            )
        found = list(islice(PDFPage.create_pages(document), MAX_PDF_PAGES + 1))
        if len(found) > MAX_PDF_PAGES:
            raise MarkupTooComplexError(
                f"{name}: more than {MAX_PDF_PAGES:,} pages in the PDF (the limit); refused before reading them",
                len(found),
                MAX_PDF_PAGES,
            )
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=LAParams())
        interpreter = PDFPageInterpreter(resources, device)
        for number, page in enumerate(found):
            interpreter.process_page(page)
            layout = device.get_result()
            width, height = layout.width, layout.height
            lines = []
            stack = [iter(layout)]
            while stack:  # an explicit stack: figures nest
                item = next(stack[-1], None)
                if item is None:
                    stack.pop()
                elif isinstance(item, LTTextLineHorizontal):
                    text = " ".join(item.get_text().split())
                    chars = [round(c.size, 1) for c in item if isinstance(c, LTChar)]
                    if text and chars:
                        size = Counter(chars).most_common(1)[0][0]
                        lines.append(Line(number, item.x0, item.x1, height - item.y1, height - item.y0, text, size))
                elif isinstance(item, LTImage):
                    images = True
                elif isinstance(item, LTFigure) or hasattr(item, "__iter__"):
                    images = images or isinstance(item, LTFigure)
                    stack.append(iter(item))
            pages.append(sorted(lines, key=lambda line: (round(line.top), line.x0)))
            sizes.append((width, height))
    except FileFormatError:  # ours, raised above: a ValueError too
        raise
    except PDFEncryptionError:
        raise FileFormatError(f"{name}: {ENCRYPTED}") from None
    except RecursionError:
        raise FileFormatError(
            f"{name}: not a valid PDF file (objects nested too deeply, or referring to themselves)"
        ) from None
    except (PSException, ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError) as exc:
        raise FileFormatError(f"{name}: not a valid PDF file ({type(exc).__name__}: {exc})") from None
    return pages, sizes, images


def _split_furniture(
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


def _blocks(pages: list[list[Line]], sizes: list[tuple[float, float]]) -> list[Block]:
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
                text = _join([line.text for line in group], inline)
                if (
                    open_block is not None
                    and kind == "paragraph"
                    and open_block[0].kind in ("paragraph", "bullet", "number")
                    and (open_block[1].page != first.page or open_block[1].column != first.column)
                    and not open_block[1].text.endswith(_CLOSING)
                    and first.text[:1].islower()
                ):
                    open_block[0].text = _join([open_block[0].text, text], inline)
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


def _join(lines: list[str], inline: set[str]) -> str:
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
        else:
            text = text + " " + line
    return text
