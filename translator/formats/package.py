"""Zip packages of XML documents (.odt, .odp, .epub), edited in place: every member is read
through :mod:`archive` (bounded), the members holding text are parsed with a locked-down lxml
parser, and the package is written back with only the changed members replaced.

:class:`Package` holds the members; :class:`ZippedXml` is the reader/writer the formats build
on: a format names, in document order, the members to read and how to find the paragraphs in
each (:meth:`ZippedXml._plan`). The output zip keeps the source's member order, names,
compression, dates and attributes; ``mimetype`` goes first and stored, as OpenDocument and EPUB
require. Members that were not translated keep their bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator

from lxml import etree

from translator.formats import FileFormatError
from translator.formats.archive import declares_entities, read_members
from translator.formats.limits import check_xml_tags
from translator.formats.slots import Slot, is_translatable, unit_text
from translator.formats.xmltext import write_translation

MIMETYPE = "mimetype"
_XML_START = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

Blocks = Callable[[etree._ElementTree], Iterator[tuple[bool, list[Slot]]]]
"""Finds the paragraphs of one parsed member: (in body?, slots) for each, in document order."""


def xml_parser() -> etree.XMLParser:
    """A parser that resolves no entities, loads no DTD, reaches no network and refuses lxml's
    huge trees (text nodes over 10 MB, nesting past 256 levels). A new one per document: lxml
    parsers are not shared between threads."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, strip_cdata=False)


def parse_xml(content: bytes, name: str, member: str, kind: str) -> etree._ElementTree:
    """``content`` (the member ``member`` of the ``kind`` file ``name``) parsed.

    Returns the tree; raises FileFormatError for XML that declares entities or does not parse."""
    if declares_entities(content):
        raise FileFormatError(f"{name}: {member} declares XML entities, which a document never needs")
    try:
        return etree.fromstring(content, xml_parser()).getroottree()
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FileFormatError(f"{name}: not a valid {kind} file ({member}: {exc})") from None


def serialize(tree: etree._ElementTree) -> bytes:
    """``tree`` as UTF-8 XML with a declaration (standalone="yes" if it said so) and its doctype."""
    standalone = True if tree.docinfo.standalone else None  # lxml reads "no" and nothing alike
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True, standalone=standalone)


def looks_like_xml(content: bytes) -> bool:
    """True if ``content`` starts like an XML document (maybe after a byte order mark)."""
    return content[:64].lstrip().startswith(_XML_START)


class Package:
    """The members of a zip-based document, read once and bounded.

    Raises, on construction, what :func:`~translator.formats.archive.read_members` raises,
    FileFormatError for a zip naming a member twice, and MarkupTooComplexError when its XML
    members hold more than :data:`~translator.formats.limits.MAX_XML_TAGS` tags together."""

    def __init__(self, data: bytes, name: str, max_bytes: int | None, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.members = read_members(data, name, max_bytes, kind)
        self._content = {info.filename: content for info, content in self.members}
        if len(self._content) != len(self.members):
            raise FileFormatError(f"{name}: not a valid {kind} file (the zip archive names a member twice)")
        tags = sum(content.count(b"<") for _, content in self.members if looks_like_xml(content))
        check_xml_tags(tags, name, kind)

    def has(self, member: str) -> bool:
        """True if the package holds ``member``."""
        return member in self._content

    def parse(self, member: str) -> etree._ElementTree:
        """The member ``member`` parsed (a fresh tree each call). Raises FileFormatError if the
        package lacks it or it is not XML."""
        if member not in self._content:
            raise FileFormatError(f"{self.name}: not a valid {self.kind} file (no {member})")
        return parse_xml(self._content[member], self.name, member, self.kind)

    def write(self, changed: dict[str, bytes]) -> bytes:
        """The package with each member named in ``changed`` replaced by its bytes, the rest as
        they were; ``mimetype`` first and stored. Returns the zip's bytes."""
        order = sorted(self.members, key=lambda member: member[0].filename != MIMETYPE)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for info, content in order:
                entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                stored = info.filename == MIMETYPE or info.compress_type == zipfile.ZIP_STORED
                entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                entry.external_attr = info.external_attr
                archive.writestr(entry, changed.get(info.filename, content))
        return out.getvalue()


class ZippedXml:
    """A zip of XML members whose paragraphs are units; formats subclass it and give
    :meth:`_plan`. ``units``, ``text`` (body paragraphs only), ``warnings`` and :meth:`render`
    as every format (:class:`translator.formats.Parsed`)."""

    kind = ".zip"

    def __init__(self, data: bytes, name: str, max_bytes: int | None = None) -> None:
        self._package = Package(data, name, max_bytes, self.kind)
        self.name = name
        self.warnings: list[str] = []
        self._members = self._plan()
        self.units: list[str] = []
        body = []
        for member, blocks in self._members:
            for in_body, pieces in blocks(self._package.parse(member)):
                if is_translatable(pieces):
                    self.units.append(unit_text(pieces))
                    if in_body:
                        body.append(self.units[-1])
        self.text = "\n\n".join(body)

    def _plan(self) -> list[tuple[str, Blocks]]:
        """The members to translate, each once, in document order, with their paragraph finder.
        May add to ``self.warnings``; raises FileFormatError for a package that is not the format."""
        raise NotImplementedError

    def render(self, translations: list[str]) -> bytes:
        """The package with each paragraph's text replaced, everything else unchanged."""
        pairs = iter(zip(self.units, translations))
        changed = {}
        for member, blocks in self._members:
            tree = self._package.parse(member)
            touched = False
            for _, pieces in blocks(tree):
                if not is_translatable(pieces):
                    continue
                unit, translation = next(pairs, (None, None))
                if translation is None or translation == unit:
                    continue
                write_translation(pieces, translation)
                touched = True
            if touched:
                changed[member] = serialize(tree)
        return self._package.write(changed)
