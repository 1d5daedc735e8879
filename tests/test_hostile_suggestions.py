"""Suggestions have a storage bound: the same suggestion is kept once, and each sender (an API
key, or an address without one) keeps at most --suggestions-per-client suggestions and
--suggestions-mb-per-client megabytes; past either, /suggest answers 429 naming the limit and
nothing more is stored. Against a real server."""

from __future__ import annotations

import httpx
import pytest
from servers import launch_tiny

from translator.system.records import Suggestion, SuggestionQuotaExceeded, SuggestionStore

pytestmark = pytest.mark.slow  # a real server


def suggest(url: str, q: str, s: str, key: str | None = None) -> httpx.Response:
    body = {"q": q, "s": s, "source": "sl", "target": "en", **({"api_key": key} if key else {})}
    return httpx.post(url + "suggest", json=body, timeout=30)


@pytest.fixture
def server(tiny_models, tmp_path):
    db = tmp_path / "suggestions.sqlite"
    running = launch_tiny(
        tiny_models, suggestions=True, suggestions_db=str(db), suggestions_per_client=3, preload=False
    )
    yield running.local_url, db
    running.close()


def test_the_same_suggestion_is_kept_once(server):
    url, db = server
    for _ in range(5):
        assert suggest(url, "Dober dan.", "Good day.").json() == {"success": True}
    assert SuggestionStore(db).count() == 1


def test_a_sender_past_its_quota_gets_429_and_nothing_more_is_stored(server):
    url, db = server
    for i in range(3):
        assert suggest(url, f"Stavek {i}.", f"Sentence {i}.").status_code == 200
    refused = suggest(url, "Stavek 3.", "Sentence 3.")
    assert refused.status_code == 429
    assert "3 suggestions" in refused.json()["error"] and "--suggestions-per-client" in refused.json()["error"]
    assert SuggestionStore(db).count() == 3
    # past the quota every suggestion is refused, one kept already included
    assert suggest(url, "Stavek 0.", "Sentence 0.").status_code == 429


def test_the_byte_quota_counts_utf8_bytes(tmp_path):
    store = SuggestionStore(tmp_path / "s.sqlite", max_rows=100, max_bytes=100)
    emoji = "😀" * 20  # 80 bytes in UTF-8, 20 characters
    assert store.add(Suggestion("q", emoji, "sl", "en"), sender="address:a")
    with pytest.raises(SuggestionQuotaExceeded, match="100 bytes"):
        store.add(Suggestion("q2", emoji, "sl", "en"), sender="address:a")
    assert store.add(Suggestion("q2", emoji, "sl", "en"), sender="address:b")  # another sender's own quota
    assert store.count() == 2


def test_an_older_database_with_duplicates_opens_with_each_kept_once(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE suggestions (id INTEGER PRIMARY KEY AUTOINCREMENT, q TEXT NOT NULL, s TEXT NOT NULL, "
            "source TEXT NOT NULL, target TEXT NOT NULL, api_key TEXT, created REAL NOT NULL)"
        )
        db.executemany(
            "INSERT INTO suggestions (q, s, source, target, api_key, created) VALUES (?, ?, 'sl', 'en', NULL, 0)",
            [("a", "b"), ("a", "b"), ("c", "d")],
        )
    db.close()
    assert SuggestionStore(path).count() == 2
