"""Swapping LibreTranslate's image for this one (issue 29): the variables of LibreTranslate's own
docker-compose.yml and Kubernetes example (tests/data/libretranslate/, copied with their source
named) and of a public server's abuse controls in its names (abuse.env) start this server, and
the limits they set hold as LibreTranslate's do: its 429 text past the hourly limit, a flooder
banned (and still banned with a good key), a call without a key refused from another origin.
Served for real (page and API on one port, the tiny models, real generate()).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from servers import free_port

httpx = pytest.importorskip("httpx")
yaml = pytest.importorskip("yaml")

from translator import cli  # noqa: E402
from translator.cli.serve import libretranslate_notices, serve_settings, update_models  # noqa: E402
from translator.system.records import ApiKey, KeyStore  # noqa: E402

pytestmark = pytest.mark.slow  # a real server on a free port

DATA = Path(__file__).resolve().parent / "data" / "libretranslate"
SLOVENIAN = "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto."
ORIGIN = {"Origin": "https://translate.example.org"}


def env_file(path: Path) -> dict[str, str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def compose_environment(path: Path) -> dict[str, str]:
    service = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]["libretranslate"]
    return dict(item.split("=", 1) for item in service["environment"])


@pytest.fixture
def migrated(tiny_models, tmp_path, monkeypatch, caplog):
    """This server started on LibreTranslate's variables (its keys database moved from /app/db
    to a temporary folder, its port to a free one), with the key "newsroom" (1 a minute) added."""
    for name in [name for name in os.environ if name.startswith(("TRANSLATOR_", "LT_"))]:
        monkeypatch.delenv(name)
    variables = {
        **compose_environment(DATA / "docker-compose.yml"),
        **env_file(DATA / "deployment.env"),
        **env_file(DATA / "abuse.env"),
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value.replace("/app/db", str(tmp_path)))
    settings = serve_settings(cli.build_parser().parse_args(["serve"]))
    # what the variables said, as LibreTranslate reads them
    assert (settings.host, settings.port, settings.req_limit, settings.api_keys) == ("0.0.0.0", 80, 120, True)
    assert settings.api_keys_db == str(tmp_path / "api_keys.db") and settings.debug and settings.update_models
    assert (settings.hourly_req_limit, settings.daily_req_limit, settings.req_flood_threshold) == (3, 100, 2)
    assert libretranslate_notices(settings) == []
    KeyStore(settings.api_keys_db).add(ApiKey("newsroom", 1, None))
    settings = dataclasses.replace(
        settings,
        host="127.0.0.1",
        port=free_port(),
        translation_model=str(tiny_models.marian),
        summary_model=str(tiny_models.bart),
        device="cpu",
        num_beams=1,
        translation_cache="off",
    )
    with caplog.at_level("WARNING", logger="translator"):
        update_models(settings)  # LT_UPDATE_MODELS=True: the tiny models are folders, nothing to fetch
    assert "nothing to download" in caplog.text
    from translator.server import launch

    server = launch(settings, prevent_thread_lock=True, quiet=True)
    yield server.local_url
    server.close()


def translate(url: str, headers: dict[str, str] | None = None, **fields) -> httpx.Response:
    body = {"q": SLOVENIAN, "source": "sl", "target": "en", **fields}
    return httpx.post(url + "translate", json=body, headers=headers or {}, timeout=60)


def test_libretranslate_s_compose_variables_hold_their_limits(migrated):
    shown = httpx.get(migrated + "frontend/settings", timeout=10).json()
    assert shown["frontendTimeout"] == 750 and shown["apiKeys"] is True and shown["keyRequired"] is True
    # an origin-bound server: without a key, another origin is refused with LibreTranslate's words
    other = translate(migrated, {"Origin": "https://elsewhere.example.com"})
    assert other.status_code == 400 and other.json()["error"] == "Visit https://example.org/get-a-key to get an API key"
    assert translate(migrated).status_code == 400  # no Origin at all
    assert translate(migrated, api_key="guessed").json()["error"] == "Invalid API key"
    # the page's origin goes without a key, up to LT_HOURLY_REQ_LIMIT=3 an hour
    answers = [translate(migrated, ORIGIN) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(answer.json()["translatedText"].strip() for answer in answers)
    limited = translate(migrated, ORIGIN)
    assert limited.status_code == 429 and limited.json()["error"] == "Slowdown: 3 per 1 hour"
    # the second offence reaches LT_REQ_FLOOD_THRESHOLD=2: banned, whatever it sends
    assert translate(migrated, ORIGIN).status_code == 429
    for attempt in (translate(migrated, ORIGIN), translate(migrated, api_key="newsroom")):
        assert attempt.status_code == 403 and attempt.json()["error"] == "Too many request limits violations"
