"""The web page served for real (tiny models, real generate()) and driven over HTTP with
gradio_client, as an API user would; its pieces (backend, rendering, options) without a server."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from servers import free_port

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from translator.results import Segment  # noqa: E402
from translator.server import Settings, launch  # noqa: E402
from translator.server.backend import Backend, ModelStatus, read_upload  # noqa: E402
from translator.server.page import render  # noqa: E402
from translator.system.durable import TMP_SUFFIX  # noqa: E402

pytestmark = pytest.mark.slow  # a real server and gradio_client

REPO = Path(__file__).resolve().parent.parent
MAX_CHARS = 10_000  # four copies of the seed article (about 2,000 characters each) fit


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def serve(settings: Settings, **login):
    demo = launch(
        dataclasses.replace(settings, host="127.0.0.1", port=free_port()), prevent_thread_lock=True, quiet=True
    )
    client = Client(demo.local_url, verbose=False, analytics_enabled=False, download_files=False, **login)
    return demo, client


def tiny_settings(tiny_models, **options) -> Settings:
    return Settings(
        translation_model=str(tiny_models.marian), summary_model=str(tiny_models.bart), device="cpu", **options
    )


def page_component(demo, elem_id: str) -> dict:
    """A component's properties as the browser gets them on page load."""
    import httpx

    config = httpx.get(demo.local_url + "config", timeout=10).json()
    return next(c["props"] for c in config["components"] if c["props"].get("elem_id") == elem_id)


@pytest.fixture(scope="module")
def app(tiny_models):
    demo, client = serve(tiny_settings(tiny_models, max_chars=MAX_CHARS, num_beams=1))
    yield demo, client
    client.close()
    demo.close()


@pytest.fixture(scope="module")
def client(app) -> Client:
    return app[1]


def test_named_endpoints_are_public_and_the_streaming_handler_is_not(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/translate", "/summarize", "/translate_and_summarize"} <= set(endpoints)
    for name in ("/translate", "/summarize", "/translate_and_summarize"):
        parameters = endpoints[name]["parameters"]
        # only the text is required: everything after it has a default
        assert [p["parameter_has_default"] for p in parameters] == [False] + [True] * (len(parameters) - 1)
    assert not any("run" in name or "load_file" in name or "clear" in name or "refresh" in name for name in endpoints)


def test_translate_with_only_the_text(client):
    english = client.predict("Dober dan. Kako ste danes?", api_name="/translate")
    assert isinstance(english, str) and english.strip()
    # same input, greedy decoding: same output (the model is loaded once and deterministic)
    assert client.predict("Dober dan. Kako ste danes?", 1, api_name="/translate") == client.predict(
        "Dober dan. Kako ste danes?", num_beams=1, api_name="/translate"
    )


def test_summarize_with_only_the_text(client):
    summary = client.predict(
        "The government met on Monday. It agreed on a new budget for next year. The opposition criticised the plan.",
        api_name="/summarize",
    )
    assert isinstance(summary, str) and summary.strip()
    short = client.predict("The government met on Monday. It agreed on a budget.", "short", api_name="/summarize")
    assert isinstance(short, str)


def test_seed_article_keeps_paragraphs_and_gets_a_summary(client, seed_article):
    translation, summary, segments = client.predict(seed_article, api_name="/translate_and_summarize")
    assert len(paragraphs(translation)) == len(paragraphs(seed_article))
    assert summary.strip()
    # the segments have the one JSON shape (TranslationAndSummary.to_dict), as in the download
    assert segments and set(segments[0]) == set(Segment("a", "b", 0, 1, 0).to_dict())
    # the segments and the whitespace between them give back the source
    assert re.sub(r"\s", "", "".join(s["source"] for s in segments)) == re.sub(r"\s", "", seed_article)
    assert all(seed_article[s["start"] : s["end"]] == s["source"] for s in segments)
    assert max(s["paragraph"] for s in segments) + 1 == len(paragraphs(seed_article))


def test_seed_article_through_translate(client, seed_article):
    english = client.predict(seed_article, api_name="/translate")
    assert len(paragraphs(english)) == len(paragraphs(seed_article))


@pytest.mark.parametrize("endpoint", ["/translate", "/summarize", "/translate_and_summarize"])
@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_input_is_a_clear_error(client, endpoint, text):
    with pytest.raises(AppError, match="empty"):
        client.predict(text, api_name=endpoint)


@pytest.mark.parametrize("endpoint", ["/translate", "/summarize", "/translate_and_summarize"])
def test_over_the_limit_says_the_limit_and_the_size(client, endpoint):
    with pytest.raises(AppError) as error:
        client.predict("a" * (MAX_CHARS + 1), api_name=endpoint)
    message = str(error.value)
    assert f"{MAX_CHARS + 1:,}" in message and f"{MAX_CHARS:,}" in message and "--max-chars" in message
    # the page stays usable after an error
    assert client.predict("Hvala.", api_name="/translate").strip()


def test_bad_options_are_clear_errors(client):
    with pytest.raises(AppError, match="short, medium, long"):
        client.predict("Some English text.", "huge", api_name="/summarize")
    with pytest.raises(AppError, match="1 to 6"):
        client.predict("Dober dan.", 9, api_name="/translate")


def test_concurrent_requests_queue_and_all_finish(client):
    texts = [f"To je stavek številka {n}. Vlada je sprejela proračun." for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(client.predict, text, 1, api_name="/translate") for text in texts]
        results = [job.result(timeout=60) for job in jobs]
    assert all(r.strip() for r in results)
    assert results == [client.predict(text, 1, api_name="/translate") for text in texts]


def test_the_buttons_stream_partial_translations(app, seed_article):
    """The page's buttons run a generator (kept out of the API): the English grows as groups of
    paragraphs finish, and the last step brings the download files."""
    demo, _ = app
    handler = next(f.fn for f in demo.page.fns.values() if f.name == "on_translate")
    article = "\n\n".join([seed_article.strip()] * 4)
    steps = list(handler(article, False, "medium", 1, "auto"))
    texts = [step[0] for step in steps]
    assert len(steps) >= 4, [len(t) for t in texts]  # a start, at least two partials, the end
    assert all(len(a) <= len(b) for a, b in zip(texts, texts[1:]))
    assert len({t for t in texts[1:-1] if t}) >= 2
    # the first partial is small: the first paragraph shows before the rest is done
    assert len(paragraphs(texts[1])) < len(paragraphs(article)) / 2
    english, summary, table, status, txt, data = steps[-1]
    assert len(paragraphs(english)) == len(paragraphs(article))
    assert summary == "" and "✓" in status and table.count("<tr class=") == len(steps[-2][2].split("<tr class=")) - 1
    assert txt["interactive"] and Path(txt["value"]).read_text(encoding="utf-8").strip() == english.strip()
    payload = json.loads(Path(data["value"]).read_text(encoding="utf-8"))
    assert payload["translation"] == english and payload["summary"] is None


def test_the_page_names_the_models_and_warns_of_none(app):
    demo, _ = app
    assert page_component(demo, "model-warning")["visible"] is False
    info = page_component(demo, "model-info")["value"]
    assert "on cpu" in info and "not available" not in info


def test_missing_model_shows_on_the_page_and_at_start_and_the_page_still_serves(tmp_path, tiny_models, capsys):
    missing = str(tmp_path / "no-such-model")
    demo, client = serve(Settings(translation_model=missing, summary_model=str(tiny_models.bart), device="cpu"))
    try:
        # the start-up line names the model and the fix; nothing is said to be ready
        started = capsys.readouterr()
        assert re.search(
            r"^error: translation model '.*no-such-model' is not available: .*does not exist", started.err, re.M
        ), started.err
        assert "ready" not in started.out
        # the page shows it as it loads, before anything is pressed
        warning = page_component(demo, "model-warning")
        assert warning["visible"] is True
        assert "translation model" in warning["value"] and "does not exist" in warning["value"]
        assert "translator download" in warning["value"]
        with pytest.raises(AppError, match="does not exist"):
            client.predict("Dober dan.", api_name="/translate")
        # the other model still works
        assert client.predict("Good morning. The minister spoke.", api_name="/summarize").strip()
        import httpx

        assert httpx.get(demo.local_url, timeout=10).status_code == 200
    finally:
        client.close()
        demo.close()


def test_ready_models_are_named_at_start(tiny_models, capsys):
    demo = launch(tiny_settings(tiny_models, port=free_port()), prevent_thread_lock=True)
    try:
        out = capsys.readouterr().out
        assert re.search(
            r"^models: translation .*marian \(.* on cpu.*\), summary .*bart \(.* on cpu.*\) ready$", out, re.M
        ), out
    finally:
        demo.close()


def test_launch_with_auth_needs_the_login(tiny_models):
    import httpx

    demo, client = serve(
        tiny_settings(tiny_models, num_beams=1, auth=("ana", "geslo"), preload=False), auth=("ana", "geslo")
    )
    try:
        assert httpx.get(demo.local_url + "config", timeout=10).status_code == 401
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type differs between versions
            Client(demo.local_url, verbose=False, analytics_enabled=False, auth=("ana", "napačno"))
        assert client.predict("Dober dan.", api_name="/translate").strip()
    finally:
        client.close()
        demo.close()


# -- pieces of the page, without a server ------------------------------------------------------


def test_side_by_side_escapes_html_and_marks_warnings():
    segments = [
        Segment("<b>Dober</b> dan & vse.", "<script>alert(1)</script>", 0, 23, 0),
        Segment("2025", "2025", 24, 28, 0, translated=False),
        Segment(
            "Drugi odstavek.",
            "Second <i>paragraph</i>.",
            30,
            45,
            1,
            warnings=("the translation repeats itself (possible model loop)",),
        ),
    ]
    page = render.side_by_side_html(segments)
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp; vse." in page
    rows = re.findall(r'<tr class="([^"]*)" data-paragraph', page)
    assert len(rows) == 3
    assert "copied" in rows[1]
    assert "warn" in rows[2] and "para-start" in rows[2]
    assert "possible model loop" in page
    assert render.side_by_side_html([]) == render.EMPTY_TABLE


def test_the_sentence_view_says_where_each_english_came_from_and_shows_near_matches():
    from translator.results import NearMatch

    near = NearMatch("Vlada je <b>sprejela</b> zakon.", "The government passed the law.", 0.93)
    segments = [
        Segment("Vlada je sprejela zakon.", "The government adopted the law.", 0, 24, 0, origin="memory"),
        Segment("Dober dan.", "Good day.", 25, 35, 0, origin="cache"),
        Segment(
            "Vlada je sprejela zakone.", "The government adopted laws.", 36, 61, 0, origin="model", matches=(near,)
        ),
    ]
    rows = re.findall(r'<tr class="([^"]*)"[^>]*>(.*?)</tr>', render.side_by_side_html(segments))
    assert len(rows) == 3
    (first_class, first), (_, second), (third_class, third) = rows
    assert "memory" in first_class.split() and "from the translation memory" in first
    assert "from the sentence cache" in second
    assert "93% memory" in third and "&lt;b&gt;sprejela&lt;/b&gt;" in third and "<b>" not in third
    assert "from the" not in third and "memory" not in third_class.split()  # the model's own: no badge


def test_model_messages_escape_and_name_the_fix():
    ready = ModelStatus("summary", "bart", True, "hf float32 on cpu")
    missing = ModelStatus(
        "translation", "x/<b>y</b>", False, "model 'x' is not <i>available</i>. Fix: run `translator download x`"
    )
    assert render.startup_lines([ready, ready]) == [
        "models: summary bart (hf float32 on cpu), summary bart (hf float32 on cpu) ready"
    ]
    assert render.startup_lines([missing, ready]) == [
        "error: translation model 'x/<b>y</b>' is not available: model 'x' is not <i>available</i>. "
        "Fix: run `translator download x` (the page starts anyway and shows this)"
    ]
    warning = render.model_warning([missing, ready])
    # a model name stays in a code span (shown as typed); any other text is escaped
    assert "`x/<b>y</b>`" in warning and "<i>" not in warning and "&lt;i&gt;" in warning
    assert "translator download x" in warning and "bart" not in warning
    assert render.model_warning([ready]) == "" and render.model_warning(None) == ""
    info = render.model_info([missing, ready], {}, 1234, 2)
    assert "not available" in info and "hf float32 on cpu" in info and "1,234 characters" in info
    assert "loading…" in render.model_info(None, {"translation": "m", "summary": "s"}, 10, 1)


def test_uploads_use_the_shared_readers(tmp_path):
    (tmp_path / "clanek.txt").write_text("Prvi odstavek.\n\nDrugi odstavek.\n", encoding="utf-8")
    assert paragraphs(read_upload(tmp_path / "clanek.txt")) == ["Prvi odstavek.", "Drugi odstavek."]
    (tmp_path / "clanek.html").write_text(
        "<html><body><h1>Naslov</h1><p>Prvi &amp; drugi.</p><script>var x = 1;</script></body></html>", encoding="utf-8"
    )
    text = read_upload(tmp_path / "clanek.html")
    assert "Naslov" in text and "Prvi & drugi." in text and "var x" not in text
    assert read_upload(None) == ""


def test_unsupported_or_unreadable_upload_is_a_clear_error(tmp_path):
    (tmp_path / "slika.jpg").write_bytes(b"\xff\xd8\xff not really")
    with pytest.raises(ValueError, match="not supported"):
        read_upload(tmp_path / "slika.jpg")
    (tmp_path / "slika.pdf").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(ValueError, match="Could not read slika.pdf"):
        read_upload(tmp_path / "slika.pdf")
    (tmp_path / "pokvarjen.docx").write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match="Could not read pokvarjen.docx"):
        read_upload(tmp_path / "pokvarjen.docx")


def test_page_checks_share_the_library_rules(tiny_models):
    backend = Backend(tiny_settings(tiny_models, max_chars=20, preload=False))
    with pytest.raises(TypeError, match="/translate expects a str"):
        backend.check_input(5, endpoint="/translate")
    with pytest.raises(ValueError, match="empty"):
        backend.check_input(" \n")
    with pytest.raises(ValueError, match="21 characters.*limit of 20.*--max-chars"):
        backend.check_input("a" * 21)
    assert backend.check_input("Dober dan.") == "Dober dan."


def test_downloads_are_the_one_json_shape_written_whole(app, seed_article):
    demo, _ = app
    result = demo.backend.run(seed_article, num_beams=1)
    result = dataclasses.replace(result, summary="A short summary.", summary_model="bart")
    txt, data = demo.backend.write_downloads(result)
    assert txt.suffix == ".txt" and data.suffix == ".json" and txt.parent == data.parent
    assert txt.read_text(encoding="utf-8").startswith(result.translation.rstrip("\n"))
    assert "A short summary." in txt.read_text(encoding="utf-8")
    assert json.loads(data.read_text(encoding="utf-8")) == json.loads(json.dumps(result.to_dict()))
    # written through io.atomic_write: nothing but the two files, no temporary left behind
    assert sorted(p.name for p in txt.parent.iterdir()) == ["translation.json", "translation.txt"]
    assert not [p for p in txt.parent.iterdir() if p.name.endswith(TMP_SUFFIX)]


def test_settings_check_their_values():
    assert Settings().num_beams == 4 and Settings().max_chars == 100_000 and Settings().host == "127.0.0.1"
    for bad in (
        dict(num_beams=9),
        dict(max_chars=0),
        dict(concurrency=0),
        dict(device="gpu"),
        dict(engine="fast"),
        dict(auth=("ana", "")),
    ):
        with pytest.raises(ValueError):
            Settings(**bad)
    assert "geslo" not in repr(Settings(auth=("ana", "geslo")))


@pytest.mark.slow  # three fresh interpreters, one importing gradio
def test_app_py_is_translator_serve_and_nothing_happens_at_import():
    env = {k: v for k, v in os.environ.items() if k not in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY")}
    app_help = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    serve_help = subprocess.run(
        [sys.executable, "-m", "translator", "serve", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert app_help.returncode == 0 and app_help.stdout == serve_help.stdout
    assert all(
        flag in app_help.stdout
        for flag in (
            "--host",
            "--port",
            "--share",
            "--max-chars",
            "--auth",
            "--beams",
            "--concurrency",
            "--translation-model",
        )
    )
    probe = (
        "import os, sys; import translator.cli; translator.cli.build_parser(); "
        "print('gradio' in sys.modules); import translator.server; "
        "print(os.environ.get('GRADIO_ANALYTICS_ENABLED'), os.environ.get('HF_HUB_DISABLE_TELEMETRY'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split("\n")[:2] == ["False", "None None"], out.stderr


def test_the_sentence_view_names_the_source_language_and_the_selector_forces_one(app, seed_article):
    demo, _ = app
    handler = next(f.fn for f in demo.page.fns.values() if f.name == "on_translate")
    detected = list(handler(seed_article, False, "medium", 1, "auto"))[-1]
    assert "<th>Slovenian</th>" in detected[2] and 'lang="sl"' in detected[2]
    forced = list(handler(seed_article, False, "medium", 1, "hr"))[-1]
    assert "<th>Croatian</th>" in forced[2] and "source: Croatian (hr)" in forced[3]
    selector = page_component(demo, "source-language")
    codes = [choice[1] for choice in selector["choices"]]
    assert codes[0] == "auto" and {"sl", "hr", "sr", "bs", "bg", "mk", "en"} <= set(codes)


def test_a_missing_model_warning_is_whole_and_names_the_offline_try_out(tmp_path):
    from translator.server.backend import ModelStatus

    detail = "model folder x does not exist: " + "word " * 200 + "the end"
    warning = render.model_warning([ModelStatus("translation", "x", False, detail)])
    assert warning.rstrip().endswith("the end")
    from translator.engines import models

    with pytest.raises(models.ModelNotFoundError, match="translator tiny-models"):
        models.resolve("nobody/no-such-model-anywhere")


def test_launch_hands_back_the_projects_own_handle_and_close_stops_it(tiny_models):
    import httpx
    from servers import launch_tiny

    from translator.server.server import RunningServer

    running = launch_tiny(tiny_models)
    try:
        assert isinstance(running, RunningServer)
        assert httpx.get(running.local_url + "health", timeout=10).json() == {"status": "ok"}
        assert running.page is not None and running.backend is not None
        assert running.page.local_url is None  # gradio's own launch state is left alone
    finally:
        running.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(running.local_url + "health", timeout=5)
