"""One cache, several clients that must not read each other's entries: :class:`ScopedCache`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from translator.core.cache.base import CachedPiece, CacheStats, TranslationCache


class ScopedCache:
    """A view of ``cache`` of its own: every key is hashed again with ``scope`` (an API key,
    never stored as such), so an entry stored through one scope is a miss through any other or
    through ``cache`` itself. ``hits`` and ``misses`` are the shared cache's."""

    def __init__(self, cache: TranslationCache, scope: str) -> None:
        self.cache = cache
        self._salt = hashlib.sha256(f"translator-cache-scope\0{scope}".encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def hits(self) -> int:
        return self.cache.hits

    @hits.setter
    def hits(self, value: int) -> None:
        self.cache.hits = value

    @property
    def misses(self) -> int:
        return self.cache.misses

    @misses.setter
    def misses(self, value: int) -> None:
        self.cache.misses = value

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self._salt}\0{key}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedPiece]:
        """See :class:`TranslationCache`."""
        own = {self._key(key): key for key in keys}
        return {own[key]: piece for key, piece in self.cache.get_many(list(own)).items()}

    def put_many(self, items: Mapping[str, CachedPiece]) -> None:
        """See :class:`TranslationCache`."""
        self.cache.put_many({self._key(key): piece for key, piece in items.items()})

    def stats(self) -> CacheStats:
        """The shared cache's (every scope's entries together)."""
        return self.cache.stats()

    def clear(self) -> int:
        """Clears the shared cache (every scope's entries)."""
        return self.cache.clear()
