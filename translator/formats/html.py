"""HTML: BeautifulSoup (``html.parser``); text nodes and a few attributes are translated.

Units: one per run of inline content between block boundaries (a ``<p>``, ``<li>``, ``<td>``,
``<h1>`` ... with its ``<b>``, ``<a>``, ``<span>`` children), so sentences stay whole; the
translation is spread back over the run's text nodes (:mod:`slots`), tags and attributes kept.
``<br>`` is a line break the translator keeps; inline ``<code>``/``<kbd>``/``<samp>``/``<var>``
are anchors. Untouched: ``<script>``, ``<style>``, ``<pre>``, ``<textarea>``, ``<svg>``,
``<math>``, ``<template>``, elements marked ``translate="no"`` or ``class="notranslate"``,
comments, the doctype, whitespace-only text. Attributes ``title``, ``alt``, ``placeholder``,
``aria-label`` and ``<meta name="description">`` are units of their own.

Output is re-serialised by BeautifulSoup (attribute order and void-tag style kept, entities
only where needed), with ``<meta charset>`` / ``http-equiv`` / ``<?xml encoding?>`` set to
UTF-8.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EntitySubstitution
from bs4.element import Doctype, PageElement, PreformattedString, ProcessingInstruction
from bs4.formatter import HTMLFormatter

from translator.formats import FileFormatError, has_letters
from translator.formats.html_parser import BoundedBuilder
from translator.formats.limits import check_tags
from translator.formats.slots import Slot, is_translatable, spread, unit_text

_INLINE = frozenset(
    "a abbr acronym b bdi bdo big cite data del dfn em font i ins label mark q s small span "
    "strike strong sub sup time tt u".split()
)
_ANCHORS = frozenset({"code", "kbd", "samp", "var"})
_SKIP = frozenset({"script", "style", "pre", "textarea", "template", "svg", "math"}) | _ANCHORS
_VOID_INLINE = frozenset({"img", "wbr", "input"})
_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
_VOID_START = re.compile(r"<(?:br|img|meta|link|hr|input)\b", re.IGNORECASE)
_XML_ENCODING = re.compile(r"""encoding=(["'])[^"']*\1""")


@dataclass
class _Found:
    """One unit: a run of inline text (``pieces``) or an attribute of ``tag``."""

    pieces: list[Slot] | None = None
    tag: Tag | None = None
    attribute: str = ""

    def unit(self) -> str:
        if self.pieces is not None:
            return unit_text(self.pieces)
        assert self.tag is not None
        return " ".join(str(self.tag[self.attribute]).split())


class _KeepOrderFormatter(HTMLFormatter):
    """bs4's HTML formatter, minus its alphabetical sorting of attributes."""

    def attributes(self, tag: Tag):  # type: ignore[override]
        return list(tag.attrs.items()) if tag.attrs else []


class _Everything(frozenset):
    """A set that contains every tag name."""

    def __contains__(self, item: object) -> bool:
        return True


class _Doctype(Doctype):
    SUFFIX = ">"


class _IndexedChildren:
    """``Tag.index`` from a cached position: bs4's own scans the children, and ``replace_with``
    calls it, so replacing the text nodes of an element with thousands of them was quadratic.
    A cached position is used only if the child is still there, else the cache is rebuilt."""

    contents: list[PageElement]
    _positions: dict[int, int] | None = None

    def index(self, element: PageElement) -> int:
        """The position of ``element`` (by identity) among the children; raises ValueError."""
        at = self._positions.get(id(element)) if self._positions is not None else None
        if at is None or at >= len(self.contents) or self.contents[at] is not element:
            self._positions = {id(child): i for i, child in enumerate(self.contents)}
            at = self._positions.get(id(element))
            if at is None:
                raise ValueError("Tag.index: element not in tag")
        return at


class _Tag(_IndexedChildren, Tag):
    pass


class _Soup(_IndexedChildren, BeautifulSoup):
    pass


def _escape_text(text: str) -> str:
    # Only what HTML requires (&, <, >); keep no-break spaces visible as &nbsp;.
    return EntitySubstitution.substitute_xml(text).replace("\xa0", "&nbsp;")


class Html:
    """A parsed HTML document; see the module docstring."""

    def __init__(self, text: str, name: str, source_encoding: str) -> None:
        self._source = text
        self._name = name
        self._add_charset = source_encoding not in ("utf-8", "utf-8-sig", "ascii")
        self.warnings: list[str] = []
        self.units: list[str] = []
        found = _collect(self._parse())
        self.units = [f.unit() for f in found]
        self.text = "\n\n".join(unit for f, unit in zip(found, self.units) if f.pieces is not None)

    def _parse(self) -> BeautifulSoup:
        check_tags(self._source, self._name)
        try:
            with warnings.catch_warnings():
                # bs4 warns when markup looks like a file name or URL; a short upload may.
                warnings.simplefilter("ignore")
                # Keep whitespace-only text as it is (bs4 collapses it to one character
                # outside <pre>) and print the doctype without an added newline.
                builder = BoundedBuilder(self._name, preserve_whitespace_tags=_Everything())
                return _Soup(self._source, builder=builder, element_classes={Doctype: _Doctype, Tag: _Tag})
        except FileFormatError:
            raise
        except Exception as exc:  # bs4 raises ParserRejectedMarkup and parser errors
            raise FileFormatError(f"{self._name}: HTML could not be parsed ({exc})") from None

    def render(self, translations: list[str]) -> str:
        """The re-serialised document with translated text and attributes."""
        soup = self._parse()
        for found, unit, translation in zip(_collect(soup), self.units, translations):
            if translation == unit:
                continue
            if found.pieces is None:
                assert found.tag is not None
                found.tag[found.attribute] = " ".join(translation.split())
                continue
            for piece, new in zip(found.pieces, spread(translation, found.pieces)):
                if new is not None and new != piece.text:
                    piece.ref.replace_with(new)
        self._declare_utf8(soup)
        prefix = "/" if _writes_self_closing(self._source) else ""  # <br/> or <br>
        formatter = _KeepOrderFormatter(entity_substitution=_escape_text, void_element_close_prefix=prefix)
        return soup.decode(formatter=formatter)

    def _declare_utf8(self, soup: BeautifulSoup) -> None:
        # <meta charset> and http-equiv are rewritten by bs4 itself when it serialises.
        for node in soup.find_all(string=lambda s: isinstance(s, ProcessingInstruction)):
            if node.startswith("xml") and "encoding=" in node:
                node.replace_with(ProcessingInstruction(_XML_ENCODING.sub('encoding="utf-8"', str(node))))
        declared = soup.find("meta", attrs={"charset": True}) or soup.find(
            "meta", attrs={"http-equiv": re.compile("^content-type$", re.IGNORECASE)}
        )
        if self._add_charset and declared is None and soup.head is not None:
            # The source was cp1250/ISO-8859-2 and said nothing: without a declaration a
            # browser would read the UTF-8 output as windows-1252.
            soup.head.insert(0, soup.new_tag("meta", attrs={"charset": "utf-8"}))


def _collect(soup: BeautifulSoup) -> list[_Found]:
    """Units of ``soup`` in document order, found the same way on every parse."""
    entries: list[_Found] = []
    group: list[Slot] = []

    def flush() -> None:
        nonlocal group
        if is_translatable(group):
            entries.append(_Found(pieces=group))
        group = []

    def attributes(tag: Tag) -> None:
        names = [a for a in _ATTRIBUTES if isinstance(tag.get(a), str)]
        description = tag.name == "meta" and str(tag.get("name", "")).lower() == "description"
        if description and isinstance(tag.get("content"), str):
            names.append("content")
        for attribute in names:
            if has_letters(str(tag[attribute])):
                entries.append(_Found(tag=tag, attribute=attribute))

    # Depth-first, with an explicit stack (documents may nest 100,000 levels): each frame is
    # the children still to visit and what closing the element adds ("inline", "block").
    stack: list[tuple[Iterator[PageElement], str]] = [(iter(list(soup.children)), "")]
    while stack:
        children, closing = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if closing == "inline":
                group.append(Slot("glue", "", side="close"))
            elif closing == "block":
                flush()
            continue
        if isinstance(child, PreformattedString):  # comment, doctype, CDATA, <?...?>
            continue
        if isinstance(child, NavigableString):
            group.append(Slot("text", str(child), ref=child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _SKIP or _no_translate(child):
            if name in _ANCHORS or name in _INLINE:
                group.append(Slot("anchor", child.get_text()))
            else:
                flush()
            continue
        attributes(child)
        if name == "br":
            group.append(Slot("break", "\n"))
        elif name in _VOID_INLINE:
            group.append(Slot("glue", ""))
        elif name in _INLINE:
            group.append(Slot("glue", "", side="open"))
            stack.append((iter(list(child.children)), "inline"))
        else:
            flush()
            stack.append((iter(list(child.children)), "block"))
    flush()
    return entries


def _writes_self_closing(source: str) -> bool:
    """True if a void tag in ``source`` is written ``<br/>``: the first ``>`` after its name
    follows a ``/``. Void tags that share that ``>`` are checked once, so that thousands of
    ``<br`` without a ``>`` cost one scan, not one each (as a ``<br\\b[^>]*/>`` search did)."""
    end = -1
    for match in _VOID_START.finditer(source):
        if match.start() < end:
            continue  # the same first ">" as the void tag before it
        end = source.find(">", match.end())
        if end < 0:
            return False
        if source[end - 1] == "/":
            return True
    return False


def _no_translate(tag: Tag) -> bool:
    classes: str | list[str] = tag.get("class") or []
    return str(tag.get("translate", "")).lower() == "no" or "notranslate" in classes
