"""The optional parts of the install (``pyproject.toml``'s extras) and the error that names the
one a feature needs.

``pip install .`` gives the Python API and the command line on text, Markdown, HTML, subtitle,
ODF and EPUB files; the extras add the rest. The README's install takes them all, so this error
only meets someone who installed a subset.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import TranslatorError

EXTRAS = {
    "server": "the web page and the REST API (translator serve, app.py)",
    "news": "links and feeds (translator follow, translator translate URL, /translate_url)",
    "office": "Word and PowerPoint files (.docx, .pptx)",
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
