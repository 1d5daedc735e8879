"""SIGTERM and SIGINT: the server stops accepting, lets a request in flight finish within the grace
period, then removes every temporary and download folder it made."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest
from hostile import SLOVENIAN
from servers import app_server, tiny_model_env, wait_until

pytestmark = pytest.mark.slow  # a fresh interpreter importing torch and gradio


def in_flight(url: str) -> float:
    """``translator_http_requests_in_flight`` of the server at ``url`` (this request included)."""
    answer = httpx.get(url + "metrics", timeout=10)
    [value] = [
        line.split()[-1] for line in answer.text.splitlines() if line.startswith("translator_http_requests_in_flight ")
    ]
    return float(value)


def refuses_connections(url: str) -> bool:
    try:
        httpx.get(url + "health", timeout=5)
    except httpx.TransportError:
        return True
    return False


def leftovers(tmp: Path) -> list[str]:
    """What the server left in its temp folder: its own folders, and gradio's files."""
    found = [p.name for p in tmp.iterdir() if p.name.startswith("translator-")]
    gradio = tmp / "gradio"
    return found + ([str(p) for p in gradio.rglob("*") if p.is_file()] if gradio.exists() else [])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_lets_the_request_in_flight_finish_then_removes_every_folder(tiny_models, tmp_path, sig):
    env = tiny_model_env(tiny_models, TMPDIR=str(tmp_path), GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    args = ["--beams", "1", "--device", "cpu", "--grace", "20", "--metrics"]
    with app_server(args, env) as server:
        url = server.url
        upload = httpx.post(
            url + "translate_file",
            files={"file": ("clanek.txt", SLOVENIAN.encode())},
            data={"source": "sl", "target": "en"},
            timeout=60,
        )
        assert upload.status_code == 200, upload.text
        assert any(name.startswith("translator-rest-") for name in os.listdir(tmp_path))

        # a request in flight: its body is half sent when the signal comes
        idle = in_flight(url)
        body = json.dumps({"q": SLOVENIAN, "source": "sl", "target": "en"}).encode()
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        sock.sendall(
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
        )
        wait_until(lambda: in_flight(url) > idle, "the headers read, the body not complete")
        server.process.send_signal(sig)
        wait_until(lambda: refuses_connections(url), "no longer accepting", 30)
        sock.sendall(body[10:])  # the rest arrives after the signal: the answer proves it was waited for
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        sock.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert b"translatedText" in answer
        server.process.wait(timeout=60)
        output = server.output()
    assert leftovers(tmp_path) == [], output
