"""The base of every error a user of translator can see, in the lowest layer so that every
module can raise it.

Catch :class:`TranslatorError` to handle anything the package refuses (bad input, a missing
model, an unreadable file) while letting real bugs through. Each subclass also keeps the builtin
base it always had (``ValueError``, ``RuntimeError``, ``OSError``), so existing ``except
ValueError`` code goes on working.

A hint names the fix in the words of the surface the user is on (:func:`surface`): a Python
caller reads ``source="sl"``, the command line ``--source sl``, a REST client ``"source": "sl"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class TranslatorError(Exception):
    """Something the user can fix: the message names what is wrong and how to fix it."""


class InvalidInputError(TranslatorError, ValueError):
    """A bad value: an option, a language code, a text too long, a cache spec ..."""


class InvalidTypeError(TranslatorError, TypeError):
    """A value of the wrong type given to a public function (``translate(42)``)."""


# -- where the user is: a hint names the fix in the words of that surface ------------------------

SURFACES = ("python", "cli", "rest", "page")
_surface: ContextVar[str] = ContextVar("translator_surface", default="python")


def current_surface() -> str:
    """The surface errors are phrased for now: "python" (the default: ``source="sl"``), "cli"
    (``--source sl``), "rest" (``"source": "sl"``) or "page" (the page's controls)."""
    return _surface.get()


@contextmanager
def surface(name: str) -> Iterator[None]:
    """Phrase the hints of errors raised inside the block for ``name`` (one of :data:`SURFACES`):
    the command line wraps each command in ``surface("cli")``."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}: choose one of {', '.join(SURFACES)}")
    token = _surface.set(name)
    try:
        yield
    finally:
        _surface.reset(token)


def phrased(exc: BaseException, name: str) -> str:
    """The message of ``exc`` with its hint in the words of surface ``name``: errors whose hint
    depends on it have ``message_for(surface)``; any other error is ``str(exc)``."""
    message_for = getattr(exc, "message_for", None)
    return message_for(name) if callable(message_for) else str(exc)


# -- optional parts of the install (pyproject.toml's extras) ------------------------------------
# ``pip install .`` gives the Python API and the command line on text, Markdown, HTML, subtitle,
# ODF and EPUB files; the extras add the rest. The README's install takes them all, so
# MissingExtraError only meets someone who installed a subset.

EXTRAS = {
    "server": "the web page and the REST API (translator serve, app.py)",
    "news": "links and feeds (translator follow, translator translate URL, /translate_url)",
    "office": "Word, PowerPoint and PDF files (.docx, .pptx, .pdf)",
    "evaluate": "quality scores (translator evaluate)",
}


class MissingExtraError(TranslatorError, ImportError):
    """A feature whose extra is not installed. The message names the feature, the extra, the
    import that failed (its whole message: a library's own fix is kept) and the install command."""

    def __init__(self, extra: str, feature: str, cause: ImportError) -> None:
        reason = str(cause) or f"No module named {cause.name!r}"
        super().__init__(
            f"{feature} needs the '{extra}' extra ({EXTRAS[extra]}), which is not fully installed: {reason}\n"
            f"install it with: pip install 'translator[{extra}]' (the README's install has every extra)"
        )
        self.extra = extra


@contextmanager
def needs_extra(extra: str, feature: str) -> Iterator[None]:
    """Turn an ImportError raised inside the block into :class:`MissingExtraError` naming
    ``extra`` (a key of :data:`EXTRAS`) and ``feature`` (what the user asked for)."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}: choose one of {', '.join(EXTRAS)}")
    try:
        yield
    except MissingExtraError:
        raise
    except ImportError as exc:
        raise MissingExtraError(extra, feature, exc) from exc
