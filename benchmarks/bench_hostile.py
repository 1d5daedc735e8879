"""What hostile input costs the server: per class of attack, the status, the seconds to the answer,
and the peak growth of the server's resident memory.

    python benchmarks/bench_hostile.py

Starts ``python app.py`` with tiny models (built once into ``.bench-cache/``) and the default
limits, in a private temp folder, and samples its RSS (psutil, every 10 ms) while each request
runs. Then: four zip bombs at once, 14 slow connections, the RSS after everything against the
baseline, and SIGTERM (the temp folder must be empty afterwards). Targets (issue "safe to put on
the internet"): every refusal under 5 s; each upload under +300 MiB; four bombs at once under
+1 GiB; RSS back within 10 % of the baseline; 14 slow connections closed within 60 s; nothing
left in the temp folder; after 50 abandoned 100,000-character requests, a small request answered
within 5 s of their clients leaving. Links (the server runs with ``--allow-private-urls`` so that
it may fetch from the bench's own site on 127.0.0.1): pages that decode to 1 GiB (gzip, gzip
twice, brotli) refused under +300 MiB, and 30 links at once to a site that answers after 3 s.

    python benchmarks/bench_hostile.py --only abandoned   # just that case (and framing)
    python benchmarks/bench_hostile.py --only links       # just the links
    python benchmarks/bench_hostile.py --only pdf         # the hostile PDFs (tests/pdfs.py makes them)
    python benchmarks/bench_hostile.py --only redis       # a stalled Redis under --shared-storage
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from translator.testing import build_all  # noqa: E402

CACHE = REPO / ".bench-cache"
MIB = 2**20
SLOVENIAN = "Vlada je v četrtek sprejela predlog proračuna. Minister je dejal, da bodo izdatki višji."


class Sampler:
    """The peak RSS of a process (and its children) while the block runs."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()

    def rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def __enter__(self) -> Sampler:
        self.peak = self.rss()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def lying_docx(path: Path, inflated: int, declared: int) -> Path:
    """A .docx whose word/document.xml declares ``declared`` bytes and inflates to ``inflated``."""
    if path.exists():
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w") as member:
            block = b"<w:t>" + b"a" * (MIB - 11) + b"</w:t>"
            for _ in range(inflated // MIB):
                member.write(block)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    local = data.find(b"PK\x03\x04")
    while local != -1:
        if data[local + 30 : local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46 : central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def start(tmp: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    marian, bart = build_all(CACHE / "tiny")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "GRADIO_TEMP_DIR": str(tmp / "gradio"),
        "HF_HUB_OFFLINE": "1",
        "TRANSLATOR_TRANSLATION_MODEL": str(marian),
        "TRANSLATOR_SUMMARY_MODEL": str(bart),
    }
    server = subprocess.Popen(
        [
            *(sys.executable, str(REPO / "app.py"), "--port", str(port), "--beams", "1", "--device", "cpu"),
            *("--grace", "5", "--allow-private-urls"),
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(900):
        try:
            if httpx.get(url + "health", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


LANGUAGES = {"source": "sl", "target": "en"}  # required, as in LibreTranslate


def post(url: str, path: str, **kwargs) -> httpx.Response:
    return httpx.post(url + path, timeout=120, **kwargs)


def cases(url: str, bomb: Path) -> list[tuple[str, callable]]:
    deep_json = b'{"q": "Dober dan.", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    deep_html = "<div>" * 1_000 + SLOVENIAN + "</div>" * 1_000
    big_html = ("<html><body>" + "<p>" + SLOVENIAN * 20 + "</p>\n") * (50 * MIB // (len(SLOVENIAN) * 20 + 8))
    empty_tags = "<b></b>" * (50 * MIB // 7)
    return [
        (
            "JSON nested 100,000 deep",
            lambda: post(url, "translate", content=deep_json, headers={"Content-Type": "application/json"}),
        ),
        (
            "HTML nested 1,000 deep (format=html)",
            lambda: post(url, "translate", json={"q": deep_html, "source": "sl", "target": "en", "format": "html"}),
        ),
        (
            ".html upload nested 1,000 deep",
            lambda: post(
                url,
                "translate_file",
                files={"file": ("deep.html", deep_html.encode())},
                data={"source": "sl", "target": "en"},
            ),
        ),
        (
            "lone surrogate in q",
            lambda: post(
                url, "translate", content=b'{"q": "Dober\\ud800 dan"}', headers={"Content-Type": "application/json"}
            ),
        ),
        (
            "lone surrogate in target",
            lambda: post(
                url,
                "translate",
                content=b'{"q": "Dober", "target": "\\ud800"}',
                headers={"Content-Type": "application/json"},
            ),
        ),
        (
            "file name of 119 x c-caron",
            lambda: post(
                url,
                "translate_file",
                files={"file": ("č" * 119 + ".txt", SLOVENIAN.encode())},
                data={"source": "sl", "target": "en"},
            ),
        ),
        (
            "docx: 900 kB declared, 1.9 GB inflated",
            lambda: post(url, "translate_file", files={"file": ("bomb.docx", bomb.read_bytes())}, data=LANGUAGES),
        ),
        (
            "50 MB .html",
            lambda: post(url, "translate_file", files={"file": ("big.html", big_html.encode())}, data=LANGUAGES),
        ),
        (
            "50 MB of empty tags (.html)",
            lambda: post(url, "translate_file", files={"file": ("tags.html", empty_tags.encode())}, data=LANGUAGES),
        ),
    ]


def _deflated(size: int, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * MIB
    return b"".join(packer.compress(block) for _ in range(size // MIB)) + packer.flush()


class BombSite:
    """A site on 127.0.0.1: /gzip, /gzip-gzip and /br decode to 1 GiB of zeros; /slow answers
    after 3 s."""

    def __init__(self) -> None:
        gz = _deflated(1024 * MIB, 31)
        pages = {
            "/gzip": (gz, "gzip"),
            "/gzip-gzip": (gzip.compress(gz), "gzip, gzip"),
            "/br": (brotli.compress(b"\0" * (1024 * MIB), quality=1), "br"),
        }

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/slow":
                    time.sleep(3)
                    body, coding = b"<html><body><p>Pozno.</p></body></html>", ""
                else:
                    body, coding = pages.get(self.path, (b"", ""))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if coding:
                    self.send_header("Content-Encoding", coding)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


def links(url: str, sampler: Sampler, baseline: int) -> None:
    """The link rows: compression bombs behind /translate_url, and a crowd of links to a slow site."""
    site = BombSite()
    for path in ("/gzip", "/gzip-gzip", "/br"):
        with sampler:
            started = time.perf_counter()
            answer = post(url, "translate_url", json={"url": site.base + path})
            seconds = time.perf_counter() - started
        name = f"link to a page: {path[1:]}, 1 GiB decoded"
        print(
            f"| {name:<42} | {answer.status_code:>6} | {seconds:7.2f} | {(sampler.peak - baseline) / MIB:+11.0f} MiB |"
        )
    with sampler, concurrent.futures.ThreadPoolExecutor(30) as pool:
        started = time.perf_counter()
        answers = list(pool.map(lambda _: post(url, "translate_url", json={"url": site.base + "/slow"}), range(30)))
        seconds = time.perf_counter() - started
    statuses = {code: sum(a.status_code == code for a in answers) for code in sorted({a.status_code for a in answers})}
    summary = " ".join(f"{n}x{code}" for code, n in statuses.items())
    name = "30 links at once to a site slow by 3 s"
    print(f"| {name:<42} | {summary} | {seconds:7.2f} | {(sampler.peak - baseline) / MIB:+11.0f} MiB |")
    site.server.shutdown()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stalled_redis(tmp: Path) -> None:
    """A server with --shared-storage on a real redis-server and --req-limit: the redis-server is
    stopped (SIGSTOP) and /health, a limited /translate and a second /health are timed; then it
    goes on (SIGCONT). Prints rows; needs redis-server (Debian's package)."""
    program = shutil.which("redis-server")
    if program is None:
        print(f"| {'stalled Redis (no redis-server here)':<42} |        |         |                 |")
        return
    port = free_port()
    redis_args = ("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
    redis = subprocess.Popen([program, *redis_args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    storage = f"redis://127.0.0.1:{port}/0"
    server, url = start(tmp / "redis", "--shared-storage", storage, "--req-limit", "1000")
    try:
        post(url, "translate", json={"q": SLOVENIAN, **LANGUAGES})
        redis.send_signal(signal.SIGSTOP)
        for name, send in (
            ("stalled Redis: GET /health", lambda: httpx.get(url + "health", timeout=120)),
            (
                "stalled Redis: /translate with --req-limit",
                lambda: post(url, "translate", json={"q": "Hvala.", **LANGUAGES}),
            ),
            ("stalled Redis: GET /health/ready", lambda: httpx.get(url + "health/ready", timeout=120)),
        ):
            started = time.perf_counter()
            answer = send()
            print(f"| {name:<42} | {answer.status_code:>6} | {time.perf_counter() - started:7.2f} |                 |")
    finally:
        redis.send_signal(signal.SIGCONT)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        redis.terminate()
        redis.wait(timeout=30)


def slow_connections(url: str, head: bytes, count: int = 14) -> float:
    port = int(url.rsplit(":", 1)[1].strip("/"))
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    started = time.monotonic()
    for sock in socks:
        sock.sendall(head)
        sock.settimeout(0.2)
    open_ = set(range(count))
    while open_ and time.monotonic() - started < 120:
        for i in list(open_):
            try:
                if socks[i].recv(4096) == b"":
                    open_.discard(i)
            except TimeoutError:
                try:
                    socks[i].sendall(b"a")  # a byte now and then resets no deadline
                except OSError:
                    open_.discard(i)
            except OSError:
                open_.discard(i)
    for sock in socks:
        sock.close()
    return time.monotonic() - started if not open_ else float("inf")


def abandoned(url: str, count: int = 50, chars: int = 100_000, patience_s: float = 5.0) -> None:
    """``count`` clients post ``chars`` characters each and leave after ``patience_s``; then a
    small request, retried at once after a 503, until it is answered. Prints how many of the
    crowd were admitted and the seconds from their leaving to the small answer."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    sentence = "Poročilo številka {} je bilo sprejeto v četrtek. "
    socks = []
    for i in range(count):
        text = "".join(sentence.format(f"{i}-{n}") for n in range(chars // 50))[:chars]
        body = json.dumps({"q": text, "source": "sl", "target": "en"}).encode()
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        socks.append(sock)
    time.sleep(patience_s)
    refused = 0
    for sock in socks:
        sock.settimeout(0.01)
        try:
            refused += sock.recv(64).startswith(b"HTTP/1.1 503")
        except (TimeoutError, OSError):
            pass
        sock.close()
    left = time.perf_counter()
    tries = 0
    while True:
        tries += 1
        answer = post(url, "translate", json={"q": "Dober dan.", "source": "sl", "target": "en"})
        if answer.status_code != 503:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - left
    name = f"{count} abandoned {chars:,}-char requests, then 1 small"
    print(f"| {name:<42} | {answer.status_code:>6} | {seconds:7.2f} |                 |")
    print(f"|   ({count - refused} admitted, {refused} refused 503 at once; the small one took {tries} tries)")


def framing(url: str) -> None:
    """Content-Length with Transfer-Encoding, and Content-Length 2^64+1: answered at once."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    for name, head in (
        ("Content-Length + Transfer-Encoding", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("Content-Length: 2^64+1", b"Content-Length: 18446744073709551617\r\n\r\n"),
    ):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
            sock.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + head)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        status = answer.split(b" ", 2)[1].decode() if answer else "closed"
        print(f"| {name:<42} | {status:>6} | {time.perf_counter() - started:7.2f} |                 |")


def pdf_cases() -> int:
    """The hostile PDFs of tests/test_hostile_pdf.py against a real server, and a real report."""
    sys.path.insert(0, str(REPO / "tests"))
    import pdfs

    cases = [
        ("pdf: 1 MB Flate stream, 1 GiB decoded", pdfs.bomb(2**30)),
        ("pdf: 4 GiB decoded", pdfs.bomb(4 * 2**30)),
        ("pdf: 10,000 pages", pdfs.many_pages(10_000)),
        ("pdf: page tree 5,000 deep", pdfs.deep_page_tree(5_000)),
        ("pdf: 100,000 nested arrays and dicts", pdfs.deep_arrays(100_000)),
        ("pdf: forms drawing forms, 20^8 drawings", pdfs.form_bomb(8, 20)),
        ("pdf: cut in half", pdfs.reportlab_pdf(3)[0][: len(pdfs.reportlab_pdf(3)[0]) // 2]),
        ("pdf: 3-page report (reportlab), translated", pdfs.reportlab_pdf(3)[0]),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    server, url = start(tmp)
    sampler = Sampler(server.pid)
    try:
        for _ in range(3):
            post(url, "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"})
        time.sleep(1)
        baseline = sampler.rss()
        print(f"server baseline RSS: {baseline / MIB:.0f} MiB (tiny models, default limits)\n")
        print(f"| {'input':<42} | status | seconds | peak RSS growth |")
        print(f"|{'-' * 44}|-------:|--------:|----------------:|")
        for name, data in cases:
            with sampler:
                started = time.perf_counter()
                answer = post(url, "translate_file", files={"file": ("x.pdf", data)}, data=LANGUAGES)
                seconds = time.perf_counter() - started
            print(
                f"| {name:<42} | {answer.status_code:>6} | {seconds:7.2f} "
                f"| {(sampler.peak - baseline) / MIB:+11.0f} MiB |"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--only", choices=["abandoned", "links", "pdf", "redis"], help="run only this case (and the framing cases)"
    )
    args = parser.parse_args()
    if args.only == "pdf":
        return pdf_cases()
    if args.only == "redis":
        print(f"| {'input':<42} | status | seconds | peak RSS growth |")
        print(f"|{'-' * 44}|-------:|--------:|----------------:|")
        stalled_redis(Path(tempfile.mkdtemp(prefix="bench-hostile-")))
        return 0
    if args.only:
        tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
        server, url = start(tmp)
        try:
            post(url, "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"})
            print(f"| {'input':<42} | status | seconds | peak RSS growth |")
            print(f"|{'-' * 44}|-------:|--------:|----------------:|")
            framing(url)
            if args.only == "links":
                sampler = Sampler(server.pid)
                links(url, sampler, sampler.rss())
            else:
                abandoned(url)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    bomb = lying_docx(CACHE / "bomb-1.9g.docx", inflated=1900 * MIB, declared=900_000)
    server, url = start(tmp)
    sampler = Sampler(server.pid)
    for _ in range(3):  # warm: models loaded, first requests served
        post(url, "translate", json={"q": SLOVENIAN, "source": "sl", "target": "en"})
    time.sleep(1)
    baseline = sampler.rss()
    print(f"server baseline RSS: {baseline / MIB:.0f} MiB (tiny models, default limits)\n")
    print(f"| {'input':<42} | status | seconds | peak RSS growth |")
    print(f"|{'-' * 44}|-------:|--------:|----------------:|")
    for name, send in cases(url, bomb):
        with sampler:
            started = time.perf_counter()
            answer = send()
            seconds = time.perf_counter() - started
        print(
            f"| {name:<42} | {answer.status_code:>6} | {seconds:7.2f} | {(sampler.peak - baseline) / MIB:+11.0f} MiB |"
        )
    with sampler, concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.perf_counter()
        answers = list(
            pool.map(
                lambda _: post(url, "translate_file", files={"file": ("bomb.docx", bomb.read_bytes())}, data=LANGUAGES),
                range(4),
            )
        )
        seconds = time.perf_counter() - started
    statuses = ",".join(str(a.status_code) for a in answers)
    print(
        f"| {'four docx bombs at once':<42} | {statuses:>6} | {seconds:7.2f} "
        f"| {(sampler.peak - baseline) / MIB:+11.0f} MiB |"
    )
    for name, head in (
        ("14 slow connections (trickled headers)", b"GET /health HTTP/1.1\r\nX-Slow: "),
        (
            "14 slow connections (trickled body)",
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",
        ),
    ):
        closed = slow_connections(url, head)
        print(f"| {name:<42} | closed | {closed:7.2f} |                 |")
    framing(url)
    links(url, sampler, baseline)
    abandoned(url)
    time.sleep(2)
    after = sampler.rss()
    print(f"\nRSS after everything: {after / MIB:.0f} MiB ({(after - baseline) / baseline:+.1%} of the baseline)")
    assert httpx.get(url + "health", timeout=10).status_code == 200
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    left = [str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() or p.name.startswith("translator-")]
    print(
        f"after SIGTERM: exit {server.returncode}, {len(left)} files or folders left in the temp folder"
        + (f": {left[:5]}" if left else "")
    )
    print("\nA server with --shared-storage on a redis-server that is then stopped (SIGSTOP):\n")
    stalled_redis(Path(tempfile.mkdtemp(prefix="bench-hostile-")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
