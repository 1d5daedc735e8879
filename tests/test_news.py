"""An article from a link: bounded fetching, main-text extraction, legacy encodings, feeds, the
SSRF rule, ``translator translate URL`` and ``POST /translate_url``, against a news site on a
loopback port (tests/newssite.py). No network beyond loopback; tiny models.
"""

from __future__ import annotations

import json

import httpx
import pytest
from newssite import (
    ARTICLES,
    BOILERPLATE,
    CYRILLIC,
    NewsSite,
    Page,
    article_page,
    atom,
    publish,
    rss,
)

from translator.errors import TranslatorError
from translator.news import (
    FeedError,
    FetchError,
    FetchLimits,
    NotAnArticle,
    Pacer,
    UrlRefused,
    check_public_url,
    discover_feeds,
    extract_article,
    fetch,
    fetch_article,
    parse_feed,
    read_feed,
)
from translator.news.fetch import decode_page

SMALL = FetchLimits(max_bytes=2**20, timeout_s=1.5, max_redirects=3)


@pytest.fixture(scope="module")
def site():
    with NewsSite(slow_s=5.0) as site:
        for key in ARTICLES:
            publish(site, key)
        title, paragraphs = ARTICLES["poplave"]
        site.html("/cp1250.html", article_page(title, paragraphs, charset="windows-1250"), charset="windows-1250")
        title, paragraphs = CYRILLIC
        site.html(
            "/sr.html", article_page(title, paragraphs, charset="windows-1251", lang="sr"), charset="windows-1251"
        )
        site.pages["/image.png"] = Page(b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        site.pages["/chain/1"] = Page(b"", status=302, headers={"Location": "/chain/2"})
        site.pages["/chain/2"] = Page(b"", status=302, headers={"Location": "/chain/3"})
        site.pages["/chain/3"] = Page(b"", status=302, headers={"Location": "/chain/4"})
        site.pages["/chain/4"] = Page(b"", status=302, headers={"Location": "/clanki/vlada.html"})
        site.html(
            "/menu.html", "<html><head><title>Video</title></head><body><video src='/v.mp4'></video></body></html>"
        )
        yield site


# -- articles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, source",
    [("/clanki/vlada.html", ARTICLES["vlada"]), ("/cp1250.html", ARTICLES["poplave"]), ("/sr.html", CYRILLIC)],
)
def test_the_article_text_without_the_page_around_it(site, path, source):
    title, paragraphs = source
    article = fetch_article(site.url(path), limits=SMALL)
    assert article.title == title
    assert article.paragraphs == paragraphs  # first and last sentence, each paragraph on its own
    assert not [text for text in BOILERPLATE if text in article.text]
    assert article.author == "Mojca Novak" and article.published == "2025-11-06" and article.site == "Novice24"
    assert article.language == ("sr" if path == "/sr.html" else "sl")
    assert article.url == site.url(path)
    assert set(article.metadata()) == {"url", "title", "author", "published", "site", "language"}


def test_declared_cyrillic_code_pages_are_trusted():
    text = "Влада Србије је усвојила буџет."
    assert decode_page(text.encode("cp1251"), "x", "windows-1251") == text
    assert decode_page("Šola in žaga.".encode("cp1250"), "x", None) == "Šola in žaga."
    assert decode_page("čaša".encode(), "x", "windows-1251") == "čaša"  # valid UTF-8 wins


def test_a_page_without_an_article(site):
    with pytest.raises(NotAnArticle, match="no article text"):
        fetch_article(site.url("/menu.html"), limits=SMALL)
    with pytest.raises(NotAnArticle):
        extract_article("<html><body></body></html>", "http://x/")


def test_redirects_are_followed_and_the_final_link_kept(site):
    article = fetch_article(site.url("/redirect?to=/clanki/vlada.html"), limits=SMALL)
    assert article.url == site.url("/clanki/vlada.html")


@pytest.mark.parametrize(
    "path, message",
    [
        ("/nope", "HTTP 404"),
        ("/loop/a", "redirect loop"),
        ("/chain/1", "more than 3 redirects"),
        ("/huge", "larger than the limit of 1 MB"),
        ("/slow", "no complete answer within 1.5 s"),
        ("/image.png", "image/png is not a page"),
    ],
)
def test_fetches_are_bounded(site, path, message):
    with pytest.raises(FetchError, match=message) as caught:
        fetch_article(site.url(path), limits=SMALL)
    assert isinstance(caught.value, TranslatorError) and site.url(path) in str(caught.value)


def test_the_size_cap_is_counted_while_reading_not_from_the_header(site):
    """/huge sends no Content-Length: only counting the bytes can stop it."""
    with pytest.raises(FetchError, match="larger than"):
        fetch(site.url("/huge"), limits=FetchLimits(max_bytes=100_000))


def test_an_unreachable_host():
    with pytest.raises(FetchError, match="cannot connect"):
        fetch("http://127.0.0.1:9/", limits=SMALL)


def test_pacing_spaces_requests_to_one_host():
    now, slept = [100.0], []
    pacer = Pacer(1.0, clock=lambda: now[0], sleep=slept.append)
    pacer.wait("a.si")
    pacer.wait("b.si")
    pacer.wait("A.si")
    assert slept == [1.0]
    pacer.wait("a.si")
    assert slept == [1.0, 2.0]


# -- the SSRF rule ----------------------------------------------------------------------------


def resolver(table: dict[str, list[str]]):
    return lambda host, port: table[host]


@pytest.mark.parametrize(
    "address, rule",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("::", "unspecified"),
        ("ff02::1", "multicast"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
    ],
)
def test_non_public_addresses_are_refused_naming_the_rule(address, rule):
    with pytest.raises(UrlRefused, match=f"resolves to .*a {rule} address") as caught:
        check_public_url("http://news.test/a", resolver({"news.test": [address]}))
    assert "--allow-private-urls" in str(caught.value)


def test_every_resolved_address_is_checked():
    assert [str(ip) for ip in check_public_url("https://news.test/", resolver({"news.test": ["93.184.216.34"]}))] == [
        "93.184.216.34"
    ]
    with pytest.raises(UrlRefused, match="loopback"):
        check_public_url("http://news.test/", resolver({"news.test": ["93.184.216.34", "127.0.0.1"]}))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/", "http://[::1]/a", "http://localhost/", "http://2130706433/", "http://0x7f.1/"]
)
def test_literal_and_disguised_loopback_links_are_refused(url):
    with pytest.raises(UrlRefused, match="loopback"):
        check_public_url(url)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://news.test/", "gopher://x/", "http:///nohost", "javascript:alert(1)"]
)
def test_only_http_links(url):
    with pytest.raises(UrlRefused):
        check_public_url(url, resolver({}))


def test_the_server_rule_refuses_the_loopback_site(site):
    with pytest.raises(UrlRefused, match="127.0.0.1, a loopback address"):
        fetch_article(site.url("/clanki/vlada.html"), allow_private=False)


def pinned_site(site, seen: list[httpx.Request]) -> httpx.MockTransport:
    """news.test (a public address) redirects /to-loopback to the loopback site and
    /to-intranet to intranet.test (a private one); /article is an article."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/to-loopback":
            return httpx.Response(302, headers={"Location": site.url("/clanki/vlada.html")})
        if request.url.path == "/to-intranet":
            return httpx.Response(301, headers={"Location": "http://intranet.test/admin"})
        title, paragraphs = ARTICLES["vlada"]
        body = httpx.ByteStream(article_page(title, paragraphs).encode())  # streamed, as from a server
        return httpx.Response(200, stream=body, headers={"Content-Type": "text/html"})

    return httpx.MockTransport(handler)


PUBLIC = {"news.test": ["93.184.216.34"], "intranet.test": ["10.0.0.5"], "127.0.0.1": ["127.0.0.1"]}


@pytest.mark.parametrize("path, rule", [("/to-loopback", "loopback"), ("/to-intranet", "private")])
def test_a_redirect_to_a_private_address_is_refused_on_its_hop(site, path, rule):
    seen: list[httpx.Request] = []
    with pytest.raises(UrlRefused, match=rule):
        fetch(
            f"http://news.test{path}", allow_private=False, resolver=resolver(PUBLIC), transport=pinned_site(site, seen)
        )
    assert [request.url.path for request in seen] == [path]  # the first hop only: the second never left


def test_the_connection_goes_to_the_address_that_was_checked(site):
    """No DNS rebinding: the request is made to the checked IP, the name kept in Host and SNI."""
    seen: list[httpx.Request] = []
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # a second lookup would say loopback
    fetched = fetch(
        "https://news.test/article",
        allow_private=False,
        resolver=lambda host, port: next(answers),
        transport=pinned_site(site, seen),
    )
    [request] = seen
    assert request.url.host == "93.184.216.34" and request.headers["host"] == "news.test"
    assert request.extensions["sni_hostname"] == "news.test"
    assert fetched.final_url == "https://news.test/article" and b"Vlada" in fetched.data


# -- feeds ------------------------------------------------------------------------------------


def test_rss_atom_and_a_broken_feed(site):
    feed = parse_feed(
        rss(
            [
                ("Prva", "http://n.si/1", "Thu, 06 Nov 2025 08:00:00 GMT"),
                ("Druga", "http://n.si/2", "Thu, 06 Nov 2025 09:00:00 GMT"),
            ]
        ).encode(),
        "http://n.si/rss",
    )
    assert [(i.title, i.link, i.published) for i in feed.items] == [
        ("Prva", "http://n.si/1", "2025-11-06T08:00:00+00:00"),
        ("Druga", "http://n.si/2", "2025-11-06T09:00:00+00:00"),
    ]
    feed = parse_feed(
        atom([("Tretja", "/clanki/3.html", "2025-11-06T10:00:00Z")]).encode(),
        "http://n.si/f/atom.xml",
        "application/atom+xml",
    )
    assert feed.items[0].link == "http://n.si/clanki/3.html" and feed.title == "Novice24 Atom"
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>{{ not a feed", "http://n.si/broken")


def test_a_site_page_names_its_feed(site):
    page = site.pages["/clanki/vlada.html"].body.decode()
    assert discover_feeds(page, site.url("/clanki/vlada.html")) == [site.url("/rss.xml")]
    site.xml("/rss.xml", rss([("Vlada", site.url("/clanki/vlada.html"), "Thu, 06 Nov 2025 08:00:00 GMT")]))
    feed, fetched = read_feed(site.url("/clanki/vlada.html"), limits=SMALL)
    assert fetched.final_url == site.url("/rss.xml") and feed.items[0].link == site.url("/clanki/vlada.html")
    with pytest.raises(FeedError, match="names no RSS or Atom feed"):
        read_feed(site.url("/menu.html"), limits=SMALL)
    site.html("/served-as-html.xml", rss([("Vlada", site.url("/clanki/vlada.html"), "Thu, 06 Nov 2025 08:00:00 GMT")]))
    feed, _ = read_feed(site.url("/served-as-html.xml"), limits=SMALL)  # a feed with the wrong type
    assert [item.title for item in feed.items] == ["Vlada"]


# -- translator translate URL -----------------------------------------------------------------


def test_translate_url_json(site, tiny_env, capsys):
    from translator.cli import main

    assert main(["translate", site.url("/clanki/vlada.html"), "--json", "--summary", "--beams", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["article"]["title"] == ARTICLES["vlada"][0] and data["article"]["url"] == site.url("/clanki/vlada.html")
    assert data["title"] and data["translation"] and data["summary"] is not None and data["language"] == "sl"
    sources = "".join(segment["source"] for segment in data["segments"])
    assert ARTICLES["vlada"][1][0][:40] in sources and ARTICLES["vlada"][0] not in sources  # the text, not the title
    assert data["translation"].count("\n\n") == len(ARTICLES["vlada"][1]) - 1  # paragraphs kept


def test_translate_url_text_and_errors(site, tiny_env, capsys):
    from translator.cli import main

    assert main(["translate", site.url("/cp1250.html"), "--beams", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n\n") == len(ARTICLES["poplave"][1])  # the title, then each paragraph
    assert main(["translate", site.url("/nope")]) == 1
    assert "HTTP 404" in capsys.readouterr().err


# -- POST /translate_url ----------------------------------------------------------------------


def rest_client(tiny_models, **options):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from translator.server import Settings
    from translator.server.backend import Backend
    from translator.server.rest import RestApi
    from translator.server.rest.news import news_router

    settings = Settings(
        translation_model=str(tiny_models.marian),
        summary_model=str(tiny_models.bart),
        device="cpu",
        num_beams=1,
        max_chars=3000,
        translation_cache="off",
    )
    api = RestApi(Backend(settings), settings)
    app = FastAPI()
    app.include_router(news_router(api, limits=SMALL, **options))
    return TestClient(app)


def test_translate_url_route(site, tiny_models):
    client = rest_client(tiny_models, allow_private_urls=True)
    answer = client.post("/translate_url", json={"url": site.url("/clanki/poplave.html"), "summary": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["article"]["title"] == ARTICLES["poplave"][0] and body["translatedTitle"]
    assert body["translatedText"].count("\n\n") == 2 and body["summary"] is not None
    assert body["detectedLanguage"]["language"] == "sl"
    html = client.post("/translate_url", data={"url": site.url("/clanki/poplave.html"), "format": "html"}).json()
    assert html["translatedText"].count("<p>") == 3 and "summary" not in html
    for params, status, message in [
        ({}, 400, "missing url"),
        ({"url": site.url("/nope")}, 502, "HTTP 404"),
        ({"url": site.url("/menu.html")}, 422, "no article"),
        ({"url": "file:///etc/passwd"}, 400, "only http"),
        ({"url": site.url("/clanki/vlada.html"), "format": "xml"}, 400, "xml format"),
    ]:
        answer = client.post("/translate_url", json=params)
        assert answer.status_code == status and message in answer.json()["error"], (params, answer.text)


def test_the_server_refuses_private_links_by_default(site, tiny_models):
    client = rest_client(tiny_models)
    assert "/translate_url" in client.get("/openapi.json").json()["paths"]
    answer = client.post("/translate_url", json={"url": site.url("/clanki/vlada.html")})
    assert answer.status_code == 400
    assert "loopback" in answer.json()["error"] and "--allow-private-urls" in answer.json()["error"]


@pytest.mark.slow  # two real servers, one after the other
def test_the_real_server_wires_translate_url_and_the_page_fetches_a_pasted_link(site, tiny_models):
    """app.py's server: /translate_url refuses the loopback site unless --allow-private-urls,
    and the page translates the article behind a pasted link under the same rule."""
    import httpx
    from hostile import start

    link = site.url("/clanki/poplave.html")
    for allowed in (False, True):
        demo = start(tiny_models, allow_private_urls=allowed)
        try:
            answer = httpx.post(
                demo.local_url + "translate_url", timeout=120, json={"url": link, "source": "auto", "target": "en"}
            )
            handler = next(f.fn for f in demo.page.fns.values() if f.name == "on_translate")
            if not allowed:
                assert answer.status_code == 400 and "loopback" in answer.json()["error"]
                with pytest.raises(Exception, match="loopback"):
                    list(handler(link, False, "medium", 1, "auto"))
                continue
            assert answer.status_code == 200, answer.text
            assert answer.json()["article"]["title"] == ARTICLES["poplave"][0]
            english, _summary, table, status = list(handler(link, False, "medium", 1, "auto"))[-1][:4]
            assert english.count("\n\n") == len(ARTICLES["poplave"][1])  # the title, then each paragraph
            assert "Sava" in table and "<th>Slovenian</th>" in table
        finally:
            demo.close()
