"""The translation cache in one SQLite file: WAL mode, several processes, LRU eviction."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from translator.core.cache.base import DEFAULT_CACHE_MB, CachedPiece, CacheStats, CacheUnavailable, chunks, pieces
from translator.system.sqlite import SqliteFile, write

logger = logging.getLogger("translator")


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
    "size INTEGER NOT NULL, used REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_used ON entries (used)",
    "CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta (id, total) VALUES (1, 0)",
    # the running total of sizes, kept by SQLite itself so that every process sees the same one
    "CREATE TRIGGER IF NOT EXISTS entries_added AFTER INSERT ON entries "
    "BEGIN UPDATE meta SET total = total + NEW.size WHERE id = 1; END",
    "CREATE TRIGGER IF NOT EXISTS entries_removed AFTER DELETE ON entries "
    "BEGIN UPDATE meta SET total = total - OLD.size WHERE id = 1; END",
    "CREATE TRIGGER IF NOT EXISTS entries_resized AFTER UPDATE OF size ON entries "
    "BEGIN UPDATE meta SET total = total + NEW.size - OLD.size WHERE id = 1; END",
)
_UPSERT = (
    "INSERT INTO entries (key, value, size, used) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE "
    "SET value = excluded.value, size = excluded.size, used = excluded.used"
)


class SqliteCache:
    """A translation cache in one SQLite file (:class:`~translator.system.sqlite.SqliteFile`: WAL
    mode, ``synchronous=NORMAL``, 30 s busy timeout): several threads and processes may read and
    write it at once. ``size`` is the bytes of a key and its value; once their total passes
    ``max_bytes`` the least recently used entries (a hit counts as a use) are removed down to 90%
    of it. Raises CacheUnavailable when the file cannot be created or opened, ValueError for
    ``max_bytes`` below 1."""

    def __init__(self, path: str | Path, max_bytes: int = DEFAULT_CACHE_MB * 2**20) -> None:
        if max_bytes < 1:
            raise ValueError(f"the translation cache needs at least 1 byte, got {max_bytes}")
        self.path = Path(path).expanduser()
        self.where = str(self.path)
        self.max_bytes = int(max_bytes)
        self.hits = self.misses = 0
        self._file = SqliteFile(self.path, _SCHEMA, synchronous="NORMAL")
        try:
            with self._file.connection():
                pass
        except (sqlite3.Error, OSError) as exc:
            raise CacheUnavailable(f"translation cache {self.path} cannot be opened: {exc}") from exc

    def _failed(self, action: str, exc: Exception) -> None:
        logger.warning("translation cache %s: could not %s (%s); translating without it", self.path, action, exc)

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedPiece]:
        """See :class:`TranslationCache`; the hits' last use is updated in one write."""
        keys = list(dict.fromkeys(keys))
        values: dict[str, str] = {}
        with self._file.connection() as db:
            try:
                for chunk in chunks(keys):
                    marks = ",".join("?" * len(chunk))
                    values.update(db.execute(f"SELECT key, value FROM entries WHERE key IN ({marks})", chunk))
                if values:
                    now = time.time()
                    with write(db):
                        for chunk in chunks(list(values)):
                            marks = ",".join("?" * len(chunk))
                            db.execute(f"UPDATE entries SET used = ? WHERE key IN ({marks})", [now, *chunk])
            except (sqlite3.Error, OSError) as exc:
                self._failed("read", exc)
            found = pieces(values)
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        return found

    def put_many(self, items: Mapping[str, CachedPiece]) -> None:
        """See :class:`TranslationCache`; evicts the least recently used entries past the cap."""
        if not items:
            return
        now = time.time()
        rows = []
        for key, piece in items.items():
            value = piece.to_json()
            rows.append((key, value, len(key) + len(value.encode("utf-8", "surrogatepass")), now))
        with self._file.connection() as db:
            try:
                with write(db):
                    db.executemany(_UPSERT, rows)
                    total = db.execute("SELECT total FROM meta WHERE id = 1").fetchone()[0]
                    if total > self.max_bytes:
                        self._evict(db, total)
            except (sqlite3.Error, OSError) as exc:
                self._failed("write", exc)

    def _evict(self, db: sqlite3.Connection, total: int) -> None:
        excess = total - int(self.max_bytes * 0.9)
        doomed: list[str] = []
        for key, size in db.execute("SELECT key, size FROM entries ORDER BY used, rowid"):
            if excess <= 0:
                break
            doomed.append(key)
            excess -= size
        for chunk in chunks(doomed):
            db.execute(f"DELETE FROM entries WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        logger.info("translation cache %s: %d least recently used entries removed", self.path, len(doomed))

    def stats(self) -> CacheStats:
        """See :class:`TranslationCache`."""
        with self._file.connection() as db:
            try:
                entries = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                size = db.execute("SELECT total FROM meta WHERE id = 1").fetchone()[0]
            except sqlite3.Error as exc:
                raise CacheUnavailable(f"translation cache {self.path} cannot be read: {exc}") from exc
        return CacheStats(entries, size, self.where, self.hits, self.misses)

    def clear(self) -> int:
        """See :class:`TranslationCache`."""
        with self._file.connection() as db:
            try:
                with write(db):
                    removed = db.execute("DELETE FROM entries").rowcount
                    db.execute("UPDATE meta SET total = 0 WHERE id = 1")
            except sqlite3.Error as exc:
                raise CacheUnavailable(f"translation cache {self.path} cannot be cleared: {exc}") from exc
        return removed
