"""HTTP framing at the edge of a real server: a request with both Content-Length and
Transfer-Encoding (any spelling, either order) is refused with a JSON 400 and its connection
closed, so a request hidden in its body is never answered; a Content-Length no body could have
(2^64+1, negative, signed, not a number, two different values) is a 400 at once, not a 408 after
the body deadline; well-framed requests on a kept-alive connection still work."""

from __future__ import annotations

import json
import socket

import pytest
from hostile import start, still_serves

pytestmark = pytest.mark.slow  # a real server on a free port

HIDDEN = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def demo(tiny_models):
    demo = start(tiny_models)
    yield demo
    demo.close()


def exchange(url: str, raw: bytes) -> bytes:
    """Send ``raw`` on a fresh connection; everything the server sends until it closes it (the
    test fails if it keeps the connection open for 30 s)."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    return received


def answers(received: bytes) -> list[tuple[int, bytes]]:
    """The (status, body) of each response in ``received`` (responses carry Content-Length)."""
    found = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length:"))
        found.append((status, rest[:length]))
        received = rest[length:]
    return found


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"content-length: 5\r\ntransfer-encoding: chunked\r\n",
        b"CONTENT-LENGTH: 5\r\nTRANSFER-ENCODING: CHUNKED\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: identity\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding:chunked\r\n",
    ],
)
def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(demo, framing):
    body = b"0\r\n\r\n" + HIDDEN
    raw = b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing + b"\r\n" + body
    [(status, message)] = answers(exchange(demo.local_url, raw))  # one answer: the hidden GET never is
    assert status == 400, message
    error = json.loads(message)["error"]
    assert "Content-Length" in error and "Transfer-Encoding" in error or "Invalid HTTP request" in error


@pytest.mark.parametrize(
    "length", [b"18446744073709551617", b"99999999999999999999999999", b"-1", b"+5", b"abc", b"5, 6", b"0x10", b""]
)
def test_an_impossible_content_length_is_a_400_at_once(demo, length):
    raw = b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + length
    [(status, message)] = answers(exchange(demo.local_url, raw + b"\r\n\r\n"))
    assert status == 400, message  # not a 408 after the body deadline
    assert json.loads(message)["error"].startswith("Invalid")


def test_well_framed_requests_on_one_connection_still_work(demo):
    body = json.dumps({"q": "Dober dan.", "source": "sl", "target": "en"}).encode()
    one = b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    chunked = one + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    sized = one + b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    assert [status for status, _ in answers(exchange(demo.local_url, chunked + sized))] == [200, 200]
    still_serves(demo.local_url)
