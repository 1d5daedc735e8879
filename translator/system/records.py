"""A server's durable records, each in one SQLite file: API keys (``translator keys``, read by the
server at each request, a few seconds cached) and translation suggestions (``POST /suggest`` with
``--suggestions``; ``translator suggestions export`` writes them as JSON lines or TMX 1.4).

Both files use WAL mode with ``synchronous=FULL`` (a suggestion or a key, once acknowledged,
survives a power cut) and a 30 s busy timeout, so the server, its replicas on one machine and the
command line share them. Nothing here imports the web page or the REST API: the command line
manages both without starting a server. Errors are :class:`StoreError` (the file cannot be
opened or written) and :class:`translator.errors.InvalidInputError` (a bad key or limit).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from translator._version import __version__
from translator.errors import InvalidInputError, TranslatorError
from translator.system.sqlite import SqliteFile, write

KEY_PATTERN = re.compile(r"[!-~]{1,200}")  # printable ASCII without spaces: one field of the keys file
# characters XML 1.0 cannot hold (a TMX file is XML): C0 controls but tab and newlines, and U+FFFE/U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class StoreError(TranslatorError, OSError):
    """A database file that cannot be created, opened, read or written (the message names it)."""


@dataclass(frozen=True)
class ApiKey:
    """An API key: ``req_limit`` requests per minute (0: no limit) and ``char_limit`` characters
    per text; None for either: the server's (``--req-limit``, ``--char-limit``)."""

    key: str
    req_limit: int | None = None
    char_limit: int | None = None


def check_key(key: ApiKey) -> ApiKey:
    """``key`` when it can be stored and written in a keys file; InvalidInputError otherwise."""
    if not isinstance(key.key, str) or not KEY_PATTERN.fullmatch(key.key) or key.key.startswith("#"):
        raise InvalidInputError(
            "an API key is 1 to 200 printable ASCII characters, without spaces, not starting with #"
        )
    if key.req_limit is not None and key.req_limit < 0:
        raise InvalidInputError(f"--req-limit must be 0 (no limit) or more, got {key.req_limit}")
    if key.char_limit is not None and key.char_limit < 1:
        raise InvalidInputError(f"--char-limit must be at least 1, got {key.char_limit}")
    return key


class _Database:
    """One SQLite file of records (:class:`~translator.system.sqlite.SqliteFile`, ``synchronous=FULL``:
    a key or a suggestion survives a power cut), created with ``schema`` on first use."""

    schema: tuple[str, ...] = ()
    what = "database"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._file = SqliteFile(self.path, self.schema, synchronous="FULL")

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; StoreError naming the file for any SQLite or OS failure."""
        try:
            with self._file.connection() as db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"the {self.what} {self.path} cannot be used: {exc}") from exc

    def close(self) -> None:
        """Close this process's connection (it reopens on the next use)."""
        self._file.close()


class KeyStore(_Database):
    """API keys in SQLite (``translator keys add|remove|list``; the server reads them)."""

    schema = (
        (
            "CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, req_limit INTEGER, "
            "char_limit INTEGER, created REAL NOT NULL)"
        ),
    )
    what = "API keys database"

    def add(self, key: ApiKey) -> bool:
        """Store ``key`` (its limits replace those of a key already stored); True when it is new.
        Raises InvalidInputError for a bad key or limit, StoreError."""
        check_key(key)
        with self._using() as db:
            known = db.execute("SELECT 1 FROM api_keys WHERE key = ?", (key.key,)).fetchone() is not None
            db.execute(
                "INSERT INTO api_keys (key, req_limit, char_limit, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET req_limit = excluded.req_limit, "
                "char_limit = excluded.char_limit",
                (key.key, key.req_limit, key.char_limit, time.time()),
            )
        return not known

    def remove(self, key: str) -> bool:
        """Remove ``key``; False when it was not stored. Raises StoreError."""
        with self._using() as db:
            return db.execute("DELETE FROM api_keys WHERE key = ?", (key,)).rowcount > 0

    def keys(self) -> dict[str, ApiKey]:
        """Every stored key, by key, oldest first. Raises StoreError."""
        with self._using() as db:
            rows = db.execute("SELECT key, req_limit, char_limit FROM api_keys ORDER BY created, key").fetchall()
        return {key: ApiKey(key, req_limit, char_limit) for key, req_limit, char_limit in rows}


@dataclass(frozen=True)
class Suggestion:
    """A better translation a user proposed: ``s`` for ``q`` (``source`` → ``target``), sent
    with ``api_key`` (None: without one) at ``time`` (seconds since the epoch)."""

    q: str
    s: str
    source: str
    target: str
    api_key: str | None = None
    time: float = 0.0

    def iso_time(self) -> str:
        """``time`` as ISO 8601 in UTC, to the second."""
        return datetime.fromtimestamp(self.time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SuggestionQuotaExceeded(TranslatorError):
    """One sender (an API key, or an address without one) has as many suggestions kept, or as
    many bytes of them, as the server allows; the message names the limit."""


class SuggestionStore(_Database):
    """Translation suggestions in SQLite (``POST /suggest``; ``translator suggestions export``).
    The same suggestion (q, s, languages) is kept once however often it is sent; each sender
    (``sender``: its API key, else its address) may keep at most ``max_rows`` suggestions of at
    most ``max_bytes`` in all (counted in UTF-8)."""

    schema = (
        (
            "CREATE TABLE IF NOT EXISTS suggestions (id INTEGER PRIMARY KEY AUTOINCREMENT, q TEXT NOT NULL, "
            "s TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, api_key TEXT, created REAL NOT NULL)"
        ),
        # a database from before duplicates were refused keeps the first of each
        "DELETE FROM suggestions WHERE id NOT IN (SELECT MIN(id) FROM suggestions GROUP BY q, s, source, target)",
        "CREATE UNIQUE INDEX IF NOT EXISTS suggestions_once ON suggestions (q, s, source, target)",
        ("CREATE TABLE IF NOT EXISTS senders (sender TEXT PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL)"),
    )
    what = "suggestions database"

    def __init__(self, path: str | Path, max_rows: int = 1000, max_bytes: int = 10 * 2**20) -> None:
        super().__init__(path)
        self.max_rows = max_rows
        self.max_bytes = max_bytes

    def add(self, suggestion: Suggestion, sender: str = "") -> bool:
        """Store ``suggestion`` (its ``time``, or now when it is 0) durably, counted against
        ``sender``'s quota; False when the same suggestion is kept already (not counted again).
        Raises SuggestionQuotaExceeded past the quota, StoreError when the file fails."""
        size = sum(len(text.encode("utf-8")) for text in (suggestion.q, suggestion.s))
        row = (
            suggestion.q,
            suggestion.s,
            suggestion.source,
            suggestion.target,
            suggestion.api_key,
            suggestion.time or time.time(),
        )
        with self._using() as db, write(db):
            used = db.execute("SELECT rows, bytes FROM senders WHERE sender = ?", (sender,)).fetchone() or (0, 0)
            if used[0] + 1 > self.max_rows or used[1] + size > self.max_bytes:
                raise SuggestionQuotaExceeded(
                    f"this sender has {used[0]:,} suggestions ({used[1]:,} bytes) kept, the most this server "
                    f"keeps from one API key or address is {self.max_rows:,} suggestions or {self.max_bytes:,} bytes"
                )
            added = db.execute(
                "INSERT OR IGNORE INTO suggestions (q, s, source, target, api_key, created) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            ).rowcount
            if added:
                db.execute(
                    "INSERT INTO senders (sender, rows, bytes) VALUES (?, 1, ?) ON CONFLICT (sender) "
                    "DO UPDATE SET rows = rows + 1, bytes = bytes + excluded.bytes",
                    (sender, size),
                )
        return bool(added)

    def count(self) -> int:
        """How many suggestions are stored. Raises StoreError."""
        with self._using() as db:
            return int(db.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0])

    def suggestions(self, batch: int = 500) -> Iterator[Suggestion]:
        """Every suggestion, oldest first, read ``batch`` rows at a time. Raises StoreError."""
        for _number, suggestion in self.numbered(batch):
            yield suggestion

    def numbered(self, batch: int = 500) -> Iterator[tuple[int, Suggestion]]:
        """Every suggestion with its number (for ``translator suggestions approve|reject``), oldest
        first, read ``batch`` rows at a time. Raises StoreError."""
        last = 0
        while True:
            with self._using() as db:
                rows = db.execute(
                    "SELECT id, q, s, source, target, api_key, created FROM suggestions "
                    "WHERE id > ? ORDER BY id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield row[0], Suggestion(*row[1:])
            last = rows[-1][0]

    def get(self, numbers: Iterable[int]) -> dict[int, Suggestion]:
        """The suggestions of these numbers that are stored, by number. Raises StoreError."""
        wanted = sorted(set(numbers))
        found: dict[int, Suggestion] = {}
        with self._using() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in db.execute(
                    f"SELECT id, q, s, source, target, api_key, created FROM suggestions WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = Suggestion(*row[1:])
        return found

    def remove(self, numbers: Iterable[int]) -> int:
        """Remove the suggestions of these numbers (approved into the memory, or rejected); how
        many there were. The senders' quotas still count them. Raises StoreError."""
        wanted = sorted(set(numbers))
        removed = 0
        with self._using() as db, write(db):
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                removed += db.execute(
                    f"DELETE FROM suggestions WHERE id IN ({','.join('?' * len(chunk))})", chunk
                ).rowcount
        return removed


def write_jsonl(suggestions: Iterable[Suggestion], out: TextIO) -> int:
    """One JSON object per line (``q``, ``s``, ``source``, ``target``, ``api_key``, ``time`` in
    ISO 8601); the number written."""
    written = 0
    for suggestion in suggestions:
        record = {**asdict(suggestion), "time": suggestion.iso_time()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    return written


def _xml_text(text: str) -> str:
    """``text`` escaped for XML, characters XML cannot hold replaced by U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", text))


def write_tmx(suggestions: Iterable[Suggestion], out: TextIO, srclang: str = "*all*") -> int:
    """A TMX 1.4 document: one ``<tu>`` per suggestion (``creationdate``, the ``<tuv>`` of its
    source with ``q`` and of its target with ``s``, each in ``<seg>``); the number written.
    ``srclang`` goes in the header ("*all*": the sources vary)."""
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        f'  <header creationtool="translator" creationtoolversion={quoteattr(__version__)} '
        f'datatype="plaintext" segtype="block" adminlang="en" srclang={quoteattr(srclang)} '
        'o-tmf="translator"/>\n  <body>\n'
    )
    written = 0
    for suggestion in suggestions:
        date = suggestion.iso_time().replace("-", "").replace(":", "")
        out.write(
            f'    <tu creationdate="{date}">\n'
            f"      <tuv xml:lang={quoteattr(_NOT_XML.sub('', suggestion.source))}>"
            f"<seg>{_xml_text(suggestion.q)}</seg></tuv>\n"
            f"      <tuv xml:lang={quoteattr(_NOT_XML.sub('', suggestion.target))}>"
            f"<seg>{_xml_text(suggestion.s)}</seg></tuv>\n    </tu>\n"
        )
        written += 1
    out.write("  </body>\n</tmx>\n")
    return written


def export_suggestions(store: SuggestionStore, out: TextIO, form: str) -> int:
    """Write every suggestion of ``store`` to ``out`` as ``form`` ("jsonl" or "tmx": its header's
    ``srclang`` is the one source language when they share one); the number written. Raises
    InvalidInputError for another form, StoreError."""
    if form == "jsonl":
        return write_jsonl(store.suggestions(), out)
    if form != "tmx":
        raise InvalidInputError(f"suggestions can be exported as jsonl or tmx, not {form!r}")
    sources = {suggestion.source for suggestion in store.suggestions()}
    return write_tmx(store.suggestions(), out, sources.pop() if len(sources) == 1 else "*all*")
