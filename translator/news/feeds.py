"""RSS and Atom feeds: parsed by feedparser from bytes fetched here (feedparser never fetches a
URL itself), and found from a site's page through ``<link rel="alternate" type="application/rss+xml">``
(or ``application/atom+xml``).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from translator.news.errors import FeedError
from translator.news.fetch import FEED_TYPES, PAGE_TYPES, Fetched, FetchLimits, Pacer, fetch
from translator.news.urls import Resolver

FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: ``id`` (the entry's id, else its link), the article ``link``, its
    ``title``, ``published`` as ISO 8601 UTC (None when the feed gives no date) and a
    ``fingerprint`` of what the feed says about it (dates, title, description): when that changes,
    the article is looked at again."""

    id: str
    link: str
    title: str
    published: str | None
    fingerprint: str


@dataclass(frozen=True)
class Feed:
    """A parsed feed: where it was read, its title and its entries that link to an article, in
    the feed's order; ``skipped`` counts entries without a link."""

    url: str
    title: str
    items: list[FeedItem] = field(default_factory=list)
    skipped: int = 0


def _iso(parsed: Any) -> str | None:
    """feedparser's struct_time (UTC) as ``2025-11-06T10:00:00+00:00``."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _item(entry: Any) -> FeedItem | None:
    link = (entry.get("link") or "").strip()
    if not link:
        return None
    # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning
    published = _iso(dict.get(entry, "published_parsed")) or _iso(dict.get(entry, "updated_parsed"))
    said = "\x00".join(str(dict.get(entry, key) or "") for key in ("updated", "published", "title", "summary"))
    return FeedItem(
        id=(entry.get("id") or link).strip(),
        link=link,
        title=(entry.get("title") or "").strip(),
        published=published,
        fingerprint=hashlib.sha256(said.encode("utf-8")).hexdigest()[:16],
    )


def parse_feed(data: bytes, url: str, media_type: str = "") -> Feed:
    """The feed in ``data`` (RSS 0.9x/1.0/2.0 or Atom; its encoding from its XML declaration),
    relative links resolved against ``url``. Raises FeedError when it is not a feed."""
    import feedparser

    headers = {"content-location": url, "content-type": media_type or "application/xml"}
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"{url}: not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
    items = [_item(entry) for entry in parsed.entries]
    found = list({item.id: item for item in items if item is not None}.values())
    return Feed(
        url=url,
        title=(parsed.feed.get("title") or "").strip(),
        items=found,
        skipped=sum(item is None for item in items),
    )


def discover_feeds(page: str, url: str) -> list[str]:
    """The feeds a site's page names in ``<link rel="alternate" type="application/rss+xml|atom+xml"
    href="...">``, absolute, in page order."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    base = soup.find("base", href=True)
    root = urljoin(url, str(base["href"])) if base is not None else url
    found = []
    for link in soup.find_all("link", href=True):
        rel: str | list[str] = link.get("rel") or []
        rels = [rel] if isinstance(rel, str) else list(rel)
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in [r.lower() for r in rels] and kind in FEED_LINK_TYPES:
            found.append(urljoin(root, str(link["href"]).strip()))
    return list(dict.fromkeys(found))


def is_page(fetched: Fetched) -> bool:
    """Whether a fetched answer is an HTML page rather than a feed (a feed served as text/html,
    starting with an XML declaration, ``<rss`` or ``<feed``, is a feed)."""
    head = fetched.data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")):
        return False
    return fetched.media_type in PAGE_TYPES or (
        not fetched.media_type and head.startswith((b"<!doctype html", b"<html"))
    )


def read_feed(
    url: str,
    *,
    validators: tuple[str | None, str | None] = (None, None),
    limits: FetchLimits | None = None,
    allow_private: bool = True,
    resolver: Resolver | None = None,
    pace: Pacer | None = None,
    trust_first: bool = False,
) -> tuple[Feed | None, Fetched]:
    """Fetch and parse the feed at ``url``, or the first feed a site page at ``url`` names.

    ``validators`` (ETag, Last-Modified) of the last read make it a conditional GET: when the
    server answers 304 the feed is None. Returns the feed and the answer it came from (its
    ``final_url`` is the feed's address, its ``etag``/``last_modified`` the next validators).
    ``trust_first``: ``url`` itself may be at a private address (the operator named it); its
    redirects and the feed a page names obey ``allow_private``.
    Raises FeedError (not a feed; a page naming no feed), UrlRefused and FetchError.
    """
    etag, modified = validators
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    options: dict[str, Any] = {"limits": limits, "allow_private": allow_private, "resolver": resolver, "pace": pace}
    fetched = fetch(url, accept=FEED_TYPES + PAGE_TYPES, headers=headers, trust_first=trust_first, **options)
    if fetched.not_modified:
        return None, fetched
    if is_page(fetched):
        feeds = discover_feeds(fetched.text(), fetched.final_url)
        if not feeds:
            raise FeedError(
                f'{url}: a page that names no RSS or Atom feed (no <link rel="alternate" '
                'type="application/rss+xml">): give the feed\'s address'
            )
        fetched = fetch(feeds[0], accept=FEED_TYPES, **options)
    return parse_feed(fetched.data, fetched.final_url, fetched.media_type), fetched
