"""The sentence-level translation cache: where the English of each source piece is kept.

:class:`~translator.core.translate.Translator` looks every unique source piece up here before the
model sees it and stores what the model made of the misses, so an article translated again costs
no model call and an edited one only the sentences that changed. A key is the sha256 of all that
decides a piece's English (:func:`context_key`: the model's files, the engine and precision, the
options that change output; :func:`piece_key`: the route language and the piece); a value is the
English, its score and its warnings (:class:`CachedPiece`, stored as JSON).

Two stores behind one small protocol, :class:`TranslationCache`:

- :class:`SqliteCache`: one file in WAL mode, safe for several threads and processes, dropping the
  least recently used entries once their size passes ``max_bytes``;
- :class:`RedisCache`: a Redis server shared by several machines (eviction is Redis's own:
  ``maxmemory`` with ``maxmemory-policy allkeys-lru``, plus a sliding expiry on every entry).

:class:`ScopedCache` gives one client (an API key) a view of a cache that no other reads.
:func:`open_cache` turns a spec (``off``, ``on``, a ``.sqlite`` path, ``redis://...``) into one.
Reading or writing never fails a translation: a storage error is logged and counts as a miss.
"""

from translator.core.cache.base import DEFAULT_CACHE_MB, CachedPiece, CacheStats, CacheUnavailable, TranslationCache
from translator.core.cache.keys import OPTIONS_NOT_IN_KEY, context_key, piece_key
from translator.core.cache.redis_store import RedisCache
from translator.core.cache.scoped import ScopedCache
from translator.core.cache.specs import SPECS_HELP, open_cache, parse_spec, server_cache_spec
from translator.core.cache.sqlite import SqliteCache

__all__ = [
    "DEFAULT_CACHE_MB",
    "OPTIONS_NOT_IN_KEY",
    "SPECS_HELP",
    "CacheStats",
    "CacheUnavailable",
    "CachedPiece",
    "RedisCache",
    "ScopedCache",
    "SqliteCache",
    "TranslationCache",
    "context_key",
    "open_cache",
    "parse_spec",
    "piece_key",
    "server_cache_spec",
]
