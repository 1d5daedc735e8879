"""Bounds on what a reader parses, so that a hostile upload costs time and memory in proportion
to the limits, never to the parsers' worst cases.

* Text formats are refused from their byte size, before any decoding, when they are larger than
  ``max_chars`` characters of text could need (:func:`check_text_bytes`, the rule in
  :data:`TEXT_BYTES`).
* HTML is refused past :data:`MAX_TAGS` tags, counted with a linear regular expression before
  the tree is built (:func:`count_tags`); html.parser's rescans of unterminated markup are
  bounded by :data:`MAX_RESCAN` (:mod:`translator.formats.html_parser`). Markdown is refused
  past :data:`MAX_MARKDOWN_MARKS` line breaks and markup characters, which bound its tokens.
* Zip-based formats are inflated by :mod:`translator.formats.archive` in chunks of
  :data:`INFLATE_CHUNK`, counting the bytes that really come out against ``max_bytes`` and
  :data:`MAX_RATIO`, and refused past :data:`MAX_MEMBERS` members; the XML members of an
  OpenDocument, PowerPoint or EPUB file are refused past :data:`MAX_XML_TAGS` tags in all
  (:func:`check_xml_tags`), counted before any of them is parsed.

No reader recurses along the input's nesting (trees are walked with explicit stacks), so
nesting depth needs no limit of its own: it is bounded by the tag and mark counts (and
markdown-it stops nesting at its ``maxNesting``, lxml at 256 levels).
"""

from __future__ import annotations

import re

from translator.formats import FileTooLargeError, MarkupTooComplexError

TEXT_BYTES = {"txt": (8, 4), "srt": (16, 256 * 2**10), "md": (16, 2**20), "html": (32, 4 * 2**20)}
"""(bytes per character, bytes allowed on top) per text format for :func:`check_text_bytes`.

``.txt``: 8 bytes per character plus a 4-byte BOM is the most any text can take (UTF-32 with
CRLF line endings, which count as one character), so a text that fits ``max_chars`` is never
refused. ``.srt``, ``.md``, ``.html``: markup that is not text (timings, link targets, code, tags,
scripts, styles) is allowed on top, generously: a file refused here is far from a news article."""

MAX_TAGS = 200_000
"""Most HTML tags accepted: start and end tags, comments, doctypes and processing instructions
(100,000 elements, each opened and closed). A long news page has a few thousand."""

MAX_RESCAN = 8
"""html.parser goes back to the end of the document for every unterminated tag, comment or
declaration (``<a b='...`` with no closing quote, ``<!--`` with no ``-->``), which makes
thousands of them quadratic. The characters those rescans cover may add up to this many times
the document's length (plus :data:`RESCAN_ALLOWANCE`): enough for a truncated page, and past it
the document is refused with MarkupTooComplexError."""

RESCAN_ALLOWANCE = 2**20

MAX_MARKDOWN_MARKS = 100_000
"""Most line breaks and markup characters (``* _ ` ~ [ ] ( ) < > ! & \\ | # - + = . )``) accepted
in a Markdown file. markdown-it makes at most a few tokens of about 350 bytes each per such
character, so this keeps a parse near 100 MB at worst; prose of 100,000 characters has a few
thousand."""

MAX_MEMBERS = 10_000
"""Most members accepted in a zip-based document (a .docx has a few dozen; images add one each).
Counted from the central directory's signatures before zipfile builds one object per member."""

MAX_RATIO = 200
"""Largest compression ratio accepted for a zip member once it has inflated past
:data:`RATIO_FLOOR`: Word's XML compresses 5-20x, a zip bomb's filler about 1000x."""

RATIO_FLOOR = 2**20

MAX_XML_TAGS = 1_000_000
"""Most tags (``<`` characters, so start and end tags count apart) accepted in the XML members
of an .odt, .odp, .pptx or .epub, all together: lxml holds a node of about 100-200 bytes per
element, so this keeps the parsed trees of a hostile document near 200 MB at worst, whatever
its size in bytes. A 300-page novel has about 50,000."""

INFLATE_CHUNK = 64 * 2**10
"""Bytes inflated per step: the most that is held in memory while a member is checked."""

_MARKDOWN_MARKS = re.compile(r"[\n*_`~\[\]()<>!&\\|#\-+=.)]")
_TAGS_TEXT = re.compile(r"<[A-Za-z!?/]")
# The same in any encoding the readers accept: UTF-8 and the code pages (one byte), UTF-16 and
# UTF-32 in either byte order (NULs between "<" and the letter).
_TAGS_BYTES = re.compile(rb"<\x00{0,3}[A-Za-z!?/]")


def text_byte_limit(fmt: str, max_chars: int) -> int:
    """The most bytes a ``fmt`` ("txt", "srt", "md", "html") file with ``max_chars``
    characters of text may take, by :data:`TEXT_BYTES`. Raises KeyError for other formats."""
    per_char, extra = TEXT_BYTES[fmt]
    return per_char * max_chars + extra


def check_text_bytes(size: int, fmt: str, name: str, max_chars: int | None) -> None:
    """Refuse a text file of ``size`` bytes that cannot hold at most ``max_chars`` characters of
    text (None: no limit; formats without a rule, such as "docx", are not checked).

    Returns None; raises FileTooLargeError naming both sizes."""
    if max_chars is None or fmt not in TEXT_BYTES:
        return
    limit = text_byte_limit(fmt, max_chars)
    if size > limit:
        per_char, extra = TEXT_BYTES[fmt]
        raise FileTooLargeError(
            f"{name}: {size:,} bytes is more than a .{fmt} file with at most {max_chars:,} characters "
            f"of text may take (limit {limit:,} bytes: {per_char} per character + {extra:,}); "
            "refused before reading it",
            size,
            limit,
        )


def count_tags(markup: bytes | str, limit: int = MAX_TAGS) -> int:
    """Number of tags in ``markup`` (an upper bound: a ``<p`` inside a script counts too), but
    counting stops at ``limit + 1``, so the cost is linear and small even for huge input."""
    return _count(_TAGS_BYTES if isinstance(markup, bytes) else _TAGS_TEXT, markup, limit)


def _count(pattern: re.Pattern, markup: bytes | str, limit: int) -> int:
    count = 0
    for count, _ in enumerate(pattern.finditer(markup), 1):
        if count > limit:
            break
    return count


def check_markdown_marks(text: str, name: str, limit: int | None = None) -> None:
    """Refuse Markdown with more than ``limit`` (default :data:`MAX_MARKDOWN_MARKS`) line breaks
    and markup characters, counted before it is parsed.

    Returns None; raises MarkupTooComplexError."""
    limit = MAX_MARKDOWN_MARKS if limit is None else limit
    if _count(_MARKDOWN_MARKS, text, limit) > limit:
        raise MarkupTooComplexError(
            f"{name}: more than {limit:,} lines and markup characters in the Markdown; refused before parsing it",
            limit + 1,
            limit,
        )


def check_tags(markup: bytes | str, name: str, limit: int = MAX_TAGS) -> None:
    """Refuse markup with more than ``limit`` tags (see :func:`count_tags`).

    Returns None; raises MarkupTooComplexError."""
    if count_tags(markup, limit) > limit:
        raise MarkupTooComplexError(
            f"{name}: more than {limit:,} HTML tags; refused before parsing it", limit + 1, limit
        )


def check_xml_tags(count: int, name: str, kind: str, limit: int | None = None) -> None:
    """Refuse a ``kind`` (".odt") document whose XML members hold ``count`` tags, more than
    ``limit`` (default :data:`MAX_XML_TAGS`).

    Returns None; raises MarkupTooComplexError."""
    limit = MAX_XML_TAGS if limit is None else limit
    if count > limit:
        raise MarkupTooComplexError(
            f"{name}: more than {limit:,} XML tags in the {kind} file; refused before parsing it", count, limit
        )
