"""Glossary files: CSV (``source,target[,language]``) and TBX (TermBase eXchange), read safely.

CSV: one term a row, UTF-8 (a BOM is fine) or a legacy encoding the text reader detects; an
optional header row whose first two cells are ``source`` and ``target`` (any case); the third
column, when present and not empty, is the source language the term applies to (ISO 639-1);
else the term applies to every source language.

TBX (2008 ``martif``/``termEntry``/``langSet``/``tig`` and TBX v3 ``tbx``/``conceptEntry``/
``langSec``/``termSec``): each entry's English term (the first ``en``/``en-*`` one) is the
target of every other language's terms in the entry. Parsed with lxml without entities, DTDs or
network (``package.xml_parser``); a file that declares entities is refused.

Both are bounded: :data:`MAX_GLOSSARY_BYTES` per file and :data:`~translator.text.terms.MAX_TERMS`
terms.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from translator.formats import FileFormatError
from translator.formats.encoding import decode_text
from translator.formats.package import parse_xml
from translator.text.terms import MAX_TERMS, Term, Terms

__all__ = ["MAX_GLOSSARY_BYTES", "load_terms", "parse_glossary", "read_glossary", "read_keep_file"]

MAX_GLOSSARY_BYTES = 8 * 1024 * 1024
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read_glossary(path: str | Path) -> list[Term]:
    """The terms of the glossary file at ``path`` (CSV or TBX, by its content).

    Raises:
        FileFormatError: the file is missing, too large, or not a glossary (the message says why).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_GLOSSARY_BYTES + 1)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the glossary ({exc.strerror or exc})") from None
    return parse_glossary(data, path.name)


def parse_glossary(data: bytes, name: str) -> list[Term]:
    """The terms of a glossary file's bytes (``name``: for messages): TBX when it is XML, else CSV.
    Raises FileFormatError as :func:`read_glossary`."""
    if len(data) > MAX_GLOSSARY_BYTES:
        raise FileFormatError(f"{name}: a glossary is at most {MAX_GLOSSARY_BYTES // (1024 * 1024)} MB")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    terms = _tbx(data, name) if head == b"<" else _csv(data, name)
    if not terms:
        raise FileFormatError(f"{name}: no glossary terms (CSV rows 'source,target[,language]', or TBX)")
    if len(terms) > MAX_TERMS:
        raise FileFormatError(f"{name}: {len(terms)} terms; a glossary holds at most {MAX_TERMS}")
    return terms


def read_keep_file(path: str | Path) -> list[str]:
    """The do-not-translate strings of a text file, one a line (blank lines and lines starting
    with ``#`` skipped). Raises FileFormatError as :func:`read_glossary`."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_GLOSSARY_BYTES + 1)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the do-not-translate list ({exc.strerror or exc})") from None
    if len(data) > MAX_GLOSSARY_BYTES:
        raise FileFormatError(f"{path}: a do-not-translate list is at most {MAX_GLOSSARY_BYTES // (1024 * 1024)} MB")
    text, _encoding, _notes = decode_text(data, path.name)
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _csv(data: bytes, name: str) -> list[Term]:
    text, _encoding, _notes = decode_text(data, name)
    terms = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FileFormatError(f"{name}: not a valid CSV glossary ({exc})") from None
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["source", "target"]:
            continue  # the header
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise FileFormatError(f"{name}: row {number} is not 'source,target[,language]': {row!r}")
        terms.append(Term(cells[0], cells[1], (cells[2] or None) if len(cells) > 2 else None))
        if len(terms) > MAX_TERMS:
            break
    return terms


def _tbx(data: bytes, name: str) -> list[Term]:
    root = parse_xml(data, name, "the glossary", "TBX").getroot()
    terms: list[Term] = []
    for entry in root.iter():
        if not isinstance(entry.tag, str) or _local(entry.tag) not in ("termEntry", "conceptEntry"):
            continue
        by_language: dict[str, list[str]] = {}
        for lang_set in entry:
            if not isinstance(lang_set.tag, str) or _local(lang_set.tag) not in ("langSet", "langSec"):
                continue
            language = (lang_set.get(_XML_LANG) or lang_set.get("lang") or "").strip().lower()
            for element in lang_set.iter():
                if isinstance(element.tag, str) and _local(element.tag) == "term":
                    text = " ".join("".join(element.itertext()).split())
                    if text and language:
                        by_language.setdefault(language, []).append(text)
        english = next((words[0] for lang, words in by_language.items() if lang.split("-")[0] == "en"), None)
        if english is None:
            continue
        for lang, words in by_language.items():
            if lang.split("-")[0] != "en":
                terms += [Term(word, english, lang.split("-")[0]) for word in words]
        if len(terms) > MAX_TERMS:
            break
    return terms


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def load_terms(
    glossaries: Iterable[str | Path] = (), keep: Iterable[str] = (), keep_files: Iterable[str | Path] = ()
) -> Terms | None:
    """The :class:`~translator.text.terms.Terms` of glossary files (a later file wins for the same
    source term), kept strings and files of kept strings; None when all are empty.

    Raises:
        FileFormatError: a file cannot be read or is not a glossary.
        InvalidInputError: a bad term (empty, too long, too many).
    """
    terms = [term for path in glossaries for term in read_glossary(path)]
    kept = [*keep, *(text for path in keep_files for text in read_keep_file(path))]
    found = Terms(terms, kept)
    return found or None
