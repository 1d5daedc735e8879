"""Servers for the tests, written once: a free port, the app in this process (:func:`launch_tiny`),
``python app.py`` / ``python -m translator serve`` as a subprocess (:func:`app_server`), and one
poller that waits for a condition with a deadline (:func:`wait_until`, :func:`wait_for_health`).

Imports nothing heavy at import time (gradio and the app are imported by the functions that need
them), so a test that only wants a port pays nothing for the rest.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
START_DEADLINE_S = 180.0  # a fresh interpreter importing torch and gradio on a busy 2-core machine


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path | None, chars: int = 3000) -> str:
    if log is None or not log.is_file():
        return ""
    return log.read_text(encoding="utf-8", errors="replace")[-chars:]


def wait_until(
    check: Callable[[], Any],
    what: str,
    deadline_s: float = 60.0,
    *,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
    interval_s: float = 0.1,
) -> Any:
    """Call ``check`` until it returns something true, and return that. An exception from
    ``check`` counts as "not yet" (a server not listening yet raises). Fails the test, naming
    ``what`` (and the end of ``log``), once ``deadline_s`` have passed or ``process`` has exited."""
    deadline = time.monotonic() + deadline_s
    while True:
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode} before it was ready:\n{_tail(log)}")
        try:
            if result := check():
                return result
        except Exception:  # noqa: BLE001 - httpx's, redis's or the OS's "not listening yet"
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not ready after {deadline_s:.0f} s\n{_tail(log)}")
        time.sleep(interval_s)


def wait_for_health(
    url: str,
    path: str = "health",
    deadline_s: float = START_DEADLINE_S,
    *,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    """Wait until ``GET url + path`` (``health``, ``health/ready``, ``health/live``) answers 200."""
    import httpx

    wait_until(
        lambda: httpx.get(url + path, timeout=5).status_code == 200,
        f"the server at {url}",
        deadline_s,
        process=process,
        log=log,
    )


def stop(process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """SIGTERM ``process`` and wait for it; SIGKILL it if it is still there after ``timeout_s``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Served:
    """A server process: its ``url`` (``http://127.0.0.1:PORT/``), ``port`` and ``log`` (its
    stdout and stderr together)."""

    process: subprocess.Popen
    url: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, health: str = "health", deadline_s: float = START_DEADLINE_S) -> None:
        """Wait until ``GET /health`` (``health``) answers 200; fail if the process exits first."""
        wait_for_health(self.url, health, deadline_s, process=self.process, log=self.log)


def tiny_model_env(tiny_models, **env: str) -> dict[str, str]:
    """This process's environment with the tiny models as the defaults, and ``env`` on top."""
    return {
        **os.environ,
        "TRANSLATOR_TRANSLATION_MODEL": str(tiny_models.marian),
        "TRANSLATOR_SUMMARY_MODEL": str(tiny_models.bart),
        **env,
    }


@contextlib.contextmanager
def app_server(
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    *,
    command: Sequence[str] | None = None,
    health: str = "health",
    log: Path | None = None,
    wait: bool = True,
) -> Iterator[Served]:
    """``python app.py --port PORT *args`` (or ``command`` + ``--port PORT *args``, such as
    ``[sys.executable, "-m", "translator", "serve"]``) on a free port, once ``GET /health``
    (``health``) answers 200 (``wait=False``: at once; call :meth:`Served.wait_ready`); stopped
    afterwards (SIGTERM, then SIGKILL) if it still runs.

    Output goes to ``log`` (default: a temporary file, removed afterwards)."""
    port = free_port()
    own_log = log is None
    if own_log:
        handle, name = tempfile.mkstemp(prefix="server-", suffix=".log")
        os.close(handle)
        log = Path(name)
    launcher = list(command) if command is not None else [sys.executable, str(APP)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*launcher, "--port", str(port), *args],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}/", port, log)
    try:
        if wait:
            served.wait_ready(health)
        yield served
    finally:
        stop(process)
        if own_log:
            log.unlink(missing_ok=True)


def launch_tiny(tiny_models, **options):
    """The app (page and REST API) in this process on a free port, with the tiny models on the
    CPU and beam 1 unless ``options`` (fields of :class:`translator.server.Settings`) say otherwise;
    ``.local_url``, ``.close()``."""
    from translator.server import Settings, launch

    options = {"device": "cpu", "num_beams": 1, "port": free_port(), **options}
    settings = Settings(translation_model=str(tiny_models.marian), summary_model=str(tiny_models.bart), **options)
    return launch(settings, prevent_thread_lock=True, quiet=True)


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real redis-server on a free loopback port, nothing saved to disk, ready (it answers PING);
    yields the process and its ``redis://`` URL, and stops it afterwards (after SIGCONT, should a
    test have stopped it). Skips the test, naming the package, where redis-server is missing."""
    import shutil
    import signal

    from needs import missing_programs

    program = shutil.which("redis-server")
    if program is None:
        pytest.skip(missing_programs({"redis-server": (None, "redis-server")}))
    import redis

    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        wait_until(client.ping, "redis-server", 30, process=process)
        yield process, url
    finally:
        client.close()
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
        stop(process)
