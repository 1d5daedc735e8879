"""Translation memory files: TMX 1.4 and CSV, in and out.

A TMX file is read with lxml's parser with entities left unresolved, no DTD loaded, no network
and no huge trees, and a file declaring a DOCTYPE is refused outright: no external entity is
fetched (XXE) and no entity expands (billion laughs). Sizes are bounded by the caller's byte cap.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from translator._version import __version__
from translator.core.memory.base import Pair
from translator.errors import InvalidInputError

MAX_FILE_BYTES = 200 * 2**20  # the largest memory file read
FORMATS = ("tmx", "csv")
CSV_HEADER = ("language", "source", "target")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _primary(language: str) -> str:
    return language.strip().lower().replace("_", "-").split("-")[0]


def _seg_text(seg: Any) -> str:
    """A ``<seg>``'s text without its inline markup codes (``<ph>``, ``<bpt>``...: native codes)."""
    return (seg.text or "") + "".join(child.tail or "" for child in seg)


def read_tmx(data: bytes, target: str = "en") -> list[Pair]:
    """The pairs of a TMX document: each ``<tu>`` with a ``<tuv>`` in ``target`` (English) and one
    in another language. Raises InvalidInputError for a file that is not TMX, declares a DOCTYPE
    or is larger than :data:`MAX_FILE_BYTES`."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError(f"the TMX file has {len(data):,} bytes, at most {MAX_FILE_BYTES:,} are read")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # before parsing: nothing is declared, nothing expands
        raise InvalidInputError("the TMX file declares a DOCTYPE (entities): refused; TMX 1.4 needs none")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInputError(f"the TMX file is not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidInputError("the TMX file declares a DOCTYPE (entities): refused; TMX 1.4 needs none")
    if etree.QName(root).localname != "tmx":
        raise InvalidInputError(f"not a TMX file: its root element is <{etree.QName(root).localname}>, not <tmx>")
    header = root.find("header")
    srclang = _primary(header.get("srclang", "")) if header is not None else ""
    pairs = []
    for tu in root.iter("tu"):
        texts: dict[str, str] = {}
        for tuv in tu.findall("tuv"):
            language = _primary(tuv.get(_XML_LANG) or tuv.get("lang") or "")
            seg = tuv.find("seg")
            if language and seg is not None:
                texts.setdefault(language, _seg_text(seg))
        english = texts.pop(_primary(target), None)
        if english is None or not texts:
            continue
        language = srclang if srclang in texts else next(iter(texts))
        if texts[language].strip() and english.strip():
            pairs.append(Pair(language, texts[language], english))
    return pairs


def _xml_text(text: str) -> str:
    """``text`` escaped for XML, characters XML cannot hold replaced by U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", text))


def write_tmx(pairs: Iterable[Pair], out: TextIO, target: str = "en") -> int:
    """A TMX 1.4 document of ``pairs`` (header ``srclang="*all*"``); the number written."""
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        f'  <header creationtool="translator" creationtoolversion={quoteattr(__version__)} '
        'datatype="plaintext" segtype="sentence" adminlang="en" srclang="*all*" o-tmf="translator"/>\n  <body>\n'
    )
    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    written = 0
    for pair in pairs:
        out.write(
            f'    <tu creationdate="{date}">\n'
            f"      <tuv xml:lang={quoteattr(_NOT_XML.sub('', pair.language))}>"
            f"<seg>{_xml_text(pair.source)}</seg></tuv>\n"
            f"      <tuv xml:lang={quoteattr(target)}><seg>{_xml_text(pair.target)}</seg></tuv>\n"
            "    </tu>\n"
        )
        written += 1
    out.write("  </body>\n</tmx>\n")
    return written


def read_csv(data: bytes, language: str | None = None) -> list[Pair]:
    """The pairs of a UTF-8 CSV file: columns ``language,source,target`` (a header row naming
    them is skipped), or ``source,target`` with ``language`` given. Raises InvalidInputError for
    a row of another shape, a file that is not UTF-8 or is larger than :data:`MAX_FILE_BYTES`."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError(f"the CSV file has {len(data):,} bytes, at most {MAX_FILE_BYTES:,} are read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"the CSV file is not UTF-8: {exc}") from None
    pairs = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if not row or (
                number == 1 and [cell.strip().lower() for cell in row] in (list(CSV_HEADER), ["source", "target"])
            ):
                continue
            if len(row) == 3:
                pairs.append(Pair(row[0].strip(), row[1], row[2]))
            elif len(row) == 2 and language:
                pairs.append(Pair(language, row[0], row[1]))
            else:
                need = "language,source,target (or source,target with --language)"
                raise InvalidInputError(f"CSV row {number} has {len(row)} columns: each row is {need}")
    except csv.Error as exc:
        raise InvalidInputError(f"the CSV file cannot be read: {exc}") from None
    return pairs


def write_csv(pairs: Iterable[Pair], out: TextIO) -> int:
    """``pairs`` as CSV with a ``language,source,target`` header; the number written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    written = 0
    for pair in pairs:
        writer.writerow((pair.language, pair.source, pair.target))
        written += 1
    return written


def read_pairs(data: bytes, form: str, language: str | None = None) -> list[Pair]:
    """The pairs of a file in ``form`` ("tmx" or "csv"). Raises InvalidInputError."""
    if form == "tmx":
        return read_tmx(data)
    if form == "csv":
        return read_csv(data, language)
    raise InvalidInputError(f"a translation memory file is {' or '.join(FORMATS)}, not {form!r}")


def write_pairs(pairs: Iterable[Pair], out: TextIO, form: str) -> int:
    """Write ``pairs`` in ``form`` ("tmx" or "csv"); the number written. Raises InvalidInputError."""
    if form == "tmx":
        return write_tmx(pairs, out)
    if form == "csv":
        return write_csv(pairs, out)
    raise InvalidInputError(f"a translation memory file is {' or '.join(FORMATS)}, not {form!r}")
