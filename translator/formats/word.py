"""Word .docx: python-docx opens and saves the package; paragraphs are units.

Units: every paragraph with text, in document order - body paragraphs, table cells (nested
tables too), content controls and text boxes - then the headers and footers of each section.
Empty paragraphs are not units.

Run strategy: a paragraph is translated as one unit (whole sentences translate better than
run fragments) and the translation is spread over the paragraph's existing ``<w:t>`` elements
by word count (:mod:`slots`). Only the text of ``<w:t>`` changes, so paragraph styles, run
formatting (bold, italics, fonts, colours), hyperlinks, fields, bookmarks, comments and images
stay in place. Putting everything into the first run would be simpler but loses every bold
word or link in the middle of a paragraph (a hyperlink whose runs are emptied disappears);
spreading keeps them, near their translation since Slovenian and English word order is close.
Line breaks and tabs inside a paragraph are breaks the translator keeps. A run in a character
style named like "Do not translate" (style id ``DoNotTranslate``, ``NoTranslate``...) is an
anchor: the translator sees it, and its text is never rewritten (as HTML's ``translate="no"``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from lxml import etree

from translator.formats import FileFormatError
from translator.formats.archive import check_archive, with_source_dates
from translator.formats.limits import MAX_RATIO  # noqa: F401  (re-exported: it lived here)
from translator.formats.slots import Slot, SlotKind, is_translatable, spread, unit_text

_W_P, _W_T, _W_SECT_PR = qn("w:p"), qn("w:t"), qn("w:sectPr")
_BREAKS = {qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:tab"): "\t", qn("w:ptab"): "\t"}
# Not paragraph text: properties, deleted/moved-away text, drawings (their text boxes are
# paragraphs of their own), and the fallback copy of alternate content.
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_PRUNE = {
    qn(t) for t in ("w:pPr", "w:rPr", "w:del", "w:moveFrom", "w:drawing", "w:pict", "w:object", "w:txbxContent")
} | {_MC_FALLBACK}
_HEADER_FOOTER_REFS = (qn("w:headerReference"), qn("w:footerReference"))
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_W_R, _W_RSTYLE, _W_VAL = qn("w:r"), f"{qn('w:rPr')}/{qn('w:rStyle')}", qn("w:val")
_KEEP_STYLES = {"donottranslate", "notranslate", "dontranslate"}  # style ids, letters only, lower case


class Docx:
    """A parsed .docx file; see the module docstring."""

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None) -> None:
        # Every part is inflated and checked first, with or without a size limit: python-docx
        # only ever sees parts whose sizes and CRCs are known to be what the zip declares.
        check_unpacked_size(data, name, max_bytes)
        self._data = data
        self._name = name
        self.warnings: list[str] = []
        self.units = []
        body_texts = []
        for in_body, pieces in _paragraphs(self._open()):
            if is_translatable(pieces):
                self.units.append(unit_text(pieces))
                if in_body:
                    body_texts.append(self.units[-1])
        # Headers and footers are page furniture: left out of the plain text.
        self.text = "\n\n".join(body_texts)

    def _open(self) -> docx.document.Document:
        try:
            document = docx.Document(io.BytesIO(self._data))
            body = document.element.body  # AttributeError: the main part is not a w:document
        except Exception as exc:  # KeyError for missing parts, ValueError, XML syntax errors ...
            raise FileFormatError(f"{self._name}: not a valid .docx file ({exc})") from None
        if body is None:
            raise FileFormatError(f"{self._name}: not a valid .docx file (the document has no body)")
        return document

    def render(self, translations: list[str]) -> bytes:
        """The .docx with each paragraph's text replaced, everything else unchanged."""
        document = self._open()
        units = (p for _, p in _paragraphs(document) if is_translatable(p))
        for pieces, unit, translation in zip(units, self.units, translations):
            if translation == unit:
                continue
            for piece, new in zip(pieces, spread(translation, pieces)):
                if new is not None and new != piece.text:
                    _set_text(piece.ref, new)
        out = io.BytesIO()
        document.save(out)
        return with_source_dates(out.getvalue(), self._data)


def check_unpacked_size(data: bytes, name: str, max_bytes: int | None) -> None:
    """Refuse a .docx whose parts inflate past ``max_bytes`` or suspiciously well, counting the
    bytes that really inflate (:func:`translator.formats.archive.check_archive`, which never
    trusts the sizes the zip declares). Returns None; raises FileTooLargeError naming the sizes,
    FileFormatError for a file that is not a valid zip."""
    check_archive(data, name, max_bytes, ".docx")


def _paragraphs(document: docx.document.Document) -> Iterator[tuple[bool, list[Slot]]]:
    """(in body?, pieces) for every paragraph: body first, then headers and footers."""
    body = document.element.body
    for paragraph in _iter_paragraphs(body):
        yield True, _pieces(paragraph)
    seen = set()
    for sect_pr in body.iter(_W_SECT_PR):
        for ref in sect_pr:
            if ref.tag not in _HEADER_FOOTER_REFS:
                continue
            part = document.part.related_parts.get(ref.get(qn("r:id")))
            if part is None or id(part) in seen:
                continue
            seen.add(id(part))
            for paragraph in _iter_paragraphs(part.element):
                yield False, _pieces(paragraph)


def _iter_paragraphs(root: etree._Element) -> Iterator[etree._Element]:
    for paragraph in root.iter(_W_P):
        if not any(a.tag == _MC_FALLBACK for a in paragraph.iterancestors()):
            yield paragraph


def _pieces(paragraph: etree._Element) -> list[Slot]:
    """The text, breaks and tabs of ``paragraph`` in document order, without its nested
    paragraphs and pruned elements; walked with an explicit stack, not recursion."""
    pieces: list[Slot] = []
    stack = [iter(paragraph)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in _PRUNE:
            continue
        if tag == _W_T:
            # a run in a "Do not translate" character style: shown to the translator, never rewritten
            kind: SlotKind = "anchor" if _do_not_translate(child) else "text"
            pieces.append(Slot(kind, child.text or "", ref=child))
        elif tag in _BREAKS:
            pieces.append(Slot("break", _BREAKS[tag]))
        elif tag != _W_P:
            stack.append(iter(child))
    return pieces


def _do_not_translate(text: etree._Element) -> bool:
    """Whether the run of ``text`` (a ``<w:t>``) has a character style such as "Do not
    translate", "DoNotTranslate" or "NoTranslate" (its id, letters only, case aside)."""
    run = text.getparent()
    style = run.find(_W_RSTYLE) if run is not None and run.tag == _W_R else None
    if style is None:
        return False
    return re.sub(r"[^a-z]", "", (style.get(_W_VAL) or "").lower()) in _KEEP_STYLES


def _set_text(element: etree._Element, text: str) -> None:
    element.text = text
    # Word drops leading/trailing spaces of <w:t> unless told to keep them.
    if text != text.strip():
        element.set(_XML_SPACE, "preserve")
