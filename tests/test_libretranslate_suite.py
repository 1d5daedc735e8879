"""LibreTranslate's own API test suite (its ``tests/test_api/*.py`` and ``scripts/healthcheck.py``),
ported to run over HTTP against a real server on a free port (tiny models, real generate()).

Each test keeps LibreTranslate's name, request and assertions; only the languages are this
server's ("en" → "es" there is "sl" → "en" here, and "Hello" a Slovenian text where a
translation is wanted). Where this server deliberately answers otherwise, the test says so and
asserts this server's answer (README: "REST API", differences). The client_factory servers
stand for LibreTranslate's command-line flags, given as ``Settings`` fields.
"""

from __future__ import annotations

import io
import json

import httpx
import pytest
from hostile import start

from translator.server.rest import access, work
from translator.system.records import ApiKey, KeyStore, SuggestionStore
from translator.text.language import PASSTHROUGH, SUPPORTED_SOURCES

pytestmark = pytest.mark.slow  # real servers on free ports

HELLO = "Dober dan, kako ste?"  # LibreTranslate's "Hello": a text to translate
LISTED = {*SUPPORTED_SOURCES, PASSTHROUGH}


class Client(httpx.Client):
    """An httpx client on one server, with ``.demo`` (the running page/server)."""

    demo = None


@pytest.fixture(scope="module")
def client(tiny_models):
    demo = start(tiny_models)
    with Client(base_url=demo.local_url.rstrip("/"), timeout=60) as http:
        http.demo = demo
        yield http
    demo.close()


@pytest.fixture(scope="module")
def client_factory(tiny_models):
    """Start a server with some of LibreTranslate's flags (as Settings fields); each distinct set
    is started once for the module."""
    servers: dict[str, Client] = {}

    def make(**options) -> Client:
        key = json.dumps(options, sort_keys=True, default=str)
        if key not in servers:
            demo = start(tiny_models, **options)
            servers[key] = Client(base_url=demo.local_url.rstrip("/"), timeout=60)
            servers[key].demo = demo
        return servers[key]

    yield make
    for http in servers.values():
        http.close()
        http.demo.close()


def translate(client: httpx.Client, **fields) -> httpx.Response:
    return client.post("/translate", data={"q": HELLO, "source": "sl", "target": "en", **fields})


# -- test_api_detect_language.py ---------------------------------------------------------------


def test_api_detect_language(client):
    response = client.post("/detect", data={"q": "Hello"})
    response_json = response.json()
    assert "confidence" in response_json[0] and "language" in response_json[0]
    assert len(response_json) >= 1
    assert response.status_code == 200
    assert response_json[0]["language"] in LISTED  # only what /languages lists


def test_api_detect_language_must_fail_without_parameters(client):
    response = client.post("/detect")
    assert response.json()["error"] == "Invalid request: missing q parameter"
    assert response.status_code == 400


def test_api_detect_language_must_fail_bad_request_type(client):
    response = client.get("/detect")
    assert response.status_code == 405
    assert "error" in response.json()


def test_api_detect_language_batch(client):
    response = client.post("/detect", json={"q": ["This is an English sentence", "Vlada je sprejela proračun."]})
    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) >= 1


def test_api_detect_language_json(client):
    response = client.post("/detect", json={"q": "This is an English sentence for detection"})
    assert response.status_code == 200
    assert response.json()[0]["language"] == "en"


# -- test_api_get_languages.py, test_api_spec.py, test_api_health.py, healthcheck.py -------------


def test_api_get_languages(client):
    response = client.get("/languages")
    response_json = response.json()
    assert "code" in response_json[0] and "name" in response_json[0] and "targets" in response_json[0]
    assert len(response_json) >= 1
    assert response.status_code == 200


def test_api_get_languages_must_fail_bad_request_type(client):
    assert client.post("/spec").status_code == 405  # LibreTranslate's test posts to /spec
    assert client.post("/languages").status_code == 405


def test_api_get_spec(client):
    response = client.get("/spec")
    assert response.status_code == 200
    assert "/translate" in response.json()["paths"]


def test_api_get_spec_must_fail_bad_request_type(client):
    assert client.post("/spec").status_code == 405


def test_api_get_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_health_must_fail_bad_request_type(client):
    assert client.post("/health").status_code == 405


def test_healthcheck_script(client):
    # scripts/healthcheck.py: either version (GET /health compared with {"status": "ok"}, or a
    # translation whose source and target are the same) must find the server healthy
    assert client.get("/health").json() == {"status": "ok"}
    response = client.post("/translate", json={"q": "Hello World!", "source": "en", "target": "en"})
    assert response.status_code == 200 and response.json()["translatedText"] == "Hello World!"


# -- test_api_frontend.py, test_api_frontend_settings.py ---------------------------------------


def test_api_get_frontend_settings(client):
    assert client.get("/frontend/settings").status_code == 200


def test_frontend_settings_content(client):
    response = client.get("/frontend/settings")
    settings = response.json()
    assert response.status_code == 200
    assert settings["apiKeys"] is False
    assert settings["keyRequired"] is False
    assert settings["suggestions"] is False
    assert settings["filesTranslation"] is True
    assert ".txt" in settings["supportedFilesFormat"]
    assert settings["language"]["source"]["code"] == "auto"


def test_frontend_settings_char_limit(client_factory):
    assert client_factory(char_limit=42).get("/frontend/settings").json()["charLimit"] == 42


def test_frontend_settings_suggestions(client_factory, tmp_path_factory):
    db = tmp_path_factory.mktemp("suggest") / "suggestions.db"
    assert client_factory(suggestions=True, suggestions_db=str(db)).get("/frontend/settings").json()["suggestions"]


def test_frontend_settings_files_disabled(client_factory):
    settings = client_factory(disable_files_translation=True).get("/frontend/settings").json()
    assert settings["filesTranslation"] is False
    assert settings["supportedFilesFormat"] == []


def test_frontend_settings_key_required(client_factory, tmp_path_factory):
    db = tmp_path_factory.mktemp("keys") / "api_keys.db"
    settings = client_factory(api_keys=True, api_keys_db=str(db), require_api_key=True).get("/frontend/settings").json()
    assert settings["apiKeys"] is True
    assert settings["keyRequired"] is True


def test_index(client):
    response = client.get("/")
    assert response.status_code == 200 and "<html" in response.text.lower()  # the page (gradio), not LibreTranslate's


def test_index_disabled_web_ui(client_factory):
    client = client_factory(disable_web_ui=True)
    assert client.get("/").status_code == 404
    assert client.get("/health").json() == {"status": "ok"}


def test_cors_headers(client):
    response = client.get("/health")
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert response.headers.get("Access-Control-Allow-Methods") == "GET, POST"


# -- test_api_translate.py ---------------------------------------------------------------------


def test_api_translate(client):
    response = client.post("/translate", data={"q": HELLO, "source": "sl", "target": "en", "format": "text"})
    assert "translatedText" in response.json()
    assert response.status_code == 200


def test_api_translate_batch(client):
    response = client.post("/translate", json={"q": [HELLO, "Svet"], "source": "sl", "target": "en", "format": "text"})
    response_json = response.json()
    assert isinstance(response_json["translatedText"], list) and len(response_json["translatedText"]) == 2
    assert response.status_code == 200


def test_api_translate_repeated_q_form_fields_are_a_batch(client):
    response = client.post(
        "/translate",
        content=f"q={HELLO}&q=Svet&source=sl&target=en".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and len(response.json()["translatedText"]) == 2


def test_api_translate_unsupported_language(client):
    response = translate(client, target="zz", format="text")
    assert response.json()["error"] == "zz is not supported"
    assert response.status_code == 400


def test_api_translate_missing_parameter(client):
    response = client.post("/translate", data={"source": "sl", "target": "en", "format": "text"})
    assert response.json()["error"] == "Invalid request: missing q parameter"
    assert response.status_code == 400


def test_api_translate_missing_source(client):
    response = client.post("/translate", data={"q": HELLO, "target": "en"})
    assert response.json()["error"] == "Invalid request: missing source parameter"
    assert response.status_code == 400


def test_api_translate_missing_target(client):
    response = client.post("/translate", data={"q": HELLO, "source": "sl"})
    assert response.json()["error"] == "Invalid request: missing target parameter"
    assert response.status_code == 400


def test_api_translate_unsupported_format(client):
    response = translate(client, format="xml")
    assert response.json()["error"] == "xml format is not supported"
    assert response.status_code == 400


def test_api_translate_invalid_alternatives(client):
    response = translate(client, alternatives="abc")
    assert response.json()["error"] == "Invalid request: alternatives parameter is not a number"
    assert response.status_code == 400


def test_api_translate_alternatives(client):
    response = client.post("/translate", json={"q": HELLO, "source": "sl", "target": "en", "alternatives": 3})
    assert response.status_code == 200
    assert "translatedText" in response.json()
    assert isinstance(response.json()["alternatives"], list)
    # this server's alternatives are real: each sentence's n-best hypotheses, none the translation
    body = response.json()
    assert 1 <= len(body["alternatives"]) <= 3
    assert all(isinstance(a, str) and a.strip() and a != body["translatedText"] for a in body["alternatives"])
    assert len(set(body["alternatives"])) == len(body["alternatives"])


def test_api_translate_auto_detect_source(client):
    text = "This is a sentence written in English for testing purposes"
    response = client.post("/translate", data={"q": text, "source": "auto", "target": "en"})
    assert response.status_code == 200
    assert response.json()["translatedText"] == text  # English comes back unchanged
    assert response.json()["detectedLanguage"]["language"] == "en"
    assert response.json()["detectedLanguage"]["confidence"] > 0


def test_api_translate_html_format(client):
    response = translate(client, q="<p>Dober dan.</p>", format="html")
    assert response.status_code == 200
    assert "<p>" in response.json()["translatedText"] and "</p>" in response.json()["translatedText"]


def test_api_translate_non_translatable_returns_source(client):
    for source in ("sl", "auto"):
        response = client.post("/translate", data={"q": "😀", "source": source, "target": "en"})
        assert response.status_code == 200
        assert response.json()["translatedText"] == "😀"


def test_api_translate_empty_batch(client):
    response = client.post("/translate", json={"q": [], "source": "sl", "target": "en"})
    assert response.json()["error"] == "Invalid request: missing q parameter"
    assert response.status_code == 400


def test_api_translate_slovenian_to_english(client):
    response = client.post("/translate", data={"q": "Vlada je sprejela proračun.", "source": "sl", "target": "en"})
    assert response.status_code == 200
    assert response.json()["translatedText"] != "Vlada je sprejela proračun."


def test_api_translate_error_returns_json_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("translation failed")

    monkeypatch.setattr(work, "translate_texts", broken)
    response = translate(client, format="text")
    assert response.status_code == 500
    assert "error" in response.json() and "translation failed" not in response.text


def test_api_translate_invalid_json_body(client):
    response = client.post("/translate", json=["not", "a", "dict"])
    assert response.json()["error"] == "Invalid JSON format"
    assert response.status_code == 400


def test_api_translate_batch_html(client):
    response = client.post(
        "/translate", json={"q": ["<p>Dober dan.</p>", "<p>Svet</p>"], "source": "sl", "target": "en", "format": "html"}
    )
    assert response.status_code == 200
    assert isinstance(response.json()["translatedText"], list)
    assert "<p>" in response.json()["translatedText"][0]


def test_api_translate_batch_non_translatable(client):
    response = client.post("/translate", json={"q": ["😀", "😁"], "source": "sl", "target": "en"})
    assert response.status_code == 200
    assert response.json()["translatedText"] == ["😀", "😁"]


def test_api_translate_batch_alternatives(client):
    response = client.post("/translate", json={"q": [HELLO, "Svet"], "source": "sl", "target": "en", "alternatives": 2})
    assert response.status_code == 200
    assert isinstance(response.json()["alternatives"], list)
    assert len(response.json()["alternatives"]) == 2
    assert all(isinstance(one, list) for one in response.json()["alternatives"])
    body = response.json()
    for english, others in zip(body["translatedText"], body["alternatives"]):
        assert 1 <= len(others) <= 2 and english not in others


def test_api_translate_alternatives_none_for_english(client):
    response = client.post(
        "/translate",
        json={
            "q": [HELLO, "Good morning to all of you, and welcome."],
            "source": "auto",
            "target": "en",
            "alternatives": 2,
        },
    )
    assert response.status_code == 200
    assert response.json()["alternatives"][0] and response.json()["alternatives"][1] == []


def test_api_translate_batch_auto_detect(client):
    response = client.post("/translate", json={"q": ["Hello there", "Good morning"], "source": "auto", "target": "en"})
    assert response.status_code == 200
    assert len(response.json()["detectedLanguage"]) == 2
    assert all(d["language"] == "en" for d in response.json()["detectedLanguage"])
    assert response.json()["translatedText"] == ["Hello there", "Good morning"]


def test_api_translate_unsupported_source_language(client):
    response = client.post("/translate", data={"q": HELLO, "source": "zz", "target": "en"})
    assert response.json()["error"] == "zz is not supported"
    assert response.status_code == 400


def test_api_translate_uses_cache(client_factory):
    client = client_factory(translation_cache="all")
    first = translate(client)
    second = translate(client)
    assert first.status_code == second.status_code == 200
    assert second.json()["translatedText"] == first.json()["translatedText"]


# -- test_api_translate_file.py ----------------------------------------------------------------


def upload(client: httpx.Client, data: bytes = b"Vlada je sprejela proracun.", name: str = "test.txt", **fields):
    fields = {"source": "sl", "target": "en", **fields}
    return client.post(
        "/translate_file",
        data={k: v for k, v in fields.items() if v is not None},
        files={"file": (name, io.BytesIO(data))},
    )


def test_api_translate_file(client):
    response = upload(client)
    assert response.status_code == 200
    assert "translatedFileUrl" in response.json()


def test_api_translate_file_and_download(client):
    url = upload(client).json()["translatedFileUrl"]
    download = client.get(url[url.index("/download_file") :])
    assert download.status_code == 200
    assert len(download.content) > 0 and download.content != b"Vlada je sprejela proracun."


def test_api_translate_file_missing_file(client):
    assert (
        client.post("/translate_file", data={"source": "sl", "target": "en"}, files={"other": ("x", b"")}).status_code
        == 400
    )


def test_api_translate_file_missing_source(client):
    response = upload(client, source=None)
    assert response.json()["error"] == "Invalid request: missing source parameter"
    assert response.status_code == 400


def test_api_translate_file_missing_target(client):
    response = upload(client, target=None)
    assert response.json()["error"] == "Invalid request: missing target parameter"
    assert response.status_code == 400


def test_api_translate_file_unsupported_format(client):
    response = upload(client, b"MZ\x90\x00", "program.exe")
    assert response.json()["error"] == "Invalid request: file format not supported"
    assert response.status_code == 400


def test_api_translate_file_unsupported_language(client):
    response = upload(client, target="zz")
    assert response.json()["error"] == "zz is not supported"
    assert response.status_code == 400


def test_api_translate_file_unsupported_source_language(client):
    response = upload(client, source="zz")
    assert response.json()["error"] == "zz is not supported"
    assert response.status_code == 400


def test_api_translate_file_auto_detect_source(client):
    response = upload(client, b"Hello world, this is an English sentence.", source="auto")
    assert response.status_code == 200
    assert "translatedFileUrl" in response.json()


def test_api_translate_file_auto_detect_unsupported(client):
    # LibreTranslate fakes a French detection; this server detects the German itself
    german = "Die Regierung hat am Donnerstag den Haushaltsentwurf für das nächste Jahr angenommen.".encode()
    response = upload(client, german, source="auto")
    assert response.json()["error"] == "de is not supported"
    assert response.status_code == 400


def test_api_translate_file_error_returns_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("file translation failed")

    monkeypatch.setattr(work, "translate_file", broken)
    response = upload(client)
    assert response.status_code == 500
    assert "error" in response.json()


def test_api_translate_file_char_limit(client_factory):
    # --char-limit bounds each text of /translate; a document is bounded by --max-chars
    assert upload(client_factory(char_limit=5), b"Hello world, this is a test.").status_code == 200


def test_api_translate_file_disabled(client_factory):
    response = upload(client_factory(disable_files_translation=True))
    assert response.status_code == 403
    assert response.json()["error"] == "Files translation are disabled on this server."


def test_api_download_file_disabled(client_factory):
    assert client_factory(disable_files_translation=True).get("/download_file/anything.txt").status_code == 400


def test_api_download_file_path_traversal(client):
    response = client.get("/download_file/%2e%2e")
    assert response.json()["error"] == "Invalid filename"
    assert response.status_code == 400


# -- test_api_suggest.py -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def suggesting(client_factory, tmp_path_factory):
    db = tmp_path_factory.mktemp("suggestions") / "suggestions.db"
    return client_factory(suggestions=True, suggestions_db=str(db)), db


def test_api_suggest(suggesting):
    client, db = suggesting
    response = client.post("/suggest", data={"q": "Dober dan", "s": "Good afternoon", "source": "sl", "target": "en"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    rows = [(s.q, s.s, s.source, s.target) for s in SuggestionStore(db).suggestions()]
    assert ("Dober dan", "Good afternoon", "sl", "en") in rows


def test_api_suggest_json(suggesting):
    client, _db = suggesting
    response = client.post("/suggest", json={"q": "Dober dan", "s": "Good day", "source": "sl", "target": "en"})
    assert response.status_code == 200
    assert response.json() == {"success": True}


@pytest.mark.parametrize("missing", ["s", "q", "source", "target"])
def test_api_suggest_missing_parameter(suggesting, missing):
    client, _db = suggesting
    fields = {"q": "Dober dan", "s": "Good day", "source": "sl", "target": "en"}
    del fields[missing]
    response = client.post("/suggest", data=fields)
    assert response.json()["error"] == f"Invalid request: missing {missing} parameter"
    assert response.status_code == 400


def test_api_suggest_disabled(client):
    response = client.post("/suggest", data={"q": "Dober dan", "s": "Good day", "source": "sl", "target": "en"})
    assert response.status_code == 403
    assert response.json()["error"] == "Suggestions are disabled on this server."


# -- test_api_limits.py ------------------------------------------------------------------------


def test_api_char_limit(client_factory):
    response = translate(client_factory(char_limit=5), q="This text is too long")
    assert "exceeds text limit" in response.json()["error"]
    assert response.status_code == 400


def test_api_char_limit_ok(client_factory):
    assert translate(client_factory(char_limit=100), q="Kratko").status_code == 200


def test_api_char_limit_is_per_text(client_factory):
    client = client_factory(char_limit=100)
    response = client.post("/translate", json={"q": ["a" * 90, "b" * 90], "source": "sl", "target": "en"})
    assert response.status_code == 200
    response = client.post("/translate", json={"q": ["a" * 90, "b" * 101], "source": "sl", "target": "en"})
    assert response.json()["error"] == "Invalid request: request (101) exceeds text limit (100)"


def test_api_batch_limit(client_factory):
    response = client_factory(batch_limit=1).post(
        "/translate", json={"q": [HELLO, "Svet"], "source": "sl", "target": "en"}
    )
    assert response.json()["error"] == "Invalid request: request (2) exceeds text limit (1)"
    assert response.status_code == 400


def test_api_alternatives_limit(client_factory):
    response = translate(client_factory(alternatives_limit=1), alternatives=3)
    assert response.json()["error"] == "Invalid request: alternatives parameter must be <= 1"
    assert response.status_code == 400


def test_api_req_limit_slowdown(client_factory):
    client = client_factory(req_limit=1)
    assert translate(client).status_code == 200
    response = translate(client)
    assert response.status_code == 429
    assert "Slowdown" in response.json()["error"]


def test_api_trust_forwarded_for(client_factory):
    client = client_factory(req_limit=1, trust_forwarded_for=True)
    fields = {"q": HELLO, "source": "sl", "target": "en"}
    first = {"X-Forwarded-For": "10.0.0.1, 10.0.0.2"}  # the proxy (this machine) appended 10.0.0.2
    assert client.post("/translate", data=fields, headers=first).status_code == 200
    assert client.post("/translate", data=fields, headers=first).status_code == 429
    other = {"X-Forwarded-For": "10.0.0.3"}  # another client has its own count
    assert client.post("/translate", data=fields, headers=other).status_code == 200


def test_forwarded_for_is_ignored_unless_trusted(client_factory):
    client = client_factory(req_limit=2)
    statuses = [
        client.post(
            "/translate", data={"q": HELLO, "source": "sl", "target": "en"}, headers={"X-Forwarded-For": f"10.9.0.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]  # one client (this machine), whatever the header says


# -- test_api_api_keys.py ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("api-keys") / "api_keys.db"
    KeyStore(path).add(ApiKey("valid-key", req_limit=100))
    KeyStore(path).add(ApiKey("limited-key", req_limit=100, char_limit=3))
    return path


def test_api_key_required_for_programmatic_access(client_factory, keys_db):
    response = translate(client_factory(api_keys=True, api_keys_db=str(keys_db), require_api_key=True))
    # LibreTranslate answers 400 here; this server 403 (README: differences), in the same words
    assert response.status_code == 403
    assert response.json()["error"] == "Please contact the server operator to get an API key"


def test_api_invalid_key_is_rejected(client_factory, keys_db):
    response = translate(client_factory(api_keys=True, api_keys_db=str(keys_db)), api_key="bogus-key")
    assert response.status_code == 403
    assert response.json()["error"] == "Invalid API key"


def test_api_valid_key_is_accepted(client_factory, keys_db):
    assert translate(client_factory(api_keys=True, api_keys_db=str(keys_db)), api_key="valid-key").status_code == 200


def test_api_key_char_limit_override(client_factory, keys_db):
    response = translate(client_factory(api_keys=True, api_keys_db=str(keys_db)), api_key="limited-key")
    assert response.status_code == 400
    assert "exceeds text limit" in response.json()["error"]


def test_api_keys_without_require_serve_keyless_callers(client_factory, keys_db):
    assert translate(client_factory(api_keys=True, api_keys_db=str(keys_db))).status_code == 200


def test_api_keys_are_added_and_removed_without_a_restart(client_factory, keys_db, monkeypatch):
    monkeypatch.setattr(access, "KEYS_REFRESH_S", 0.0)
    client = client_factory(api_keys=True, api_keys_db=str(keys_db), require_api_key=True)
    assert translate(client, api_key="late-key").status_code == 403
    KeyStore(keys_db).add(ApiKey("late-key"))
    assert translate(client, api_key="late-key").status_code == 200
    KeyStore(keys_db).remove("late-key")
    assert translate(client, api_key="late-key").json()["error"] == "Invalid API key"


# -- one decision for short texts: /detect, /translate, the page -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Good morning.",
        "Thank you.",
        "Hello there",
        "Dober dan.",
        "Hvala lepa.",
        "Hvala lijepa.",
        "Laku noć.",
        "Kako ste?",
        "Добро утро.",
        "😀",
    ],
)
def test_short_texts_are_decided_the_same_way_everywhere(client, text):
    [detected] = client.post("/detect", data={"q": text}).json()
    answer = client.post("/translate", data={"q": text, "source": "auto", "target": "en"}).json()
    assert answer["detectedLanguage"] == detected and detected["language"] in LISTED
    page = client.demo.backend.run(text, source="auto")  # the page's path (and the command line's)
    assert page.language == detected["language"]
    if detected["language"] == "en":
        assert answer["translatedText"] == text == page.translation
