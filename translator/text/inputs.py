"""Checks of what callers pass in: one set of rules for every entry point.

Text validity is decided here, once: a ``str`` holding a lone surrogate (``"\\ud800"``, which
JSON's ``\\ud800`` escape, ``surrogateescape`` decoding or a broken client can produce) cannot be
encoded as UTF-8, so no tokenizer, file or HTTP response could carry it. It is refused with
:class:`InvalidTextError`, which names the position, instead of failing somewhere deeper.
"""

from __future__ import annotations

import re

from translator.errors import InvalidInputError, InvalidTypeError

_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidTextError(InvalidInputError):
    """Text that cannot be encoded as UTF-8 (a lone surrogate). ``position`` is the index of the
    first bad character in the text, ``what`` names the text (a field, a function)."""

    def __init__(self, what: str, position: int, char: str) -> None:
        code = ord(char)
        # U+DC80..U+DCFF is how Python's surrogateescape spells a byte that was not UTF-8
        found = (
            f"a byte that is not UTF-8 (0x{code - 0xDC00:02x})"
            if 0xDC80 <= code <= 0xDCFF
            else f"a lone surrogate U+{code:04X} (not valid Unicode text)"
        )
        super().__init__(f"{what} has {found} at position {position}: send UTF-8 text")
        self.what = what
        self.position = position


class CheckedText(str):
    """A ``str`` that :func:`check_text` has passed. Text is checked once, at the edge where it
    comes in (the page, a REST route, the Python API); each layer below calls :func:`check_text`
    as its own guard, and for a CheckedText that costs nothing. Any str operation (a slice, a
    strip) gives a plain str again, which is checked anew."""

    __slots__ = ()


def built_from_checked(text: str) -> CheckedText:
    """Mark text this package built from checked text and decoded model output (the English of
    a document on its way to the summariser): it is valid by construction."""
    return text if isinstance(text, CheckedText) else CheckedText(text)


def check_encodable(text: str, what: str = "the text") -> str:
    """Return ``text`` if it can be encoded as UTF-8; raise InvalidTextError naming the position
    of its first lone surrogate otherwise."""
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise InvalidTextError(what, bad.start(), bad.group())
    return text


def check_text(text: object, what: str = "translate()") -> CheckedText:
    """Return ``text`` as a :class:`CheckedText` if it is a str of valid Unicode (at once when it
    was checked already); TypeError naming what was passed, or InvalidTextError (a ValueError)
    naming the position of a lone surrogate, otherwise."""
    if type(text) is CheckedText:
        return text
    if not isinstance(text, str):
        raise InvalidTypeError(f"{what} expects a str or a list of str, got {type(text).__name__}: {text!r:.80}")
    return CheckedText(check_encodable(text, f"the text given to {what}"))


def check_texts(texts: object, what: str = "translate()") -> list[str]:
    """Return ``texts`` as a list of valid str, or raise TypeError / InvalidTextError naming the
    first bad item."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
        raise InvalidTypeError(f"{what} expects a str or a list of str, got {type(texts).__name__}")
    checked: list[str] = []
    for index, item in enumerate(texts):
        if type(item) is CheckedText:
            checked.append(item)
            continue
        if not isinstance(item, str):
            raise InvalidTypeError(f"{what}: item {index} is {type(item).__name__}, not str: {item!r:.80}")
        checked.append(CheckedText(check_encodable(item, f"item {index} given to {what}")))
    return checked


def check_size(text: str, max_chars: int | None) -> str:
    """Return ``text`` unless it is longer than ``max_chars``; ValueError naming both sizes."""
    if max_chars is not None and len(text) > max_chars:
        raise InvalidInputError(
            f"the text has {len(text):,} characters, more than the limit of {max_chars:,}: "
            "split it, or raise the limit (--max-chars)"
        )
    return text
