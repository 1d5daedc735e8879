"""A stalled Redis never holds the event loop: two real servers with ``--req-limit`` on one real
``redis-server`` (``--shared-storage``), one with ``--shared-storage-down open``, one with
``closed``. The Redis process is stopped (SIGSTOP: connections open, nothing answers); ``/health``
still answers at once, ``/health/ready`` says the shared storage is unavailable, limited calls get
each mode's answer within seconds, and everything is back once Redis continues (SIGCONT).
"""

from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hostile import SLOVENIAN, refusal, start
from servers import redis_server as start_redis
from servers import wait_until

from translator.server import metrics
from translator.server.rest import access

pytestmark = pytest.mark.slow  # a redis-server and two servers

SLOW_S = 8  # the limits' Redis timeout in these servers (1 s by default)
HEALTH_S = 4  # /health's deadline while limited calls wait on the stalled Redis
ANSWER_S = 30  # generous: a limited call's answer while Redis is stalled (SLOW_S, then the cache's 2 s)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    with start_redis(tmp_path_factory.mktemp("redis")) as found:
        yield found


@pytest.fixture(scope="module")
def servers(tiny_models, redis_server):
    """``{"open": server, "closed": server}``, both limited (--req-limit) on the one Redis. The
    limits' Redis timeout is raised to :data:`SLOW_S`, longer than /health's deadline here, so that
    a limit counted on the event loop would hold /health past it."""
    _process, url = redis_server
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(access, "TIMEOUT_S", SLOW_S)
        for mode in ("open", "closed"):
            made[mode] = start(tiny_models, shared_storage=url, req_limit=10_000, shared_storage_down=mode)
    try:
        yield made
    finally:
        for demo in made.values():
            demo.close()


def translate(url: str, text: str = SLOVENIAN) -> httpx.Response:
    return httpx.post(url + "translate", json={"q": text, "source": "sl", "target": "en"}, timeout=ANSWER_S)


def ready(url: str) -> httpx.Response:
    return httpx.get(url + "health/ready", timeout=5)


def unchecked() -> float:
    return metrics.REGISTRY.get_sample_value("translator_limits_unchecked_total") or 0.0


def test_a_stalled_redis_never_holds_the_event_loop(redis_server, servers):
    process, _url = redis_server
    urls = {mode: demo.local_url for mode, demo in servers.items()}
    for url in urls.values():
        assert translate(url).status_code == 200
        wait_until(lambda url=url: ready(url).json().get("shared_storage") == "ok", "ready with Redis", 30)
    before = unchecked()
    os.kill(process.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(8) as pool:
            calls = {
                (mode, i): pool.submit(translate, url, f"Vlada je sprejela predlog {uuid.uuid4().int % 10**9}.")
                for mode, url in urls.items()
                for i in range(4)
            }
            for url in urls.values():  # while the limited calls wait on Redis, the loop answers
                for _ in range(3):
                    assert httpx.get(url + "health", timeout=HEALTH_S).json() == {"status": "ok"}
            answers = {key: future.result() for key, future in calls.items()}
        for (mode, _i), answer in answers.items():
            if mode == "open":  # let through, uncounted
                assert answer.status_code == 200, answer.text
                assert answer.json()["translatedText"].strip()
            else:  # refused until Redis answers
                assert "shared storage" in refusal(answer, 503)
                assert int(answer.headers["Retry-After"]) >= 1
        assert unchecked() - before >= 4
        closed = wait_until(lambda: (answer := ready(urls["closed"])).status_code == 503 and answer, "503", 30)
        assert closed.json()["shared_storage"] == "unavailable" and closed.json()["status"] == "unavailable"
        opened = ready(urls["open"])
        assert opened.status_code == 200 and opened.json() | {"engines": {}} == {
            "status": "degraded",
            "engines": {},
            "shared_storage": "unavailable",
        }
        assert translate(urls["open"]).status_code == 200  # still serving
    finally:
        os.kill(process.pid, signal.SIGCONT)
    for url in urls.values():  # back: counted again, and ready
        wait_until(lambda url=url: ready(url).json() | {"engines": {}} == READY, "ready after SIGCONT", 30)
    wait_until(lambda: translate(urls["closed"]).status_code == 200, "a limited call after SIGCONT", 30)
    counted = unchecked()
    assert translate(urls["open"]).status_code == 200
    assert unchecked() == counted


READY = {"status": "ok", "engines": {}, "shared_storage": "ok"}
