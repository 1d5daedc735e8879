"""Shared by the tests/test_hostile_*.py modules: a real server on a free port (tiny models,
small limits so that refusals are quick), and the checks every refusal must pass."""

from __future__ import annotations

import os
import re

import httpx
from servers import launch_tiny

from translator.options import ServerLimits

MAX_CHARS = 5_000
MAX_FILE_BYTES = 2 * 2**20
SLOVENIAN = "Vlada je v četrtek sprejela predlog proračuna. Minister je dejal, da bodo izdatki višji."
LIMITS = ServerLimits(header_timeout_s=2, body_timeout_s=2, keep_alive_s=2, max_connections=64, grace_s=5)
# what an error must never show: server folders, tracebacks, exception reprs
_INTERNALS = re.compile(r"/tmp/|/work/|/home/|/root/|site-packages|Traceback|File \"|[A-Za-z]+Error\(|<[a-z_.]+ object")


def start(tiny_models, **options):
    """A server like ``python app.py`` on a free port; ``.local_url``, ``.close()``, ``.backend``."""
    limits = {"limits": LIMITS, "max_chars": MAX_CHARS, "max_file_bytes": MAX_FILE_BYTES}
    return launch_tiny(tiny_models, **{**limits, **options})


def refusal(response: httpx.Response, status: int) -> str:
    """The error message of a refusal with ``status``, after checking what every refusal must be:
    JSON ``{"error": ...}`` in UTF-8, with no server path, process id or exception repr."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.content.decode("utf-8")  # strict: a refusal always encodes
    message = response.json()["error"]
    assert isinstance(message, str) and message
    assert not _INTERNALS.search(body), body
    assert f"pid {os.getpid()}" not in body and f"process {os.getpid()}" not in body
    return message


def still_serves(url: str) -> None:
    """The server answers a real translation afterwards."""
    answer = httpx.post(url + "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["translatedText"].strip()
