"""The translation memory in one SQLite file, read at every lookup (no copy kept in the process):
a pair approved by another process is used by the next translation."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from translator.core.memory.base import (
    DEFAULT_NEAR,
    NEAR_CANDIDATES,
    MemoryStats,
    MemoryUnavailable,
    Pair,
    best_matches,
    check_pair,
    grams,
    length_window,
    normalise,
)
from translator.results import NearMatch
from translator.system.sqlite import SqliteFile, write

logger = logging.getLogger("translator")

CHUNK = 500
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pairs (id INTEGER PRIMARY KEY, language TEXT NOT NULL, key TEXT NOT NULL, "
    "length INTEGER NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, added REAL NOT NULL, UNIQUE (language, key))",
    # the near-match index: each pair's word pairs (base.grams), by the pair's id
    "CREATE TABLE IF NOT EXISTS grams (gram INTEGER NOT NULL, pair INTEGER NOT NULL, PRIMARY KEY (gram, pair)) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS grams_pair ON grams (pair)",
    "CREATE TRIGGER IF NOT EXISTS pairs_removed AFTER DELETE ON pairs BEGIN DELETE FROM grams WHERE pair = OLD.id; END",
)
_NEAR = (
    "SELECT p.key, p.source, p.target FROM pairs AS p JOIN (SELECT pair, COUNT(*) AS shared FROM grams "
    "WHERE gram IN ({marks}) GROUP BY pair ORDER BY shared DESC LIMIT ?) AS g ON p.id = g.pair "
    "WHERE p.language = ? AND p.length BETWEEN ? AND ? AND p.key != ?"
)
_UPSERT = (
    "INSERT INTO pairs (language, key, length, source, target, added) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (language, key) DO UPDATE SET source = excluded.source, target = excluded.target, "
    "added = excluded.added WHERE pairs.target != excluded.target OR pairs.source != excluded.source"
)


class SqliteMemory:
    """Approved pairs in the SQLite file at ``path`` (WAL, ``synchronous=FULL``: an approved pair
    survives a power cut; the CLI, the server and its replicas on one machine share it). The file
    is made by the first change: until then every lookup is a miss, without creating it."""

    def __init__(self, path: str | Path, near_cutoff: float = DEFAULT_NEAR) -> None:
        self.path = Path(path).expanduser()
        self.where = str(self.path)
        self.near_cutoff = near_cutoff
        self._file = SqliteFile(self.path, _SCHEMA, synchronous="FULL")

    @contextmanager
    def _using(self, what: str) -> Iterator[sqlite3.Connection]:
        try:
            with self._file.connection() as db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise MemoryUnavailable(f"translation memory {self.path} cannot {what}: {exc}") from exc

    def _readable(self) -> bool:
        return self.path.is_file()

    def exact(self, language: str, sources: Sequence[str]) -> dict[str, str]:
        """See :class:`TranslationMemory`."""
        if not sources or not self._readable():
            return {}
        keys: dict[str, list[str]] = {}
        for source in sources:
            keys.setdefault(normalise(source), []).append(source)
        found: dict[str, str] = {}
        try:
            with self._using("be read") as db:
                wanted = list(keys)
                for start in range(0, len(wanted), CHUNK):
                    chunk = wanted[start : start + CHUNK]
                    marks = ",".join("?" * len(chunk))
                    for key, target in db.execute(
                        f"SELECT key, target FROM pairs WHERE language = ? AND key IN ({marks})", [language, *chunk]
                    ):
                        found.update(dict.fromkeys(keys[key], target))
        except MemoryUnavailable as exc:
            logger.warning("%s; translating without it", exc)
            return {}
        return found

    def near(self, language: str, source: str) -> list[NearMatch]:
        """See :class:`TranslationMemory`: the :data:`NEAR_CANDIDATES` pairs sharing the most word
        pairs with ``source`` (the index, base.grams), in the length window, scored."""
        if self.near_cutoff > 1 or not self._readable():
            return []
        query = normalise(source)
        low, high = length_window(len(query), self.near_cutoff)
        try:
            with self._using("be read") as db:
                wanted = grams(language, query)
                rows = db.execute(
                    _NEAR.format(marks=",".join("?" * len(wanted))),
                    [*wanted, NEAR_CANDIDATES, language, low, high, query],
                ).fetchall()
        except MemoryUnavailable as exc:
            logger.warning("%s; no near matches", exc)
            return []
        return best_matches(query, {key: (src, tgt) for key, src, tgt in rows}, self.near_cutoff)

    def add(self, pairs: Sequence[Pair]) -> int:
        """See :class:`TranslationMemory`. Raises InvalidInputError for a bad pair (nothing is
        stored then), MemoryUnavailable."""
        now = time.time()
        rows = []
        for pair in pairs:
            check_pair(pair)
            key = normalise(pair.source)
            rows.append((pair.language, key, len(key), pair.source, pair.target, now))
        changed = 0
        with self._using("be written") as db, write(db):
            for row in rows:
                changed += db.execute(_UPSERT, row).rowcount
                [rowid] = db.execute("SELECT id FROM pairs WHERE language = ? AND key = ?", row[:2]).fetchone()
                db.executemany(
                    "INSERT OR IGNORE INTO grams (gram, pair) VALUES (?, ?)", [(g, rowid) for g in grams(*row[:2])]
                )
        return changed

    def remove(self, language: str, source: str) -> bool:
        """See :class:`TranslationMemory`."""
        if not self._readable():
            return False
        with self._using("be written") as db, write(db):
            return (
                db.execute("DELETE FROM pairs WHERE language = ? AND key = ?", (language, normalise(source))).rowcount
                > 0
            )

    def pairs(self) -> Iterator[Pair]:
        """See :class:`TranslationMemory`: read 500 rows at a time."""
        if not self._readable():
            return
        last: tuple[str, str] = ("", "")
        while True:
            with self._using("be read") as db:
                rows = db.execute(
                    "SELECT language, key, source, target FROM pairs WHERE (language, key) > (?, ?) "
                    "ORDER BY language, key LIMIT ?",
                    (*last, CHUNK),
                ).fetchall()
            if not rows:
                return
            for language, _key, source, target in rows:
                yield Pair(language, source, target)
            last = (rows[-1][0], rows[-1][1])

    def stats(self) -> MemoryStats:
        """See :class:`TranslationMemory`."""
        if not self._readable():
            return MemoryStats(0, self.where)
        with self._using("be read") as db:
            counts = dict(db.execute("SELECT language, COUNT(*) FROM pairs GROUP BY language ORDER BY language"))
        return MemoryStats(sum(counts.values()), self.where, counts)

    def clear(self) -> int:
        """See :class:`TranslationMemory`."""
        if not self._readable():
            return 0
        with self._using("be cleared") as db, write(db):
            db.execute("DELETE FROM grams")
            return db.execute("DELETE FROM pairs").rowcount
