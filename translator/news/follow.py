"""``translator follow``: read feeds (or find a site's feed), translate and summarise each new
article, write the English digest into DIR; once, or a round every interval.

A round: each source is read with a conditional GET (ETag / Last-Modified); each of its newest
items (``max_items``) is looked at when it is new, failed last time, or its feed entry changed
(``recheck``: every item, every round); its article is fetched, and translated when its text is new
or changed (the translation cache, when given, makes a changed article cost only its new
sentences). Requests to one host are at least ``pace_s`` apart. A failing feed or item is
reported and tried again next round; the others go on. State lives in ``DIR/follow.sqlite``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from translator.core.summarize import Summarizer
from translator.core.translate import Translator
from translator.engines.models import ModelNotFoundError
from translator.errors import InvalidInputError, TranslatorError
from translator.news import digest, report
from translator.news.article import Article, fetch_article
from translator.news.english import translate_article
from translator.news.errors import NotAnArticle
from translator.news.feeds import FeedItem, read_feed
from translator.news.fetch import FetchLimits, Pacer
from translator.news.state import FeedRow, ItemRow, State
from translator.news.urls import Resolver
from translator.text.language import UnsupportedLanguageError

logger = logging.getLogger("translator")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """Seconds in "90", "30s", "15m", "1h", "1d" (at least 1 s). Raises InvalidInputError."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not match:
        raise InvalidInputError(f"{text!r}: give an interval such as 30s, 15m, 1h (a bare number is seconds)")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < 1:
        raise InvalidInputError(f"{text!r}: the interval must be at least 1 second")
    return seconds


@dataclass(frozen=True)
class FollowConfig:
    """What to follow and how: ``sources`` (feeds or sites), ``out_dir``, ``every_s`` (None: one
    round), ``max_items`` looked at per source and round, ``keep`` items in feed.xml/index.html,
    ``pace_s`` between requests to one host, fetch ``limits``, ``allow_private``: links that
    come from a feed or a page (items, redirects, discovered feeds) may be at private addresses
    too (by default only the sources themselves may be; everything else must be public),
    summary ``length``, ``recheck`` every item's article each round, ``progress`` bars."""

    sources: tuple[str, ...]
    out_dir: Path
    every_s: float | None = None
    max_items: int = 20
    keep: int = 100
    pace_s: float = 1.0
    limits: FetchLimits = field(default_factory=FetchLimits)
    allow_private: bool = False
    length: str | None = None
    recheck: bool = False
    progress: bool = False
    resolver: Resolver | None = None  # tests

    def __post_init__(self) -> None:
        if not self.sources:
            raise InvalidInputError("follow: give at least one feed or site")
        if self.max_items < 1 or self.keep < 1 or self.pace_s < 0:
            raise InvalidInputError("follow: max_items and keep must be at least 1, pace_s at least 0")


def text_hash(article: Article) -> str:
    """What decides whether an article must be translated again: its title and its text."""
    return hashlib.sha256(f"{article.title}\n\n{article.text}".encode()).hexdigest()


def _published(item: FeedItem, article: Article, row: ItemRow | None) -> str:
    if item.published:
        return item.published
    if article.published:
        return f"{article.published[:10]}T00:00:00+00:00"
    return (row.published if row and row.published else None) or datetime.now(UTC).isoformat()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Follower:
    """Follows ``config.sources`` into ``config.out_dir`` with ``translator`` and ``summarizer``."""

    def __init__(self, config: FollowConfig, translator: Translator, summarizer: Summarizer | None) -> None:
        self.config = config
        self.translator = translator
        self.summarizer = summarizer
        self.pacer = Pacer(config.pace_s)
        self.state = State(config.out_dir / "follow.sqlite")

    def close(self) -> None:
        self.state.close()

    # -- one round ----------------------------------------------------------------------------

    def round(self) -> dict[str, Any]:
        """Read every source, do its items, write the digest and ``DIR/report.json``; return the
        report (``counts``, ``sources``, ``items``, ``sentences``, ``seconds`` ...). Raises
        ModelNotFoundError (nothing can be translated); any other failure is reported."""
        started, clock = datetime.now(UTC), time.monotonic()
        sources, work, known = self._read_sources()
        bars = report.Bars(len(work), self.config.progress)
        items: list[dict[str, Any]] = []
        sentences = 0
        try:
            for source, item in work:
                progress, finish = bars.item()
                items.append(self._process(source, item, progress))
                sentences += finish()
        finally:
            bars.close()
        self._keep_validators(sources, items)
        changed = any(entry["status"] in ("new", "updated") for entry in items)
        if changed or not (self.config.out_dir / "index.html").exists():
            self._write_digest(sources)
        path = self.config.out_dir / "report.json"
        result = {
            "started": started.isoformat(),
            "out_dir": str(self.config.out_dir),
            "path": str(path),
            "counts": report.counts(items, sources),
            "known": known,
            "sentences": sentences,
            "seconds": round(time.monotonic() - clock, 3),
            "sources": sources,
            "items": items,
        }
        return report.write_report(path, result)

    def _read_sources(self) -> tuple[list[dict[str, Any]], list[tuple[str, FeedItem]], int]:
        """Each source's report entry, the items to look at, and how many are already done."""
        entries, work, seen, known = [], [], set(), 0
        for source in self.config.sources:
            entry, items = self._read_source(source)
            entries.append(entry)
            for item in items[: self.config.max_items]:
                if item.id in seen:
                    continue
                seen.add(item.id)
                row = self.state.item(item.id)
                if (
                    row is not None
                    and row.status in ("done", "skipped")
                    and row.fingerprint == item.fingerprint
                    and not self.config.recheck
                ):
                    known += 1
                    continue
                work.append((source, item))
            entry["pending"] = [item.id for item in items[self.config.max_items :]]
        return entries, work, known

    def _read_source(self, source: str) -> tuple[dict[str, Any], list[FeedItem]]:
        row = self.state.feed(source) or FeedRow(source)
        url = row.feed_url or source
        validators = (None, None) if self.config.recheck else (row.etag, row.last_modified)
        try:
            feed, fetched = read_feed(
                url,
                validators=validators,
                limits=self.config.limits,
                allow_private=self.config.allow_private,
                resolver=self.config.resolver,
                pace=self.pacer,
                trust_first=url == source,
            )
        except Exception as exc:  # each source fails alone: the round goes on
            logger.info("follow: %s: %s", source, exc, exc_info=not isinstance(exc, TranslatorError))
            # a remembered feed address that stopped working: find the site's feed again next time
            self.state.save_feed(
                FeedRow(
                    source,
                    None if row.feed_url != source else row.feed_url,
                    row.title,
                    status="failed",
                    reason=_short(exc),
                )
            )
            return {"source": source, "feed": url, "status": "failed", "reason": _short(exc), "items": 0}, []
        if feed is None:
            row.status, row.reason = "not modified", None
            self.state.save_feed(row)
            return {"source": source, "feed": url, "status": "not modified", "items": 0}, []
        self.state.save_feed(
            FeedRow(source, fetched.final_url, feed.title or row.title, row.etag, row.last_modified, "read", None)
        )
        entry = {
            "source": source,
            "feed": fetched.final_url,
            "title": feed.title,
            "status": "read",
            "items": len(feed.items),
            "without link": feed.skipped,
            "validators": [fetched.etag, fetched.last_modified],
        }
        return entry, feed.items

    def _keep_validators(self, sources: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
        """Remember a feed's ETag / Last-Modified only when all its items were done: a feed
        answering 304 must not hide an item that failed or waits its turn."""
        unfinished = {entry["source"] for entry in items if entry["status"] == "failed"}
        for entry in sources:
            validators = entry.pop("validators", None)
            if validators is None:
                continue
            row = self.state.feed(entry["source"])
            if row is not None:
                clean = entry["source"] not in unfinished and not entry["pending"]
                row.etag, row.last_modified = validators if clean else (None, None)
                self.state.save_feed(row)

    # -- one item -----------------------------------------------------------------------------

    def _process(self, source: str, item: FeedItem, progress: Any) -> dict[str, Any]:
        """Fetch, translate and write one item; its report entry (never raises but
        ModelNotFoundError and KeyboardInterrupt)."""
        row = self.state.item(item.id)
        entry: dict[str, Any] = {"id": item.id, "link": item.link, "source": source}
        try:
            article = fetch_article(
                item.link,
                allow_private=self.config.allow_private,
                limits=self.config.limits,
                resolver=self.config.resolver,
                pace=self.pacer,
            )
            digest_hash = text_hash(article)
            if row is not None and row.status == "done" and row.text_hash == digest_hash:
                row.fingerprint = item.fingerprint
                self.state.save_item(row)
                return {**entry, "status": "unchanged", "file": f"items/{row.base}.json"}
            english = translate_article(
                article, self.translator, self.summarizer, length=self.config.length, progress=progress
            )
        except ModelNotFoundError:
            raise
        except (NotAnArticle, UnsupportedLanguageError) as exc:  # not retried until the feed entry changes
            self.state.save_item(ItemRow(item.id, item.link, source, "skipped", _short(exc), item.fingerprint))
            return {**entry, "status": "skipped", "reason": _short(exc)}
        except Exception as exc:
            logger.info("follow: %s", item.link, exc_info=True)
            if row is None or row.status != "done":  # a done item keeps its English until this works
                self.state.save_item(ItemRow(item.id, item.link, source, "failed", _short(exc)))
            return {**entry, "status": "failed", "reason": _short(exc)}
        published = _published(item, article, row)
        base = (
            row.base
            if row is not None and row.base
            else digest.item_base(
                published, article.title or item.title, item.link, lambda name: self.state.base_taken(name, item.id)
            )
        )
        digest.write_item(self.config.out_dir, base, english, published)
        result = english.result
        self.state.save_item(
            ItemRow(
                item.id,
                item.link,
                source,
                "done",
                None,
                item.fingerprint,
                digest_hash,
                base,
                article.title,
                english.title,
                published,
                article.site,
                result.summary,
                result.translation,
            )
        )
        status = "updated" if row is not None and row.status == "done" else "new"
        return {
            **entry,
            "status": status,
            "file": f"items/{base}.json",
            "title": english.title,
            "language": result.language,
            "warnings": len(result.warnings),
        }

    def _write_digest(self, sources: list[dict[str, Any]]) -> None:
        titles = [entry.get("title") or "" for entry in sources if entry.get("title")]
        title = "News in English" + (f": {', '.join(dict.fromkeys(titles))}" if titles else "")
        digest.write_digest(
            self.config.out_dir, self.state.digest(self.config.keep), title=title[:200], link=self.config.sources[0]
        )

    # -- rounds -------------------------------------------------------------------------------

    def run(self, *, rounds: int | None = None, sleep: Any = time.sleep) -> int:
        """One round (``every_s`` None), or a round every ``every_s`` seconds until interrupted
        (``rounds``: stop after that many, for tests). Prints each round's summary; returns 1 when
        the last round had a failure, else 0."""
        done = 0
        while True:
            start = time.monotonic()
            result = self.round()
            report.print_summary(result)
            done += 1
            failed = result["counts"]["failed"] + result["counts"]["feeds failed"]
            if self.config.every_s is None or (rounds is not None and done >= rounds):
                return 1 if failed else 0
            sleep(max(0.0, self.config.every_s - (time.monotonic() - start)))


def follow(
    config: FollowConfig, translator: Translator, summarizer: Summarizer | None = None, *, rounds: int | None = None
) -> int:
    """Run :class:`Follower` (see :meth:`Follower.run`); return the exit code."""
    follower = Follower(config, translator, summarizer)
    try:
        return follower.run(rounds=rounds)
    finally:
        follower.close()
