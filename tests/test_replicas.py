"""Two replicas behind a real balancer behave as one server: a real ``redis-server`` (started
here on a free port), two ``python app.py`` processes sharing it (``--shared-storage redis://``,
tiny models) and Debian's nginx in front (the README's configuration: round robin for the API),
driven by ``libretranslatepy`` and httpx. The request limit holds across the replicas, a sentence
translated by one is a cache hit on the other, and a ``translatedFileUrl`` downloads from either.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import urllib.error
import uuid

import httpx
import pytest
from hostile import SLOVENIAN
from needs import missing_programs
from prometheus_client.parser import text_string_to_metric_families
from servers import app_server, free_port, redis_server, stop, tiny_model_env, wait_until

pytestmark = pytest.mark.slow  # three servers and two interpreters importing torch and gradio

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
REDIS = shutil.which("redis-server")
PROGRAMS = {"redis-server": (REDIS, "redis-server"), "nginx": (NGINX, "nginx-light")}
REQ_LIMIT = 5
API = (
    r"^/(translate|translate_file|detect|languages|summarize|suggest|spec|frontend/settings|health(/.*)?"
    r"|download_file/.*)$"
)

NGINX_CONF = """\
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 20m;
    # the API is stateless with --shared-storage redis://: any replica, in turn
    upstream translator_api {{ {servers} }}
    # the page's queue (gradio) keeps a session in one process: the same replica per client
    upstream translator_page {{ ip_hash; {servers} }}
    server {{
        listen 127.0.0.1:{port};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 300s;
        location ~ {api} {{ proxy_pass http://translator_api; }}
        location / {{ proxy_pass http://translator_page; proxy_buffering off; }}
    }}
}}
"""


def metrics(url: str) -> dict[tuple[str, tuple], float]:
    answer = httpx.get(url + "metrics", timeout=30)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def total(found: dict, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(
        value
        for (sample, sample_labels), value in found.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    missing = missing_programs(PROGRAMS)
    if missing:
        pytest.skip(missing)
    with redis_server(tmp_path_factory.mktemp("redis")) as (_process, url):
        yield url


@pytest.fixture(scope="module")
def replicas(tiny_models, redis_url, tmp_path_factory):
    """Two ``python app.py`` processes on one Redis: their URLs and log files."""
    args = ["--beams", "1", "--device", "cpu", "--shared-storage", redis_url, "--req-limit", str(REQ_LIMIT)]
    args += ["--metrics", "--log-format", "json", "--grace", "2", "--trust-forwarded-for"]
    with contextlib.ExitStack() as stack:
        started = []
        for name in ("a", "b"):  # both start at once; then each is waited for
            folder = tmp_path_factory.mktemp(f"replica-{name}")
            env = tiny_model_env(tiny_models, TMPDIR=str(folder), GRADIO_TEMP_DIR=str(folder / "gradio"))
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            started.append(stack.enter_context(app_server(args, env, log=folder / "server.log", wait=False)))
        for replica in started:
            replica.wait_ready("health/ready")
        yield [(replica.url, replica.log) for replica in started]


@pytest.fixture(scope="module")
def balancer(replicas, tmp_path_factory):
    """nginx in front of both replicas; afterwards, checks that both answered calls."""
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    servers = " ".join(f"server {url.split('//')[1].rstrip('/')};" for url, _log in replicas)
    user = "user root root;" if os.geteuid() == 0 else ""  # workers must reach the temp folders here
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, servers=servers, api=API, user=user))
    nginx = subprocess.Popen(
        [NGINX, "-e", str(prefix / "error.log"), "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(
            lambda: httpx.get(url + "health/live", timeout=5).status_code == 200,
            "nginx",
            30,
            process=nginx,
            log=prefix / "error.log",
        )
        yield url
    finally:
        stop(nginx)
    for replica, _log in replicas:  # the balancer really spread the calls
        assert total(metrics(replica), "translator_http_requests_total", route="/translate") > 0, replica


def test_the_request_limit_holds_across_replicas(balancer, replicas):
    from libretranslatepy import LibreTranslateAPI

    before = [metrics(url) for url, _log in replicas]
    client = LibreTranslateAPI(balancer)
    for _ in range(REQ_LIMIT):
        assert client.translate("Dober dan, gospe in gospodje.", "sl", "en").strip()
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.translate("Dober dan, gospe in gospodje.", "sl", "en")
    assert refused.value.code == 429 and refused.value.headers["Retry-After"]
    after = [metrics(url) for url, _log in replicas]
    served = [
        total(a, "translator_http_requests_total", route="/translate", status="200")
        - total(b, "translator_http_requests_total", route="/translate", status="200")
        for a, b in zip(after, before)
    ]
    assert sum(served) == REQ_LIMIT and min(served) >= 1, served  # both replicas counted into one limit
    refusals = [
        total(a, "translator_rate_limited_total") - total(b, "translator_rate_limited_total")
        for a, b in zip(after, before)
    ]
    assert sum(refusals) == 1


def test_a_sentence_translated_by_one_replica_is_a_cache_hit_on_the_other(replicas, redis_url):
    import redis

    (first, _), (second, _) = replicas
    sentence = f"Minister je dejal, da bodo izdatki višji za {uuid.uuid4().int % 10**6} evrov."
    before = metrics(second)
    english = []
    for url, client in ((first, "10.2.0.1"), (second, "10.2.0.2")):
        answer = httpx.post(
            url + "translate",
            json={"q": sentence, "source": "sl", "target": "en"},
            headers={"X-Forwarded-For": client},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        english.append(answer.json()["translatedText"])
    after = metrics(second)
    assert english[0] == english[1]
    assert total(after, "translator_cache_hits_total") - total(before, "translator_cache_hits_total") == 1
    assert total(after, "translator_cache_misses_total") == total(before, "translator_cache_misses_total")
    assert total(after, "translator_model_seconds_count") == total(before, "translator_model_seconds_count")
    keys = redis.Redis.from_url(redis_url)
    assert any(keys.scan_iter(match="translator:tc:*"))
    keys.close()


def test_a_file_url_from_the_balancer_downloads_from_every_replica(balancer, replicas, redis_url):
    import redis

    answer = httpx.post(
        balancer + "translate_file",
        files={"file": ("članek.txt", SLOVENIAN.encode())},
        data={"source": "sl", "target": "en"},
        headers={"X-Forwarded-For": "10.2.0.3"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    link = answer.json()["translatedFileUrl"]
    assert link.startswith(balancer + "download_file/")
    path = link[len(balancer) :]
    downloads = [httpx.get(base + path, timeout=30) for base in (balancer, *(url for url, _log in replicas))]
    for download in downloads:
        assert download.status_code == 200
        assert download.headers["content-disposition"] == "attachment; filename*=utf-8''%C4%8Dlanek.txt"
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.content == downloads[0].content and download.text.strip()
    stored = redis.Redis.from_url(redis_url)
    [key] = [key for key in stored.scan_iter(match="translator:dl:*") if key.decode().endswith(path.split("/")[-1])]
    assert 0 < stored.ttl(key) <= 30 * 60
    stored.close()
    for url, _log in replicas:
        assert httpx.get(url + "download_file/" + "0" * 32 + ".x.txt", timeout=30).status_code == 404


def test_access_lines_are_json(balancer, replicas):
    import json

    answer = httpx.get(balancer + "languages", timeout=30)
    request_id = answer.headers["x-request-id"]

    def logged() -> list[dict]:
        return [
            json.loads(line)
            for _url, log in replicas
            for line in log.read_text().splitlines()
            if line.startswith("{") and request_id in line
        ]

    lines = wait_until(logged, "the access line of the request", 30)  # written once the answer is sent
    assert len(lines) == 1
    [entry] = lines
    assert entry["logger"] == "translator.access" and entry["route"] == "/languages" and entry["status"] == 200
    assert entry["client"] == "127.0.0.1" and entry["method"] == "GET" and entry["seconds"] >= 0
