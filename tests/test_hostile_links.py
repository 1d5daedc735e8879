"""Links and fetched bytes from strangers: host spellings one parser takes and another refuses,
charsets that are not text encodings, compression bombs (br, gzip, stacked), and feeds whose
links reach the operator's network, against the real server's ``/translate_url`` and the real
``translator follow`` command, with the news site of tests/newssite.py on a loopback port.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib

import brotli
import httpx
import pytest
from hostile import refusal, start, still_serves
from newssite import ARTICLES, NewsSite, Page, article_page, publish, rss

from translator.news import FetchError, FetchLimits, UrlRefused, fetch, fetch_article
from translator.news.urls import parse_url

BAD_HOSTS = [
    "http://0177.0.0.1/",
    "http://1.2.3.04/",
    "http://127.000.000.001/",
    "http://①②⑦.0.0.1/",
    "http://127.0.0.1\t/",
    "http://ex\tample.com/",
    "http://a..b/",
    "http://%31%32%37.0.0.1/",
    "http://exa mple.com/",
    "http://example.com:99999/",
]
NOT_TEXT_CHARSETS = ["rot13", "base64", "hex", "x-bogus", "idna", "unicode_escape"]
BOMB_BYTES = 128 * 2**20  # what each bomb decodes to
CAP = 2**20


def _zeros(size: int):
    piece = bytes(2**20)
    for _ in range(size // len(piece)):
        yield piece


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(piece) for piece in _zeros(size)) + packer.flush()


def brotli_bomb(size: int) -> bytes:
    packer = brotli.Compressor(quality=5)
    return b"".join(packer.process(piece) for piece in _zeros(size)) + packer.finish()


@pytest.fixture(scope="module")
def site():
    with NewsSite() as site:
        publish(site, "vlada")
        publish(site, "poplave")
        title, paragraphs = ARTICLES["kultura"]
        page = article_page(title, paragraphs, charset="utf-8").encode()
        for charset in NOT_TEXT_CHARSETS:
            site.pages[f"/charset/{charset}.html"] = Page(page, f"text/html; charset={charset}")
            meta = article_page(title, paragraphs, charset=charset).encode()
            site.pages[f"/meta/{charset}.html"] = Page(meta, "text/html")
        gz = gzip_bomb(BOMB_BYTES)
        site.pages["/bomb/gzip"] = Page(gz, headers={"Content-Encoding": "gzip"})
        site.pages["/bomb/gzip-gzip"] = Page(gzip.compress(gz), headers={"Content-Encoding": "gzip, gzip"})
        site.pages["/bomb/br"] = Page(brotli_bomb(BOMB_BYTES), headers={"Content-Encoding": "br"})
        site.pages["/bomb/unknown"] = Page(b"x", headers={"Content-Encoding": "compress"})
        packed = article_page(*ARTICLES["poplave"]).encode()
        site.pages["/packed/br"] = Page(brotli.compress(packed), headers={"Content-Encoding": "br"})
        stacked = gzip.compress(brotli.compress(packed))
        site.pages["/packed/br-gzip"] = Page(stacked, headers={"Content-Encoding": "br, GZIP"})
        site.pages["/packed/deflate"] = Page(zlib.compress(packed), headers={"Content-Encoding": "deflate"})
        yield site


@pytest.fixture(scope="module")
def server(tiny_models):
    demo = start(tiny_models, allow_private_urls=True)
    yield demo.local_url
    demo.close()


# -- one parser ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", BAD_HOSTS)
def test_hosts_httpx_refuses_or_that_are_no_host_names_are_refused(url):
    with pytest.raises(UrlRefused, match="not a valid link"):
        parse_url(url)
    with pytest.raises(UrlRefused, match="not a valid link"):
        fetch(url, allow_private=True)  # refused before any connection, private addresses allowed or not


def test_a_name_keeps_its_idna_form_and_numeric_spellings_resolve_to_what_they_are():
    assert parse_url("http://čšž.si/a").host == "čšž.si"
    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.1/"):
        with pytest.raises(UrlRefused, match="loopback"):
            fetch(url, allow_private=False)


@pytest.mark.parametrize("url", BAD_HOSTS)
def test_the_server_answers_400_for_each_spelling(server, url):
    message = refusal(httpx.post(server + "translate_url", json={"url": url}, timeout=30), 400)
    assert "not a valid link" in message


# -- charsets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", NOT_TEXT_CHARSETS)
def test_a_charset_that_is_no_text_encoding_falls_back_to_detection(server, site, charset):
    for where in ("charset", "meta"):
        answer = httpx.post(server + "translate_url", json={"url": site.url(f"/{where}/{charset}.html")}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["article"]["title"] == ARTICLES["kultura"][0]


# -- compression --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/packed/br", "/packed/br-gzip", "/packed/deflate"])
def test_compressed_pages_are_read(site, path):
    assert fetch_article(site.url(path)).title == ARTICLES["poplave"][0]


@pytest.mark.parametrize("path", ["/bomb/gzip", "/bomb/gzip-gzip", "/bomb/br"])
def test_a_bomb_costs_what_the_cap_allows(site, path):
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than the limit of 1 MB"):
            fetch(site.url(path), limits=FetchLimits(max_bytes=CAP, timeout_s=30))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * CAP, f"{path}: {peak / 2**20:.1f} MiB held while decoding a {BOMB_BYTES // 2**20} MiB bomb"


def test_the_server_refuses_bombs_and_unknown_codings(server, site):
    for path, message in [("/bomb/br", "larger than the limit"), ("/bomb/gzip-gzip", "larger than the limit")]:
        assert message in refusal(httpx.post(server + "translate_url", json={"url": site.url(path)}, timeout=60), 502)
    answer = httpx.post(server + "translate_url", json={"url": site.url("/bomb/unknown")}, timeout=60)
    assert "encoding not supported here (compress)" in refusal(answer, 502)
    still_serves(server)


# -- follow ---------------------------------------------------------------------------------------


def _follow(site, out, *extra: str) -> tuple[int, dict]:
    from translator.cli import main

    sources = [
        site.url("/rss.xml"),
        "http://0177.0.0.1/rss.xml",
        "http://a..b/rss.xml",
        site.url("/redirect?to=" + site.url("/rss.xml")),
        site.url("/feed-rot13.xml"),
    ]
    args = ["follow", *sources, "--out", str(out), "--once", "--pace", "0", "--beams", "1", "--quiet", *extra]
    code = main(args)
    return code, json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_follow_keeps_feed_links_off_private_addresses_and_each_link_fails_alone(site, tmp_path, tiny_env):
    date = "Thu, 06 Nov 2025 08:00:00 GMT"
    items = [(ARTICLES[key][0], site.url(f"/clanki/{key}.html"), date) for key in ("vlada", "poplave")]
    items.append(("Slaba", "http://0177.0.0.1/clanek", date))
    items.append(("Prazna", "http://a..b/clanek", date))
    items.append(("Kultura", site.url("/charset/rot13.html"), date))
    site.xml("/rss.xml", rss(items))
    site.pages["/feed-rot13.xml"] = Page(rss(items[:1]).encode(), "application/rss+xml; charset=rot13")

    code, report = _follow(site, tmp_path / "strangers")
    assert code == 1
    feeds = {entry["source"]: entry for entry in report["sources"]}
    assert feeds[site.url("/rss.xml")]["status"] == "read"  # the source named is the operator's own
    assert "not a valid link" in feeds["http://0177.0.0.1/rss.xml"]["reason"]
    assert "not a valid link" in feeds["http://a..b/rss.xml"]["reason"]
    assert "loopback" in feeds[site.url("/redirect?to=" + site.url("/rss.xml"))]["reason"]  # a redirect is not
    assert feeds[site.url("/feed-rot13.xml")]["status"] == "read"
    reasons = {item["link"]: item.get("reason", "") for item in report["items"]}
    assert {item["status"] for item in report["items"]} == {"failed"}
    assert "loopback" in reasons[site.url("/clanki/vlada.html")] and "--allow-private-urls" in reasons[items[0][1]]
    assert "not a valid link" in reasons["http://0177.0.0.1/clanek"] and "not a valid link" in reasons[items[3][1]]
    written = (tmp_path / "strangers" / "index.html").read_text(encoding="utf-8")
    assert not list((tmp_path / "strangers" / "items").glob("*")) and ARTICLES["vlada"][0] not in written

    code, report = _follow(site, tmp_path / "own", "--allow-private-urls")
    done = {item["link"]: item["status"] for item in report["items"]}
    assert code == 1 and done[items[0][1]] == done[items[1][1]] == done[items[4][1]] == "new"
    assert done["http://0177.0.0.1/clanek"] == done["http://a..b/clanek"] == "failed"
    feeds = {entry["source"]: entry["status"] for entry in report["sources"]}
    assert feeds[site.url("/redirect?to=" + site.url("/rss.xml"))] == "read"


@pytest.mark.slow
def test_links_to_slow_sites_wait_in_a_pool_of_their_own_and_past_its_line_get_503(server):
    """A crowd of /translate_url calls to a site that does not answer holds the fetch pool
    (4 threads, 16 calls waiting); the calls past that are refused at once, never reaching the
    site, and translation keeps answering meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    from servers import wait_until

    from translator.server.rest.news import FETCH_THREADS, FETCHES_WAITING

    held = FETCH_THREADS + FETCHES_WAITING
    crowd = held + 6
    with NewsSite(slow_s=120) as slow, ThreadPoolExecutor(crowd) as pool:
        try:
            futures = [
                pool.submit(httpx.post, server + "translate_url", json={"url": slow.url("/slow")}, timeout=180)
                for _ in range(crowd)
            ]
            # the pool's threads reach the site, and calls past the line are answered at once
            wait_until(lambda: slow.hits.get("/slow") == FETCH_THREADS and any(f.done() for f in futures), "refusals")
            still_serves(server)  # while the fetches hang, the translating threads are free
        finally:
            slow.release.set()
        answers = [future.result() for future in futures]
        fetched = slow.hits["/slow"]
    refused = [answer for answer in answers if answer.status_code == 503]
    # calls still on their way in when the line was full may find a place later; those refused
    # never reached the site
    assert refused and fetched == crowd - len(refused), [a.status_code for a in answers]
    assert all("fetching" in refusal(answer, 503) for answer in refused)
