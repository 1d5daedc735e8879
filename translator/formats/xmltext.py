"""Paragraphs of XML documents as slots (:mod:`slots`), for the OpenDocument, EPUB and
PowerPoint readers: finding the paragraphs, reading their text, writing the translation back.

* :func:`iter_blocks` finds the paragraph elements of a tree in document order, paragraphs
  nested in paragraphs included (an ODF text box inside a paragraph, a list inside a list
  item), skipping subtrees that hold no document text (tracked deletions, scripts).
* :func:`mixed_pieces` reads one paragraph of *mixed content* (ODF, XHTML: text in an
  element's ``text`` and in its children's ``tail``) as slots, following :class:`Inline`: the
  inline elements it descends into (spans, links, bold), the anchors it shows but keeps
  (fields, inline code), the breaks (line breaks, tabs) and the spaces (``text:s``). Anything
  else is skipped with its content, its tail still being paragraph text; nested paragraphs are
  units of their own.
* :func:`write_translation` spreads a translation over the slots and writes each changed text
  through its :class:`TextRef`.

Nothing here recurses along the input: trees are walked with explicit stacks.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from translator.formats.slots import Slot, spread

# Characters XML 1.0 cannot hold: lxml refuses to set them, so a translation drops them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class TextRef:
    """Where a slot's text lives: ``element.text`` or ``element.tail`` (``attr``). When that text
    was split at tabs into ``parts`` (shared by its slots), the slot is ``parts[index]``."""

    element: Any
    attr: str = "text"
    parts: list[str] | None = None
    index: int = 0

    def set(self, text: str) -> None:
        """Write ``text`` (XML-invalid characters removed) in place of this slot's text."""
        text = _NOT_XML.sub("", text)
        if self.parts is not None:
            self.parts[self.index] = text
            text = "\t".join(self.parts)
        setattr(self.element, self.attr, text)


@dataclass(frozen=True)
class Inline:
    """What a paragraph's children are, by tag (``{namespace}local``): ``descend`` (inline
    elements whose text is paragraph text), ``anchors`` (kept as they are, shown to the
    translator), ``breaks`` (tag -> ``"\\n"`` or ``"\\t"``), ``spaces`` (kept, shown as a space).
    Other elements of ``anchor_namespace`` but not of ``skip`` are anchors too (ODF's many
    fields); anything else is skipped with its content."""

    descend: frozenset[str] = frozenset()
    anchors: frozenset[str] = frozenset()
    breaks: Mapping[str, str] = field(default_factory=dict)
    spaces: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    anchor_namespace: str = ""

    def kind(self, tag: str) -> str:
        """ "descend", "anchor", "break", "space" or "skip" for an element's ``tag``."""
        if tag in self.descend:
            return "descend"
        if tag in self.breaks:
            return "break"
        if tag in self.spaces:
            return "space"
        if tag in self.anchors or (
            self.anchor_namespace and tag not in self.skip and tag.startswith(self.anchor_namespace)
        ):
            return "anchor"
        return "skip"


PLAIN = Inline()
"""Rules for elements that hold text only (an NCX label, a title): no children are read."""


def iter_blocks(
    root: etree._Element,
    blocks: frozenset[str],
    skip: frozenset[str] = frozenset(),
    aside: frozenset[str] = frozenset(),
    in_body: bool = True,
    within: Callable[[etree._Element], bool] | None = None,
) -> Iterator[tuple[bool, etree._Element]]:
    """(in body?, element) for each element of ``root``'s subtree (``root`` included) whose tag
    is in ``blocks``, in document order. Subtrees under a ``skip`` tag are not searched; under an
    ``aside`` tag (slide notes) the paragraphs are not body text. With ``within``, only blocks
    inside an element for which it is true count (ODF headers and footers)."""

    def enter(element: etree._Element, body: bool, inside: bool) -> tuple[bool, bool]:
        return body and element.tag not in aside, inside or (within is not None and within(element))

    if not isinstance(root.tag, str) or root.tag in skip:
        return
    body, inside = enter(root, in_body, within is None)
    if inside and root.tag in blocks:
        yield body, root
    stack = [(iter(root), body, inside)]
    while stack:
        children, body, inside = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if not isinstance(child.tag, str) or child.tag in skip:
            continue
        child_body, child_inside = enter(child, body, inside)
        if child_inside and child.tag in blocks:
            yield child_body, child
        stack.append((iter(child), child_body, child_inside))


def mixed_pieces(block: etree._Element, rules: Inline) -> list[Slot]:
    """The slots of ``block``, a paragraph of mixed content, in document order: its text, the
    text and tails of the inline elements it descends into, anchors, breaks and spaces."""
    pieces: list[Slot] = []
    _text(pieces, block, "text", False)
    # (children, the element whose tail follows them, whether they are inside an anchor)
    stack: list[tuple[Iterator[etree._Element], etree._Element | None, bool]] = [(iter(block), None, False)]
    while stack:
        children, owner, anchor = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if owner is not None:
                _text(pieces, owner, "tail", stack[-1][2])
            continue
        if isinstance(child, etree._Entity):
            pieces.append(_entity(child))
        elif isinstance(child.tag, str):
            kind = rules.kind(child.tag)
            if kind in ("descend", "anchor"):
                inner = anchor or kind == "anchor"
                _text(pieces, child, "text", inner)
                stack.append((iter(child), child, inner))
                continue
            if kind == "break":
                pieces.append(Slot("break", rules.breaks[child.tag]))
            elif kind == "space":
                pieces.append(Slot("glue", " ", display=" "))
        _text(pieces, child, "tail", anchor)  # comments, skipped elements: their tail is text
    return pieces


def _text(pieces: list[Slot], element: etree._Element, attr: str, anchor: bool) -> None:
    value = getattr(element, attr)
    if value:
        pieces.append(Slot("anchor" if anchor else "text", value, ref=TextRef(element, attr)))


def _entity(entity: etree._Entity) -> Slot:
    """An unresolved entity reference (``&nbsp;`` in an XHTML chapter with a DTD): kept, shown
    as its character (a space for a space)."""
    char = html.entities.html5.get(f"{entity.name};", "")
    if not char.strip():
        return Slot("glue", " ", display=" " if char else "")
    return Slot("anchor", entity.text or "", display=char)


def split_tabs(element: etree._Element, anchor: bool = False) -> list[Slot]:
    """The slots of an element holding text only (PowerPoint's ``a:t``), whose tabs are literal
    characters: text slots between tab breaks, all writing back to ``element.text``."""
    parts = (element.text or "").split("\t")
    pieces: list[Slot] = []
    for index, part in enumerate(parts):
        if index:
            pieces.append(Slot("break", "\t"))
        if part:
            pieces.append(Slot("anchor" if anchor else "text", part, ref=TextRef(element, "text", parts, index)))
    return pieces


def write_translation(pieces: list[Slot], translation: str) -> None:
    """Spread ``translation`` over ``pieces`` and write each text slot that changed."""
    for piece, new in zip(pieces, spread(translation, pieces)):
        if new is not None and new != piece.text and isinstance(piece.ref, TextRef):
            piece.ref.set(new)
