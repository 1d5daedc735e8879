"""One SQLite file shared by threads and processes: the one way the project opens SQLite.

The translation cache, the server's API keys and suggestions, and ``translator follow``'s memory
each keep one :class:`SqliteFile`. It opens the file in WAL mode (readers never wait for a
writer; several processes may use it at once) with a busy timeout, creates its schema, and keeps
one connection per process, shared by that process's threads under a lock. A connection never
crosses a fork: a child process (the folder batch's workers, uvicorn's) opens its own on first use.
A file deleted or replaced while it is open (an operator's new keys database) is opened anew at
its next use, so what is written to the new file is seen without a restart.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

logger = logging.getLogger("translator")

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another process's write before failing


class SqliteFile:
    """The file at ``path`` (its folder created), with ``schema`` (statements run once per
    connection, in one transaction) and ``synchronous`` (SQLite's durability: FULL for records
    that must survive a power cut, NORMAL for a cache or state that may lose its last write).
    :meth:`connection` yields the process's connection under the lock; sqlite3.Error and OSError
    propagate for the owner to name in its own words."""

    def __init__(
        self, path: str | Path, schema: Sequence[str] = (), synchronous: Literal["FULL", "NORMAL"] = "NORMAL"
    ) -> None:
        self.path = Path(path).expanduser()
        self.schema = tuple(schema)
        self.synchronous = synchronous
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the file opened

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def _open(self) -> sqlite3.Connection:
        if self._db is not None and self._pid == os.getpid():
            if self._identity() == self._file_id:
                return self._db
            logger.info("%s was deleted or replaced: opening it anew", self.path)
            self._db.close()
            self._db = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("%s: WAL mode refused (%s): writers will wait longer", self.path, mode)
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            if self.schema:
                with write(db):
                    for statement in self.schema:
                        db.execute(statement)
        except BaseException:
            db.close()
            raise
        self._db, self._pid, self._file_id = db, os.getpid(), self._identity()
        return db

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """This process's connection, opened on first use, held under the lock for the block."""
        with self._lock:
            yield self._open()

    def close(self) -> None:
        """Close this process's connection (the next use opens a new one)."""
        with self._lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
            self._db = None


@contextmanager
def write(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at once (``BEGIN IMMEDIATE``: no deadlock
    between two readers turning writers), committed at the end of the block, rolled back on any
    exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
