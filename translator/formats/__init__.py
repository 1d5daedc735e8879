"""Readers and writers for the supported document formats; use :mod:`translator.formats.files`.

Each format module exposes a class with ``units`` (texts to translate, in order), ``text``
(plain text of the document), ``warnings`` and ``render(translations) -> str | bytes``.
Text formats see and return text with ``"\\n"`` line endings; :mod:`translator.formats.files` does
the decoding, encoding and line-ending conversion.

Layer: imports text, system and the base modules; never engines, testing, core or above.
"""

from __future__ import annotations

from typing import Protocol

from translator.errors import TranslatorError

# The registry of the formats read: each suffix and its format (translator.formats.files has the readers).
# Everything that lists formats (the CLI's help, the REST API's, the page's upload) reads it here.
FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".odt": "odt",
    ".odp": "odp",
    ".pptx": "pptx",
    ".epub": "epub",
    ".srt": "srt",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(FORMATS)

# Formats translated into another one: a .pdf comes back as a Word .docx (translator.formats.pdf says why).
OUTPUT_SUFFIXES: dict[str, str] = {"pdf": ".docx"}


class FileFormatError(TranslatorError, ValueError):
    """A file that cannot be read or written: unsupported, undecodable, binary or corrupt.

    The message names the file and the reason, e.g.
    ``"x.bin: looks binary (NUL bytes), not translated"``.
    """


class FileTooLargeError(FileFormatError):
    """A file larger than the limit once unpacked (checked before it is parsed). ``size`` and
    ``limit`` are in bytes."""

    def __init__(self, message: str, size: int, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class MarkupTooComplexError(FileTooLargeError):
    """A file within the byte limit whose structure is too big or too costly to parse safely:
    more HTML tags than :data:`~translator.formats.limits.MAX_TAGS`, more zip members than
    :data:`~translator.formats.limits.MAX_MEMBERS`, markup that would make the parser rescan
    the document over and over. ``size`` and ``limit`` count what the message names (tags,
    members, characters rescanned), not bytes."""


def megabytes(size: int) -> str:
    """``size`` in MiB for messages, e.g. ``"420.0 MiB"``."""
    return f"{size / 2**20:.1f} MiB"


class Parsed(Protocol):
    """What a format module returns for one document."""

    units: list[str]
    text: str
    warnings: list[str]

    def render(self, translations: list[str]) -> str | bytes:
        """The document with ``translations[i]`` in place of ``units[i]``."""
        ...


def has_letters(text: str) -> bool:
    """True if ``text`` contains a letter: numbers, symbols and markup are not worth translating."""
    return any(ch.isalpha() for ch in text)
