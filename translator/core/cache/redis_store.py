"""The translation cache on a Redis server, shared by several machines."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from translator.core.cache.base import DEFAULT_CACHE_MB, CachedPiece, CacheStats, CacheUnavailable, chunks, pieces

logger = logging.getLogger("translator")

TIMEOUT_S = 2.0  # socket and connect timeout of each call: a stalled Redis costs a translation this much
PAUSE_S = 5.0  # after a failed call, the cache is left alone this long (every call would wait TIMEOUT_S)


def connect(url: str, what: str, unavailable: type[Exception]):  # -> redis.Redis
    """A client of the Redis at ``url`` whose every call waits at most :data:`TIMEOUT_S`, checked
    with PING; ``unavailable`` naming ``what`` (the cache, the memory) when the client is
    missing or the server does not answer."""
    try:
        import redis
    except ImportError as exc:
        raise unavailable(f"{what}: the redis client is missing ({exc}); fix: pip install redis") from exc
    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise unavailable(f"{what} does not answer: {exc}") from exc
    return client


def redacted(url: str) -> str:
    """``url`` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisCache:
    """A translation cache on a Redis server (the maintained ``redis`` client): keys
    ``translator:tc:<sha256>``, JSON values, each with a sliding expiry of ``ttl_s`` seconds
    (renewed on every hit; None: none). Redis does the eviction: give it ``maxmemory`` and
    ``maxmemory-policy allkeys-lru``; ``max_bytes`` is kept for :meth:`stats` only. Each call
    waits at most :data:`TIMEOUT_S`; after one fails, lookups and writes are skipped (misses)
    for :data:`PAUSE_S`. Raises CacheUnavailable when the server does not answer at start."""

    PREFIX = "translator:tc:"

    def __init__(
        self, url: str, max_bytes: int = DEFAULT_CACHE_MB * 2**20, *, ttl_s: int | None = 30 * 24 * 3600
    ) -> None:
        self.where = redacted(url)
        self._client = connect(url, f"translation cache {self.where}", CacheUnavailable)
        import redis  # present: connect() checked

        self.max_bytes = int(max_bytes)
        self.ttl_s = ttl_s
        self.hits = self.misses = 0
        self._errors = (redis.RedisError, OSError)
        self._lock = threading.Lock()
        self._paused_until = float("-inf")

    def _count(self, asked: int, found: int) -> None:
        with self._lock:
            self.hits += found
            self.misses += asked - found

    def _paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def _failed(self, what: str, exc: BaseException) -> None:
        self._paused_until = time.monotonic() + PAUSE_S
        logger.warning("translation cache %s: could not %s (%s); left alone for %.0f s", self.where, what, exc, PAUSE_S)

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedPiece]:
        """See :class:`TranslationCache`: one round trip per 500 keys (GETEX renews the expiry)."""
        keys = list(dict.fromkeys(keys))
        values: dict[str, bytes | None] = {}
        if self._paused():
            self._count(len(keys), 0)
            return {}
        try:
            for chunk in chunks(keys):
                pipe = self._client.pipeline(transaction=False)
                for key in chunk:
                    if self.ttl_s:
                        pipe.getex(self.PREFIX + key, ex=self.ttl_s)
                    else:
                        pipe.get(self.PREFIX + key)
                values.update(zip(chunk, pipe.execute()))
        except self._errors as exc:
            self._failed("read", exc)
        found = pieces(values)
        self._count(len(keys), len(found))
        return found

    def put_many(self, items: Mapping[str, CachedPiece]) -> None:
        """See :class:`TranslationCache`."""
        if self._paused():
            return
        try:
            keys = list(items)
            for chunk in chunks(keys):
                pipe = self._client.pipeline(transaction=False)
                for key in chunk:
                    pipe.set(self.PREFIX + key, items[key].to_json().encode("utf-8", "surrogatepass"), ex=self.ttl_s)
                pipe.execute()
        except self._errors as exc:
            self._failed("write", exc)

    def _keys(self) -> Iterator[bytes]:
        return self._client.scan_iter(match=self.PREFIX + "*", count=1000)

    def stats(self) -> CacheStats:
        """See :class:`TranslationCache`: counts the keys with the prefix (SCAN) and their sizes."""
        entries = size = 0
        try:
            for chunk in chunks(list(self._keys())):
                pipe = self._client.pipeline(transaction=False)
                for key in chunk:
                    pipe.strlen(key)
                size += sum(len(key) + (length or 0) for key, length in zip(chunk, pipe.execute()))
                entries += len(chunk)
        except self._errors as exc:
            raise CacheUnavailable(f"translation cache {self.where} cannot be read: {exc}") from exc
        return CacheStats(entries, size, self.where, self.hits, self.misses)

    def clear(self) -> int:
        """See :class:`TranslationCache`: deletes the keys with the prefix (SCAN, then UNLINK)."""
        removed = 0
        try:
            for chunk in chunks(list(self._keys())):
                removed += self._client.unlink(*chunk)
        except self._errors as exc:
            raise CacheUnavailable(f"translation cache {self.where} cannot be cleared: {exc}") from exc
        return removed
