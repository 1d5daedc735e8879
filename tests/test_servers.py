"""The test helpers of tests/servers.py do what the server tests rely on: the poller returns what
the condition found, counts errors as "not yet", and fails at its deadline or when the process it
waits for exits; stop() ends a process that ignores SIGTERM."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from servers import free_port, stop, wait_until


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_wait_until_returns_what_the_check_found_errors_meaning_not_yet():
    calls = []

    def check():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not listening yet")
        return {"status": "ok"}

    assert wait_until(check, "the check", 5, interval_s=0.01) == {"status": "ok"}
    assert len(calls) == 3


def test_wait_until_fails_at_its_deadline_naming_what_it_waited_for():
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="the never-ready thing: not ready after 0 s"):
        wait_until(lambda: False, "the never-ready thing", 0.2, interval_s=0.01)
    assert 0.2 <= time.monotonic() - started < 5


def test_wait_until_fails_when_the_process_exits_with_its_log(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("Address already in use\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(pytest.fail.Exception, match=r"(?s)the server exited with 3.*Address already in use"):
        wait_until(lambda: False, "the server", 60, process=process, log=log)


def test_stop_kills_a_process_that_ignores_sigterm():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"  # SIGTERM is ignored from now on
    started = time.monotonic()
    stop(process, timeout_s=0.5)
    assert process.returncode == -9 and time.monotonic() - started < 10
    process.stdout.close()
