"""Requests whose clients left, against a real server: their text never reaches the model when
they leave while waiting for it, their work stops after the batch that was running when they
left mid-way, and the queue of waiting requests is bounded in characters as well as in requests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import httpx
import pytest
from hostile import SLOVENIAN, refusal, start

from translator.options import ServerLimits
from translator.server import abandon

pytestmark = pytest.mark.slow  # a real server on a free port

WAIT_S = 60
MAX_WAITING_CHARS = 12_000


@pytest.fixture(scope="module")
def demo(tiny_models):
    # one request per model at a time: the tests hold the model's gate to keep requests waiting
    demo = start(tiny_models, concurrency=1, limits=ServerLimits(max_waiting_chars=MAX_WAITING_CHARS, retry_after_s=3))
    answer = httpx.post(demo.local_url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60)
    assert answer.status_code == 200  # the model is loaded
    yield demo
    demo.close()


@pytest.fixture
def watches(monkeypatch) -> list[abandon.Watch]:
    """Every request's Watch, as the server makes them."""
    made: list[abandon.Watch] = []

    class Recorded(abandon.Watch):
        def __init__(self, client: str | None = None) -> None:
            super().__init__(client)
            made.append(self)

    monkeypatch.setattr(abandon, "Watch", Recorded)
    return made


def sentences(tag: str, chars: int) -> str:
    """Distinct Slovenian sentences (none shared with another tag), about ``chars`` long."""
    text, i = [], 0
    while sum(len(s) + 1 for s in text) < chars - 40:
        text.append(f"Poročilo {tag} številka {i} je bilo sprejeto.")
        i += 1
    return " ".join(text)


def post_and_keep(url: str, text: str) -> socket.socket:
    """A /translate request sent whole on a raw connection, left open (the caller closes it)."""
    body = json.dumps({"q": text, "source": "sl", "target": "en"}).encode()
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    head = "POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode() + body)
    return sock


def wait_until(check, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def engine_calls(demo, monkeypatch, block: threading.Event | None = None) -> list[int]:
    """The number of sentences of each model call from now on; with ``block``, the first call
    waits for it to be set."""
    engine = demo.backend.translator().model.engine
    calls: list[int] = []
    real = engine.generate

    def counting(batch, **kwargs):
        calls.append(len(batch))
        if block is not None and len(calls) == 1:
            block.wait(WAIT_S)
        return real(batch, **kwargs)

    monkeypatch.setattr(engine, "generate", counting)
    return calls


def test_clients_that_leave_while_waiting_never_reach_the_model(demo, monkeypatch, watches):
    admission = demo.server.config.app.state.rest.admission
    calls = engine_calls(demo, monkeypatch)
    gate = demo.backend._gates["translation"]
    gate.acquire()  # the model is busy: the requests wait for it
    try:
        clients = [post_and_keep(demo.local_url, sentences(f"A{i}", 2500)) for i in range(4)]
        wait_until(lambda: admission.waiting == 4, "four requests waiting for the model")
        for sock in clients:
            sock.close()  # they give up
        wait_until(lambda: len(watches) == 4 and all(w.gone.is_set() for w in watches), "the server saw them leave")
        assert {w.client for w in watches} == {"127.0.0.1"}  # one client in the shared engine queue
    finally:
        gate.release()
    wait_until(lambda: admission.waiting == 0, "the abandoned requests dropped")
    assert calls == []  # none of their text reached the model
    # a sentence no other test sent: the session's sentence cache cannot answer it
    small = f"Dober dan, {uuid.uuid4().hex[:8]}."
    answer = httpx.post(demo.local_url + "translate", json={"q": small, "source": "sl", "target": "en"})
    assert answer.status_code == 200 and calls and set(calls) == {1}  # one sentence (and its retry)


def test_a_client_that_leaves_mid_way_stops_its_work_after_the_running_batch(demo, monkeypatch, watches):
    admission = demo.server.config.app.state.rest.admission
    release = threading.Event()
    calls = engine_calls(demo, monkeypatch, block=release)
    text = sentences("B", 5000)  # about 120 sentences: two batches of at most 64
    try:
        client = post_and_keep(demo.local_url, text)
        wait_until(lambda: len(calls) == 1, "the first batch running")
        client.close()
        wait_until(lambda: watches and watches[-1].gone.is_set(), "the server saw the client leave")
    finally:
        release.set()
    wait_until(lambda: admission.waiting == 0, "the abandoned request dropped")
    assert calls == [64]  # the second batch never ran


def test_the_queue_is_bounded_in_characters(demo, watches):
    admission = demo.server.config.app.state.rest.admission
    gate = demo.backend._gates["translation"]
    gate.acquire()
    try:
        clients = [post_and_keep(demo.local_url, sentences(f"C{i}", 4900)) for i in range(2)]
        wait_until(lambda: admission.waiting == 2, "two requests waiting")
        third = httpx.post(
            demo.local_url + "translate", json={"q": sentences("C2", 4900), "source": "sl", "target": "en"}
        )
        message = refusal(third, 503)
        assert "Too much text waiting" in message and f"{MAX_WAITING_CHARS:,}" in message
        assert third.headers["retry-after"] == "3"
        small = threading.Thread(
            target=lambda: httpx.post(
                demo.local_url + "translate", json={"q": "Dober dan.", "source": "sl", "target": "en"}, timeout=WAIT_S
            )
        )
        small.start()  # a small request still fits in the queue
        wait_until(lambda: admission.waiting == 3, "the small request admitted")
        for sock in clients:
            sock.close()
    finally:
        gate.release()
    small.join(WAIT_S)
    wait_until(lambda: admission.waiting == 0, "the queue empty")
