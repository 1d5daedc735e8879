"""A bounded loopback load test of the one-port server: 32 concurrent clients mixing the page's
gradio API and the REST API for 30 seconds (tiny models, greedy decoding), while one client
goes over its rate limit. Every answer must be complete and the over-limit client must get 429;
the memory of this process (which hosts the server) is printed, not judged (benchmarks judge it).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from servers import launch_tiny

httpx = pytest.importorskip("httpx")
pytest.importorskip("gradio_client")
psutil = pytest.importorskip("psutil")
from gradio_client import Client  # noqa: E402

pytestmark = pytest.mark.slow

CLIENTS = 32
PAGE_CLIENTS = 8  # of the 32, these call the page's gradio API; the others the REST API
SECONDS = 30.0
TIGHT_LIMIT = 5  # requests per minute of the key that goes over its limit
SLOVENIAN = [
    "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto.",
    "Minister za finance je dejal, da bodo izdatki za zdravstvo višji.\n\nOpozicija se s tem ne strinja.",
    "V Ljubljani je danes sončno, popoldne pa so možne plohe.",
    "Košarkarji so na tekmi v Stožicah premagali goste z 89:77.",
]
ENGLISH = "The government adopted the budget on Thursday. The opposition disagrees with it."


def rest_calls(url: str, http: httpx.Client, key: str) -> list[tuple[str, Callable[[int], None]]]:
    """Named REST calls; each checks that its answer is complete and has LibreTranslate's shape."""

    def text(i: int) -> None:
        answer = http.post(
            url + "translate", json={"q": SLOVENIAN[i % 4], "source": "auto", "target": "en", "api_key": key}
        )
        answer.raise_for_status()
        body = answer.json()
        assert body["translatedText"].strip() and body["detectedLanguage"]["language"]

    def batch(i: int) -> None:
        answer = http.post(
            url + "translate", json={"q": [SLOVENIAN[i % 4], ENGLISH], "source": "auto", "target": "en", "api_key": key}
        )
        answer.raise_for_status()
        english = answer.json()["translatedText"]
        assert len(english) == 2 and english[0].strip() and english[1] == ENGLISH

    def form_html(i: int) -> None:
        answer = http.post(
            url + "translate",
            data={"q": f"<p>{SLOVENIAN[i % 4]}</p>", "source": "sl", "target": "en", "format": "html", "api_key": key},
        )
        answer.raise_for_status()
        html = answer.json()["translatedText"]
        assert html.startswith("<p>") and html.endswith("</p>") and len(html) > 7

    def detect(i: int) -> None:
        answer = http.post(url + "detect", data={"q": SLOVENIAN[i % 4], "api_key": key})
        answer.raise_for_status()
        [found] = answer.json()
        assert found["language"] and 0 <= found["confidence"] <= 100

    def summarize(i: int) -> None:
        answer = http.post(url + "summarize", json={"q": ENGLISH, "length": "short", "api_key": key})
        answer.raise_for_status()
        assert answer.json()["summary"].strip()

    def file(i: int) -> None:
        answer = http.post(
            url + "translate_file",
            files={"file": ("note.txt", SLOVENIAN[i % 4].encode())},
            data={"source": "sl", "target": "en", "api_key": key},
        )
        answer.raise_for_status()
        download = http.get(answer.json()["translatedFileUrl"])
        download.raise_for_status()
        assert download.text.strip()

    def metadata(i: int) -> None:
        for path in ("languages", "health", "frontend/settings"):
            http.get(url + path).raise_for_status()

    return [
        ("translate", text),
        ("translate list", batch),
        ("translate html", form_html),
        ("detect", detect),
        ("summarize", summarize),
        ("translate_file", file),
        ("metadata", metadata),
    ]


def page_calls(client: Client) -> list[tuple[str, Callable[[int], None]]]:
    def translate(i: int) -> None:
        assert client.predict(SLOVENIAN[i % 4], 1, api_name="/translate").strip()

    def summarize(i: int) -> None:
        assert client.predict(ENGLISH, "short", 1, api_name="/summarize").strip()

    return [("page translate", translate), ("page translate", translate), ("page summarize", summarize)]


def test_32_clients_for_30_seconds_stay_correct_fast_to_refuse_and_flat(tiny_models, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text(f"load-key 0\ntight-key {TIGHT_LIMIT}\n", encoding="utf-8")
    demo = launch_tiny(tiny_models, max_chars=5_000, api_keys_file=str(keys))
    url = demo.local_url
    process = psutil.Process()
    done = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        # warm up every path once, so that first-use costs (detector, caches) are not counted
        with httpx.Client(timeout=60) as http:
            for _name, call in rest_calls(url, http, "load-key"):
                call(0)
        warm = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        for _name, call in page_calls(warm):
            call(0)
        warm.close()

        def worker(number: int) -> None:
            client = http = None
            try:
                if number < PAGE_CLIENTS:
                    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
                    calls = page_calls(client)
                else:
                    http = httpx.Client(timeout=120)
                    calls = rest_calls(url, http, "load-key")
                i = number
                while not stop.is_set():
                    name, call = calls[i % len(calls)]
                    try:
                        call(i)
                    except Exception as exc:  # every failure is collected and reported, none is lost
                        with lock:
                            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
                    else:
                        with lock:
                            done[name] += 1
                    i += 1
            finally:
                if client is not None:
                    client.close()
                if http is not None:
                    http.close()

        rss: list[int] = []

        def sample() -> None:
            while not stop.wait(0.5):
                rss.append(process.memory_info().rss)

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(CLIENTS)]
        sampler = threading.Thread(target=sample, daemon=True)
        for thread in [*threads, sampler]:
            thread.start()

        # meanwhile one client goes past its limit: it must be told at once, and nothing breaks
        time.sleep(SECONDS / 3)
        tight = []
        with httpx.Client(timeout=60) as http:
            for _ in range(TIGHT_LIMIT + 3):
                started = time.perf_counter()
                answer = http.post(url + "detect", data={"q": SLOVENIAN[0], "api_key": "tight-key"})
                tight.append((answer.status_code, time.perf_counter() - started, answer.json()))
        time.sleep(SECONDS * 2 / 3)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        sampler.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads), "a client hung"
    finally:
        stop.set()
        demo.close()

    assert failures == [], f"{len(failures)} failures, first: {failures[:5]}"
    for name in (
        "translate",
        "translate list",
        "translate html",
        "detect",
        "summarize",
        "translate_file",
        "metadata",
        "page translate",
        "page summarize",
    ):
        assert done[name] > 0, (name, done)
    statuses = [status for status, _, _ in tight]
    assert statuses[:TIGHT_LIMIT] == [200] * TIGHT_LIMIT and statuses[TIGHT_LIMIT:] == [429] * 3, tight
    refused = [(seconds, body) for status, seconds, body in tight if status == 429]
    assert all(body == {"error": f"Slowdown: {TIGHT_LIMIT} per 1 minute"} for _, body in refused)
    third = len(rss) // 3
    assert third >= 10, rss
    first, last = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    # memory is reported, not judged here (no memory threshold in a test): benchmarks/bench_hostile.py
    # measures RSS against the baseline
    print(
        f"\n{sum(done.values())} calls in {SECONDS:.0f} s by {CLIENTS} clients: {dict(done)}; "
        f"memory {first / 2**20:.0f} → {last / 2**20:.0f} MiB"
    )
