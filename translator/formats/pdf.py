"""PDF in, Word .docx out: text read with pdfminer.six's layout analysis, rebuilt into headings,
paragraphs, list items, tables and footnotes, and written as a new .docx.

Why .docx and not a PDF: a PDF places each line at fixed coordinates in fixed fonts. English is
often longer than the Slovenian it replaces and needs glyphs the embedded font subsets lack, so
re-setting it in the same boxes overflows, clips or shows blanks. A .docx reflows, keeps the
structure (heading levels, lists, tables) and opens everywhere; the reader loses only the exact
page geometry, which a translation cannot keep anyway.

The reading rules (headers and footers, columns, tables, paragraphs, hyphens, headings, footnotes)
are in :mod:`translator.formats.pdf_layout`; the bounds checked before pdfminer sees the file in
:mod:`translator.formats.pdfscan`; the .docx is written by :mod:`translator.formats.pdf_docx`.

Refused with FileFormatError naming the reason: an encrypted PDF, a PDF with no text layer
("scanned images; run OCR first"), a damaged one (broken cross-references that pdfminer cannot
recover, nesting too deep for the parser). Laying the pages out is bounded by
:data:`MAX_PAGE_CHARS`, :data:`MAX_PDF_CHARS` and :data:`MAX_PDF_TOKENS` (tighter with a
character limit), counted as pdfminer draws: past them MarkupTooComplexError (REST 413).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from itertools import islice
from typing import Any

from translator.formats import FileFormatError, MarkupTooComplexError, has_letters
from translator.formats.pdf_docx import Block, write_docx
from translator.formats.pdf_layout import Line, blocks, split_furniture
from translator.formats.pdfscan import ENCRYPTED, MAX_PDF_OBJECTS, MAX_PDF_PAGES, check_pdf

MAX_PAGE_CHARS = 20_000
"""Most characters laid out on one page (a dense A4 page in 8-point type has about 8,000):
pdfminer's line grouping grows faster than linearly with them."""

MAX_PDF_TOKENS = 20_000_000
"""Most operators and operands (counted as the content streams' spaces, line ends and ``/ ( [ <``,
a close upper bound) run to draw a PDF's pages; a form counts each time it is drawn, so forms
drawing forms cannot multiply the work. pdfminer runs about 150,000 a second. With a character
limit: five per character plus 100,000."""

FORM_COST = 100
"""Tokens counted for running one content stream (a page's, or a form each time it is drawn)."""

MAX_PDF_CHARS = 5_000_000
"""Most characters laid out in one PDF (a 1,000-page book has about 2.5 million); with a
character limit (REST's and the page's --max-chars), twice that limit plus 200 per page."""


class Pdf:
    """A parsed PDF; ``units``, ``text``, ``warnings`` and :meth:`render` as every format."""

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None, max_chars: int | None = None) -> None:
        check_pdf(data, name, max_bytes)
        self.name = name
        self.warnings: list[str] = []
        pages, sizes, images = _read_lines(data, name, max_bytes, max_chars)
        if not pages:
            raise FileFormatError(f"{name}: not a valid PDF file (no pages found: damaged cross-references?)")
        if not any(pages) and images:
            raise FileFormatError(f"{name}: the PDF has no text layer (scanned images); run OCR on it first")
        if not any(pages):
            raise FileFormatError(f"{name}: the PDF has no text to translate (its pages are empty)")
        headers, footers, body = split_furniture(pages, sizes)
        self.headers, self.footers = headers, footers
        self.blocks = blocks(body, sizes)
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


def _read_lines(
    data: bytes, name: str, max_bytes: int | None, max_chars: int | None
) -> tuple[list[list[Line]], list[tuple[float, float]], bool]:
    """The text lines of each page, each page's (width, height), and whether images were seen."""
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTTextLineHorizontal
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psparser import PSException

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
        # boxes_flow=None: no grouping of text boxes (quadratic in their number); the reading
        # order is the project's own (pdf_layout)
        budget = _Budget(name, max_chars, len(found))
        device, interpreter = _bounded(resources, LAParams(boxes_flow=None), budget)
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


_TOKEN_MARKS = (b" ", b"\n", b"\r", b"\t", b"/", b"(", b"[", b"<")


class _Budget:
    """What laying out a PDF may cost: characters on a page and in all (:data:`MAX_PAGE_CHARS`,
    :data:`MAX_PDF_CHARS`), and the tokens of the content streams run (:data:`MAX_PDF_TOKENS`)."""

    def __init__(self, name: str, max_chars: int | None, pages: int) -> None:
        self.name = name
        self.max_chars = MAX_PDF_CHARS if max_chars is None else min(MAX_PDF_CHARS, 2 * max_chars + 200 * pages)
        self.max_tokens = MAX_PDF_TOKENS if max_chars is None else min(MAX_PDF_TOKENS, 5 * max_chars + 100_000)
        self.page_chars = self.chars = self.tokens = 0

    def char(self) -> None:
        self.page_chars += 1
        self.chars += 1
        if self.page_chars > MAX_PAGE_CHARS:
            raise MarkupTooComplexError(
                f"{self.name}: more than {MAX_PAGE_CHARS:,} characters on one page of the PDF; refused",
                self.page_chars,
                MAX_PAGE_CHARS,
            )
        if self.chars > self.max_chars:
            raise MarkupTooComplexError(
                f"{self.name}: more than {self.max_chars:,} characters of text in the PDF; refused",
                self.chars,
                self.max_chars,
            )

    def contents(self, data: bytes) -> None:
        # drawing a form costs pdfminer about as much as a hundred operators: counted too
        self.tokens += FORM_COST + sum(data.count(mark) for mark in _TOKEN_MARKS)
        if self.tokens > self.max_tokens:
            raise MarkupTooComplexError(
                f"{self.name}: more than {self.max_tokens:,} drawing operations on the PDF's pages "
                "(forms drawn over and over?); refused",
                self.tokens,
                self.max_tokens,
            )


def _bounded(resources: Any, laparams: Any, budget: _Budget) -> tuple[Any, Any]:
    """pdfminer's page aggregator and interpreter, counting against ``budget`` every character
    laid out and every content stream run (a page's, or a form's each time it is drawn), before
    running it."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import PDFStream, resolve1

    class BoundedAggregator(PDFPageAggregator):
        def begin_page(self, *args: Any, **kwargs: Any) -> None:
            budget.page_chars = 0
            super().begin_page(*args, **kwargs)

        def render_char(self, *args: Any, **kwargs: Any) -> float:
            budget.char()
            return super().render_char(*args, **kwargs)

    class BoundedInterpreter(PDFPageInterpreter):
        def render_contents(self, resources: Any, streams: Any, *args: Any, **kwargs: Any) -> None:
            for stream in streams if isinstance(streams, list) else [streams]:
                stream = resolve1(stream)
                if isinstance(stream, PDFStream):
                    budget.contents(stream.get_data())
            super().render_contents(resources, streams, *args, **kwargs)

    device = BoundedAggregator(resources, laparams=laparams)
    return device, BoundedInterpreter(resources, device)
