"""The one way the project opens SQLite (translator.system.sqlite): WAL, a busy timeout, the
schema once, one connection per process that never crosses a fork."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

from translator.system.sqlite import SqliteFile, write

REPO = Path(__file__).resolve().parent.parent
SCHEMA = ("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",)


def test_the_file_is_in_wal_mode_with_its_schema_and_durability(tmp_path):
    store = SqliteFile(tmp_path / "deep" / "notes.sqlite", SCHEMA, synchronous="FULL")
    with store.connection() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        with write(db):
            db.execute("INSERT INTO notes (text) VALUES ('a')")
    store.close()
    with store.connection() as db:  # reopened on the next use
        assert db.execute("SELECT text FROM notes").fetchall() == [("a",)]


def test_a_failed_write_is_rolled_back(tmp_path):
    store = SqliteFile(tmp_path / "notes.sqlite", SCHEMA)
    with store.connection() as db:
        try:
            with write(db):
                db.execute("INSERT INTO notes (text) VALUES ('lost')")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert db.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0


def _child_writes(store: SqliteFile, parent_connection_id: int, out) -> None:
    with store.connection() as db:
        with write(db):
            db.execute("INSERT INTO notes (text) VALUES ('from the child')")
        out.put(id(db) != parent_connection_id)  # a new connection, not the one copied by the fork


def test_a_forked_child_opens_its_own_connection(tmp_path):
    store = SqliteFile(tmp_path / "notes.sqlite", SCHEMA)
    with store.connection() as db:
        parent_db = db
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_child_writes, args=(store, id(parent_db), out))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert out.get(timeout=5)
    with store.connection() as db:
        assert db is parent_db  # the parent's own connection is untouched by the child
        assert db.execute("SELECT text FROM notes").fetchall() == [("from the child",)]


def test_only_the_helper_opens_sqlite():
    opened = [
        str(path.relative_to(REPO))
        for path in (REPO / "translator").rglob("*.py")
        if re.search(r"sqlite3\.connect\(", path.read_text(encoding="utf-8"))
    ]
    assert opened == ["translator/system/sqlite.py"]


def test_a_file_replaced_while_open_is_opened_anew(tmp_path):
    """The server's keys database deleted and made again by `translator keys add`: the running
    server's store sees the new keys without a restart."""
    from translator.system.records import ApiKey, KeyStore

    path = tmp_path / "api_keys.sqlite"
    server_side = KeyStore(path)
    server_side.add(ApiKey("old-key"))
    assert set(server_side.keys()) == {"old-key"}
    path.unlink()
    for leftover in tmp_path.glob("api_keys.sqlite-*"):  # the WAL and shared-memory files
        leftover.unlink()
    KeyStore(path).add(ApiKey("new-key"))  # the operator's command, in another process
    assert set(server_side.keys()) == {"new-key"}
