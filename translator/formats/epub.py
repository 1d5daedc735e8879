"""EPUB e-books (.epub 2 and 3): lxml on the package document and the XHTML chapters, edited in
place inside the zip (:mod:`package`); images, styles, fonts and every other member untouched.

Units, in order: the book's ``dc:title``; then, for each chapter in the spine's reading order,
its ``<title>`` and the text of its blocks (``p``, ``h1``-``h6``, ``li``, ``td``/``th``,
``dt``/``dd``, ``blockquote``, ``figcaption``, ``caption``, and the text put straight into a
``div``, ``section`` or ``body``); then the EPUB 3 navigation document's labels (when it is not
in the spine) and the NCX table of contents' ``docTitle`` and ``navLabel`` texts. Only the
chapters' blocks make the plain text. ``<pre>``, ``<script>``, ``<style>``, ``<svg>`` and
``<math>`` are not translated.

Inside a block the translation is spread over the text of its inline elements (``<b>``,
``<em>``, ``<a>``, ``<span>`` ...: :mod:`slots`), so they stay on their words; ``<br>`` is a
break the translator keeps; ``<code>``, ``<kbd>``, ``<samp>``, ``<var>`` are anchors kept as
they are; images and other elements stay in place. A chapter that uses named entities
(``&nbsp;`` with an XHTML 1.1 doctype) keeps them.

The zip is edited in place rather than through ebooklib, whose writer rebuilds the package
(renaming, re-ordering and re-serialising members); here only the changed members are
re-serialised and ``mimetype`` stays first and stored.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from lxml import etree

from translator.formats import FileFormatError
from translator.formats.package import Blocks, ZippedXml
from translator.formats.slots import Slot
from translator.formats.xmltext import PLAIN, Inline, iter_blocks, mixed_pieces

CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XHTML = "http://www.w3.org/1999/xhtml"
_XHTML_TYPES = ("application/xhtml+xml", "text/html")
_NCX_TYPE = "application/x-dtbncx+xml"


def _html(names: str) -> frozenset[str]:
    """The XHTML tags ``names`` (space separated), namespaced and bare (sloppy chapters)."""
    return frozenset(f"{{{XHTML}}}{name}" for name in names.split()) | frozenset(names.split())


_BLOCKS = _html(
    "p h1 h2 h3 h4 h5 h6 li td th dt dd blockquote figcaption caption div section article aside "
    "header footer nav main figure address summary legend body"
)
_SKIP = _html("pre script style svg math template textarea head")
_SKIP |= {"{http://www.w3.org/2000/svg}svg", "{http://www.w3.org/1998/Math/MathML}math"}
_INLINE = Inline(
    descend=_html(
        "a abbr acronym b bdi bdo big cite data del dfn em font i ins label mark q s small span strike "
        "strong sub sup time tt u ruby rb nobr"
    ),
    anchors=_html("code kbd samp var"),
    breaks={tag: "\n" for tag in _html("br")},
)
_TITLE = _html("title")
_HEAD = _html("head")


class Epub(ZippedXml):
    """A parsed .epub file; see the module docstring."""

    kind = ".epub"

    def _plan(self) -> list[tuple[str, Blocks]]:
        opf = self._rootfile()
        tree = self._package.parse(opf)
        items: dict[str, tuple[str, str, list[str]]] = {}  # id -> (member, media type, properties)
        for item in tree.getroot().iter(f"{{{OPF}}}item"):
            href = urlsplit(item.get("href") or "").path
            member = posixpath.normpath(posixpath.join(posixpath.dirname(opf), unquote(href)))
            properties = (item.get("properties") or "").split()
            items.setdefault(item.get("id") or "", (member, item.get("media-type") or "", properties))
        spine = next(tree.getroot().iter(f"{{{OPF}}}spine"), None)
        plan: list[tuple[str, Blocks]] = [(opf, _opf_blocks)]
        seen = {opf}
        for itemref in spine.iter(f"{{{OPF}}}itemref") if spine is not None else ():
            member, media_type, _ = items.get(itemref.get("idref") or "", ("", "", []))
            if media_type in _XHTML_TYPES and member not in seen:
                self._add(plan, seen, member, _chapter_blocks)
        if len(plan) == 1:
            raise FileFormatError(f"{self.name}: not a valid .epub file (its spine lists no XHTML chapter it holds)")
        for member, media_type, properties in items.values():
            if "nav" in properties and media_type in _XHTML_TYPES and member not in seen:
                self._add(plan, seen, member, _nav_blocks)
        toc = items.get(spine.get("toc") or "", ("", "", [])) if spine is not None else ("", "", [])
        ncx = toc[0] if toc[1] == _NCX_TYPE else next((m for m, t, _ in items.values() if t == _NCX_TYPE), "")
        if ncx and ncx not in seen:
            self._add(plan, seen, ncx, _ncx_blocks)
        return plan

    def _rootfile(self) -> str:
        """The package document's path, from ``META-INF/container.xml``."""
        container = self._package.parse("META-INF/container.xml")
        for rootfile in container.getroot().iter(f"{{{CONTAINER}}}rootfile"):
            path = rootfile.get("full-path")
            if path and self._package.has(path):
                return path
        raise FileFormatError(f"{self.name}: not a valid .epub file (container.xml names no package document)")

    def _add(self, plan: list[tuple[str, Blocks]], seen: set[str], member: str, blocks: Blocks) -> None:
        seen.add(member)
        if self._package.has(member):
            plan.append((member, blocks))
        else:
            self.warnings.append(f"{member} is listed in the package but missing; skipped")


def _opf_blocks(tree: etree._ElementTree) -> Iterator[tuple[bool, list[Slot]]]:
    """The book's titles (metadata: not body text)."""
    for title in tree.getroot().iter(f"{{{DC}}}title"):
        yield False, mixed_pieces(title, PLAIN)


def _chapter_blocks(tree: etree._ElementTree, in_body: bool = True) -> Iterator[tuple[bool, list[Slot]]]:
    """A chapter's ``<title>`` (not body text), then its blocks."""
    root = tree.getroot()
    for head in (child for child in root if child.tag in _HEAD):
        for title in (child for child in head if child.tag in _TITLE):
            yield False, mixed_pieces(title, PLAIN)
    for body, block in iter_blocks(root, _BLOCKS, _SKIP, in_body=in_body):
        yield body, mixed_pieces(block, _INLINE)


def _nav_blocks(tree: etree._ElementTree) -> Iterator[tuple[bool, list[Slot]]]:
    """The navigation document outside the spine: its labels, none of them body text."""
    return _chapter_blocks(tree, in_body=False)


def _ncx_blocks(tree: etree._ElementTree) -> Iterator[tuple[bool, list[Slot]]]:
    """The NCX's book title and table-of-contents labels (not body text)."""
    labels = {f"{{{NCX}}}docTitle", f"{{{NCX}}}navLabel"}
    for text in tree.getroot().iter(f"{{{NCX}}}text"):
        parent = text.getparent()
        if parent is not None and parent.tag in labels:
            yield False, mixed_pieces(text, PLAIN)
