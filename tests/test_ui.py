"""The web page served for real (tiny models, real generate()) and driven over HTTP with
gradio_client, as an API user would."""

from __future__ import annotations

import json
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from translator import ui  # noqa: E402
from translator.results import Segment  # noqa: E402

pytestmark = [
    # gradio's queue, not this project, trips these pandas deprecation notices
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]

MAX_CHARS = 10_000  # four copies of the seed article (about 2,000 characters each) fit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def serve(**options):
    demo = ui.build_app(**options)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    client = Client(demo.local_url, verbose=False, analytics_enabled=False, download_files=False)
    return demo, client


@pytest.fixture(scope="module")
def app(tiny_models):
    demo, client = serve(translation_model=str(tiny_models.marian), summary_model=str(tiny_models.bart),
                         device="cpu", max_chars=MAX_CHARS, num_beams=1, preload=True)
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
    assert not any("run" in name or "load_file" in name or "clear" in name for name in endpoints)


def test_translate_with_only_the_text(client):
    english = client.predict("Dober dan. Kako ste danes?", api_name="/translate")
    assert isinstance(english, str) and english.strip()
    # same input, greedy decoding: same output (the model is loaded once and deterministic)
    assert client.predict("Dober dan. Kako ste danes?", 1, api_name="/translate") == \
        client.predict("Dober dan. Kako ste danes?", num_beams=1, api_name="/translate")


def test_summarize_with_only_the_text(client):
    summary = client.predict("The government met on Monday. It agreed on a new budget for next year. "
                             "The opposition criticised the plan.", api_name="/summarize")
    assert isinstance(summary, str) and summary.strip()
    short = client.predict("The government met on Monday. It agreed on a budget.", "short", api_name="/summarize")
    assert isinstance(short, str)


def test_seed_article_keeps_paragraphs_and_gets_a_summary(client, seed_article):
    translation, summary, segments = client.predict(seed_article, api_name="/translate_and_summarize")
    assert len(paragraphs(translation)) == len(paragraphs(seed_article))
    assert summary.strip()
    assert segments and {"source", "target", "paragraph", "translated", "warnings"} <= set(segments[0])
    # every source character is in exactly one segment, in order
    assert "".join(s["source"] for s in segments).replace(" ", "").replace("\n", "") == \
        re.sub(r"\s+", "", seed_article)
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
    handler = next(f.fn for f in demo.fns.values() if f.name == "run_translate")
    article = "\n\n".join([seed_article.strip()] * 4)
    steps = list(handler(article, False, "medium", 1))
    texts = [step[0] for step in steps]
    assert len(steps) >= 4, [len(t) for t in texts]  # a start, at least two partials, the end
    assert all(len(a) <= len(b) for a, b in zip(texts, texts[1:]))
    assert len({t for t in texts[1:-1] if t}) >= 2
    english, summary, table, status, txt, data = steps[-1]
    assert len(paragraphs(english)) == len(paragraphs(article))
    assert summary == "" and "✓" in status and table.count("<tr class=") == len(steps[-2][2].split("<tr class=")) - 1
    assert txt["interactive"] and Path(txt["value"]).read_text(encoding="utf-8").strip() == english.strip()
    assert json.loads(Path(data["value"]).read_text(encoding="utf-8"))["translation"] == english


def test_missing_model_is_a_clear_error_and_the_page_still_serves(tmp_path):
    missing = str(tmp_path / "no-such-model")
    demo, client = serve(translation_model=missing, summary_model=missing, device="cpu")
    try:
        with pytest.raises(AppError, match="does not exist"):
            client.predict("Dober dan.", api_name="/translate")
        with pytest.raises(AppError, match="does not exist"):
            client.predict("Good morning.", api_name="/summarize")
        assert "not available" in demo.backend.model_info()
        # the page itself still loads
        import httpx

        assert httpx.get(demo.local_url, timeout=10).status_code == 200
    finally:
        client.close()
        demo.close()


# -- pieces of the page, without a server ------------------------------------------------------


def test_side_by_side_escapes_html_and_marks_warnings():
    segments = [
        Segment("<b>Dober</b> dan & vse.", "<script>alert(1)</script>", 0, 23, 0),
        Segment("2025", "2025", 24, 28, 0, translated=False),
        Segment("Drugi odstavek.", "Second <i>paragraph</i>.", 30, 45, 1,
                warnings=("the translation repeats itself (possible model loop)",)),
    ]
    page = ui.side_by_side_html(segments)
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp; vse." in page
    rows = re.findall(r'<tr class="([^"]*)" data-paragraph', page)
    assert len(rows) == 3
    assert "copied" in rows[1]
    assert "warn" in rows[2] and "para-start" in rows[2]
    assert "possible model loop" in page
    assert ui.side_by_side_html([]) == ui.EMPTY_TABLE


def test_uploads_use_the_shared_readers(tmp_path):
    (tmp_path / "clanek.txt").write_text("Prvi odstavek.\n\nDrugi odstavek.\n", encoding="utf-8")
    assert paragraphs(ui.read_upload(tmp_path / "clanek.txt")) == ["Prvi odstavek.", "Drugi odstavek."]
    (tmp_path / "clanek.html").write_text("<html><body><h1>Naslov</h1><p>Prvi &amp; drugi.</p>"
                                          "<script>var x = 1;</script></body></html>", encoding="utf-8")
    text = ui.read_upload(tmp_path / "clanek.html")
    assert "Naslov" in text and "Prvi & drugi." in text and "var x" not in text
    assert ui.read_upload(None) == ""


def test_unsupported_or_unreadable_upload_is_a_clear_error(tmp_path):
    import gradio as gr

    (tmp_path / "slika.pdf").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(gr.Error, match="not supported"):
        ui.read_upload(tmp_path / "slika.pdf")
    (tmp_path / "pokvarjen.docx").write_bytes(b"this is not a zip file")
    with pytest.raises(gr.Error, match="Could not read pokvarjen.docx"):
        ui.read_upload(tmp_path / "pokvarjen.docx")


def test_downloads_are_written_whole(app, seed_article):
    demo, _ = app
    translation = demo.backend.translator(1).translate_document(seed_article)
    txt, data = demo.backend.write_downloads(seed_article, translation, "A short summary.")
    assert txt.suffix == ".txt" and data.suffix == ".json" and txt.parent == data.parent
    assert txt.read_text(encoding="utf-8").startswith(translation.text.rstrip("\n"))
    assert "A short summary." in txt.read_text(encoding="utf-8")
    payload = json.loads(data.read_text(encoding="utf-8"))
    assert payload["translation"] == translation.text and payload["summary"] == "A short summary."
    assert len(payload["segments"]) == len(translation.segments)
    assert not [p for p in Path(txt.parent).iterdir() if p.name.endswith(".tmp")]


def test_launch_with_auth_needs_the_login(tiny_models):
    import httpx

    demo = ui.launch(host="127.0.0.1", port=free_port(), translation_model=str(tiny_models.marian),
                     summary_model=str(tiny_models.bart), device="cpu", num_beams=1, auth="ana:geslo",
                     preload=False, prevent_thread_lock=True, quiet=True)
    try:
        assert httpx.get(demo.local_url + "config", timeout=10).status_code == 401
        with pytest.raises(Exception):
            Client(demo.local_url, verbose=False, analytics_enabled=False, auth=("ana", "napačno"))
        client = Client(demo.local_url, verbose=False, analytics_enabled=False, auth=("ana", "geslo"))
        assert client.predict("Dober dan.", api_name="/translate").strip()
        client.close()
    finally:
        demo.close()


def test_auth_option():
    assert ui.parse_auth(None) is None and ui.parse_auth("") is None
    assert ui.parse_auth("ana:geslo:z:dvopicji") == ("ana", "geslo:z:dvopicji")
    for bad in ("ana", ":geslo", "ana:"):
        with pytest.raises(ValueError):
            ui.parse_auth(bad)


def test_app_py_parses_the_options(monkeypatch):
    import subprocess
    import sys

    app_py = Path(__file__).resolve().parent.parent / "app.py"
    help_text = subprocess.run([sys.executable, str(app_py), "--help"], capture_output=True, text=True).stdout
    assert all(flag in help_text for flag in ("--host", "--port", "--share", "--max-chars", "--auth"))
    app_module = ui
    monkeypatch.delenv("TRANSLATOR_AUTH", raising=False)
    args = app_module.parse_args([])
    assert (args.host, args.share, args.max_chars, args.auth, args.beams) == ("127.0.0.1", False, 100_000, None, 4)
    args = app_module.parse_args(["--host", "0.0.0.0", "--port", "9000", "--share", "--max-chars", "500",
                                  "--translation-model", "m", "--summary-model", "s", "--device", "cpu",
                                  "--auth", "u:p"])
    assert (args.host, args.port, args.share, args.max_chars, args.auth) == ("0.0.0.0", 9000, True, 500, "u:p")
    assert (args.translation_model, args.summary_model, args.device) == ("m", "s", "cpu")
    with pytest.raises(SystemExit):
        app_module.parse_args(["--auth", "nocolon"])
