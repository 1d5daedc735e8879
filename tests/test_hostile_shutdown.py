"""SIGTERM and SIGINT: the server stops accepting, lets a request in flight finish within the grace
period, then removes every temporary and download folder it made."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hostile import SLOVENIAN, free_port

pytestmark = pytest.mark.slow  # a fresh interpreter importing torch and gradio

REPO = Path(__file__).resolve().parent.parent


def serve(tiny_models, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "GRADIO_TEMP_DIR": str(tmp / "gradio"),
        "TRANSLATOR_TRANSLATION_MODEL": str(tiny_models.marian),
        "TRANSLATOR_SUMMARY_MODEL": str(tiny_models.bart),
    }
    server = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--port", str(port), "--beams", "1", "--device", "cpu", "--grace", "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        assert server.poll() is None, server.stdout.read()
        assert time.monotonic() < deadline, "the server did not start"
        try:
            if httpx.get(url + "health", timeout=5).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.3)


def leftovers(tmp: Path) -> list[str]:
    """What the server left in its temp folder: its own folders, and gradio's files."""
    found = [p.name for p in tmp.iterdir() if p.name.startswith("translator-")]
    gradio = tmp / "gradio"
    return found + ([str(p) for p in gradio.rglob("*") if p.is_file()] if gradio.exists() else [])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_lets_the_request_in_flight_finish_then_removes_every_folder(tiny_models, tmp_path, sig):
    server, url = serve(tiny_models, tmp_path)
    try:
        upload = httpx.post(
            url + "translate_file",
            files={"file": ("clanek.txt", SLOVENIAN.encode())},
            data={"source": "sl", "target": "en"},
            timeout=60,
        )
        assert upload.status_code == 200, upload.text
        assert any(name.startswith("translator-rest-") for name in os.listdir(tmp_path))

        # a request in flight: its body is half sent when the signal comes
        body = json.dumps({"q": SLOVENIAN, "source": "sl", "target": "en"}).encode()
        sock = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))), timeout=60)
        sock.sendall(
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
        )
        time.sleep(0.5)  # the headers are read; the body is not complete
        server.send_signal(sig)
        time.sleep(1.0)
        with pytest.raises(httpx.TransportError):  # no longer accepting
            httpx.get(url + "health", timeout=5)
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
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert leftovers(tmp_path) == [], server.stdout.read()
