"""The LibreTranslate-compatible REST API, served for real beside the page on one port (tiny
models, real generate()), driven by the real ``libretranslatepy`` client and by raw HTTP:
JSON and form bodies, lists, HTML, files, every error status, keys and limits, /health, /docs.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from servers import app_server, launch_tiny, tiny_model_env, wait_until

httpx = pytest.importorskip("httpx")
pytest.importorskip("libretranslatepy")
from libretranslatepy import LibreTranslateAPI  # noqa: E402

from translator import cli  # noqa: E402
from translator.server.downloads import safe_name  # noqa: E402
from translator.server.rest import AccessPolicy, load_api_keys, parse_api_keys  # noqa: E402
from translator.server.rest.access import AccessDenied  # noqa: E402
from translator.text.language import SUPPORTED_SOURCES  # noqa: E402

pytestmark = pytest.mark.slow  # a real server on a free port

REPO = Path(__file__).resolve().parent.parent
MAX_CHARS = 3_000
MAX_FILE_BYTES = 2 * 2**20
SLOVENIAN = (
    "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto. Minister za finance je "
    "dejal, da bodo izdatki za zdravstvo in šolstvo višji kot letos."
)
ENGLISH = (
    "The government adopted the draft budget for next year on Thursday.\n\n"
    "The finance minister said that spending on health and education would be higher than this year."
)
GERMAN = "Die Regierung hat am Donnerstag den Haushaltsentwurf für das nächste Jahr angenommen."
SL = {"source": "sl", "target": "en"}
AUTO = {"source": "auto", "target": "en"}


def start(tiny_models, **options):
    return launch_tiny(tiny_models, **{"max_chars": MAX_CHARS, "max_file_bytes": MAX_FILE_BYTES, **options})


@pytest.fixture(scope="module")
def url(tiny_models):
    demo = start(tiny_models)
    yield demo.local_url
    demo.close()


@pytest.fixture(scope="module")
def keyed(tiny_models, tmp_path_factory):
    """A server that requires keys: "open" has no limit, "slow" two calls a minute and 50
    characters; everyone else the server's 1000 a minute and 200 characters."""
    keys = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys.write_text(
        "# key      per-minute  characters\nopen-key   0\nslow-key   2  50   # a trial\nplain-key\n", encoding="utf-8"
    )
    demo = start(tiny_models, api_keys_file=str(keys), require_api_key=True, req_limit=1000, char_limit=200)
    yield demo.local_url
    demo.close()


def post(url: str, path: str, **kwargs) -> httpx.Response:
    return httpx.post(url + path, timeout=60, **kwargs)


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) <= {"error", "hint"} and body["error"] and body.get("hint", "x")
    return body["error"]


# -- the real client -------------------------------------------------------------------------


def test_libretranslatepy_translates_detects_and_lists_languages(url):
    client = LibreTranslateAPI(url)
    english = client.translate(SLOVENIAN, "sl", "en")
    assert isinstance(english, str) and english.strip() and english != SLOVENIAN
    assert client.translate(ENGLISH, "auto", "en") == ENGLISH  # English comes back untouched
    [found] = client.detect(SLOVENIAN)
    assert found["language"] == "sl" and 50 < found["confidence"] <= 100  # percent, as LibreTranslate
    languages = client.languages()
    assert {lang["code"] for lang in languages} == {*SUPPORTED_SOURCES, "en"}
    assert all(lang["targets"] == ["en"] and lang["name"] for lang in languages)
    assert next(lang for lang in languages if lang["code"] == "sl")["name"] == "Slovenian"


# -- /translate ------------------------------------------------------------------------------


def test_json_and_form_bodies_give_the_same_shape(url):
    as_json = post(url, "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"})
    as_form = post(url, "translate", data={"q": SLOVENIAN, "source": "sl", "target": "en"})
    as_multipart = post(
        url, "translate", files={"q": (None, SLOVENIAN), "source": (None, "sl"), "target": (None, "en")}
    )
    for response in (as_json, as_form, as_multipart):
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"translatedText"}  # detectedLanguage only for source=auto
        assert response.json()["translatedText"].strip()
    assert as_json.json() == as_form.json() == as_multipart.json()  # greedy decoding: one answer
    assert as_json.headers["content-type"].startswith("application/json")


def test_auto_detects_and_english_comes_back_unchanged(url):
    answer = post(url, "translate", json={"q": ENGLISH, "source": "auto", "target": "en"}).json()
    assert answer["translatedText"] == ENGLISH
    assert answer["detectedLanguage"]["language"] == "en" and answer["detectedLanguage"]["confidence"] > 50
    answer = post(url, "translate", data={"q": SLOVENIAN, "source": "auto", "target": "en"}).json()
    assert answer["detectedLanguage"]["language"] == "sl" and answer["translatedText"] != SLOVENIAN
    quoted = ENGLISH.split("\n\n")[1]
    mixed = post(url, "translate", json={"q": f"{SLOVENIAN}\n\n{quoted}", **AUTO}).json()["translatedText"]
    assert mixed.endswith(f"\n\n{quoted}") and SLOVENIAN not in mixed  # an English paragraph is copied
    # source and target are required, as in LibreTranslate
    assert (
        error(post(url, "translate", json={"q": ENGLISH, "target": "en"}), 400)
        == "Invalid request: missing source parameter"
    )
    assert (
        error(post(url, "translate", json={"q": ENGLISH, "source": "auto"}), 400)
        == "Invalid request: missing target parameter"
    )


def test_a_list_gives_lists_in_order(url):
    texts = [SLOVENIAN, ENGLISH, "", "Dober dan."]
    answer = post(url, "translate", json={"q": texts, "source": "auto", "target": "en"}).json()
    english = answer["translatedText"]
    assert isinstance(english, list) and len(english) == 4
    assert english[1] == ENGLISH and english[2] == ""
    assert english[0].strip() and english[3].strip()
    assert [d["language"] for d in answer["detectedLanguage"]][:2] == ["sl", "en"]
    # the same texts one by one give the same English (they share batches, not results)
    assert english[0] == post(url, "translate", json={"q": SLOVENIAN, **SL}).json()["translatedText"]
    explicit = post(url, "translate", json={"q": texts[:1], "source": "sl", "target": "en"}).json()
    assert set(explicit) == {"translatedText"} and isinstance(explicit["translatedText"], list)


def test_html_keeps_its_markup(url):
    page = (
        '<p class="lead">Vlada je <b>v četrtek</b> sprejela <a href="https://gov.si/p?a=1&amp;b=2" '
        'title="Proračun">predlog proračuna</a>.</p>\n<ul><li>Zdravstvo</li><li>Šolstvo</li></ul>'
    )
    answer = post(url, "translate", json={"q": page, "source": "sl", "target": "en", "format": "html"}).json()
    html = answer["translatedText"]
    for markup in (
        '<p class="lead">',
        "<b>",
        "</b>",
        '<a href="https://gov.si/p?a=1&amp;b=2"',
        "</a>",
        "<ul><li>",
        "</li><li>",
        "</li></ul>",
    ):
        assert markup in html, (markup, html)
    assert "četrtek" not in html and "Šolstvo" not in html
    english = "<p>The minister <i>spoke</i> on Thursday about the budget for next year.</p>"
    assert post(url, "translate", json={"q": english, "format": "html", **AUTO}).json()["translatedText"] == english
    # an English paragraph inside a Slovenian page is copied, the rest translated
    quoted = "The finance minister said that spending on health and education would be higher."
    mixed = f"<p>{SLOVENIAN}</p>\n<blockquote>{quoted}</blockquote>\n<p>Opozicija se s tem ne strinja.</p>"
    answer = post(url, "translate", json={"q": mixed, "format": "html", **AUTO}).json()
    assert f"<blockquote>{quoted}</blockquote>" in answer["translatedText"]
    assert SLOVENIAN not in answer["translatedText"] and answer["detectedLanguage"]["language"] == "sl"


# -- errors ----------------------------------------------------------------------------------


def test_bad_requests_are_400_with_libretranslate_messages(url):
    assert (
        error(post(url, "translate", json={"source": "sl", "target": "en"}), 400)
        == "Invalid request: missing q parameter"
    )
    assert error(post(url, "translate", data={"q": "", **SL}), 400) == "Invalid request: missing q parameter"
    assert error(post(url, "detect", json={}), 400) == "Invalid request: missing q parameter"
    assert (
        error(post(url, "translate", content=b"{not json", headers={"content-type": "application/json"}), 400)
        == "Invalid JSON format"
    )
    assert error(post(url, "translate", json=["q"]), 400) == "Invalid JSON format"
    long = "a" * (MAX_CHARS + 1)
    assert (
        error(post(url, "translate", json={"q": long, **SL}), 400)
        == f"Invalid request: request ({MAX_CHARS + 1}) exceeds text limit ({MAX_CHARS})"
    )
    # each text within the limit, the request over it in all (--max-chars bounds every request)
    assert (
        error(post(url, "translate", json={"q": ["a" * 2000, "b" * 2000], **SL}), 400)
        == f"Invalid request: request (4000) exceeds text limit ({MAX_CHARS})"
    )
    assert error(post(url, "translate", json={"q": "x", "format": "xml", **SL}), 400) == "xml format is not supported"
    assert error(post(url, "translate", json={"q": 5, **SL}), 400).startswith("Invalid request: q")
    assert (
        error(post(url, "translate", data={"q": "x", "alternatives": "many", **SL}), 400)
        == "Invalid request: alternatives parameter is not a number"
    )
    assert (
        error(post(url, "translate", json={"q": "x", "alternatives": -1, **SL}), 400)
        == "Invalid request: alternatives parameter must be >= 0"
    )
    assert (
        error(post(url, "translate", json={"q": "x", "alternatives": 4, **SL}), 400)
        == "Invalid request: alternatives parameter must be <= 3"
    )
    answer = post(url, "translate", json={"q": ["Dober dan.", "Good morning."], "alternatives": 2, **AUTO}).json()
    alternatives = answer["alternatives"]  # a list per text; none for English
    assert len(alternatives) == 2 and alternatives[1] == [] and all(isinstance(a, str) for a in alternatives[0])


def test_alternatives_come_from_the_backend_when_it_has_them():
    from translator.server.rest import work
    from translator.text.language import LanguageRoute

    class Backend:
        def __init__(self) -> None:
            self.calls: list = []

        def alternatives(self, texts, n, *, source, exclude):
            self.calls.append((texts, n, source, exclude))
            return [[f"{t} A", f"{t} A", "same", f"{t} B", f"{t} C"] for t in texts]

    backend = Backend()
    routes = [
        LanguageRoute("sl", 0.9, "translate"),
        LanguageRoute("en", 0.9, "passthrough"),
        LanguageRoute("hr", 0.5, "translate"),
    ]
    found = work.alternatives_for(backend, ["a", "b", "c"], ["same", "b", "same"], routes, 2, html=False)
    assert found == [["a A", "a B"], [], ["c A", "c B"]]  # no repeats, not the translation itself, at most n
    # one call per source language, told the translation so that it is not among the alternatives
    assert backend.calls == [(["a"], 2, "sl", ["same"]), (["c"], 2, "hr", ["same"])]
    assert work.alternatives_for(backend, ["a"], ["x"], routes[:1], 2, html=True) == [[]]  # none for HTML


def test_unsupported_languages_are_400_naming_them(url):
    # LibreTranslate's words in "error", nothing after them; what to do in "hint"
    detected = post(url, "translate", json={"q": GERMAN, "source": "auto", "target": "en"})
    assert error(detected, 400) == "de is not supported"
    hint = detected.json()["hint"]
    assert "German" in hint and "Slovenian (sl)" in hint and '"source": "sl"' in hint and 'source="' not in hint
    source = post(url, "translate", json={"q": GERMAN, "source": "de", "target": "en"})
    assert error(source, 400) == "de is not supported" and "sl, hr, sr, bs, bg, mk" in source.json()["hint"]
    target = post(url, "translate", json={"q": SLOVENIAN, "source": "sl", "target": "de"})
    assert error(target, 400) == "de is not supported" and "en (English)" in target.json()["hint"]
    # forcing a supported source translates whatever the text looks like
    assert post(url, "translate", json={"q": GERMAN, **SL}).status_code == 200
    assert post(url, "translate", json={"q": SLOVENIAN, "source": "slv", "target": "EN"}).status_code == 200


def test_a_body_past_its_limit_is_413(url):
    huge = "a" * (8 * MAX_CHARS + 70_000)
    assert "larger than the limit" in error(post(url, "translate", json={"q": huge, **SL}), 413)
    assert "larger than the limit" in error(post(url, "translate", data={"q": huge, **SL}), 413)

    def chunks():  # no Content-Length: refused while reading, after the limit, not at the end
        yield b'{"q": "'
        for _ in range(1000):
            yield b"a" * 65536

    refused = post(url, "translate", content=chunks(), headers={"content-type": "application/json"})
    assert "larger than the limit" in error(refused, 413)
    assert post(url, "detect", json={"q": SLOVENIAN}).status_code == 200  # and the server goes on


# -- keys and limits -------------------------------------------------------------------------


def test_keys_are_required_with_require_api_key(keyed):
    assert (
        error(post(keyed, "translate", json={"q": SLOVENIAN, **SL}), 403)
        == "Please contact the server operator to get an API key"
    )
    assert error(post(keyed, "detect", data={"q": SLOVENIAN, "api_key": "nope"}), 403) == "Invalid API key"
    assert error(post(keyed, "summarize", json={"q": ENGLISH}), 403)
    assert post(keyed, "translate", json={"q": SLOVENIAN, "api_key": "open-key", **SL}).status_code == 200
    assert LibreTranslateAPI(keyed, api_key="plain-key").translate(ENGLISH, "auto", "en") == ENGLISH
    # listing languages and the front end's settings need no key, as in LibreTranslate
    assert httpx.get(keyed + "languages", timeout=10).status_code == 200
    settings = httpx.get(keyed + "frontend/settings", timeout=10).json()
    assert settings["keyRequired"] is True and settings["apiKeys"] is True and settings["charLimit"] == 200


def test_character_limits_per_key_and_for_everyone(keyed):
    text = "Dober dan, kako ste? " * 4  # 84 characters
    assert "exceeds text limit (50)" in error(
        post(keyed, "translate", json={"q": text, "api_key": "slow-key", **SL}), 400
    )
    assert post(keyed, "translate", json={"q": text, "api_key": "plain-key", **SL}).status_code == 200
    assert "exceeds text limit (200)" in error(
        post(keyed, "translate", json={"q": text * 3, "api_key": "plain-key", **SL}), 400
    )
    # the limit is per text: a batch of texts each within it passes
    assert post(keyed, "translate", json={"q": [text, text], "api_key": "plain-key", **SL}).status_code == 200


def test_a_client_over_its_limit_gets_429_at_once_and_others_go_on(keyed):
    answers = []
    for _ in range(4):
        answers.append(post(keyed, "detect", data={"q": SLOVENIAN, "api_key": "slow-key"}))
    statuses = [response.status_code for response in answers]
    assert statuses.count(200) <= 2 and statuses[-1] == 429, statuses
    response = answers[-1]
    assert error(response, 429) == "Slowdown: 2 per 1 minute"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert post(keyed, "detect", data={"q": SLOVENIAN, "api_key": "open-key"}).status_code == 200


def test_the_keys_file_format():
    keys = parse_api_keys("# comment\n\nk1\nk2 30\nk3  0  5000  # no request limit\n")
    assert [(k.key, k.req_limit, k.char_limit) for k in keys.values()] == [
        ("k1", None, None),
        ("k2", 30, None),
        ("k3", 0, 5000),
    ]
    for bad, what in (
        ("k1 x", "line 1: REQ_PER_MINUTE"),
        ("k1 1 2 3", "line 1: expected"),
        ("a\na", "line 2: the key"),
        ("k -1", "whole number"),
        ("k 5 0", "CHAR_LIMIT"),
    ):
        with pytest.raises(ValueError, match=what):
            parse_api_keys(bad)


def test_keys_file_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_api_keys(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n")
    with pytest.raises(ValueError, match="lists no key"):
        load_api_keys(empty)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--api-keys", str(empty)])
    assert exit_.value.code == 2


def test_requests_are_counted_per_client_without_keys():
    policy = AccessPolicy(None, req_limit=2, char_limit=0, max_chars=1000)
    assert policy.admit(None, "10.0.0.1").char_limit == 1000
    policy.admit(None, "10.0.0.1")
    with pytest.raises(AccessDenied) as denied:
        policy.admit(None, "10.0.0.1")
    assert denied.value.status == 429 and denied.value.message == "Slowdown: 2 per 1 minute"
    policy.admit(None, "10.0.0.2")  # another client has its own count
    assert AccessPolicy(None, 0, 300, 1000).admit(None, "x").char_limit == 300
    assert AccessPolicy(None, 0, 5000, 1000).admit(None, "x").char_limit == 1000  # --max-chars bounds all
    unlimited = AccessPolicy(None, 0, 0, 1000)
    for _ in range(100):
        unlimited.admit(None, "10.0.0.1")


# -- files -----------------------------------------------------------------------------------


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Vlada sprejela proračun", level=1)
    paragraph = document.add_paragraph("Vlada je v četrtek ")
    paragraph.add_run("sprejela").bold = True
    paragraph.add_run(" predlog proračuna za prihodnje leto.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Zdravstvo"
    table.cell(0, 1).text = "Šolstvo"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(url: str, name: str, data: bytes, **fields) -> httpx.Response:
    return post(url, "translate_file", files={"file": (name, data)}, data={"target": "en", **fields})


def test_a_docx_round_trip_keeps_its_structure(url):
    import docx

    response = upload(url, "proračun.docx", make_docx(), source="sl")
    assert response.status_code == 200, response.text
    link = response.json()["translatedFileUrl"]
    assert link.startswith(url + "download_file/") and set(response.json()) == {"translatedFileUrl"}
    download = httpx.get(link, timeout=30)
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment") and "prora%C4%8Dun.docx" in disposition  # the upload's name
    english = docx.Document(io.BytesIO(download.content))
    assert english.paragraphs[0].style.name == "Heading 1"
    assert any(run.bold for run in english.paragraphs[1].runs)
    assert len(english.tables) == 1 and english.tables[0].cell(0, 1).text.strip()
    assert "Šolstvo" not in english.tables[0].cell(0, 1).text


def test_english_and_subtitle_files(url):
    text = ENGLISH.encode("utf-8")
    link = upload(url, "note.txt", text, source="auto").json()["translatedFileUrl"]
    assert httpx.get(link, timeout=30).content == text  # English: byte for byte
    mixed = f"{SLOVENIAN}\n\n{ENGLISH}\n\nOpozicija se s tem ne strinja.\n"
    link = upload(url, "mixed.txt", mixed.encode("utf-8"), source="auto").json()["translatedFileUrl"]
    english = httpx.get(link, timeout=30).text.split("\n\n")
    assert len(english) == 4 and english[1:3] == ENGLISH.split("\n\n") and english[0] != SLOVENIAN
    subtitles = (
        "1\n00:00:01,000 --> 00:00:03,500\nDober dan, gospe in gospodje.\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nVlada je sprejela proračun.\n"
    )
    link = upload(url, "news.srt", subtitles.encode("utf-8"), source="sl").json()["translatedFileUrl"]
    english = httpx.get(link, timeout=30).text
    assert "00:00:01,000 --> 00:00:03,500" in english and "00:00:04,000 --> 00:00:06,000" in english
    assert "proračun" not in english


def test_files_are_bounded_before_they_are_parsed(url):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx())) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in original.infolist():
            bomb.writestr(info, original.read(info.filename))
        bomb.writestr("word/filler.xml", b"<a>" + b" " * (40 * 2**20) + b"</a>")
    assert len(buffer.getvalue()) < 200_000
    message = error(upload(url, "bomb.docx", buffer.getvalue(), source="sl"), 413)
    assert "unpacks to" in message and "2.0 MiB" in message and "--max-file-mb" in message
    message = error(upload(url, "big.txt", b"Dober dan. " * 300_000, source="sl"), 413)
    assert "larger than the limit of 2.0 MiB" in message
    # a text over the character limit is refused as a long q is
    assert "exceeds text limit" in error(upload(url, "long.txt", b"Dober dan. " * 400, source="sl"), 400)


def test_file_errors(url):
    assert error(upload(url, "scan.rtf", b"{\\rtf1}", source="sl"), 400) == "Invalid request: file format not supported"
    assert "scan.pdf: not a valid PDF file" in error(upload(url, "scan.pdf", b"%PDF-1.4", source="sl"), 400)
    assert (
        error(post(url, "translate_file", data={"source": "sl", "target": "en"}), 400)
        == "Invalid request: missing file parameter"
    )
    assert error(upload(url, "broken.docx", b"not a zip", source="sl"), 400)
    assert error(upload(url, "note.txt", b"Dober dan.", source="sl", target="de"), 400).startswith("de is not")
    assert error(httpx.get(url + "download_file/0123456789abcdef0123456789abcdef.x.txt", timeout=10), 404)
    # a name no upload could have (a path): LibreTranslate's 400
    assert error(httpx.get(url + "download_file/..%2F..%2Fetc%2Fpasswd", timeout=10), 400) == "Invalid filename"
    assert safe_name("../../etc/pass wd.txt") == "pass wd.txt" and safe_name("a/b\\c<>.md") == "c_.md"


# -- summaries -------------------------------------------------------------------------------


def test_summarize_and_summary_true(url):
    summary = post(url, "summarize", json={"q": ENGLISH, "length": "short"}).json()
    assert set(summary) == {"summary"} and summary["summary"].strip()
    assert post(url, "summarize", data={"q": ENGLISH}).json()["summary"].strip()
    assert error(post(url, "summarize", json={"q": ENGLISH, "length": "huge"}), 400).startswith(
        "Invalid request: length"
    )
    answer = post(url, "translate", data={"q": SLOVENIAN, **SL, "summary": "true"}).json()
    assert set(answer) == {"translatedText", "summary"} and answer["summary"].strip()
    answer = post(url, "translate", json={"q": [SLOVENIAN, ENGLISH], "summary": True, "length": "short", **AUTO}).json()
    assert len(answer["summary"]) == 2 and all(s.strip() for s in answer["summary"])
    assert "summary" not in post(url, "translate", json={"q": SLOVENIAN, "summary": False, **AUTO}).json()


# -- the server around it --------------------------------------------------------------------


def test_health_docs_settings_and_the_page_share_the_port(url):
    health = httpx.get(url + "health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}  # LibreTranslate's, exactly
    ready = httpx.get(url + "health/ready", timeout=10)
    assert ready.json()["status"] == "ok" and set(ready.json()["engines"]) == {"translation", "summary"}
    assert all("cpu" in engine for engine in ready.json()["engines"].values())
    docs = httpx.get(url + "docs", timeout=10)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "cdn." not in docs.text  # /docs works offline: Swagger UI's files come from this server
    assert httpx.get(url + "docs-assets/swagger-ui-bundle.js", timeout=10).status_code == 200
    spec = httpx.get(url + "openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.1") and httpx.get(url + "spec", timeout=10).json() == spec
    for path in (
        "/translate",
        "/detect",
        "/languages",
        "/translate_file",
        "/summarize",
        "/frontend/settings",
        "/suggest",
        "/health",
    ):
        assert path in spec["paths"], path
    assert spec["openapi"].startswith("3.1")  # FastAPI's own document, which Swagger UI 5 reads
    body = spec["paths"]["/translate"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(body)
    assert "q" in body["application/json"]["schema"]["properties"]
    settings = httpx.get(url + "frontend/settings", timeout=10).json()
    assert settings["charLimit"] == MAX_CHARS and settings["keyRequired"] is False
    assert ".docx" in settings["supportedFilesFormat"] and settings["language"]["target"]["code"] == "en"
    # the page and its gradio API are still there
    assert httpx.get(url, timeout=10).status_code == 200
    assert httpx.get(url + "config", timeout=10).status_code == 200
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    try:
        assert client.predict(SLOVENIAN, api_name="/translate").strip()
    finally:
        client.close()


def test_every_rest_route_answers_a_wrong_method_with_405_and_head_as_get(url):
    spec = httpx.get(url + "openapi.json", timeout=10).json()
    paths = {path: {method.upper() for method in operations} for path, operations in spec["paths"].items()}
    paths.update({"/spec": {"GET"}, "/docs": {"GET"}, "/openapi.json": {"GET"}})
    assert len(paths) >= 14
    for path, taken in paths.items():
        concrete = url + path.lstrip("/").replace("{filename}", "0" * 32 + ".x.txt")
        for method in sorted({"GET", "POST", "PUT", "DELETE", "PATCH"} - taken):
            answer = httpx.request(method, concrete, timeout=10)
            assert error(answer, 405).startswith("Method Not Allowed"), (method, path)
            assert taken <= set(answer.headers["allow"].split(", ")), (method, path)
            assert answer.headers["access-control-allow-origin"] == "*"
        if "GET" in taken:
            got, head = httpx.get(concrete, timeout=30), httpx.head(concrete, timeout=30)
            assert head.status_code == got.status_code and head.content == b"", path
            assert head.headers["content-type"] == got.headers["content-type"], path
    assert httpx.options(url + "detect", timeout=10).headers["allow"] == "POST"
    assert httpx.get(url, timeout=10).status_code == 200  # paths that are not the API's are still the page's


def test_url_prefix_serves_everything_under_it(tiny_models):
    demo = start(tiny_models, url_prefix="/translator")
    try:
        url = demo.local_url
        root = url.removesuffix("translator/")
        assert url.endswith("/translator/")
        answer = post(url, "translate", json={"q": SLOVENIAN, **SL})
        assert answer.status_code == 200 and answer.json()["translatedText"].strip()
        assert httpx.get(url + "health", timeout=10).json() == {"status": "ok"}
        assert error(httpx.get(url + "translate", timeout=10), 405)
        assert "/translator/translate" in httpx.get(url + "spec", timeout=10).json()["paths"]
        assert "/translator/docs-assets/" in httpx.get(url + "docs", timeout=10).text
        link = upload(url, "note.txt", SLOVENIAN.encode(), source="sl").json()["translatedFileUrl"]
        assert link.startswith(url + "download_file/") and httpx.get(link, timeout=10).status_code == 200
        assert httpx.get(url, timeout=10, follow_redirects=True).status_code == 200  # the page
        assert httpx.get(url + "config", timeout=10).status_code == 200
        assert httpx.get(root + "health", timeout=10).status_code == 404  # nothing outside the prefix
        assert httpx.post(root + "translate", json={"q": SLOVENIAN, **SL}, timeout=10).status_code == 404
    finally:
        demo.close()


def test_without_the_web_ui_the_api_still_serves(tiny_models):
    demo = start(tiny_models, disable_web_ui=True)
    try:
        url = demo.local_url
        assert error(httpx.get(url, timeout=10), 404)
        assert error(httpx.get(url + "config", timeout=10), 404)
        assert post(url, "translate", json={"q": ENGLISH, **AUTO}).json()["translatedText"] == ENGLISH
        assert httpx.get(url + "docs", timeout=10).status_code == 200
    finally:
        demo.close()


def test_cors_for_the_api_only(url):
    preflight = httpx.options(
        url + "translate",
        timeout=10,
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    answer = post(url, "detect", data={"q": SLOVENIAN}, headers={"Origin": "https://news.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    for path in ("languages", "health", "frontend/settings"):  # without an Origin header too
        answer = httpx.get(url + path, timeout=10)
        assert answer.headers["access-control-allow-origin"] == "*"
        assert answer.headers["access-control-allow-methods"] == "GET, POST"
    refused = post(url, "translate", json={"q": "x"})  # errors too
    assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"
    page = httpx.get(url + "config", timeout=10, headers={"Origin": "https://evil.example"})
    assert page.headers.get("access-control-allow-origin") != "*"


def test_readiness_is_503_while_loading_and_when_a_model_is_missing(tiny_models, tmp_path):
    demo = start(tiny_models, preload=False)
    try:
        first = httpx.get(demo.local_url + "health/ready", timeout=10)
        assert first.status_code == 503 and first.json()["status"] == "loading"
        assert httpx.get(demo.local_url + "health", timeout=10).json() == {"status": "ok"}  # it answers
        health = wait_until(
            lambda: (answer := httpx.get(demo.local_url + "health/ready", timeout=10)).status_code == 200 and answer,
            "the models loading in the background",
        )
        assert health.json()["status"] == "ok"
    finally:
        demo.close()
    demo = start(tiny_models.__class__(marian=tmp_path / "no-such-model", bart=tiny_models.bart))
    try:
        health = httpx.get(demo.local_url + "health/ready", timeout=10)
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        assert health.json()["engines"]["translation"].startswith("not available")
        assert "cpu" in health.json()["engines"]["summary"]
        refused = error(post(demo.local_url, "translate", json={"q": SLOVENIAN, **SL}), 503)
        assert "not available" in refused
        assert str(tmp_path) not in refused and str(tmp_path) not in health.text  # server paths stay in the log
        assert post(demo.local_url, "translate", json={"q": ENGLISH, **AUTO}).json()["translatedText"] == ENGLISH
    finally:
        demo.close()


@pytest.mark.slow  # a fresh interpreter importing torch and gradio
def test_python_app_py_serves_the_page_and_the_api_on_one_port(tiny_models):
    with app_server(["--beams", "1"], tiny_model_env(tiny_models, TRANSLATOR_DEVICE="cpu")) as served:
        english = LibreTranslateAPI(served.url).translate(SLOVENIAN, "sl", "en")
        assert english.strip() and english != SLOVENIAN
        assert httpx.get(served.url, timeout=10).status_code == 200  # the page, same port
