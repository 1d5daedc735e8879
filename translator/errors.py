"""The base of every error a user of translator can see, in the lowest layer so that every
module can raise it.

Catch :class:`TranslatorError` to handle anything the package refuses (bad input, a missing
model, an unreadable file) while letting real bugs through. Each subclass also keeps the builtin
base it always had (``ValueError``, ``RuntimeError``, ``OSError``), so existing ``except
ValueError`` code goes on working.
"""

from __future__ import annotations


class TranslatorError(Exception):
    """Something the user can fix: the message names what is wrong and how to fix it."""


class InvalidInputError(TranslatorError, ValueError):
    """A bad value: an option, a language code, a text too long, a cache spec ..."""


class InvalidTypeError(TranslatorError, TypeError):
    """A value of the wrong type given to a public function (``translate(42)``)."""
