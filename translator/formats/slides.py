"""PowerPoint .pptx: python-pptx opens and saves the package (it follows the presentation's
relationships to the slides, in their order, and to their notes); paragraphs are units.

Units: every ``a:p`` with text, in document order, slide by slide: the slide's text frames,
placeholders, tables and group shapes (nested groups too), then that slide's speaker notes.
Layouts and masters (template prompts) are not translated; notes are left out of the plain
text. Empty paragraphs are not units.

As for .docx, a paragraph is one unit and the translation is spread over its runs' ``a:t``
(:mod:`slots`), so run formatting (bold, italics, colours, links) stays on its words; ``a:br``
and tabs are breaks the translator keeps, and fields (slide numbers, dates) are anchors kept
as they are. Every part is inflated and checked (:mod:`archive`) and its XML tags counted
before python-pptx sees it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pptx
from lxml import etree
from pptx.oxml.ns import qn

from translator.formats import FileFormatError
from translator.formats.archive import declares_entities, with_source_dates
from translator.formats.package import Package
from translator.formats.slots import Slot, is_translatable, unit_text
from translator.formats.xmltext import iter_blocks, split_tabs, write_translation

_A_P, _A_R, _A_T, _A_BR, _A_FLD = qn("a:p"), qn("a:r"), qn("a:t"), qn("a:br"), qn("a:fld")
# The fallback copy of alternate content (shown by old readers) is not translated twice.
_SKIP = frozenset({"{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"})


class Pptx:
    """A parsed .pptx file; see the module docstring."""

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None) -> None:
        package = Package(data, name, max_bytes, ".pptx")  # bounded; XML tags counted
        # python-pptx parses parts by their content type, whatever their names: no member may
        # declare entities (archive.py only looks at members named like XML).
        for info, content in package.members:
            if declares_entities(content):
                raise FileFormatError(f"{name}: {info.filename} declares XML entities, which a document never needs")
        del package
        self._data = data
        self._name = name
        self.warnings: list[str] = []
        self.units: list[str] = []
        body = []
        for in_body, pieces in _paragraphs(self._open()):
            if is_translatable(pieces):
                self.units.append(unit_text(pieces))
                if in_body:
                    body.append(self.units[-1])
        self.text = "\n\n".join(body)

    def _open(self) -> pptx.presentation.Presentation:
        try:
            presentation = pptx.Presentation(io.BytesIO(self._data))
            list(_slide_roots(presentation))  # AttributeError, KeyError ... for a broken package
        except Exception as exc:  # KeyError for missing parts, ValueError, XML syntax errors ...
            raise FileFormatError(f"{self._name}: not a valid .pptx file ({exc})") from None
        return presentation

    def render(self, translations: list[str]) -> bytes:
        """The .pptx with each paragraph's text replaced, everything else unchanged."""
        presentation = self._open()
        units = (pieces for _, pieces in _paragraphs(presentation) if is_translatable(pieces))
        for pieces, unit, translation in zip(units, self.units, translations):
            if translation != unit:
                write_translation(pieces, translation)
        out = io.BytesIO()
        try:
            presentation.save(out)
        except Exception as exc:  # a part python-pptx read but cannot write back
            raise FileFormatError(f"{self._name}: could not write the .pptx file ({exc})") from None
        return with_source_dates(out.getvalue(), self._data)


def _slide_roots(presentation: pptx.presentation.Presentation) -> Iterator[tuple[bool, etree._Element]]:
    """(body?, root element) for each slide, in order, each followed by its notes slide."""
    for slide in presentation.slides:
        yield True, slide.element
        if slide.has_notes_slide:
            yield False, slide.notes_slide.element


def _paragraphs(presentation: pptx.presentation.Presentation) -> Iterator[tuple[bool, list[Slot]]]:
    """(in body?, pieces) for every paragraph of every slide and notes slide."""
    for in_body, root in _slide_roots(presentation):
        for _, paragraph in iter_blocks(root, frozenset({_A_P}), _SKIP):
            yield in_body, _pieces(paragraph)


def _pieces(paragraph: etree._Element) -> list[Slot]:
    """The runs' text, line breaks, tabs and fields of ``paragraph``, in order."""
    pieces: list[Slot] = []
    for child in paragraph:
        if child.tag == _A_R or child.tag == _A_FLD:
            for text in child:
                if text.tag == _A_T:
                    pieces += split_tabs(text, anchor=child.tag == _A_FLD)
        elif child.tag == _A_BR:
            pieces.append(Slot("break", "\n"))
    return pieces
