"""What ``translator follow`` remembers between rounds, in ``DIR/follow.sqlite`` (WAL): each
item's status, the hash of its article's text and its English (for the digest), each feed's
address and validators (ETag, Last-Modified) for conditional GETs.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass, fields
from pathlib import Path

from translator.system.sqlite import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    link TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,            -- done | skipped | failed
    reason TEXT,
    fingerprint TEXT,                -- of the feed's entry when the item was last looked at
    text_hash TEXT,                  -- of the article's text when it was last translated
    base TEXT UNIQUE,                -- items/<base>.json and .md
    title TEXT,
    title_en TEXT,
    published TEXT,                  -- ISO 8601, UTC
    site TEXT,
    summary TEXT,
    translation TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_published ON items (status, published);
CREATE TABLE IF NOT EXISTS feeds (
    source TEXT PRIMARY KEY,         -- as the user gave it: a feed or a site
    feed_url TEXT,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    status TEXT,
    reason TEXT,
    checked_at REAL
);
"""


@dataclass
class ItemRow:
    """One item as remembered (see SCHEMA)."""

    id: str
    link: str
    source: str
    status: str
    reason: str | None = None
    fingerprint: str | None = None
    text_hash: str | None = None
    base: str | None = None
    title: str | None = None
    title_en: str | None = None
    published: str | None = None
    site: str | None = None
    summary: str | None = None
    translation: str | None = None
    updated_at: float = 0.0


@dataclass
class FeedRow:
    """One followed source as remembered."""

    source: str
    feed_url: str | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: str | None = None
    reason: str | None = None
    checked_at: float | None = None


_ITEM_COLUMNS = [f.name for f in fields(ItemRow)]
_FEED_COLUMNS = [f.name for f in fields(FeedRow)]


class State:
    """The follower's memory. Safe to use from several threads (one connection, one lock);
    several processes following into one DIR wait on SQLite's locks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = SqliteFile(path, [s for s in SCHEMA.split(";") if s.strip()], synchronous="NORMAL")
        with self._file.connection():  # created now: a folder that cannot hold it fails at once
            pass

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one(self, sql: str, args: tuple) -> tuple | None:
        with self._file.connection() as db, closing(db.execute(sql, args)) as cursor:
            return cursor.fetchone()

    # -- items ------------------------------------------------------------------------------

    def item(self, item_id: str) -> ItemRow | None:
        """The remembered item, or None."""
        row = self._one(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM items WHERE id = ?", (item_id,))
        return ItemRow(*row) if row else None

    def save_item(self, row: ItemRow) -> None:
        """Insert or replace ``row`` (its ``updated_at`` set to now)."""
        row.updated_at = time.time()
        values = [getattr(row, name) for name in _ITEM_COLUMNS]
        marks = ", ".join("?" for _ in values)
        with self._file.connection() as db:
            db.execute(f"INSERT OR REPLACE INTO items ({', '.join(_ITEM_COLUMNS)}) VALUES ({marks})", values)

    def base_taken(self, base: str, item_id: str) -> bool:
        """Whether another item's files are called ``base``."""
        return self._one("SELECT 1 FROM items WHERE base = ? AND id != ?", (base, item_id)) is not None

    def digest(self, limit: int) -> list[ItemRow]:
        """The ``limit`` newest translated items, newest first (by date, then by when done)."""
        with (
            self._file.connection() as db,
            closing(
                db.execute(
                    f"SELECT {', '.join(_ITEM_COLUMNS)} FROM items WHERE status = 'done' AND translation IS NOT NULL "
                    "ORDER BY published DESC, updated_at DESC LIMIT ?",
                    (limit,),
                )
            ) as cursor,
        ):
            return [ItemRow(*row) for row in cursor.fetchall()]

    # -- feeds ------------------------------------------------------------------------------

    def feed(self, source: str) -> FeedRow | None:
        row = self._one(f"SELECT {', '.join(_FEED_COLUMNS)} FROM feeds WHERE source = ?", (source,))
        return FeedRow(*row) if row else None

    def save_feed(self, row: FeedRow) -> None:
        row.checked_at = time.time()
        values = [getattr(row, name) for name in _FEED_COLUMNS]
        marks = ", ".join("?" for _ in values)
        with self._file.connection() as db:
            db.execute(f"INSERT OR REPLACE INTO feeds ({', '.join(_FEED_COLUMNS)}) VALUES ({marks})", values)
