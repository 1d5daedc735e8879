"""LibreTranslate's flags and ``LT_*`` variables (issue 29): each accepted by ``translator serve``
/ ``python app.py``, read from ``LT_X_Y`` for ``--x-y``, and doing what it does in LibreTranslate:
hourly and daily limits with decay and the key multipliers, bans for flooding, request time cost,
remote keys, origin-bound access, secrets, fingerprints, under attack, the front end's settings,
load-only, https download links.

The REST API is built in this process on the settings the command line (and the environment)
gives, with the real routes, keys and limits (no model is needed by /detect, /languages and
/frontend/settings); tests/test_libretranslate_migration.py serves LibreTranslate's own compose
file's variables with the tiny models for real.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from translator import cli  # noqa: E402
from translator.declare import flags  # noqa: E402
from translator.server.backend import Backend  # noqa: E402
from translator.server.rest import AccessPolicy, ApiKey  # noqa: E402
from translator.server.rest.abuse import BANNED  # noqa: E402
from translator.server.rest.access import MISSING_KEY, AccessDenied, Rules  # noqa: E402
from translator.server.rest.routes import RestApi  # noqa: E402
from translator.server.settings import Settings  # noqa: E402

# Every flag of LibreTranslate's libretranslate/main.py (commit 0dce604, 2025) and a value for it.
LIBRETRANSLATE_FLAGS: dict[str, str | None] = {
    "--host": "0.0.0.0",
    "--port": "5000",
    "--char-limit": "500",
    "--req-limit": "30",
    "--req-limit-storage": "memory://",
    "--hourly-req-limit": "100",
    "--hourly-req-limit-decay": "2",
    "--daily-req-limit": "1000",
    "--req-flood-threshold": "5",
    "--req-time-cost": "10",
    "--batch-limit": "8",
    "--ga-id": "G-12345",
    "--debug": None,
    "--ssl": None,
    "--frontend-language-source": "sl",
    "--frontend-language-target": "en",
    "--frontend-timeout": "800",
    "--frontend-title": "Our translator",  # not in main.py, but in compose files that people share
    "--api-keys": None,
    "--api-keys-db-path": "db/api_keys.db",
    "--api-keys-remote": "https://keys.example.org/check",
    "--get-api-key-link": "https://example.org/keys",
    "--require-api-key-origin": "https://news.example.org",
    "--require-api-key-secret": None,
    "--require-api-key-fingerprint": None,
    "--hide-api": None,
    "--under-attack": None,
    "--shared-storage": "redis://127.0.0.1:6379/0",
    "--secondary": None,
    "--load-only": "en,sl",
    "--alternatives-limit": "2",
    "--threads": "2",
    "--suggestions": None,
    "--disable-files-translation": None,
    "--disable-web-ui": None,
    "--update-models": None,
    "--force-update-models": None,
    "--metrics": None,
    "--metrics-auth-token": "t0ken",
    "--url-prefix": "/translator",
}
SLOVENIAN = "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto."


@pytest.fixture
def no_variables(monkeypatch):
    for name in [name for name in os.environ if name.startswith(("TRANSLATOR_", "LT_"))]:
        monkeypatch.delenv(name)


def parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["serve", *argv])


def settings_of(*argv: str) -> Settings:
    return Settings.from_args(parse(*argv))


def rest_client(settings: Settings, tmp_path: Path) -> TestClient:
    """The REST routes on ``settings`` (no cache, the keys database in ``tmp_path``)."""
    settings = dataclasses.replace(
        settings, translation_cache="off", api_keys_db=str(tmp_path / "keys.sqlite"), preload=False
    )
    app = FastAPI()
    app.include_router(RestApi(Backend(settings), settings).router())
    return TestClient(app)


def detect(client: TestClient, **fields):
    return client.post("/detect", data={"q": SLOVENIAN, **fields})


def variable_of(flag: str) -> str:
    return "LT_" + flag.lstrip("-").replace("-", "_").upper()


# -- every flag and variable -------------------------------------------------------------------


def test_every_libretranslate_flag_is_accepted_and_has_its_variable(no_variables):
    argv = [part for flag, value in LIBRETRANSLATE_FLAGS.items() for part in (flag, value) if part is not None]
    settings = settings_of(*argv)
    assert settings.hourly_req_limit == 100 and settings.req_time_cost == 10 and settings.load_only == "en,sl"
    assert settings.under_attack and settings.ssl and settings.secondary and settings.threads == 2
    variables = {name for flag in flags(Settings) for name in flag.variables}
    missing = [variable_of(flag) for flag in LIBRETRANSLATE_FLAGS if variable_of(flag) not in variables]
    assert missing == []
    # and the two variables LibreTranslate reads without a flag
    assert {"LT_HOURLY_REQ_LIMIT_MULTIPLIER", "LT_DAILY_REQ_LIMIT_MULTIPLIER"} <= variables


@pytest.mark.parametrize("flag", [flag for flag in LIBRETRANSLATE_FLAGS if flag not in ("--port", "--host")])
def test_each_variable_stands_in_for_its_flag(no_variables, monkeypatch, flag):
    value = LIBRETRANSLATE_FLAGS[flag]
    by_flag = settings_of(*([flag] if value is None else [flag, value]))
    monkeypatch.setenv(variable_of(flag), "true" if value is None else value)
    by_variable = settings_of()
    assert by_variable == by_flag != Settings()


def test_precedence_flag_then_translator_then_lt_then_default(no_variables, monkeypatch):
    assert settings_of().req_limit == 0
    monkeypatch.setenv("LT_REQ_LIMIT", "120")
    assert settings_of().req_limit == 120
    monkeypatch.setenv("TRANSLATOR_REQ_LIMIT", "60")
    assert settings_of().req_limit == 60
    assert settings_of("--req-limit", "30").req_limit == 30
    # LibreTranslate's -1 ("no limit") is accepted and means no limit
    assert settings_of("--req-limit", "-1").req_limit == 0
    monkeypatch.setenv("LT_DEBUG", "False")
    assert settings_of().debug is False


def test_bad_values_name_the_variable(no_variables, monkeypatch, capsys):
    monkeypatch.setenv("LT_HOURLY_REQ_LIMIT", "lots")
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    assert "$LT_HOURLY_REQ_LIMIT" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"load_only \(--load-only\) must list .*, en\), got 'en,xx'"):
        Settings(load_only="en,xx")
    with pytest.raises(ValueError, match="require_api_key_origin"):
        Settings(require_api_key_origin="(")


# -- limits --------------------------------------------------------------------------------------


def test_hourly_limit_gives_libretranslate_s_429_and_daily_too(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("LT_HOURLY_REQ_LIMIT", "2")
    client = rest_client(settings_of(), tmp_path)
    assert [detect(client).status_code for _ in range(2)] == [200, 200]
    refused = detect(client)
    assert refused.status_code == 429 and refused.json()["error"] == "Slowdown: 2 per 1 hour"
    assert int(refused.headers["retry-after"]) > 60  # an hour's window, not a minute's
    monkeypatch.delenv("LT_HOURLY_REQ_LIMIT")
    monkeypatch.setenv("LT_DAILY_REQ_LIMIT", "1")
    client = rest_client(settings_of(), tmp_path / "daily")
    assert detect(client).status_code == 200
    assert detect(client).json()["error"] == "Slowdown: 1 per 1 day"


def test_decay_and_the_key_multipliers_as_libretranslate_computes_them():
    rules = Rules(hourly=100, decay=2, daily=1000, hourly_multiplier=30, daily_multiplier=100)
    policy = AccessPolicy({"k": ApiKey("k", 2, None), "free": ApiKey("free", 0, None)}, 10, 0, 1000, rules=rules)
    shown = [str(item) for item in policy._limits(None)]
    # LibreTranslate: N*n*0.75**(n-1) per n hours, for n = 1 .. decay+1
    assert shown == ["10 per 1 minute", "100 per 1 hour", "150 per 2 hour", "168 per 3 hour", "1000 per 1 day"]
    keyed = [str(item) for item in policy._limits(policy.lookup("k"))]
    assert keyed == ["2 per 1 minute", "60 per 1 hour", "90 per 2 hour", "101 per 3 hour", "200 per 1 day"]
    assert policy._limits(policy.lookup("free")) == ()


def test_multiplier_variables_set_a_keys_hourly_and_daily_limits(no_variables, monkeypatch, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("slow 1\n", encoding="utf-8")
    monkeypatch.setenv("LT_HOURLY_REQ_LIMIT", "50")
    monkeypatch.setenv("LT_HOURLY_REQ_LIMIT_MULTIPLIER", "2")
    monkeypatch.setenv("LT_DAILY_REQ_LIMIT", "500")
    monkeypatch.setenv("LT_DAILY_REQ_LIMIT_MULTIPLIER", "3")
    settings = settings_of("--api-keys", str(keys))
    policy = RestApi(Backend(dataclasses.replace(settings, translation_cache="off")), settings).policy
    assert [str(item) for item in policy._limits(policy.lookup("slow"))] == [
        "1 per 1 minute",
        "2 per 1 hour",
        "3 per 1 day",
    ]


def test_a_flooder_is_banned_stays_banned_and_is_forgiven_as_libretranslate(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("LT_REQ_LIMIT", "1")
    monkeypatch.setenv("LT_REQ_FLOOD_THRESHOLD", "2")
    settings = settings_of()
    api = RestApi(Backend(dataclasses.replace(settings, translation_cache="off")), settings)
    app = FastAPI()
    app.include_router(api.router())
    client = TestClient(app)
    statuses = [detect(client).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]  # two offences
    for _ in range(3):  # banned: every call is refused, before its key or its limit is looked at
        banned = detect(client)
        assert banned.status_code == 403 and banned.json()["error"] == BANNED
    api.policy.flood.forgive()  # what the primary does every 10 minutes: one offence forgiven
    assert detect(client).status_code != 403


def test_a_secondary_leaves_forgiving_to_the_primary(no_variables):
    primary = AccessPolicy(None, 1, 0, 100, rules=Rules(flood_threshold=1))
    secondary = AccessPolicy(None, 1, 0, 100, rules=Rules(flood_threshold=1, secondary=True))
    assert primary.upkeep is not None and secondary.upkeep is None
    primary.close()


def test_request_time_cost_counts_long_calls_as_more(tmp_path):
    policy = AccessPolicy(None, 5, 0, 100, rules=Rules(time_cost=10))
    grant = policy.admit(None, "10.0.0.1")
    policy.charge(grant, 31.0)  # ceil(31 / 10) = 4 requests in all
    policy.admit(None, "10.0.0.1")  # the fifth
    with pytest.raises(AccessDenied) as denied:
        policy.admit(None, "10.0.0.1")
    assert denied.value.status == 429
    quick = policy.admit(None, "10.0.0.2")
    policy.charge(quick, 3.0)  # under S seconds: counted once
    for _ in range(4):
        policy.admit(None, "10.0.0.2")


# -- keys --------------------------------------------------------------------------------------


def test_an_origin_bound_server_refuses_other_origins_without_a_key(no_variables, monkeypatch, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("good-key\n", encoding="utf-8")
    monkeypatch.setenv("LT_REQUIRE_API_KEY_ORIGIN", r"https://news\.example\.org")
    monkeypatch.setenv("LT_GET_API_KEY_LINK", "https://example.org/keys")
    client = rest_client(settings_of("--api-keys", str(keys)), tmp_path)
    assert detect(client, api_key="good-key", **{}).status_code == 200
    assert client.post("/detect", data={"q": SLOVENIAN}, headers={"Origin": "https://news.example.org"}).is_success
    refused = client.post("/detect", data={"q": SLOVENIAN}, headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 400 and refused.json()["error"] == "Visit https://example.org/keys to get an API key"
    assert detect(client).status_code == 400  # no Origin at all
    assert detect(client, api_key="wrong").json()["error"] == "Invalid API key"
    shown = client.get("/frontend/settings").json()
    assert shown["keyRequired"] is True and shown["getApiKeyLink"] == "https://example.org/keys"


def test_under_attack_every_call_needs_a_key(no_variables, monkeypatch, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("good-key\n", encoding="utf-8")
    monkeypatch.setenv("LT_UNDER_ATTACK", "true")
    client = rest_client(settings_of("--api-keys", str(keys)), tmp_path)
    refused = client.post("/detect", data={"q": SLOVENIAN}, headers={"Origin": "https://anywhere.example"})
    assert refused.status_code == 400 and refused.json()["error"] == MISSING_KEY
    assert detect(client, api_key="good-key").status_code == 200
    assert client.get("/frontend/settings").json()["underAttack"] is True
    # without --api-keys too (in LibreTranslate it would do nothing: here it implies keys)
    assert detect(rest_client(settings_of(), tmp_path / "bare")).status_code == 400


def test_a_secret_lets_keyless_calls_through(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("LT_REQUIRE_API_KEY_SECRET", "1")
    settings = settings_of()
    api = RestApi(Backend(dataclasses.replace(settings, translation_cache="off")), settings)
    app = FastAPI()
    app.include_router(api.router())
    client = TestClient(app)
    assert detect(client).status_code == 400
    assert detect(client, secret="WRONG12").status_code == 400
    secret = api.policy.secrets.current()
    assert len(secret) == 7 and detect(client, secret=secret).status_code == 200
    api.policy.secrets.rotate()  # the one before stays good for one more rotation
    assert detect(client, secret=secret).status_code == 200
    api.policy.secrets.rotate()
    assert detect(client, secret=secret).status_code == 400


def test_a_changed_fingerprint_needs_a_key(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("LT_REQUIRE_API_KEY_FINGERPRINT", "true")
    client = rest_client(settings_of(), tmp_path)
    firefox = {"User-Agent": "Firefox/140"}
    assert client.post("/detect", data={"q": SLOVENIAN}, headers=firefox).status_code == 200
    assert client.post("/detect", data={"q": SLOVENIAN}, headers=firefox).status_code == 200
    refused = client.post("/detect", data={"q": SLOVENIAN}, headers={"User-Agent": "curl/8"})
    assert refused.status_code == 400 and refused.json()["error"] == MISSING_KEY


class RemoteKeys(BaseHTTPRequestHandler):
    """A key server as --api-keys-remote asks one: "good" has 1 request a minute; "huge" is
    answered with 1 MB, "junk" with no JSON; anything else with an error."""

    asked: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        key = self.rfile.read(length).decode().partition("api_key=")[2]
        RemoteKeys.asked.append(key)
        body = {
            "good": json.dumps({"req_limit": 1, "char_limit": 20}),
            "huge": json.dumps({"req_limit": 1, "pad": "x" * 2**20}),
            "junk": "<html>nope</html>",
        }.get(key, json.dumps({"error": "Invalid API key"}))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


def test_remote_keys_are_asked_bounded_and_kept(no_variables, monkeypatch, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RemoteKeys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("LT_API_KEYS_REMOTE", f"http://127.0.0.1:{server.server_port}/check")
        client = rest_client(settings_of("--api-keys"), tmp_path)
        assert detect(client, api_key="good").status_code == 200
        limited = detect(client, api_key="good")
        assert limited.status_code == 429 and limited.json()["error"] == "Slowdown: 1 per 1 minute"
        for bad in ("bad", "huge", "junk"):
            assert detect(client, api_key=bad).json()["error"] == "Invalid API key"
        assert RemoteKeys.asked.count("good") == 1  # kept, not asked again
    finally:
        server.shutdown()


# -- what the server shows and serves ----------------------------------------------------------


def test_front_end_settings_and_load_only(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("LT_FRONTEND_LANGUAGE_SOURCE", "sl")
    monkeypatch.setenv("LT_FRONTEND_TIMEOUT", "900")
    monkeypatch.setenv("LT_LOAD_ONLY", "en,sl,hr")
    client = rest_client(settings_of(), tmp_path)
    shown = client.get("/frontend/settings").json()
    assert shown["frontendTimeout"] == 900
    assert shown["language"]["source"] == {"code": "sl", "name": "Slovenian"}
    assert shown["language"]["target"]["code"] == "en"
    assert [language["code"] for language in client.get("/languages").json()] == ["sl", "hr", "en"]
    refused = client.post("/translate", json={"q": "Dobro jutro", "source": "bg", "target": "en"})
    assert refused.status_code == 400 and refused.json()["error"] == "bg is not supported"
    # a source language not served falls back to auto, as in LibreTranslate
    monkeypatch.setenv("LT_FRONTEND_LANGUAGE_SOURCE", "bg")
    assert rest_client(settings_of(), tmp_path / "b").get("/frontend/settings").json()["language"]["source"][
        "code"
    ] == ("auto")


def test_notices_for_flags_without_a_meaning_here(no_variables):
    from translator.cli.serve import libretranslate_notices

    assert libretranslate_notices(settings_of()) == []
    notices = libretranslate_notices(settings_of("--ga-id", "G-1", "--secondary"))
    assert len(notices) == 2 and "--ga-id" in notices[0] and "--secondary" in notices[1]
    assert libretranslate_notices(settings_of("--frontend-language", "en")) == []
    [notice] = libretranslate_notices(settings_of("--frontend-language", "sl"))
    assert "--frontend-language sl" in notice and "English only" in notice


def test_ssl_gives_https_download_links_and_load_only_refuses_detected_languages(
    no_variables, monkeypatch, tiny_models, tmp_path
):
    monkeypatch.setenv("LT_SSL", "true")
    monkeypatch.setenv("LT_LOAD_ONLY", "en,sl")
    settings = dataclasses.replace(
        settings_of(), translation_model=str(tiny_models.marian), summary_model=str(tiny_models.bart), device="cpu"
    )
    client = rest_client(settings, tmp_path)
    sent = client.post(
        "/translate_file", data={"source": "sl", "target": "en"}, files={"file": ("a.txt", SLOVENIAN.encode())}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["translatedFileUrl"].startswith("https://")
    # a Croatian text under source=auto is detected as hr, which --load-only en,sl does not serve
    croatian = "Vlada je u četvrtak usvojila prijedlog proračuna za iduću godinu, rekao je ministar financija."
    assert client.post("/detect", data={"q": croatian}).json()[0]["language"] == "hr"
    refused = client.post("/translate", json={"q": croatian, "source": "auto", "target": "en"})
    assert refused.status_code == 400 and refused.json()["error"] == "hr is not supported"
    assert client.post("/translate", json={"q": SLOVENIAN, "source": "auto", "target": "en"}).status_code == 200


def test_debug_threads_and_the_page_s_source(no_variables, monkeypatch):
    import logging

    import torch

    from translator.cli.serve import apply_process_settings
    from translator.server.page.layout import heading, page_source

    before = torch.get_num_threads(), logging.getLogger("translator").level
    try:
        settings = settings_of("--debug", "--threads", "1")
        apply_process_settings(settings)
        assert torch.get_num_threads() == 1 and logging.getLogger("translator").level == logging.DEBUG
        assert Backend(dataclasses.replace(settings, translation_cache="off")).runtime.ct2_intra_threads == 1
    finally:
        torch.set_num_threads(before[0])
        logging.getLogger("translator").setLevel(before[1])
    assert page_source(settings_of("--frontend-language-source", "hr")) == "hr"
    assert page_source(settings_of("--frontend-language-source", "hr", "--source", "sl")) == "sl"
    assert page_source(settings_of("--frontend-language-source", "de")) == "auto"
    shown = heading(settings_of("--frontend-title", "Ours <b>", "--get-api-key-link", "https://example.org/keys"))
    assert shown.startswith("# Ours &lt;b&gt;\n") and shown.endswith(
        "API keys for the REST API: <https://example.org/keys>"
    )


def test_update_models_offline_says_so_and_downloads_nothing(no_variables, monkeypatch, tmp_path, caplog):
    from translator.cli.serve import update_models

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path))
    with caplog.at_level("WARNING", logger="translator"):
        update_models(settings_of("--force-update-models"))
    assert caplog.text.count("HF_HUB_OFFLINE is set") == 2 and list(tmp_path.iterdir()) == []


def test_the_memory_store_is_bounded_and_keeps_its_secrets(monkeypatch):
    from translator.server.rest import abuse

    monkeypatch.setattr(abuse, "MAX_ENTRIES", 3)
    store = abuse.MemoryStore()
    secrets = abuse.Secrets(store, primary=True)
    kept = secrets.current()
    for address in range(10):
        abuse.fingerprint_mismatch(store, f"10.0.0.{address}", "agent")
        store.incr("banned", f"10.0.0.{address}")
    assert secrets.current() == kept and secrets.match(kept)
    assert len(store.all_ints("banned")) == 3


def test_replicas_share_bans_and_secrets_in_redis_and_the_secondary_leaves_upkeep(tmp_path):
    from servers import redis_server

    with redis_server(tmp_path) as (process, url):
        rules = Rules(flood_threshold=1, secret=True)
        primary = AccessPolicy(None, 1, 0, 100, url, rules=rules)
        secondary = AccessPolicy(None, 1, 0, 100, url, rules=dataclasses.replace(rules, secondary=True))
        try:
            assert secondary.upkeep is None and primary.upkeep is not None
            secret = primary.secrets.current()
            assert secondary.admit(None, "10.0.0.9", secret=secret)  # the primary's secret, seen by the replica
            with pytest.raises(AccessDenied) as limited:  # the shared per-minute count: the replica counted one
                primary.admit(None, "10.0.0.9", secret=secret)
            assert limited.value.status == 429
            with pytest.raises(AccessDenied) as banned:  # one offence: banned on every replica
                secondary.admit(None, "10.0.0.9", secret=secret)
            assert banned.value.status == 403 and banned.value.message == BANNED
            primary.flood.forgive()
            with pytest.raises(AccessDenied) as again:
                secondary.admit(None, "10.0.0.9", secret=secret)
            assert again.value.status == 429  # forgiven, but still over the minute's limit
        finally:
            primary.close()
