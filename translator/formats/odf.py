"""OpenDocument text (.odt) and presentations (.odp): lxml on ``content.xml`` and ``styles.xml``,
the rest of the package untouched (:mod:`package`).

Units: every ``text:p`` and ``text:h`` with text, in document order - body paragraphs and
headings, table cells, list items, footnotes, text boxes and shapes (a frame's paragraphs are
units of their own, after the paragraph it is anchored in), slides and then each slide's
speaker notes (.odp) - then the page headers and footers of ``styles.xml`` (.odt). Tracked
deletions and comments are not translated. Notes, headers and footers are left out of the
plain text.

Inside a paragraph the translation is spread over the text of the paragraph and of its
``text:span`` and ``text:a`` elements (:mod:`slots`), so character styles and links stay on
their words; ``text:line-break`` and ``text:tab`` are breaks the translator keeps, ``text:s``
(extra spaces) stays, and fields (dates, page numbers, references) are anchors kept as they
are. Paragraph and list styles, tables, frames, images and every other member of the package
are not touched.

lxml directly rather than odfpy: odfpy builds a Python object per node (slow and large for a
hostile file) and rewrites the whole package when saving; here only the changed XML members
are re-serialised, parsed by a parser that resolves no entities and loads no DTD.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from translator.formats import FileFormatError
from translator.formats.package import Blocks, ZippedXml
from translator.formats.slots import Slot
from translator.formats.xmltext import Inline, iter_blocks, mixed_pieces

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"


def _text(*names: str) -> frozenset[str]:
    return frozenset(f"{{{TEXT}}}{name}" for name in names)


_BLOCKS = _text("p", "h")
# Subtrees whose paragraphs are not document text: deleted text kept for change tracking, comments.
_SKIP = frozenset({f"{{{TEXT}}}tracked-changes", f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end"})
_NOTES = frozenset({f"{{{PRESENTATION}}}notes"})
_HEADERS_FOOTERS = frozenset(
    f"{{{STYLE}}}{name}" for name in ("header", "footer", "header-left", "footer-left", "header-first", "footer-first")
)
_INLINE = Inline(
    descend=_text("span", "a", "ruby", "ruby-base", "meta", "meta-field"),
    breaks={f"{{{TEXT}}}line-break": "\n", f"{{{TEXT}}}tab": "\t"},
    spaces=_text("s"),
    # Not text of the paragraph: notes (their paragraphs are units), ruby annotations, marks.
    skip=_text(
        "note",
        "ruby-text",
        "p",
        "h",
        "list",
        "section",
        "soft-page-break",
        "bookmark",
        "bookmark-start",
        "bookmark-end",
        "reference-mark",
        "reference-mark-start",
        "reference-mark-end",
        "change",
        "change-start",
        "change-end",
        "toc-mark",
        "toc-mark-start",
        "toc-mark-end",
        "alphabetical-index-mark",
        "alphabetical-index-mark-start",
        "alphabetical-index-mark-end",
        "user-index-mark",
        "user-index-mark-start",
        "user-index-mark-end",
        "hidden-text",
        "hidden-paragraph",
        "number",
        "tracked-changes",
        "sequence-decls",
        "variable-decls",
        "user-field-decls",
    ),
    anchor_namespace=f"{{{TEXT}}}",  # every other text: element inside a paragraph is a field
)


class Odf(ZippedXml):
    """A parsed .odt or .odp file; see the module docstring."""

    kind = ".odt"

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None, kind: str = ".odt") -> None:
        self.kind = kind
        super().__init__(data, name, max_bytes)

    def _plan(self) -> list[tuple[str, Blocks]]:
        members: list[tuple[str, Blocks]] = [("content.xml", self._content_blocks)]
        if self._package.has("styles.xml"):
            members.append(("styles.xml", _header_footer_blocks))
        return members

    def _content_blocks(self, tree: etree._ElementTree) -> Iterator[tuple[bool, list[Slot]]]:
        body = next((child for child in tree.getroot() if child.tag == f"{{{OFFICE}}}body"), None)
        if body is None:
            raise FileFormatError(f"{self.name}: not a valid {self.kind} file (content.xml has no office:body)")
        for in_body, paragraph in iter_blocks(body, _BLOCKS, _SKIP, _NOTES):
            yield in_body, odf_pieces(paragraph)


def _header_footer_blocks(tree: etree._ElementTree) -> Iterator[tuple[bool, list[Slot]]]:
    """The paragraphs of the master pages' headers and footers (not body text)."""
    for _, paragraph in iter_blocks(tree.getroot(), _BLOCKS, _SKIP, within=lambda e: e.tag in _HEADERS_FOOTERS):
        yield False, odf_pieces(paragraph)


def odf_pieces(paragraph: etree._Element) -> list[Slot]:
    """The slots of an ODF paragraph (see the module docstring)."""
    return mixed_pieces(paragraph, _INLINE)
