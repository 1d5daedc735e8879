"""Bounded HTTP fetching: a size cap counted while reading, one deadline for the whole fetch,
redirects followed here one hop at a time (each checked), text types only, polite pacing per host.

With ``allow_private=False`` (the server) every hop's host goes through
:func:`~translator.news.urls.check_public_url` and the connection is made to the address that was
checked (the URL's host is replaced by it; the ``Host`` header and, for https, the TLS server name
and certificate check keep the name), so a second DNS answer cannot point it elsewhere; proxies
from the environment are not used then. With ``allow_private=True`` (Python, the command line)
any http(s) link is fetched and ``HTTP(S)_PROXY`` is honoured.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from bs4.dammit import EncodingDetector

from translator._version import __version__
from translator.formats import FileFormatError
from translator.formats.encoding import decode_text, text_codec
from translator.news.decode import ACCEPT_ENCODING, decoded, encodings
from translator.news.errors import FetchError, UrlRefused
from translator.news.urls import Resolver, check_public_url, parse_url, split_url

PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/x-rss+xml",
)
REDIRECTS = (301, 302, 303, 307, 308)
_SLOVENIAN_PAGES = ("cp1250", "iso8859-2")  # decode_text weighs these against each other itself


@dataclass(frozen=True)
class FetchLimits:
    """Bounds of one fetch: ``max_bytes`` of (decompressed) body, counted while reading;
    ``timeout_s`` for everything (every hop, headers and body: a body trickling in is cut at the
    first piece that arrives past the deadline); ``max_redirects`` hops."""

    max_bytes: int = 5 * 2**20
    timeout_s: float = 20.0
    max_redirects: int = 5
    user_agent: str = f"translator/{__version__} (news follower)"

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.timeout_s <= 0 or self.max_redirects < 0:
            raise ValueError("FetchLimits: max_bytes and timeout_s must be positive, max_redirects at least 0")


@dataclass(frozen=True)
class Fetched:
    """A fetched page: ``url`` as asked, ``final_url`` after redirects, ``status`` 200 (or 304
    for a conditional GET that found nothing new, with empty ``data``), the media type and charset
    the server declared, and the validators for the next conditional GET."""

    url: str
    final_url: str
    status: int
    media_type: str
    charset: str | None
    data: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The page decoded: BOM, UTF-8, then the charset the server or the page's ``<meta>``
        declares, then the Slovenian code pages and charset-normalizer (see :func:`decode_page`).
        Raises FileFormatError for binary data."""
        declared = self.charset
        if declared is None and self.media_type in PAGE_TYPES + ("",):
            declared = EncodingDetector.find_declared_encoding(self.data[:65536], is_html=True)
        return decode_page(self.data, self.final_url, declared)


def decode_page(data: bytes, name: str, declared: str | None) -> str:
    """``data`` decoded. Valid UTF-8 (or a BOM) wins; a declared code page that the Slovenian
    heuristics of :func:`~translator.formats.encoding.decode_text` do not weigh (windows-1251,
    ISO-8859-5 ...) is trusted when it decodes; anything else goes to ``decode_text`` with the
    declaration. Raises FileFormatError for binary data."""
    codec = _codec(declared)
    if codec and not codec.startswith("utf") and codec not in _SLOVENIAN_PAGES and not _utf8(data):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_text(data, name, declared)[0]


def _codec(name: str | None) -> str | None:
    return text_codec(name) if name else None


def _utf8(data: bytes) -> bool:
    if data[:3] == codecs.BOM_UTF8 or data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Pacer:
    """At least ``interval_s`` seconds between the starts of two requests to one host, across
    threads (``wait(host)`` sleeps as long as needed)."""

    def __init__(
        self,
        interval_s: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval_s = max(0.0, interval_s)
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def wait(self, host: str) -> None:
        """Return when a request to ``host`` may start."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host.lower(), now))
            self._next[host.lower()] = start + self.interval_s
        if start > now:
            self._sleep(start - now)


@dataclass
class _Hop:
    """One request on the way: where it goes (the checked address when pinned) and how."""

    url: str
    connect: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, object] = field(default_factory=dict)


def _plan_hop(url: str, allow_private: bool, resolver: Resolver | None) -> _Hop:
    """The request(s) for ``url``: direct when private addresses are allowed, else one per
    checked address, each to the address itself (UrlRefused, FetchError from the check)."""
    scheme, host, _port = split_url(url)
    if allow_private:
        return _Hop(url, [url])
    parsed = parse_url(url)
    targets = [str(parsed.copy_with(host=str(ip))) for ip in check_public_url(url, resolver)]
    hop = _Hop(url, targets, {"Host": parsed.netloc.decode("ascii")})
    if scheme == "https":
        hop.extensions["sni_hostname"] = host
    return hop


def fetch(
    url: str,
    *,
    accept: tuple[str, ...] = PAGE_TYPES,
    limits: FetchLimits | None = None,
    allow_private: bool = True,
    resolver: Resolver | None = None,
    headers: dict[str, str] | None = None,
    pace: Pacer | None = None,
    transport: httpx.BaseTransport | None = None,
    trust_first: bool = False,
) -> Fetched:
    """GET ``url`` within ``limits``, following redirects here (each hop checked again).

    ``accept``: the media types taken (a response without a Content-Type is taken too, and must
    then decode as text). ``headers``: extra request headers (``If-None-Match`` ...); a 304 answer
    comes back as ``Fetched.status == 304``. ``pace`` spaces requests to one host; ``transport``
    replaces httpx's network transport (tests). ``trust_first``: ``url`` itself may be at a
    private address (a link the operator gave) while its redirects obey ``allow_private``.
    Raises UrlRefused (a bad scheme; a non-public address unless ``allow_private``) and FetchError
    (unresolvable or unreachable host, HTTP status >= 400, too many redirects or a loop, a type not
    in ``accept``, past ``limits.max_bytes`` or ``limits.timeout_s``).
    """
    limits = limits or FetchLimits()
    deadline = time.monotonic() + limits.timeout_s
    seen = [url]
    current = url
    with httpx.Client(trust_env=allow_private, follow_redirects=False, verify=True, transport=transport) as client:
        while True:
            hop = _plan_hop(current, allow_private or (trust_first and current == url), resolver)
            if pace is not None:
                pace.wait(split_url(current)[1])
            request_headers = {
                "User-Agent": limits.user_agent,
                "Accept-Encoding": ACCEPT_ENCODING,
                **(headers or {}),
                **hop.headers,
            }
            result = _request(client, hop, request_headers, accept, limits, deadline, url)
            if isinstance(result, Fetched):
                return result
            try:
                following = str(parse_url(str(httpx.URL(current).join(result))))
            except (httpx.InvalidURL, ValueError, UnicodeError, UrlRefused) as exc:
                raise FetchError(f"{url}: a redirect to a bad link ({result!r}: {exc})") from None
            if following in seen:
                raise FetchError(f"{url}: redirect loop ({' -> '.join(seen + [following])})")
            if len(seen) > limits.max_redirects:
                raise FetchError(f"{url}: more than {limits.max_redirects} redirects")
            seen.append(following)
            current = following


def _request(
    client: httpx.Client,
    hop: _Hop,
    headers: dict[str, str],
    accept: tuple[str, ...],
    limits: FetchLimits,
    deadline: float,
    asked: str,
) -> Fetched | str:
    """One hop: the page, or the Location of a redirect. Tries each checked address in turn."""
    last: Exception | None = None
    for target in hop.connect:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            with client.stream(
                "GET", target, headers=headers, extensions=hop.extensions, timeout=httpx.Timeout(remaining)
            ) as response:
                return _read(response, hop.url, accept, limits, deadline, asked)
        except httpx.TimeoutException:
            raise FetchError(f"{asked}: no complete answer within {limits.timeout_s:g} s") from None
        except httpx.ConnectError as exc:
            last = exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{asked}: {type(exc).__name__}: {exc}") from None
    if last is None:
        raise FetchError(f"{asked}: no complete answer within {limits.timeout_s:g} s")
    raise FetchError(f"{asked}: cannot connect ({last})")


def _read(
    response: httpx.Response, url: str, accept: tuple[str, ...], limits: FetchLimits, deadline: float, asked: str
) -> Fetched | str:
    if response.status_code in REDIRECTS and response.headers.get("location"):
        return response.headers["location"]
    etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
    if response.status_code == 304:
        return Fetched(asked, url, 304, "", None, b"", etag, modified)
    if response.status_code >= 400 or response.status_code in REDIRECTS:
        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
    media, _, params = response.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    if media and media not in accept:
        raise FetchError(f"{url}: {media} is not a page to read (expected {', '.join(accept)})")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(_too_large(url, limits))
    codings = encodings(response.headers.get("content-encoding", ""), url)
    chunks = []
    for chunk in decoded(response.iter_raw(), codings, limits.max_bytes, url):
        if time.monotonic() > deadline:
            raise FetchError(f"{asked}: no complete answer within {limits.timeout_s:g} s")
        chunks.append(chunk)
    return Fetched(asked, url, response.status_code, media, _charset(params), b"".join(chunks), etag, modified)


def _too_large(url: str, limits: FetchLimits) -> str:
    return f"{url}: larger than the limit of {limits.max_bytes / 2**20:g} MB"


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"'):
            return value.strip().strip('"')
    return None


def fetch_text(url: str, **kwargs: object) -> tuple[Fetched, str]:
    """:func:`fetch`, and the page decoded (see :meth:`Fetched.text`). Raises as ``fetch``, and
    FetchError for a page that is not text."""
    fetched = fetch(url, **kwargs)  # type: ignore[arg-type]
    try:
        return fetched, fetched.text()
    except FileFormatError as exc:
        raise FetchError(f"{url}: {exc}") from None
