"""The translation memory (docs: own-words.md): an approved sentence is answered from it and never
reaches the engine, on both engines; quotes and whitespace do not matter; near matches are shown,
not applied; it wins over the cache; TMX and CSV go in and out (hostile TMX refused); suggestions
are listed, approved, rejected and exported; a trusted key's suggestion goes straight in and
changes the next answer of a second server sharing Redis."""

from __future__ import annotations

import csv
import json

import httpx
import pytest
from servers import launch_tiny, redis_server

from translator import Translator, cli
from translator.core.memory import Pair, RedisMemory, SqliteMemory, normalise, open_memory, read_pairs
from translator.core.memory.specs import server_memory_spec
from translator.errors import InvalidInputError
from translator.system.records import Suggestion, SuggestionStore

ENGINES = [pytest.param("hf", id="hf"), pytest.param("ct2", id="ct2")]
KNOWN = "Vlada je sprejela proračun za prihodnje leto."
KNOWN_EN = "The government adopted next year's budget."
OTHER = "Danes je v Ljubljani deževalo ves dan."


def make(tiny_models, engine: str, memory, cache=None) -> Translator:
    dtype = "float32" if engine == "ct2" else None
    return Translator(
        str(tiny_models.marian), engine=engine, dtype=dtype, source="sl", num_beams=2, memory=memory, cache=cache
    )


def sent(calls) -> list[list[int]]:
    """Every row of every engine call (a sentence retried with a repetition penalty comes twice)."""
    return [list(row) for call in calls for row in call.batch]


def reached(translator: Translator, calls, sentence: str) -> bool:
    """Whether ``sentence`` was in a batch the engine got."""
    [ids] = translator.model.encode([sentence])
    return list(ids) in sent(calls)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_memory_hit_never_reaches_the_engine_and_says_so(tiny_models, tmp_path, generate_spy, engine):
    memory = SqliteMemory(tmp_path / "memory.sqlite")
    translator = make(tiny_models, engine, memory)
    calls = generate_spy(translator.model.engine)
    before = translator.translate_document(f"{KNOWN} {OTHER}")
    assert reached(translator, calls, KNOWN) and reached(translator, calls, OTHER)
    assert [s.origin for s in before.segments] == ["model", "model"]
    assert before.segments[0].target != KNOWN_EN

    memory.add([Pair("sl", KNOWN, KNOWN_EN)])
    calls.clear()
    after = translator.translate_document(f"{KNOWN} {OTHER}")
    assert not reached(translator, calls, KNOWN) and reached(translator, calls, OTHER)
    assert after.segments[0].target == KNOWN_EN and after.segments[0].origin == "memory"
    assert after.segments[1].origin == "model" and after.segments[1].target == before.segments[1].target
    assert after.text == f"{KNOWN_EN} {before.segments[1].target}"
    assert after.segments[0].to_dict()["origin"] == "memory"

    calls.clear()
    alone = translator.translate_document(KNOWN)
    assert calls == [] and alone.text == KNOWN_EN
    streamed = list(translator.iter_translate_document(f"{KNOWN}\n\n{KNOWN}"))[-1]
    assert calls == [] and streamed.text == f"{KNOWN_EN}\n\n{KNOWN_EN}"


def test_whitespace_and_quote_styles_do_not_matter(tiny_models, tmp_path, generate_spy):
    assert normalise(" „Dober“  dan,\u00a0«gospod»  ‘x’ ") == '"Dober" dan, "gospod" \'x\''
    memory = SqliteMemory(tmp_path / "memory.sqlite")
    memory.add(
        [Pair("sl", "Minister je rekel: „Proračun  je sprejet.“", "The minister said: “The budget is adopted.”")]
    )
    translator = make(tiny_models, "hf", memory)
    calls = generate_spy(translator.model.engine)
    for written in ('Minister je rekel: "Proračun je sprejet."', "Minister je rekel: «Proračun je sprejet.»"):
        doc = translator.translate_document(written)
        assert [s.origin for s in doc.segments] == ["memory"], written
        assert doc.text == "The minister said: “The budget is adopted.”"
    assert calls == []
    # the same words in another language's pairs, or other words, are no hit
    assert memory.exact("hr", ['Minister je rekel: "Proračun je sprejet."']) == {}


def test_near_matches_are_reported_with_their_score_and_never_applied(tiny_models, tmp_path, generate_spy):
    memory = SqliteMemory(tmp_path / "memory.sqlite")
    memory.add([Pair("sl", KNOWN, KNOWN_EN), Pair("sl", OTHER, "It rained all day in Ljubljana today.")])
    translator = make(tiny_models, "hf", memory)
    calls = generate_spy(translator.model.engine)
    near = KNOWN.replace("proračun", "proračuna")
    doc = translator.translate_document(f"{near} Popolnoma drugačen stavek o nečem.")
    assert reached(translator, calls, near)  # a near match is not applied: the model translates it
    first, second = doc.segments
    assert first.origin == "model" and first.target != KNOWN_EN
    assert [(m.source, m.target) for m in first.matches] == [(KNOWN, KNOWN_EN)]
    assert 0.8 <= first.matches[0].score < 1
    assert second.matches == ()
    data = first.to_dict()
    assert data["matches"] == [{"source": KNOWN, "target": KNOWN_EN, "score": first.matches[0].score}]
    json.dumps(data)
    # a stricter ratio shows none
    strict = make(tiny_models, "hf", SqliteMemory(tmp_path / "memory.sqlite", near_cutoff=0.99))
    assert strict.translate_document(near).segments[0].matches == ()


def test_the_memory_wins_over_the_cache_and_a_removal_is_seen_at_once(tiny_models, tmp_path, generate_spy):
    memory = SqliteMemory(tmp_path / "memory.sqlite")
    translator = make(tiny_models, "hf", memory, cache=str(tmp_path / "cache.sqlite"))
    calls = generate_spy(translator.model.engine)
    model_english = translator.translate_document(KNOWN).text
    calls.clear()
    assert translator.translate_document(KNOWN).segments[0].origin == "cache"
    # another process (a second memory object on the same file) approves a pair
    SqliteMemory(tmp_path / "memory.sqlite").add([Pair("sl", KNOWN, KNOWN_EN)])
    hit = translator.translate_document(KNOWN)
    assert hit.text == KNOWN_EN and hit.segments[0].origin == "memory"
    assert SqliteMemory(tmp_path / "memory.sqlite").remove("sl", KNOWN)
    again = translator.translate_document(KNOWN)
    assert again.text == model_english and again.segments[0].origin == "cache"
    assert calls == []  # the model made its English once, the first time


def test_a_memory_that_was_never_written_is_not_created_by_a_lookup(tmp_path):
    memory = open_memory(str(tmp_path / "none" / "memory.sqlite"))
    assert memory is not None and memory.exact("sl", [KNOWN]) == {} and memory.near("sl", KNOWN) == []
    assert not (tmp_path / "none").exists()
    assert open_memory("off") is None
    assert server_memory_spec("on", "redis://127.0.0.1:1/0") == "redis://127.0.0.1:1/0"
    assert server_memory_spec("on", "memory://") == "on"
    with pytest.raises(InvalidInputError, match="folder"):
        open_memory(str(tmp_path))
    with pytest.raises(InvalidInputError, match="language"):
        memory.add([Pair("", KNOWN, KNOWN_EN)])


def test_tmx_and_csv_round_trip_through_the_cli(tmp_path, capsys):
    db = str(tmp_path / "memory.sqlite")
    pairs = [
        Pair("sl", KNOWN, KNOWN_EN),
        Pair("hr", "Vlada je usvojila „proračun“ & <zakon>.", 'The government adopted the "budget" & <law>.'),
        Pair("sl", 'Vejica, "narekovaj"\nin nova vrstica.', "A comma, a quote\nand a new line."),
    ]
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["language", "source", "target"])
        writer.writerows((p.language, p.source, p.target) for p in pairs)
    assert cli.main(["memory", "import", str(source), "--memory", db]) == 0
    assert "3 pairs read, 3 new or changed" in capsys.readouterr().out
    assert cli.main(["memory", "export", "--format", "tmx", "-o", str(tmp_path / "out.tmx"), "--memory", db]) == 0
    tmx = (tmp_path / "out.tmx").read_bytes()
    assert sorted(read_pairs(tmx, "tmx"), key=str) == sorted(pairs, key=str)
    assert cli.main(["memory", "clear", "--memory", db]) == 0
    assert "pairs: 0" in capsys.readouterr().out
    assert cli.main(["memory", "import", str(tmp_path / "out.tmx"), "--memory", db]) == 0
    assert cli.main(["memory", "export", "--format", "csv", "-o", str(tmp_path / "out.csv"), "--memory", db]) == 0
    assert sorted(read_pairs((tmp_path / "out.csv").read_bytes(), "csv"), key=str) == sorted(pairs, key=str)
    capsys.readouterr()
    assert cli.main(["memory", "stats", "--memory", db]) == 0
    assert capsys.readouterr().out.splitlines() == ["pairs: 3", f"path: {db}", "hr: 1", "sl: 2"]
    # importing the same again changes nothing
    assert cli.main(["memory", "import", str(tmp_path / "out.csv"), "--memory", db]) == 0
    assert "3 pairs read, 0 new or changed" in capsys.readouterr().out


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="sl"/><body>
<tu><tuv xml:lang="sl"><seg>Skrivnost</seg></tuv><tuv xml:lang="en"><seg>&secret;</seg></tuv></tu>
</body></tmx>"""
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY a "lol">'
    + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10) for i in range(8)
    )
    + b']>\n<tmx version="1.4"><body><tu><tuv xml:lang="sl"><seg>x</seg></tuv>'
    + b'<tuv xml:lang="en"><seg>&i;</seg></tuv></tu></body></tmx>'
)


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_a_hostile_tmx_is_refused(tmp_path, capsys, data):
    with pytest.raises(InvalidInputError, match="DOCTYPE"):
        read_pairs(data, "tmx")
    path = tmp_path / "hostile.tmx"
    path.write_bytes(data)
    db = tmp_path / "memory.sqlite"
    assert cli.main(["memory", "import", str(path), "--memory", str(db)]) != 0
    assert "DOCTYPE" in capsys.readouterr().err
    assert SqliteMemory(db).stats().entries == 0


def test_not_tmx_and_bad_csv_are_named():
    with pytest.raises(InvalidInputError, match="not well-formed"):
        read_pairs(b"<tmx><body>", "tmx")
    with pytest.raises(InvalidInputError, match="root element is <html>"):
        read_pairs(b"<html/>", "tmx")
    with pytest.raises(InvalidInputError, match="row 1 has 2 columns"):
        read_pairs(b"a,b\n", "csv")
    assert read_pairs(b"a,b\n", "csv", "sl") == [Pair("sl", "a", "b")]


def test_suggestions_list_approve_reject_and_export(tiny_models, tmp_path, capsys, generate_spy):
    store_path = tmp_path / "suggestions.sqlite"
    db = str(tmp_path / "memory.sqlite")
    store = SuggestionStore(store_path)
    for q, s in ((KNOWN, KNOWN_EN), (OTHER, "Wrong."), ("Tretji stavek.", "The third sentence.")):
        assert store.add(Suggestion(q, s, "sl", "en", None, 1.0e9), "address:1")
    flags = ["--suggestions-db-path", str(store_path)]
    assert cli.main(["suggestions", "list", *flags]) == 0
    listed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [row[1:4] for row in listed] == [
        ["sl", KNOWN, KNOWN_EN],
        ["sl", OTHER, "Wrong."],
        ["sl", "Tretji stavek.", "The third sentence."],
    ]
    numbers = [row[0] for row in listed]
    assert cli.main(["suggestions", "approve", numbers[0], *flags, "--memory", db]) == 0
    assert cli.main(["suggestions", "reject", numbers[1], *flags]) == 0
    assert cli.main(["suggestions", "reject", "999", *flags]) == 1  # no such suggestion: said, exit 1
    capsys.readouterr()
    assert cli.main(["suggestions", "list", *flags]) == 0
    assert [line.split("\t")[2] for line in capsys.readouterr().out.splitlines()] == ["Tretji stavek."]
    assert cli.main(["suggestions", "export", "--format", "tmx", *flags]) == 0
    assert "Tretji stavek." in capsys.readouterr().out
    assert list(SqliteMemory(db).pairs()) == [Pair("sl", KNOWN, KNOWN_EN)]
    # the approved pair answers the next translation through the CLI, never reaching the model
    translator = make(tiny_models, "hf", db)
    calls = generate_spy(translator.model.engine)
    assert translator.translate(KNOWN) == KNOWN_EN and calls == []
    with pytest.raises(SystemExit):
        cli.main(["suggestions", "approve", *flags])  # neither numbers nor --all


def test_the_cli_json_and_the_batch_report_show_the_origins(tiny_env, tmp_path, capsys):
    db = tmp_path / "memory.sqlite"
    SqliteMemory(db).add([Pair("sl", KNOWN, KNOWN_EN)])
    article = tmp_path / "in" / "article.txt"
    article.parent.mkdir()
    article.write_text(f"{KNOWN} {OTHER}\n", encoding="utf-8")
    flags = ["--source", "sl", "--beams", "1", "--memory", str(db)]
    assert cli.main(["translate", str(article), "--json", *flags]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert [(s["origin"], s["target"] == KNOWN_EN) for s in segments] == [("memory", True), ("model", False)]
    assert cli.main(["batch", str(article.parent), str(tmp_path / "out"), "--quiet", *flags, "--cache", "on"]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["origins"] == {"memory": 1, "model": 1}
    assert report["files"][0]["origins"] == {"memory": 1, "model": 1}
    assert (tmp_path / "out" / "article.txt").read_text(encoding="utf-8").startswith(KNOWN_EN)
    assert cli.main(["translate", str(article), "--json", *flags, "--memory", "off"]) == 0
    assert [s["origin"] for s in json.loads(capsys.readouterr().out)["segments"]] == ["model", "model"]


def test_the_page_sends_a_correction_as_a_pending_suggestion(tiny_models, tmp_path):
    from translator.server import Settings
    from translator.server.page.corrections import sentences_of
    from translator.server.page.page import build_app

    store = tmp_path / "suggestions.sqlite"
    settings = Settings(
        translation_model=str(tiny_models.marian),
        summary_model=str(tiny_models.bart),
        device="cpu",
        num_beams=1,
        suggestions=True,
        suggestions_db=str(store),
        memory=str(tmp_path / "memory.sqlite"),
    )
    demo = build_app(settings)
    handlers = {f.name: f.fn for f in demo.fns.values()}
    steps = list(handlers["on_translate"](f"{KNOWN} 2024. {OTHER}", False, "medium", 1, "sl"))
    data = steps[-1][5]["value"]
    picker, state = sentences_of(data)
    assert [number for _label, number in picker["choices"]] == ["1", "3"]  # numbered as in the sentence view
    said, left = handlers["on_send"]("3", "  It rained all day.  ", state, None)
    assert said.startswith("✓") and left == ""
    assert "Pick a sentence" in handlers["on_send"](None, "x", state, None)[0]
    assert [(s.q, s.s, s.source) for s in SuggestionStore(store).suggestions()] == [(OTHER, "It rained all day.", "sl")]
    demo.close()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis-memory")) as (_process, url):
        yield url


def test_redis_memory_exact_near_and_clear(redis_url):
    memory = RedisMemory(redis_url)
    memory.clear()
    assert memory.add([Pair("sl", KNOWN, KNOWN_EN)]) == 1 and memory.add([Pair("sl", KNOWN, KNOWN_EN)]) == 0
    assert memory.exact("sl", [KNOWN.replace(" ", "  ")]) == {KNOWN.replace(" ", "  "): KNOWN_EN}
    assert [m.target for m in memory.near("sl", KNOWN.replace("proračun", "proračuna"))] == [KNOWN_EN]
    assert memory.stats().languages == {"sl": 1} and list(memory.pairs()) == [Pair("sl", KNOWN, KNOWN_EN)]
    assert memory.remove("sl", KNOWN) and memory.exact("sl", [KNOWN]) == {}
    assert memory.clear() == 0


@pytest.mark.slow
def test_a_trusted_keys_suggestion_changes_the_next_answer_on_a_second_replica(tiny_models, redis_url, tmp_path):
    RedisMemory(redis_url).clear()
    keys = tmp_path / "keys.txt"
    keys.write_text("trusted\nordinary\n", encoding="utf-8")
    options = dict(
        shared_storage=redis_url,
        api_keys_file=str(keys),
        suggestions=True,
        suggestions_db=str(tmp_path / "suggestions.sqlite"),
        suggestions_approve="trusted",
        translation_cache="off",
    )
    first = launch_tiny(tiny_models, **options)
    second = launch_tiny(tiny_models, **options)
    try:
        call = {"q": KNOWN, "source": "sl", "target": "en", "segments": True}

        def translate(server, key):
            answer = httpx.post(server.local_url + "translate", json={**call, "api_key": key}, timeout=60)
            assert answer.status_code == 200, answer.text
            return answer.json()

        before = translate(second, "ordinary")
        assert before["translatedText"] != KNOWN_EN and before["segments"][0]["origin"] == "model"
        suggest = {"q": KNOWN, "s": "An ordinary suggestion.", "source": "sl", "target": "en"}
        answer = httpx.post(first.local_url + "suggest", json={**suggest, "api_key": "ordinary"}, timeout=30)
        assert answer.status_code == 200 and answer.json() == {"success": True}
        assert translate(second, "ordinary")["translatedText"] == before["translatedText"]  # pending only
        trusted = {**suggest, "s": KNOWN_EN, "api_key": "trusted"}
        assert httpx.post(first.local_url + "suggest", json=trusted, timeout=30).status_code == 200
        after = translate(second, "ordinary")
        assert after["translatedText"] == KNOWN_EN and after["segments"][0]["origin"] == "memory"
        pending = [s.s for s in SuggestionStore(tmp_path / "suggestions.sqlite").suggestions()]
        assert pending == ["An ordinary suggestion."]
        RedisMemory(redis_url).remove("sl", KNOWN)  # removed through one, gone on the other at once
        assert translate(second, "ordinary")["segments"][0]["origin"] == "model"
    finally:
        first.close()
        second.close()


def test_a_suggestion_approved_on_the_command_line_answers_the_running_servers_next_call(tiny_models, tmp_path):
    memory, store = tmp_path / "memory.sqlite", tmp_path / "suggestions.sqlite"
    server = launch_tiny(
        tiny_models,
        memory=str(memory),
        suggestions=True,
        suggestions_db=str(store),
        translation_cache=str(tmp_path / "cache.sqlite"),  # a cache of its own: the first answer is the model's
    )
    try:
        call = {"q": KNOWN, "source": "sl", "target": "en", "segments": True}

        def translate():
            answer = httpx.post(server.local_url + "translate", json=call, timeout=60)
            assert answer.status_code == 200, answer.text
            return answer.json()

        assert translate()["segments"][0]["origin"] == "model"
        suggestion = {"q": KNOWN, "s": KNOWN_EN, "source": "sl", "target": "en"}
        assert httpx.post(server.local_url + "suggest", json=suggestion, timeout=30).json() == {"success": True}
        assert translate()["segments"][0]["origin"] in ("model", "cache")  # pending: not used yet
        assert (
            cli.main(["suggestions", "approve", "--all", "--suggestions-db-path", str(store), "--memory", str(memory)])
            == 0
        )
        answer = translate()
        assert answer["translatedText"] == KNOWN_EN and answer["segments"][0]["origin"] == "memory"
        assert cli.main(["memory", "clear", "--memory", str(memory)]) == 0
        assert translate()["segments"][0]["origin"] in ("model", "cache")
    finally:
        server.close()
