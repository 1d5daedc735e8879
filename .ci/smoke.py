"""CI's smoke run of README command 1: start it, use what it serves, stop it with Ctrl-C.

    python .ci/smoke.py [--without-models] -- COMMAND...

Waits for the server on http://127.0.0.1:7860 (the install part of the command runs first), then:
the page answers, POST /translate answers with English, `translator translate URL` and
`translator follow` translate an article and a feed of a local site (the news extra works), and
SIGINT (Ctrl-C) stops the server within 30 s. Exits 1, saying what failed, otherwise 0.

--without-models: the default models cannot be had (no Hub): the page must still serve, and
/health/ready must say the models are unavailable (503) instead of the server failing.
"""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVER = "http://127.0.0.1:7860"
TRANSLATOR = str(REPO / ".venv" / "bin" / "translator")


def fail(message: str) -> None:
    print(f"CI smoke: {message}", file=sys.stderr)
    sys.exit(1)


def wait_for_server(process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"README command 1 exited ({process.returncode}) before serving")
        try:
            with urllib.request.urlopen(SERVER + "/health", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    fail(f"nothing answered on {SERVER} within {seconds:.0f} s")


def post_json(path: str, body: dict) -> dict:
    request = urllib.request.Request(
        SERVER + path, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.load(reply)


def local_site(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """An article page and an RSS feed naming it, from the repository's seed article."""
    paragraphs = [p for p in (REPO / "examples" / "article-sl.txt").read_text(encoding="utf-8").split("\n\n") if p]
    title, body = paragraphs[0].strip(), "".join(f"<p>{html.escape(p.strip())}</p>\n" for p in paragraphs[1:])
    (folder / "clanek.html").write_text(
        f'<!doctype html><html lang="sl"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><article><h1>{html.escape(title)}</h1>\n{body}</article></body></html>",
        encoding="utf-8",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (folder / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Novice</title>'
        f"<link>{base}/</link><description>d</description><item><title>{html.escape(title)}</title>"
        f"<link>{base}/clanek.html</link><guid>{base}/clanek.html</guid>"
        "<pubDate>Mon, 07 Dec 2026 10:00:00 +0000</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def check_news(work: Path) -> None:
    server, base = local_site(work)
    try:
        link = subprocess.run(
            [TRANSLATOR, "translate", f"{base}/clanek.html", "--json"], capture_output=True, text=True, timeout=600
        )
        if link.returncode != 0 or not json.loads(link.stdout).get("translation", "").strip():
            fail(f"translator translate URL failed ({link.returncode}): {link.stderr[-2000:]}")
        out = work / "digest"
        follow = subprocess.run(
            [TRANSLATOR, "follow", f"{base}/feed.xml", "--out", str(out), "--once", "--allow-private-urls"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        items = list((out / "items").glob("*.json")) if (out / "items").is_dir() else []
        if follow.returncode != 0 or len(items) != 1:
            fail(f"translator follow failed ({follow.returncode}, {len(items)} items): {follow.stderr[-2000:]}")
        print(f"CI smoke: translate URL and follow on a local site: {items[0].name}")
    finally:
        server.shutdown()


def check_unavailable() -> None:
    try:
        urllib.request.urlopen(SERVER + "/health/ready", timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code == 503 and b"not available" in exc.read():
            print("CI smoke: without models the page serves and /health/ready says they are not available")
            return
        fail(f"/health/ready answered {exc.code} without models, not 503")
    fail("/health/ready says ready although the default models cannot be had here")


def main() -> None:
    command = sys.argv[sys.argv.index("--") + 1 :]
    process = subprocess.Popen(command, start_new_session=True)
    try:
        wait_for_server(process, seconds=900)
        with urllib.request.urlopen(SERVER + "/", timeout=30) as reply:
            if reply.status != 200 or b"<html" not in reply.read(4096).lower():
                fail("the page at / is not HTML")
        if "--without-models" in sys.argv[: sys.argv.index("--")]:
            check_unavailable()
        else:
            english = post_json("/translate", {"q": "Vlada je sprejela proračun.", "source": "sl", "target": "en"})
            if not english.get("translatedText", "").strip():
                fail(f"/translate gave no English: {english}")
            print("CI smoke: the page and /translate answer")
            with tempfile.TemporaryDirectory() as work:
                check_news(Path(work))
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fail("Ctrl-C (SIGINT) did not stop the server within 30 s")
        print(f"CI smoke: Ctrl-C stopped the server (exit {process.returncode})")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
