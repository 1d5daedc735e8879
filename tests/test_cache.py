"""The sentence-level translation cache: hits never reach the model, results are the same with and
without it, keys tell models and options apart, SQLite evicts and shares, Redis works, the CLI."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
import threading
from types import SimpleNamespace

import pytest
from servers import free_port, redis_server

from translator import Translator, cli
from translator.core.cache import (
    CachedPiece,
    CacheUnavailable,
    SqliteCache,
    open_cache,
    parse_spec,
    server_cache_spec,
)
from translator.core.cache import sqlite as sqlite_store
from translator.paths import translation_cache_path

ENGINES = [pytest.param("hf", id="hf"), pytest.param("ct2", id="ct2")]


def make(tiny_models, engine: str, cache, **options) -> Translator:
    dtype = "float32" if engine == "ct2" else None
    return Translator(
        str(tiny_models.marian), engine=engine, dtype=dtype, cache=cache, source="sl", **{"num_beams": 2, **options}
    )


def rows(calls) -> list[list[int]]:
    return [list(row) for call in calls for row in call.batch]


def same(a, b) -> None:
    """Two translations are the same: text, every segment (target, score, warnings), warnings."""
    assert a.text == b.text
    assert [(s.source, s.target, s.score, s.warnings, s.translated) for s in a.segments] == [
        (s.source, s.target, s.score, s.warnings, s.translated) for s in b.segments
    ]
    assert a.warnings == b.warnings
    # the same but for where each sentence's English came from (model, cache: Segment.origin)
    unmarked = lambda t: dataclasses.replace(t, segments=[dataclasses.replace(s, origin="") for s in t.segments])
    assert unmarked(a) == unmarked(b)


def edit_two(article: str, doc) -> tuple[str, list[str]]:
    """``article`` with two of its translated sentences changed; those two sentences."""
    sources = [s.source for s in doc.segments if s.translated]
    chosen = [source for source in sources if sources.count(source) == 1][2:4]
    edited = [f"Danes {source[0].lower()}{source[1:]}" for source in chosen]
    for old, new in zip(chosen, edited):
        article = article.replace(old, new, 1)
    return article, edited


@pytest.mark.parametrize("engine", ENGINES)
def test_the_same_article_again_never_reaches_the_model_and_is_identical(
    tiny_models, seed_article, tmp_path, generate_spy, engine
):
    plain = make(tiny_models, engine, None).translate_document(seed_article)
    translator = make(tiny_models, engine, SqliteCache(tmp_path / "cache.sqlite"))
    calls = generate_spy(translator.model.engine)
    first = translator.translate_document(seed_article)
    assert calls, "a cold cache sends every sentence to the model"
    same(first, plain)  # the cache changes nothing on a cold article
    calls.clear()
    again = translator.translate_document(seed_article)
    assert calls == []
    same(again, first)
    assert translator.cache.hits == len({s.source for s in first.segments if s.translated})
    # streaming reads the same cache: every group is a hit
    streamed = list(translator.iter_translate_document(seed_article))[-1]
    assert calls == []
    same(streamed, first)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_article_with_two_sentences_edited_sends_only_those_two(
    tiny_models, seed_article, tmp_path, generate_spy, engine
):
    # greedy: random weights run every row to its bound, and a beam search cut at a row's own
    # bound inside a batch decoded further can pick another hypothesis than the row alone (the
    # engines guarantee batch-independent rows for greedy search only); the two edited sentences
    # are decoded on their own here and inside the whole article below
    options = dict(retry_repetitions=False, num_beams=1)
    translator = make(tiny_models, engine, SqliteCache(tmp_path / "cache.sqlite"), **options)
    first = translator.translate_document(seed_article)
    edited_article, edited = edit_two(seed_article, first)
    calls = generate_spy(translator.model.engine)
    done: list[tuple[int, int]] = []
    edited_doc = translator.translate_document(edited_article, progress=lambda d, t: done.append((d, t)))
    sent = rows(calls)
    assert len(sent) == 2
    assert sorted(sent) == sorted(translator.model.encode(edited))
    assert done[-1][0] == done[-1][1]  # hits count as done
    plain = make(tiny_models, engine, None, **options).translate_document(edited_article)
    assert edited_doc.text == plain.text


def test_other_options_models_or_engines_miss_instead_of_hitting(
    tiny_models, looping_marian, seed_article, tmp_path, generate_spy
):
    cache = SqliteCache(tmp_path / "cache.sqlite")
    make(tiny_models, "hf", cache).translate_document(seed_article)
    assert cache.get_many([]) == {}

    for translator in (
        make(tiny_models, "hf", cache, num_beams=1),
        make(tiny_models, "hf", cache, max_length_offset=8),
        make(tiny_models, "hf", cache, scores=False),
        make(tiny_models, "ct2", cache),
        Translator(str(looping_marian), engine="hf", num_beams=2, cache=cache, source="sl"),
    ):
        calls = generate_spy(translator.model.engine)
        before = cache.hits
        translator.translate_document(seed_article)
        assert calls and cache.hits == before, translator.options

    # options that only batch or cut differently share the entries
    batched = make(tiny_models, "hf", cache, batch_tokens=512, max_batch_sentences=3)
    calls = generate_spy(batched.model.engine)
    batched.translate_document(seed_article)
    assert calls == []


def test_a_translator_takes_a_spec_and_options_do_not_hold_the_cache(tiny_models, tmp_path):
    translator = Translator(str(tiny_models.marian), cache=str(tmp_path / "spec.sqlite"))
    assert isinstance(translator.cache, SqliteCache)
    assert "cache" not in {f.name for f in dataclasses.fields(translator.options)}
    assert Translator(str(tiny_models.marian)).cache is None
    with pytest.raises(ValueError, match="redis://"):
        Translator(str(tiny_models.marian), cache="sometimes")


def test_specs(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATOR_CACHE_DIR", str(tmp_path / "dir"))
    assert translation_cache_path() == tmp_path / "dir" / "translations.sqlite"
    assert parse_spec(None) is None and parse_spec("off") is None and open_cache("OFF") is None
    for on in ("on", "all", "sqlite"):
        assert parse_spec(on) == ("sqlite", str(tmp_path / "dir" / "translations.sqlite"))
    assert parse_spec("redis://localhost:6379/2") == ("redis", "redis://localhost:6379/2")
    assert parse_spec(str(tmp_path / "x.db")) == ("sqlite", str(tmp_path / "x.db"))
    cache = open_cache("on", 1)
    assert isinstance(cache, SqliteCache) and cache.path.parent == tmp_path / "dir"
    for bad in ("maybe", "cache.json", "http://host"):
        with pytest.raises(ValueError, match="off, on"):
            parse_spec(bad)
    with pytest.raises(ValueError, match="positive"):
        open_cache("on", 0)
    # the server's spellings: LibreTranslate's API key list means on; shared storage picks Redis
    assert server_cache_spec("all") == "on"
    assert server_cache_spec("key1,key2") == "on"
    assert server_cache_spec("off") is None
    assert server_cache_spec("all", "redis://h:1/0") == "redis://h:1/0"
    assert server_cache_spec("mine.sqlite", "redis://h:1/0") == "mine.sqlite"
    with pytest.raises(ValueError, match="memory://"):
        server_cache_spec("all", "postgres://x")


def test_a_cache_that_cannot_be_opened_says_where(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheUnavailable, match="cannot be opened"):
        SqliteCache(blocker / "sub" / "cache.sqlite")


# -- SQLite -----------------------------------------------------------------------------------


def piece(n: int) -> CachedPiece:
    return CachedPiece(f"English sentence {n:03d}", -0.25 * n, ("a warning",) if n % 2 else ())


def uniform(n: int) -> CachedPiece:
    """Pieces of one size."""
    return CachedPiece(f"English sentence {n:03d}", -0.5, ())


def test_values_round_trip_and_wal_is_on(tmp_path):
    cache = SqliteCache(tmp_path / "c.sqlite")
    items = {f"k{n}": piece(n) for n in range(5)} | {"empty": CachedPiece("", None, ())}
    cache.put_many(items)
    assert cache.get_many([*items, "absent"]) == items
    assert (cache.hits, cache.misses) == (6, 1)
    with sqlite3.connect(tmp_path / "c.sqlite") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 6
    stats = cache.stats()
    assert stats.entries == 6 and stats.bytes > 0 and stats.where == str(tmp_path / "c.sqlite")
    assert cache.clear() == 6 and cache.stats().entries == 0 and cache.stats().bytes == 0


def test_lru_eviction_under_a_tiny_cap_keeps_the_most_recently_used(tmp_path, monkeypatch):
    clock = iter(range(1, 10_000))
    monkeypatch.setattr(sqlite_store, "time", SimpleNamespace(time=lambda: float(next(clock))))
    probe = SqliteCache(tmp_path / "probe.sqlite")
    probe.put_many({"k0": uniform(0)})
    size = probe.stats().bytes  # every entry below has this size
    cache = SqliteCache(tmp_path / "c.sqlite", max_bytes=4 * size)
    for n in range(4):
        cache.put_many({f"k{n}": uniform(n)})
    assert cache.stats().entries == 4  # exactly at the cap: nothing goes
    assert set(cache.get_many(["k0"])) == {"k0"}  # k0 is now the most recently used of the four
    cache.put_many({"k4": uniform(4)})  # past the cap: down to 90% of it, oldest use first
    kept = set(cache.get_many([f"k{n}" for n in range(5)]))
    assert kept == {"k0", "k3", "k4"}
    assert cache.stats().bytes <= 4 * size * 0.9
    cache.put_many({"k3": uniform(3)})  # replacing an entry keeps the total right
    assert cache.stats().bytes == 3 * size


def test_two_connections_writing_at_once_do_not_fail(tmp_path):
    path = tmp_path / "shared.sqlite"
    caches = [SqliteCache(path), SqliteCache(path)]
    errors: list[BaseException] = []

    def write(cache: SqliteCache, who: int) -> None:
        try:
            for batch in range(40):
                cache.put_many({f"{who}-{batch}-{n}": piece(n) for n in range(10)})
                cache.get_many([f"{1 - who}-{batch}-{n}" for n in range(10)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(cache, who)) for who, cache in enumerate(caches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert caches[0].stats().entries == 2 * 40 * 10


def _process_writer(path: str, who: int) -> None:
    cache = SqliteCache(path)
    for batch in range(30):
        cache.put_many({f"{who}-{batch}-{n}": piece(n) for n in range(20)})
        cache.get_many([f"{1 - who}-{batch}-{n}" for n in range(20)])


@pytest.mark.slow  # two fresh processes
def test_two_processes_writing_at_once_do_not_fail(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    SqliteCache(path)  # the schema, once
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_process_writer, args=(path, who)) for who in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    stats = SqliteCache(path).stats()
    assert stats.entries == 2 * 30 * 20
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT SUM(size) FROM entries").fetchone()[0] == stats.bytes


# -- Redis ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (_process, url):
        yield url


@pytest.mark.slow  # starts redis-server
def test_redis_cache(redis_url, tiny_models, seed_article, generate_spy):
    import redis

    cache = open_cache(redis_url)
    assert type(cache).__name__ == "RedisCache"
    cache.clear()
    items = {f"k{n}": piece(n) for n in range(3)}
    cache.put_many(items)
    assert cache.get_many([*items, "absent"]) == items
    assert (cache.hits, cache.misses) == (3, 1)
    client = redis.Redis.from_url(redis_url)
    client.set("someone-else", "kept")
    assert 0 < client.ttl("translator:tc:k0") <= 30 * 24 * 3600
    stats = cache.stats()
    assert stats.entries == 3 and stats.bytes > 0

    translator = make(tiny_models, "hf", cache)
    first = translator.translate_document(seed_article)
    calls = generate_spy(translator.model.engine)
    same(translator.translate_document(seed_article), first)
    assert calls == []
    entries = cache.stats().entries
    assert entries == 3 + len({s.source for s in first.segments if s.translated})
    assert cache.clear() == entries and cache.stats().entries == 0 and client.get("someone-else") == b"kept"


def test_redis_that_does_not_answer_is_named():
    port = free_port()
    with pytest.raises(CacheUnavailable, match=f"127.0.0.1:{port}"):
        open_cache(f"redis://:secret@127.0.0.1:{port}/0")


# -- CLI --------------------------------------------------------------------------------------


def test_cli_translate_twice_with_a_cache_then_stats_and_clear(tiny_env, seed_article, tmp_path, capsys, generate_spy):
    from translator.engines import load
    from translator.options import RuntimeOptions

    source = tmp_path / "clanek.txt"
    source.write_text(seed_article, encoding="utf-8")
    store = tmp_path / "cli.sqlite"
    args = ["translate", str(source), "--engine", "hf", "--beams", "1", "--source", "sl", "--cache", str(store), "-q"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out
    calls = generate_spy(load(None, "translation", RuntimeOptions.from_env(engine="hf")).engine)
    assert cli.main(args) == 0
    assert capsys.readouterr().out == first and first.strip()
    assert calls == []

    assert cli.main(["cache", "stats", "--cache", str(store)]) == 0
    shown = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert int(shown["entries"]) > 0 and int(shown["bytes"]) > 0 and shown["path"] == str(store)
    assert cli.main(["cache", "clear", "--cache", str(store)]) == 0
    shown = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert int(shown["removed"]) > 0 and shown["entries"] == "0"

    with pytest.raises(SystemExit) as exited:
        cli.main(["translate", str(source), "--cache", "sometimes"])
    assert exited.value.code == 2
    assert "off, on" in capsys.readouterr().err


def test_serve_and_batch_options(tmp_path):
    from translator.batch.config import UsageError, configure
    from translator.server import Settings

    parser = cli.build_parser()
    settings = cli.serve_settings(parser.parse_args(["serve"]))
    assert (settings.translation_cache, settings.translation_cache_mb, settings.shared_storage) == (
        "all",
        256,
        "memory://",
    )
    args = parser.parse_args(
        [
            "serve",
            "--translation-cache",
            "k1,k2",
            "--translation-cache-mb",
            "8",
            "--shared-storage",
            "redis://127.0.0.1:1/0",
        ]
    )
    assert cli.serve_settings(args).translation_cache == "k1,k2"
    with pytest.raises(ValueError):
        Settings(shared_storage="ftp://x")
    with pytest.raises(ValueError):
        Settings(translation_cache_mb=0)

    (tmp_path / "in").mkdir()
    cfg = configure(parser.parse_args(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "--cache"]))
    assert cfg.cache == "on" and cfg.cache_mb == 256
    assert configure(parser.parse_args(["batch", str(tmp_path / "in"), str(tmp_path / "out")])).cache is None
    with pytest.raises(UsageError, match="off, on"):
        configure(parser.parse_args(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "--cache", "x"]))


def test_a_backend_shares_one_cache_between_its_translators(tiny_models, tmp_path):
    from translator.server.backend import Backend, Settings

    backend = Backend(
        Settings(
            translation_model=str(tiny_models.marian),
            summary_model=str(tiny_models.bart),
            translation_cache=str(tmp_path / "server.sqlite"),
            preload=False,
        )
    )
    assert isinstance(backend.cache, SqliteCache)
    assert backend.translator(1).cache is backend.translator(2).cache is backend.cache
    off = Backend(Settings(translation_model=str(tiny_models.marian), translation_cache="off", preload=False))
    assert off.cache is None and off.translator(1).cache is None


def test_batch_with_a_cache_translates_a_changed_folder_from_it(
    tiny_env, seed_article, tmp_path, generate_spy, monkeypatch
):
    from translator.engines import load
    from translator.options import RuntimeOptions

    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(seed_article, encoding="utf-8")
    store = tmp_path / "batch.sqlite"
    common = ["--beams", "1", "--source", "sl", "--quiet", "--cache", str(store)]
    assert cli.main(["batch", str(src), str(tmp_path / "out1"), *common]) == 0
    model = load(None, "translation", RuntimeOptions.from_env())
    calls = generate_spy(model.engine)
    (src / "b.txt").write_text(seed_article.replace("\n\n", "\n\nKonec tedna.\n\n", 1), encoding="utf-8")
    assert cli.main(["batch", str(src), str(tmp_path / "out2"), *common]) == 0
    assert (tmp_path / "out2" / "a.txt").read_bytes() == (tmp_path / "out1" / "a.txt").read_bytes()
    # only the new sentence of b.txt (sent twice when the tiny model loops: the repetition retry)
    assert {tuple(row) for row in rows(calls)} == {tuple(ids) for ids in model.encode(["Konec tedna."])}
