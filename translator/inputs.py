"""Checks of what callers pass in: one set of rules for every entry point."""

from __future__ import annotations


def check_text(text: object, what: str = "translate()") -> str:
    """Return ``text`` if it is a str; raise TypeError naming what was passed otherwise."""
    if not isinstance(text, str):
        raise TypeError(f"{what} expects a str or a list of str, got {type(text).__name__}: {text!r:.80}")
    return text


def check_texts(texts: object, what: str = "translate()") -> list[str]:
    """Return ``texts`` as a list of str, or raise TypeError naming the first bad item."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
        raise TypeError(f"{what} expects a str or a list of str, got {type(texts).__name__}")
    for index, item in enumerate(texts):
        if not isinstance(item, str):
            raise TypeError(f"{what}: item {index} is {type(item).__name__}, not str: {item!r:.80}")
    return list(texts)


def check_size(text: str, max_chars: int | None) -> str:
    """Return ``text`` unless it is longer than ``max_chars``; ValueError naming both sizes."""
    if max_chars is not None and len(text) > max_chars:
        raise ValueError(f"the text has {len(text):,} characters, more than the limit of {max_chars:,}: "
                         "split it, or raise the limit (--max-chars)")
    return text
