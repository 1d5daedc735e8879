"""Operating the server: Prometheus metrics (``--metrics``, its token, the series, multiprocess
mode), the access log (text and JSON lines) and the liveness and readiness probes, on real
servers with the tiny models."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from hostile import SLOVENIAN, start
from prometheus_client.parser import text_string_to_metric_families

from translator import cli
from translator.server import logs, metrics

pytestmark = pytest.mark.slow  # real servers on free ports

REPO = Path(__file__).resolve().parent.parent
TOKEN = "s3cret-metrics-token"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of an exposition by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(url: str) -> dict:
    answer = httpx.get(url + "metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


@pytest.fixture(scope="module")
def url(tiny_models, tmp_path_factory):
    # clients told apart by X-Forwarded-For, as a proxy on this machine sets it; a cache of its own,
    # so that sentences other test modules translated are not hits here
    cache = tmp_path_factory.mktemp("metrics-cache") / "translations.sqlite"
    demo = start(
        tiny_models,
        metrics=True,
        metrics_auth_token=TOKEN,
        req_limit=3,
        trust_forwarded_for=True,
        translation_cache=str(cache),
    )
    yield demo.local_url
    demo.close()


def test_metrics_are_off_by_default(tiny_models):
    demo = start(tiny_models)
    try:
        answer = httpx.get(demo.local_url + "metrics", timeout=30)
        assert answer.status_code == 404
        assert "translator_http_requests" not in answer.text
        assert httpx.get(demo.local_url + "health/live", timeout=30).json() == {"status": "alive"}
    finally:
        demo.close()


def test_the_token_is_required_when_set(url):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer é".encode("latin-1")},
    ):
        answer = httpx.get(url + "metrics", headers=headers, timeout=30)
        assert answer.status_code == 401, headers
        assert set(answer.json()) == {"error"} and "--metrics-auth-token" in answer.json()["error"]
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(url + "metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).status_code == 200


def test_a_translation_shows_in_every_series(url):
    before = scrape(url)
    client = {"X-Forwarded-For": "10.1.0.1"}
    for _ in range(2):  # the second time every sentence comes from the cache
        answer = httpx.post(
            url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, headers=client, timeout=60
        )
        assert answer.status_code == 200, answer.text
    after = scrape(url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("translator_http_requests_total", route="/translate", method="POST", status="200") == 2
    assert grew("translator_http_request_duration_seconds_count", route="/translate") == 2
    assert grew("translator_sentences_translated_total") == 4  # two sentences, twice
    assert grew("translator_characters_translated_total") >= 2 * (len(SLOVENIAN) - 2)
    assert grew("translator_model_seconds_count", model="translation") >= 1
    assert grew("translator_model_seconds_sum", model="translation") > 0
    assert grew("translator_cache_misses_total") == 2 and grew("translator_cache_hits_total") == 2
    # the misses went through shared rounds (the server's window is 5 ms): the two sentences, and
    # any the random model repeats itself in, retried
    shared = {"model": "translation", "lane": "shared"}
    rounds = grew("translator_shared_batch_rows_count", **shared)
    assert rounds >= 1 and grew("translator_shared_batch_rows_sum", **shared) >= 2
    assert grew("translator_shared_batch_fill_count", **shared) == rounds
    assert grew("translator_shared_queue_seconds_count", **shared) == rounds  # each call waited once
    assert grew("translator_shared_request_share_sum", **shared) == rounds  # each alone in its round
    assert value(after, "translator_model_ready", model="translation") == 1
    assert value(after, "translator_model_ready", model="summary") == 1
    assert value(after, "translator_http_requests_in_flight") == 1  # the scrape itself
    assert value(after, "translator_queue_depth", model="translation") == 0
    assert value(after, "process_resident_memory_bytes") > 0


def test_refusals_and_odd_paths_keep_labels_bounded(url):
    before = scrape(url)
    client = {"X-Forwarded-For": "10.1.0.2"}
    statuses = [
        httpx.post(url + "detect", data={"q": "Dober dan."}, headers=client, timeout=30).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    for path in ("nothing/here/a1b2c3", "download_file/" + "0" * 32 + ".x.txt", "%2e%2e/etc"):
        httpx.get(url + path, timeout=30)
    httpx.post(
        url + "translate", content=b"[" * 100 + b"]" * 100, headers={"Content-Type": "application/json"}, timeout=30
    )
    answer = httpx.get(url + "metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text
    after = samples(answer)
    assert value(after, "translator_rate_limited_total") - value(before, "translator_rate_limited_total") == 1
    assert value(after, "translator_http_requests_total", route="/detect", method="POST", status="429") >= 1
    assert value(after, "translator_http_requests_total", route="page", method="GET", status="404") >= 1
    assert (
        value(
            after, "translator_http_requests_total", route="/download_file/{filename:path}", method="GET", status="404"
        )
        >= 1
    )
    assert value(after, "translator_http_requests_total", route="other", method="POST", status="400") >= 1
    assert "a1b2c3" not in answer and "etc" not in answer  # never a raw path
    routes = {dict(labels)["route"] for name, labels in after if name == "translator_http_requests_total"}
    assert routes <= {
        "page",
        "other",
        "/translate",
        "/detect",
        "/metrics",
        "/download_file/{filename:path}",
        "/health",
        "/health/live",
        "/health/ready",
    }


def test_probes(url):
    assert httpx.get(url + "health/live", timeout=30).json() == {"status": "alive"}
    ready = httpx.get(url + "health/ready", timeout=30)
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert set(ready.json()["engines"]) == {"translation", "summary"}
    assert httpx.get(url + "health", timeout=30).json() == {"status": "ok"}  # LibreTranslate's /health


def test_readiness_is_503_while_a_model_is_missing(tiny_models, tmp_path):
    demo = start(SimpleNamespace(marian=tiny_models.marian, bart=tmp_path / "no-such-model"))
    try:
        ready = httpx.get(demo.local_url + "health/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        assert "not available" in ready.json()["engines"]["summary"] and str(tmp_path) not in ready.text
        assert httpx.get(demo.local_url + "health/live", timeout=30).status_code == 200
    finally:
        demo.close()


# -- the access log ---------------------------------------------------------------------------


def test_an_access_line_in_json_has_every_field(url):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logs.ACCESS.addHandler(handler)
    try:
        answer = httpx.post(
            url + "translate",
            json={"q": SLOVENIAN, "source": "sl", "target": "en"},
            headers={"X-Forwarded-For": "10.1.0.3"},
            timeout=60,
        )
    finally:
        logs.ACCESS.removeHandler(handler)
    assert answer.status_code == 200
    [line] = [line for line in stream.getvalue().splitlines() if '"/translate"' in line]
    entry = json.loads(line)
    assert entry["logger"] == "translator.access" and entry["level"] == "INFO"
    assert entry["request_id"] == answer.headers["x-request-id"]
    assert (entry["method"], entry["route"], entry["path"], entry["status"]) == (
        "POST",
        "/translate",
        "/translate",
        200,
    )
    assert entry["characters"] == len(SLOVENIAN) and entry["client"] == "10.1.0.3"
    assert 0 < entry["seconds"] < 60 and entry["time"].endswith("+00:00")
    assert entry["request_id"] in entry["message"] and f"chars={len(SLOVENIAN)}" in entry["message"]


def test_json_format_applies_to_the_root_handlers(monkeypatch):
    handler = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(logging.root, "handlers", [handler])
    logs.use_log_format("json", access_log=True)
    assert isinstance(handler.formatter, logs.JsonFormatter)
    record = logging.LogRecord("translator", logging.WARNING, __file__, 1, "über %s", ("alles",), None)
    line = handler.formatter.format(record)
    assert "\n" not in line and json.loads(line)["message"] == "über alles"
    with pytest.raises(ValueError, match="text or json"):
        logs.use_log_format("xml", access_log=True)


def test_the_flags_reach_the_settings(monkeypatch):
    monkeypatch.setenv("TRANSLATOR_METRICS_TOKEN", "from-env")
    args = cli.build_parser().parse_args(["serve", "--metrics", "--log-format", "json", "--no-access-log"])
    settings = cli.serve_settings(args)
    assert (settings.metrics, settings.metrics_auth_token, settings.log_format, settings.access_log) == (
        True,
        "from-env",
        "json",
        False,
    )
    assert "from-env" not in repr(settings)
    defaults = cli.serve_settings(cli.build_parser().parse_args(["serve"]))
    assert (defaults.metrics, defaults.log_format, defaults.access_log) == (False, "text", True)


# -- several processes -----------------------------------------------------------------------

MULTIPROCESS_SCRIPT = textwrap.dedent("""
    import multiprocessing
    from translator.server import metrics

    def work(n):
        metrics.SENTENCES.inc(n)
        metrics.MODEL_SECONDS.labels("translation").observe(0.5)
        metrics.MODEL_READY.labels("translation").set(1)

    if __name__ == "__main__":
        assert metrics.multiprocess_mode()
        context = multiprocessing.get_context("fork")  # the children inherit the imports
        children = [context.Process(target=work, args=(n,)) for n in (3, 4)]
        for child in children:
            child.start()
        for child in children:
            child.join()
            assert child.exitcode == 0
        print(metrics.exposition().decode())
""")


def test_the_multiprocess_variable_is_read_when_the_app_is_built_not_at_import(tmp_path):
    code = (
        "import os\n"
        "from translator.server import metrics\n"
        "assert metrics._multiprocess is None, 'read at import'\n"
        f"os.environ['PROMETHEUS_MULTIPROC_DIR'] = {str(tmp_path)!r}  # set after the import: still seen\n"
        "assert metrics.multiprocess_mode()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def test_multiprocess_mode_adds_the_processes_up(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    script = tmp_path / "two_processes.py"
    script.write_text(MULTIPROCESS_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    found = samples(done.stdout)
    assert value(found, "translator_sentences_translated_total") == 7
    assert value(found, "translator_model_seconds_count", model="translation") == 2
    assert value(found, "translator_model_seconds_sum", model="translation") == 1.0
    assert len(list(folder.glob("*.db"))) >= 2  # one file per process and kind


def test_route_labels_are_templates_or_bounded():
    class Route:
        path = "/translate"

    class Inner:
        path = "/gradio_api/queue/join"

    page = object()
    labels = metrics.RouteLabels(frozenset({"/translate", "/metrics", "/docs-assets"}), page)
    assert labels({"route": Route()}) == "/translate"
    assert labels({"route": Inner(), "app": page}) == "page"
    assert labels({"app": page, "path": "/x/y/z"}) == "page"
    assert labels({"root_path": "/docs-assets", "path": "/docs-assets/a.css"}) == "/docs-assets"
    assert labels({"path": "/anything"}) == "other"
    assert metrics.method_label({"method": "BREW"}) == "other"
