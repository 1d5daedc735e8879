"""The translation memory on a Redis server shared by replicas: a pair approved through one is
answered by every other at its next lookup (no copy is kept in a process)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence

from translator.core.cache.redis_store import connect, redacted
from translator.core.memory.base import (
    DEFAULT_NEAR,
    NEAR_CANDIDATES,
    MemoryStats,
    MemoryUnavailable,
    Pair,
    best_matches,
    check_pair,
    grams,
    length_window,
    normalise,
)
from translator.results import NearMatch

logger = logging.getLogger("translator")

PAUSE_S = 5.0  # after a failed lookup, the memory is left alone this long


class RedisMemory:
    """Approved pairs in Redis: one hash per source language and normalised source length,
    ``translator:tm:<language>:<length>``, field the normalised source, value JSON
    ``{"s": source, "t": English}``; the near-match index: one set per word pair (base.grams),
    ``translator:tm:g:<hash>``, of ``<length>:<normalised source>``. An exact lookup reads one
    field; a near-match search the sets of the sentence's word pairs, then the fields of the
    :data:`NEAR_CANDIDATES` sources sharing the most. Raises MemoryUnavailable when Redis does
    not answer at start."""

    PREFIX = "translator:tm:"

    def __init__(self, url: str, near_cutoff: float = DEFAULT_NEAR) -> None:
        self.where = redacted(url)
        self.near_cutoff = near_cutoff
        self._client = connect(url, f"translation memory {self.where}", MemoryUnavailable)
        import redis  # present: connect() checked

        self._errors = (redis.RedisError, OSError)
        self._paused_until = float("-inf")

    def _hash(self, language: str, length: int) -> str:
        return f"{self.PREFIX}{language}:{length}"

    def _lookup_failed(self, exc: BaseException) -> None:
        self._paused_until = time.monotonic() + PAUSE_S
        logger.warning("translation memory %s: could not read (%s); left alone for %.0f s", self.where, exc, PAUSE_S)

    def exact(self, language: str, sources: Sequence[str]) -> dict[str, str]:
        """See :class:`TranslationMemory`: one round trip."""
        if not sources or time.monotonic() < self._paused_until:
            return {}
        keys = {source: normalise(source) for source in sources}
        try:
            pipe = self._client.pipeline(transaction=False)
            for key in keys.values():
                pipe.hget(self._hash(language, len(key)), key)
            values = pipe.execute()
        except self._errors as exc:
            self._lookup_failed(exc)
            return {}
        found = {}
        for source, value in zip(keys, values):
            if value is not None:
                try:
                    found[source] = str(json.loads(value)["t"])
                except (ValueError, KeyError, TypeError):
                    logger.debug("translation memory: unreadable entry for %r", source)
        return found

    def near(self, language: str, source: str) -> list[NearMatch]:
        """See :class:`TranslationMemory`: two round trips."""
        if self.near_cutoff > 1 or time.monotonic() < self._paused_until:
            return []
        query = normalise(source)
        low, high = length_window(len(query), self.near_cutoff)
        shared: dict[bytes, int] = {}
        try:
            pipe = self._client.pipeline(transaction=False)
            for gram in grams(language, query):
                pipe.smembers(f"{self.PREFIX}g:{gram}")
            for members in pipe.execute():
                for member in members:
                    shared[member] = shared.get(member, 0) + 1
            chosen: list[tuple[int, str]] = []
            for member in sorted(shared, key=lambda m: -shared[m]):
                size, _, key = member.decode("utf-8", "surrogatepass").partition(":")
                if low <= int(size) <= high and key != query:
                    chosen.append((int(size), key))
                if len(chosen) >= NEAR_CANDIDATES:
                    break
            pipe = self._client.pipeline(transaction=False)
            for length, key in chosen:
                pipe.hget(self._hash(language, length), key)
            values = pipe.execute()
        except self._errors as exc:
            self._lookup_failed(exc)
            return []
        candidates: dict[str, tuple[str, str]] = {}
        for (_length, key), value in zip(chosen, values):
            try:
                item = json.loads(value)
                candidates[key] = (str(item["s"]), str(item["t"]))
            except (ValueError, KeyError, TypeError):
                continue
        return best_matches(query, candidates, self.near_cutoff)

    def add(self, pairs: Sequence[Pair]) -> int:
        """See :class:`TranslationMemory`. Raises InvalidInputError for a bad pair, MemoryUnavailable."""
        for pair in pairs:
            check_pair(pair)
        changed = 0
        try:
            for start in range(0, len(pairs), 500):
                pipe = self._client.pipeline(transaction=False)
                for pair in pairs[start : start + 500]:
                    key = normalise(pair.source)
                    value = json.dumps({"s": pair.source, "t": pair.target}, ensure_ascii=False)
                    pipe.hget(self._hash(pair.language, len(key)), key)
                    pipe.hset(self._hash(pair.language, len(key)), key, value.encode("utf-8", "surrogatepass"))
                    for gram in grams(pair.language, key):
                        pipe.sadd(f"{self.PREFIX}g:{gram}", f"{len(key)}:{key}".encode("utf-8", "surrogatepass"))
                results = [r for r in pipe.execute() if not isinstance(r, int)]  # the HGETs' answers
                for pair, before in zip(pairs[start : start + 500], results):
                    changed += before is None or json.loads(before) != {"s": pair.source, "t": pair.target}
        except self._errors as exc:
            raise MemoryUnavailable(f"translation memory {self.where} cannot be written: {exc}") from exc
        return changed

    def remove(self, language: str, source: str) -> bool:
        """See :class:`TranslationMemory`."""
        key = normalise(source)
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.hdel(self._hash(language, len(key)), key)
            for gram in grams(language, key):
                pipe.srem(f"{self.PREFIX}g:{gram}", f"{len(key)}:{key}".encode("utf-8", "surrogatepass"))
            return bool(pipe.execute()[0])
        except self._errors as exc:
            raise MemoryUnavailable(f"translation memory {self.where} cannot be written: {exc}") from exc

    def _hashes(self, grams: bool = False) -> list[bytes]:
        """The pair hashes (with ``grams``: and the index's sets)."""
        try:
            found = sorted(self._client.scan_iter(match=self.PREFIX + "*", count=1000))
        except self._errors as exc:
            raise MemoryUnavailable(f"translation memory {self.where} cannot be read: {exc}") from exc
        return found if grams else [name for name in found if not name.startswith(self.PREFIX.encode() + b"g:")]

    def pairs(self) -> Iterator[Pair]:
        """See :class:`TranslationMemory`."""
        for name in self._hashes():
            language = name.decode().removeprefix(self.PREFIX).rsplit(":", 1)[0]
            try:
                items = self._client.hgetall(name)
            except self._errors as exc:
                raise MemoryUnavailable(f"translation memory {self.where} cannot be read: {exc}") from exc
            for _key, value in sorted(items.items()):
                item = json.loads(value)
                yield Pair(language, str(item["s"]), str(item["t"]))

    def stats(self) -> MemoryStats:
        """See :class:`TranslationMemory`."""
        counts: dict[str, int] = {}
        try:
            for name in self._hashes():
                language = name.decode().removeprefix(self.PREFIX).rsplit(":", 1)[0]
                counts[language] = counts.get(language, 0) + self._client.hlen(name)
        except self._errors as exc:
            raise MemoryUnavailable(f"translation memory {self.where} cannot be read: {exc}") from exc
        return MemoryStats(sum(counts.values()), self.where, dict(sorted(counts.items())))

    def clear(self) -> int:
        """See :class:`TranslationMemory`."""
        removed = 0
        try:
            for name in self._hashes(grams=True):
                if not name.startswith(self.PREFIX.encode() + b"g:"):
                    removed += self._client.hlen(name)
                self._client.unlink(name)
        except self._errors as exc:
            raise MemoryUnavailable(f"translation memory {self.where} cannot be cleared: {exc}") from exc
        return removed
