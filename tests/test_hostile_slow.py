"""Slow clients (slowloris): connections that trickle header bytes, promise a body and never send
it, or open and say nothing are closed at their deadline (the server here has 2-second
deadlines), with 408 when nothing was answered yet; a full connection table answers 503."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from hostile import SLOVENIAN, refusal, start, still_serves

from translator.options import ServerLimits

pytestmark = pytest.mark.slow  # a real server on a free port

WAIT_S = 30  # how long a test waits for the server to close a connection (its deadline is 2 s)


@pytest.fixture(scope="module")
def demo(tiny_models):
    demo = start(tiny_models, concurrency=1)  # one place per model: a test holds it to make requests wait
    yield demo
    demo.close()


def connect(url: str) -> socket.socket:
    host, port = url.split("//")[1].rstrip("/").split(":")
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=WAIT_S)
    return sock


def read_until_closed(sock: socket.socket, trickle: bytes = b"") -> bytes:
    """Everything the server sends until it closes the connection, sending ``trickle`` a byte
    at a time meanwhile; fails if the server keeps it open for WAIT_S."""
    received = b""
    deadline = time.monotonic() + WAIT_S
    sock.settimeout(0.5)
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] + [b""] * 10_000:
        assert time.monotonic() < deadline, "the server kept a slow connection open"
        try:
            if byte:
                sock.sendall(byte)
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return received
        if not chunk:
            return received
        received += chunk
    raise AssertionError("unreachable")


def test_a_connection_that_never_sends_is_closed(demo):
    with connect(demo.local_url) as sock:
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408") and b'"error"' in answer


def test_trickled_headers_are_cut_at_the_deadline_however_often_a_byte_comes(demo):
    trickle = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
    with connect(demo.local_url) as sock:
        answer = read_until_closed(sock, trickle)
    assert answer.startswith(b"HTTP/1.1 408") and b"headers" in answer


def test_a_promised_body_that_never_comes_is_cut(demo):
    head = (
        b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100000\r\n\r\n{"q": "Dober'
    )
    with connect(demo.local_url) as sock:
        sock.sendall(head)
        answer = read_until_closed(sock)
    assert b"200 OK" not in answer  # closed (408 or a dropped connection), never translated


def test_fourteen_slow_connections_are_all_closed_and_others_are_served_meanwhile(demo):
    socks = [connect(demo.local_url) for _ in range(14)]
    for sock in socks:
        sock.sendall(b"GET /health HTTP/1.1\r\n")
    still_serves(demo.local_url)
    closed = []

    def watch(sock: socket.socket) -> None:
        read_until_closed(sock)
        closed.append(sock)

    watchers = [threading.Thread(target=watch, args=(sock,)) for sock in socks]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        watcher.join(WAIT_S + 5)
    for sock in socks:
        sock.close()
    assert len(closed) == 14


def test_a_slow_model_answer_is_never_cut_by_the_deadlines(demo):
    # the deadlines cover receiving the request only: a request that waits on the model longer
    # than them is answered. Hold the model gate to make it wait past the 2-second deadlines.
    gate = demo.backend._gates["translation"]
    gate.acquire()
    result: list[httpx.Response] = []
    caller = threading.Thread(
        target=lambda: result.append(
            httpx.post(demo.local_url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60)
        )
    )
    caller.start()
    try:
        caller.join(4)  # past both deadlines while the request waits for the model
        assert caller.is_alive() and not result
    finally:
        gate.release()
    caller.join(60)
    assert result and result[0].status_code == 200


def test_a_full_connection_table_answers_503(tiny_models):
    demo = start(tiny_models, limits=ServerLimits(max_connections=4, header_timeout_s=30))
    socks = [connect(demo.local_url) for _ in range(4)]
    try:
        answer = httpx.get(demo.local_url + "languages", timeout=30)
        assert "Too many connections" in refusal(answer, 503) and answer.headers["retry-after"]
    finally:
        for sock in socks:
            sock.close()
        demo.close()


def test_the_deadline_protocol_is_used_with_the_uvicorn_it_was_written_for():
    """DeadlineProtocol subclasses uvicorn's H11Protocol (an implementation class): another uvicorn
    release may rename what it overrides, so an upgrade must re-check server/http.py first."""
    from importlib.metadata import version

    from translator.server.http import WRITTEN_FOR_UVICORN

    installed = ".".join(version("uvicorn").split(".")[:2])
    assert installed == WRITTEN_FOR_UVICORN, (
        f"uvicorn {version('uvicorn')} is installed; translator/server/http.py was written for "
        f"{WRITTEN_FOR_UVICORN}: re-check DeadlineProtocol's overrides, then update WRITTEN_FOR_UVICORN"
    )
