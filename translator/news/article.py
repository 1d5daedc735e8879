"""An article from a link: the page fetched (bounded), its main text found by trafilatura
(menus, related links, cookie banners, comments and footers left out; paragraphs kept) and its
metadata (title, author, date, site, language).

    article = fetch_article("https://www.rtvslo.si/...")
    article.title, article.text, article.published     # text: paragraphs joined by blank lines
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from translator.news.errors import NotAnArticle
from translator.news.fetch import PAGE_TYPES, FetchLimits, Pacer, fetch_text
from translator.news.urls import Resolver
from translator.text import language

# trafilatura falls back to cruder extractors (which keep headings, bylines, and lose paragraphs)
# when its main extraction is shorter than this; its default, 250 characters, is a short news item
MIN_EXTRACTED_CHARS = 100
_BLOCKS = ("p", "head", "quote", "list", "table", "code")
_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    """A news article: ``url`` is where it was found (after redirects), ``text`` its paragraphs
    joined by blank lines; ``published`` an ISO date (YYYY-MM-DD) or None; ``language`` the code
    detected from the text (or declared by the page when detection cannot tell), None if neither."""

    url: str
    title: str
    text: str
    author: str | None = None
    published: str | None = None
    site: str | None = None
    language: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]

    def metadata(self) -> dict[str, Any]:
        """Everything but the text, for JSON answers: url, title, author, published, site, language."""
        data = asdict(self)
        del data["text"]
        return data


def _clean(text: str) -> str:
    """Spaces collapsed, lines stripped, empty lines dropped."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _block_text(element: Any) -> str:
    """The text of one block of trafilatura's XML, its line breaks (``<lb/>``) kept; a list is one
    line per item ("- item"), a table one line per row (cells joined by " | ")."""
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    if element.tag == "list":
        return "\n".join(f"- {_clean(''.join(item.itertext()))}" for item in element.iter("item"))
    if element.tag == "table":
        rows = (
            " | ".join(_clean("".join(cell.itertext())) for cell in row.iter("cell")) for row in element.iter("row")
        )
        return "\n".join(row for row in rows if row.strip(" |"))
    return _clean("".join(element.itertext()))


def _paragraphs(document: Any) -> list[str]:
    body = getattr(document, "body", None)
    if body is None or not len(body):
        return [line for line in _clean(document.text or "").split("\n") if line]
    blocks = [_block_text(child) if child.tag in _BLOCKS else _clean("".join(child.itertext())) for child in body]
    return [block for block in blocks if block]


def _language(text: str, page: str) -> str | None:
    found = language.detect(text)
    if found.language != language.UNDETERMINED:
        return found.language
    declared = _LANG.search(page[:8192])
    return language.normalize_code(declared.group(1))[0] if declared else None


def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(MIN_EXTRACTED_CHARS))
    return config


def extract_article(page: str, url: str) -> Article:
    """The article in an HTML page (``url``: where it comes from, for metadata and links).
    Raises NotAnArticle when trafilatura finds no main text."""
    import trafilatura

    document = trafilatura.bare_extraction(
        page,
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
        config=_config(),
    )
    assert not isinstance(document, dict)  # a dict only with as_dict=True
    paragraphs = _paragraphs(document) if document is not None else []
    if document is None or not paragraphs:
        raise NotAnArticle(f"{url}: no article text found on the page")
    text = "\n\n".join(paragraphs)
    title = _clean(document.title or "").replace("\n", " ")
    return Article(
        url=url,
        title=title,
        text=text,
        author=_clean(document.author or "") or None,
        published=(document.date or None),
        site=_clean(document.sitename or "") or None,
        language=_language(text, page),
    )


def fetch_article(
    url: str,
    *,
    allow_private: bool = True,
    limits: FetchLimits | None = None,
    resolver: Resolver | None = None,
    pace: Pacer | None = None,
) -> Article:
    """Fetch ``url`` and return its article.

    ``allow_private=False`` refuses links to non-public addresses (what a server must do, see
    :func:`~translator.news.urls.check_public_url`); ``limits`` bound the size, time and redirects.
    Raises UrlRefused, FetchError (unreachable, HTTP errors, too large, too slow, not HTML, not
    text) and NotAnArticle (no main text on the page).
    """
    fetched, text = fetch_text(
        url, accept=PAGE_TYPES, limits=limits, allow_private=allow_private, resolver=resolver, pace=pace
    )
    return extract_article(text, fetched.final_url)
