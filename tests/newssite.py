"""A small news site on a loopback port for the news tests: article pages written like real ones
(navigation, cookie banner, related links, comments, footer around the article), RSS 2.0 and Atom
feeds, a broken feed, a 404, a redirect loop, a huge page and a slow one.

    with NewsSite() as site:
        site.url("/clanki/vlada.html")
        site.articles["/clanki/vlada.html"] = article_page(...)   # pages can change between rounds
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Strings from the page's furniture: none of them may reach the extracted article.
BOILERPLATE = (
    "Naslovnica",
    "Gospodarstvo in finance",  # navigation
    "Ta spletna stran uporablja piškotke",  # cookie banner
    "Sorodne novice",
    "Poplave v Posavju: pomoč prihaja",  # related links
    "Komentarji bralcev",
    "Janez123",
    "To je škandal brez primere",  # comments
    "Vse pravice pridržane",
    "Uredništvo in kontakt",  # footer
)

ARTICLES = {
    "vlada": (
        "Vlada sprejela proračun za prihodnje leto",
        [
            "Vlada je v četrtek na seji sprejela predlog proračuna za prihodnje leto, ki predvideva višje "
            "izdatke za zdravstvo in šolstvo.",
            "Finančni minister je povedal, da bo primanjkljaj ostal pod tremi odstotki bruto domačega proizvoda, "
            "kot zahtevajo evropska pravila.",
            "Opozicija je predlog ostro kritizirala in napovedala, da bo v državnem zboru vložila številne dopolnitve.",
            "Državni zbor bo o proračunu glasoval predvidoma sredi decembra.",
        ],
    ),
    "poplave": (
        "Reka Sava je ponoči prestopila bregove",
        [
            "Reka Sava je ponoči prestopila bregove in poplavila več naselij v spodnjem toku.",
            "Gasilci so vso noč črpali vodo iz kleti in evakuirali nekaj deset prebivalcev.",
            "Meteorologi napovedujejo, da bo dež do jutri ponehal, vodostaji pa bodo začeli upadati.",
        ],
    ),
    "kultura": (
        "Ljubljanski festival letos z rekordnim obiskom",
        [
            "Ljubljanski festival je letos obiskalo več kot sto tisoč ljudi, kar je največ doslej.",
            "Organizatorji so zadovoljni tudi s tem, da je bila večina predstav razprodana že vnaprej.",
            "Prihodnje leto bodo festival podaljšali za en teden.",
        ],
    ),
}

CYRILLIC = (
    "Влада усвојила буџет за следећу годину",
    [
        "Влада Србије је у четвртак усвојила предлог буџета за следећу годину.",
        "Министар финансија је рекао да ће дефицит остати испод три одсто бруто домаћег производа.",
        "Скупштина ће о буџету гласати средином децембра.",
    ],
)


def article_page(
    title: str,
    paragraphs: list[str],
    *,
    charset: str = "utf-8",
    lang: str = "sl",
    author: str = "Mojca Novak",
    date: str = "2025-11-06",
    site: str = "Novice24",
) -> str:
    """An article page as news sites write them, the article among much else."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>
<meta charset="{charset}">
<title>{html.escape(title)} | {site}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{site}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T08:30:00+01:00">
<link rel="alternate" type="application/rss+xml" title="{site}" href="/rss.xml">
</head><body>
<div id="cookie-banner" class="cookie-consent">Ta spletna stran uporablja piškotke za boljšo uporabniško
izkušnjo. <button>Sprejmi vse</button> <button>Zavrni</button></div>
<header class="site-header"><nav class="main-nav"><ul>
<li><a href="/">Naslovnica</a></li><li><a href="/slovenija">Slovenija</a></li>
<li><a href="/gospodarstvo">Gospodarstvo in finance</a></li><li><a href="/sport">Šport</a></li>
</ul></nav></header>
<main>
<article class="article">
<h1 class="article-title">{html.escape(title)}</h1>
<div class="byline">Avtor: <span class="author">{author}</span>, <time datetime="{date}">{date}</time></div>
<div class="article-body">
{body}
</div>
</article>
<aside class="related"><h2>Sorodne novice</h2><ul>
<li><a href="/clanki/1.html">Poplave v Posavju: pomoč prihaja</a></li>
<li><a href="/clanki/2.html">Cene energije spet navzgor</a></li>
<li><a href="/clanki/3.html">Novi župan napovedal spremembe</a></li>
</ul></aside>
<section id="comments" class="comments"><h2>Komentarji bralcev</h2>
<div class="comment"><span class="user">Janez123</span><p>To je škandal brez primere, kdo bo to plačal?</p></div>
<div class="comment"><span class="user">Mara</span><p>Končno nekaj dobrih novic za naše šole.</p></div>
</section>
</main>
<footer class="site-footer"><p>© 2025 {site}. Vse pravice pridržane.</p>
<p><a href="/kontakt">Uredništvo in kontakt</a> | <a href="/oglasi">Oglaševanje</a></p></footer>
</body></html>"""


def rss(items: list[tuple[str, str, str]], *, title: str = "Novice24") -> str:
    """RSS 2.0 of ``(title, link, pubDate)``."""
    entries = "\n".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<guid>{html.escape(link)}</guid><pubDate>{date}</pubDate></item>"
        for t, link, date in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.invalid/</link><description>Zadnje novice</description>\n{entries}\n"
        "</channel></rss>"
    )


def atom(items: list[tuple[str, str, str]], *, title: str = "Novice24 Atom") -> str:
    """Atom of ``(title, link, updated)`` (relative links allowed: the feed's URL resolves them)."""
    entries = "\n".join(
        f'<entry><title>{html.escape(t)}</title><link href="{html.escape(link)}"/>'
        f"<id>{html.escape(link)}</id><updated>{date}</updated></entry>"
        for t, link, date in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:novice24</id><updated>2025-11-06T10:00:00Z</updated>\n{entries}\n</feed>"
    )


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class NewsSite:
    """The site: ``pages`` maps a path to a Page (change it between requests); ``hits`` counts
    requests per path. Special paths: /loop/a <-> /loop/b redirect forever, /slow waits
    ``slow_s`` seconds (or until ``release`` is set) before answering, /huge streams
    ``huge_bytes``, /redirect?to=URL."""

    def __init__(self, *, slow_s: float = 5.0, huge_bytes: int = 4 * 2**20) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: dict[str, int] = {}
        self.slow_s = slow_s
        self.release = threading.Event()  # set: /slow answers at once
        self.huge_bytes = huge_bytes
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                site._serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # a client that hung up (the huge page)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def html(self, path: str, text: str, charset: str = "utf-8", **headers: str) -> None:
        self.pages[path] = Page(
            text.encode(charset, "xmlcharrefreplace"),
            f"text/html; charset={charset}" if charset == "utf-8" else "text/html",
            headers=headers,
        )

    def xml(self, path: str, text: str, content_type: str = "application/rss+xml") -> None:
        self.pages[path] = Page(text.encode("utf-8"), content_type)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        if path.startswith("/loop/"):
            return self._send(
                handler, 302, b"", "text/plain", {"Location": "/loop/b" if path == "/loop/a" else "/loop/a"}
            )
        if path.startswith("/redirect?to="):
            return self._send(handler, 302, b"", "text/plain", {"Location": path.split("=", 1)[1]})
        if path == "/slow":
            self.release.wait(self.slow_s)
            return self._send(handler, 200, b"<html><body><p>late</p></body></html>", "text/html")
        if path == "/huge":
            return self._huge(handler)
        page = self.pages.get(path)
        if page is None:
            return self._send(handler, 404, b"<html><body>Ni najdeno</body></html>", "text/html")
        etag = page.headers.get("ETag")
        if etag and handler.headers.get("If-None-Match") == etag:
            return self._send(handler, 304, b"", None, page.headers)
        self._send(handler, page.status, page.body, page.content_type, page.headers)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    def _huge(self, handler: BaseHTTPRequestHandler) -> None:
        """A page past any size cap, sent without a Content-Length (chunked): the cap must be
        counted while reading."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        sent = 0
        try:
            while sent < self.huge_bytes:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading at its cap
            pass


def publish(site: NewsSite, key: str, *, path: str | None = None, extra: str = "") -> str:
    """Put article ``key`` (of ARTICLES) on the site; return its path. ``extra``: a last paragraph
    added (a changed article)."""
    title, paragraphs = ARTICLES[key]
    path = path or f"/clanki/{key}.html"
    site.html(path, article_page(title, paragraphs + ([extra] if extra else [])))
    return path
