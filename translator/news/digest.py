"""What ``translator follow`` writes into DIR, every file atomically (translator/system/durable.py):

- ``items/<date>-<slug>.json``: the project's one result shape with the English ``title`` and the
  ``article`` metadata (:meth:`EnglishArticle.to_dict`),
- ``items/<date>-<slug>.md``: English title, source link, date, summary, translation,
- ``feed.xml``: RSS 2.0 of the newest English items (summary as ``description``, translation as
  ``content:encoded``), built with the standard library's ElementTree: a dozen elements need no
  dependency,
- ``index.html``: the digest page, self-contained (inline style, no scripts, everything escaped).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from translator._version import __version__
from translator.news.english import EnglishArticle
from translator.news.state import ItemRow
from translator.system.durable import atomic_write

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MAX_SLUG = 60
_CYRILLIC = dict(
    zip(
        "абвгдђежзијклљмнњопрстћуфхцчџшыэюяё",
        "a b v g d dj e z z i j k l lj m n nj o p r s t c u f h c c dz s y e ju ja e".split(),
    )
)
_LATIN = {"đ": "dj", "ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "þ": "th"}


def slug(text: str) -> str:
    """ASCII words of ``text`` joined by "-" (Slovenian and Cyrillic letters transliterated), at
    most MAX_SLUG characters; "" when nothing is left."""
    letters = "".join(_CYRILLIC.get(ch, _LATIN.get(ch, ch)) for ch in text.lower())
    ascii_text = unicodedata.normalize("NFKD", letters).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > MAX_SLUG:
            break
        out = f"{out}-{word}" if out else word
    return out or "-".join(words)[:MAX_SLUG]


def item_base(published: str | None, title: str, link: str, taken: Callable[[str], bool]) -> str:
    """``<date>-<slug>`` for an item's files, the slug from its original title (else its link's
    last path segment), made unique with "-2", "-3" ... where ``taken(base)``."""
    date = (published or datetime.now(UTC).isoformat())[:10]
    words = slug(title) or slug(urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "item"
    base, n = f"{date}-{words}", 1
    while taken(base):
        n += 1
        base = f"{date}-{words}-{n}"
    return base


def item_markdown(english: EnglishArticle, published: str | None) -> str:
    """The item as Markdown: English title, source link, date, summary, translation."""
    article = english.article
    lines = [
        f"# {english.title or article.title or article.url}",
        "",
        f"Source: <{article.url}>" + (f" ({article.site})" if article.site else ""),
        "",
    ]
    if article.title:
        lines += [f"Original title: {article.title}", ""]
    date = published or article.published
    if date:
        lines += [f"Date: {date[:10]}", ""]
    if english.result.summary:
        lines += ["## Summary", "", english.result.summary.strip(), ""]
    lines += ["## Translation", "", english.result.translation.strip(), ""]
    return "\n".join(lines)


def write_item(out_dir: Path, base: str, english: EnglishArticle, published: str | None) -> list[Path]:
    """Write ``items/<base>.json`` and ``.md``; return their paths."""
    data = english.to_dict()
    data["published"] = published
    folder = out_dir / "items"
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return [
        atomic_write(folder / f"{base}.json", text),
        atomic_write(folder / f"{base}.md", item_markdown(english, published)),
    ]


def _date(published: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(published) if published else None
    except ValueError:
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _human(when: datetime) -> str:
    when = when.astimezone(UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"


def _paragraphs_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def feed_xml(items: list[ItemRow], *, title: str, link: str) -> bytes:
    """RSS 2.0 of ``items`` (newest first, as given): title (English), link and guid (the
    original article), pubDate, description (the summary), content:encoded (the translation as
    HTML paragraphs)."""
    ET.register_namespace("content", CONTENT_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = link
    ET.SubElement(channel, "description").text = "English translations and summaries of the followed news"
    ET.SubElement(channel, "language").text = "en"
    ET.SubElement(channel, "generator").text = f"translator {__version__}"
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(datetime.now(UTC))
    for row in items:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = row.title_en or row.title or row.link
        ET.SubElement(item, "link").text = row.link
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = row.link
        when = _date(row.published)
        if when is not None:
            ET.SubElement(item, "pubDate").text = format_datetime(when)
        first = (row.translation or "").strip().split("\n\n")[0]
        ET.SubElement(item, "description").text = row.summary or first
        ET.SubElement(item, f"{{{CONTENT_NS}}}encoded").text = _paragraphs_html(row.translation or "")
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


STYLE = """
body{font:17px/1.55 Georgia,'Times New Roman',serif;margin:0;background:#f6f5f1;color:#1d1d1b}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem 4rem}
header h1{font:700 1.9rem/1.2 system-ui,sans-serif;margin:0 0 .25rem}
header p{font:.9rem system-ui,sans-serif;color:#666;margin:0 0 2rem}
article{background:#fff;border:1px solid #e3e1da;border-radius:6px;padding:1.1rem 1.4rem;margin:0 0 1.2rem}
article h2{font:600 1.25rem/1.3 system-ui,sans-serif;margin:0 0 .3rem}
article h2 a{color:#1d1d1b;text-decoration:none}
article h2 a:hover{text-decoration:underline}
.meta{font:.82rem system-ui,sans-serif;color:#767676;margin:0 0 .7rem}
.meta a{color:#2b5f9e}
.original{font-style:italic}
details{font-size:.95rem;margin-top:.6rem}
summary{cursor:pointer;font:.85rem system-ui,sans-serif;color:#2b5f9e}
"""


def _entry_html(row: ItemRow) -> str:
    when = _date(row.published)
    date = _human(when) if when else ""
    link = html.escape(row.link, quote=True)
    site = html.escape(row.site or urlsplit(row.link).hostname or "")
    summary = row.summary or (row.translation or "").strip().split("\n\n")[0]
    files = f'<a href="items/{html.escape(row.base or "", quote=True)}.md">Markdown</a>' if row.base else ""
    original = f' · <span class="original">{html.escape(row.title)}</span>' if row.title else ""
    return (
        f'<article><h2><a href="{link}">{html.escape(row.title_en or row.title or row.link)}</a></h2>\n'
        f'<p class="meta">{html.escape(date)} · {site}{original} · <a href="{link}">original</a> · {files}</p>\n'
        f"<p>{html.escape(summary.strip())}</p>\n"
        f"<details><summary>Full translation</summary>{_paragraphs_html(row.translation or '')}</details>"
        "</article>"
    )


def index_html(items: list[ItemRow], *, title: str) -> str:
    """The digest page: English titles, dates, sites, summaries and links, newest first; the full
    translation folded under each."""
    now = _human(datetime.now(UTC))
    entries = "\n".join(_entry_html(row) for row in items) or "<p>Nothing translated yet.</p>"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main><header><h1>{html.escape(title)}</h1>"
        f"<p>{len(items)} articles, translated into English and summarised · updated {now} · "
        f'<a href="feed.xml">RSS</a></p></header>\n{entries}\n</main></body></html>\n'
    )


def write_digest(out_dir: Path, items: list[ItemRow], *, title: str, link: str) -> list[Path]:
    """Write ``feed.xml`` and ``index.html`` of ``items`` (newest first); return their paths."""
    return [
        atomic_write(out_dir / "feed.xml", feed_xml(items, title=title, link=link)),
        atomic_write(out_dir / "index.html", index_html(items, title=title)),
    ]
