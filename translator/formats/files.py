"""Read documents into translation units and write them back with the translations.

    doc = read_document("dopis.docx")          # or read_bytes(data, "dopis.docx")
    english = translate(doc.units)             # same length and order
    Path("letter.docx").write_bytes(render_document(doc, english))

Per format (details in the :mod:`translator.formats` modules):

* ``.txt``: one unit per blank-line separated paragraph; blank lines, indentation, line breaks
  and line endings are kept.
* ``.md``/``.markdown``: one unit per heading, paragraph, list item paragraph, table cell;
  markers, code, URLs, HTML and front matter untouched; identity translation is byte-exact.
* ``.html``/``.htm``: one unit per run of inline text in a block (``<b>``, ``<a>`` ... inside
  it), plus ``title``/``alt``/``placeholder``/``aria-label`` attributes and the meta
  description; tags, attributes, scripts, styles, code, ``<pre>`` and comments kept.
* ``.docx``: one unit per non-empty paragraph (body, tables, text boxes, headers, footers);
  styles and run formatting kept, text spread over the existing runs.
* ``.odt``/``.odp``: one unit per non-empty ``text:p``/``text:h`` (body, tables, lists, frames
  and text boxes, footnotes, slides and their notes, headers and footers); styles, spans, links,
  fields and every other part kept, only ``content.xml``/``styles.xml`` rewritten.
* ``.pptx``: one unit per non-empty paragraph of each slide (text frames, tables, groups) and
  its notes; run formatting kept, text spread over the existing runs.
* ``.epub``: one unit per block of each chapter in reading order (``p``, headings, ``li``,
  cells, ``blockquote``, ``figcaption`` ...), plus the titles and the table of contents labels;
  inline elements, images, styles and every other member kept.
* ``.srt``: one unit per cue; indices and timings kept byte for byte.
* ``.pdf``: one unit per heading, paragraph (rebuilt across line breaks, columns and end-of-line
  hyphens), list item, table cell and footnote, plus each page header and footer repeated on the
  pages, once; the translation is a new Word file (``.docx``, see :mod:`translator.formats.pdf`).

Text files are decoded from UTF-8/UTF-16/UTF-32 (BOM), UTF-8, cp1250 or ISO-8859-2 and always
written as UTF-8 without a BOM, with the source's line endings. Zip-based formats (.docx, .odt,
.odp, .pptx, .epub) come back as zips of the same members. A paragraph (or cue, cell ...)
without a letter is not a unit: numbers and symbols are kept as they are.

Limits (hostile uploads are read here; every bound is checked before the costly step it
guards, and every refusal is a FileTooLargeError, which the server answers with 413):

* ``max_bytes``: the file's size, and for zip-based formats (.docx, .odt, .odp, .pptx, .epub)
  the bytes their parts really inflate to, counted while inflating
  (:mod:`translator.formats.archive`: zip bombs, lying headers, compression ratios over
  :data:`~translator.formats.limits.MAX_RATIO`, more than
  :data:`~translator.formats.limits.MAX_MEMBERS` parts, XML entity declarations); their XML
  parts are refused past :data:`~translator.formats.limits.MAX_XML_TAGS` tags (not .docx).
  A .pdf's compressed streams count the same way, decoded in chunks before pdfminer reads the
  file (:mod:`translator.formats.pdfscan`), with its objects and pages bounded too.
* ``max_chars`` (optional): a text file (.txt, .md, .html, .srt) is refused from its byte size
  alone, before it is decoded, when it is larger than a document of ``max_chars`` characters
  could be: ``.txt`` 8 bytes per character + 4 (UTF-32 with CRLF: never refuses a text that
  fits), ``.srt`` 16 + 256 KiB, ``.md`` 16 + 1 MiB, ``.html`` 32 + 4 MiB for the markup
  (:data:`~translator.formats.limits.TEXT_BYTES`). The caller still compares the text itself.
* HTML: more than :data:`~translator.formats.limits.MAX_TAGS` tags (counted on the raw bytes,
  then on the text) or markup that would make html.parser rescan the document over and over
  is refused with MarkupTooComplexError, a FileTooLargeError; so is Markdown with more than
  :data:`~translator.formats.limits.MAX_MARKDOWN_MARKS` line breaks and markup characters.
* No reader recurses along the document's nesting, so depth has no limit of its own: 100,000
  nested elements read and render (markdown-it stops nesting blocks at its own ``maxNesting``;
  lxml refuses XML nested deeper than 256 levels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bs4.dammit import EncodingDetector

from translator.errors import needs_extra
from translator.formats import (
    FORMATS,
    OUTPUT_SUFFIXES,
    SUPPORTED_SUFFIXES,
    FileFormatError,
    FileTooLargeError,
    MarkupTooComplexError,
    Parsed,
    megabytes,
)
from translator.formats.encoding import decode_text, detect_newline, normalize_newlines
from translator.formats.epub import Epub
from translator.formats.html import Html
from translator.formats.limits import check_tags, check_text_bytes
from translator.formats.markdown import Markdown
from translator.formats.odf import Odf
from translator.formats.plain import PlainText
from translator.formats.subtitles import Subtitles
from translator.options import MAX_FILE_BYTES

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "check_file_size",
    "FileFormatError",
    "FileTooLargeError",
    "MarkupTooComplexError",
    "document_text",
    "format_for",
    "output_name",
    "output_suffix",
    "read_bytes",
    "read_document",
    "render_document",
]


def _docx(data: bytes, name: str, max_bytes: int | None) -> Parsed:
    with needs_extra("office", f"{name}: reading .docx files"):
        from translator.formats.word import Docx
    return Docx(data, name, max_bytes)


def _pptx(data: bytes, name: str, max_bytes: int | None) -> Parsed:
    with needs_extra("office", f"{name}: reading .pptx files"):
        from translator.formats.slides import Pptx
    return Pptx(data, name, max_bytes)


def _pdf(data: bytes, name: str, max_bytes: int | None, max_chars: int | None = None) -> Parsed:
    with needs_extra("office", f"{name}: reading .pdf files"):
        import pdfminer  # noqa: F401  (pdfminer.six: the reader; python-docx writes the translation)

        from translator.formats.pdf import Pdf
    return Pdf(data, name, max_bytes, max_chars)


# Zip-based formats: class(data, name, max_bytes), read as bytes. python-docx and python-pptx
# come with the office extra, so their readers are imported when such a file is read.
_ZIPPED = {
    "docx": _docx,
    "odt": lambda data, name, max_bytes: Odf(data, name, max_bytes, ".odt"),
    "odp": lambda data, name, max_bytes: Odf(data, name, max_bytes, ".odp"),
    "pptx": _pptx,
    "epub": Epub,
    "pdf": _pdf,  # not a zip, but read as bytes and bounded the same way
}


@dataclass
class Document:
    """A document ready for translation.

    ``units`` are the texts a translator sees, in order; ``encoding`` is the detected source
    encoding ("binary" for the zip-based formats); ``newline`` the source line ending, used for
    the output; ``warnings`` notes anything read with a fallback (replaced bytes, skipped
    blocks).
    """

    path: Path | None
    format: str
    units: list[str]
    encoding: str
    newline: str = "\n"
    warnings: list[str] = field(default_factory=list)
    _parsed: Parsed | None = field(default=None, repr=False, compare=False)


def format_for(name: str | Path) -> str:
    """The format ("txt", "md", "html", "docx", "odt", "odp", "pptx", "epub", "srt", "pdf") for a file
    name; raises FileFormatError."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        shown = f"'{suffix}'" if suffix else "(no suffix)"
        raise FileFormatError(f"{name}: unsupported file type {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    return FORMATS[suffix]


def read_document(path: str | Path, max_bytes: int | None = MAX_FILE_BYTES, max_chars: int | None = None) -> Document:
    """Read and parse the file at ``path``; returns its Document.

    ``max_bytes`` bounds the file once unpacked (its size for text, its parts for zips; None:
    no limit); ``max_chars`` refuses text files too big for that many characters (see the
    module docstring; None: no limit). Raises FileTooLargeError past either (or
    MarkupTooComplexError, a subclass), FileFormatError (unsupported, undecodable, binary or
    corrupt file) and OSError.
    """
    path = Path(path)
    fmt = format_for(path)  # fail on the suffix before reading a possibly large file
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FileTooLargeError(
            f"{path}: {megabytes(size)} is more than the limit of {megabytes(max_bytes)}", size, max_bytes
        )
    check_text_bytes(size, fmt, str(path), max_chars)
    doc = read_bytes(path.read_bytes(), str(path), max_bytes, max_chars)
    doc.path = path
    return doc


def check_file_size(name: str, size: int, max_bytes: int | None = MAX_FILE_BYTES, max_chars: int | None = None) -> str:
    """Refuse a file of ``size`` bytes named ``name`` before it is read: past ``max_bytes``, or
    (text formats) larger than ``max_chars`` characters could take. Returns the format; raises
    FileFormatError (unsupported suffix) or FileTooLargeError."""
    fmt = format_for(name)
    if max_bytes is not None and size > max_bytes:
        raise FileTooLargeError(
            f"{name}: {megabytes(size)} is more than the limit of {megabytes(max_bytes)}", size, max_bytes
        )
    check_text_bytes(size, fmt, name, max_chars)
    return fmt


def read_bytes(
    data: bytes, name: str, max_bytes: int | None = MAX_FILE_BYTES, max_chars: int | None = None
) -> Document:
    """Parse ``data`` (an upload) as the format named by ``name``'s suffix; returns its
    Document, whose ``path`` is None.

    ``max_bytes`` and ``max_chars`` as for :func:`read_document`, checked before anything is
    decoded or unpacked. Raises FileTooLargeError (MarkupTooComplexError for HTML with too many
    tags, zips with too many members or XML tags), FileFormatError.
    """
    fmt = check_file_size(name, len(data), max_bytes, max_chars)
    if fmt in _ZIPPED:
        # a PDF's text is laid out page by page: max_chars stops that early (translator.formats.pdf)
        parsed: Parsed = _pdf(data, name, max_bytes, max_chars) if fmt == "pdf" else _ZIPPED[fmt](data, name, max_bytes)
        return Document(None, fmt, parsed.units, "binary", "\n", _named(name, parsed.warnings), parsed)

    declared = None
    if fmt == "html":
        check_tags(data, name)  # on the bytes: 50 MB of tags are refused before decoding
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    raw, encoding, warnings = decode_text(data, name, declared)
    newline, mixed = detect_newline(raw)
    if mixed:
        warnings.append(f"mixed line endings, output uses {newline!r}")
    text = normalize_newlines(raw)
    if fmt == "txt":
        parsed = PlainText(text)
    elif fmt == "md":
        parsed = Markdown(text, name)
    elif fmt == "html":
        parsed = Html(text, name, encoding)
    else:
        parsed = Subtitles(text, name)
    return Document(None, fmt, parsed.units, encoding, newline, _named(name, warnings + parsed.warnings), parsed)


def _named(name: str, warnings: list[str]) -> list[str]:
    return [f"{name}: {warning}" for warning in warnings]


def render_document(doc: Document, translations: list[str]) -> bytes:
    """The document with ``translations[i]`` in place of ``doc.units[i]``.

    Text formats come back as UTF-8 without a BOM, with the source's line endings; zip-based
    ones as a zip. Raises ValueError if the number of translations differs from the number of
    units, FileFormatError if a .pptx cannot be written back.
    """
    if len(translations) != len(doc.units):
        raise ValueError(f"expected {len(doc.units)} translations, got {len(translations)}")
    if doc._parsed is None:
        raise ValueError("document was not created by read_document/read_bytes")
    # The translator may hand back "\r\n"; inside the document every line ending is "\n".
    rendered = doc._parsed.render([normalize_newlines(t) for t in translations])
    if isinstance(rendered, bytes):
        return rendered
    if doc.newline != "\n":
        rendered = rendered.replace("\n", doc.newline)
    return rendered.encode("utf-8")


def document_text(doc: Document) -> str:
    """Plain text of the document (no markup), paragraphs separated by blank lines."""
    return doc._parsed.text if doc._parsed is not None else "\n\n".join(doc.units)


def output_suffix(path: str | Path) -> str:
    """The suffix for the translated file: the source's own (``.htm`` stays ``.htm``), except
    for formats written as another one (``.pdf`` becomes ``.docx``)."""
    suffix = Path(path).suffix
    return OUTPUT_SUFFIXES.get(FORMATS.get(suffix.lower(), ""), suffix)


def output_name(name: str) -> str:
    """The translated file's name for a source named ``name``: ``report.pdf`` → ``report.docx``,
    any other name unchanged."""
    suffix = output_suffix(name)
    return name if suffix == Path(name).suffix else str(Path(name).with_suffix(suffix))
