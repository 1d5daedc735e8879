"""Cache specs (``off``, ``on``, a ``.sqlite`` path, ``redis://...``) → a cache, for the CLI,
the folder batch, the server and ``Translator(cache="on")``."""

from __future__ import annotations

from pathlib import Path

from translator.core.cache.base import DEFAULT_CACHE_MB, TranslationCache
from translator.core.cache.redis_store import RedisCache
from translator.core.cache.sqlite import SqliteCache
from translator.errors import InvalidInputError
from translator.paths import translation_cache_path

OFF = ("off", "none", "no", "false", "0", "")
ON = ("on", "all", "sqlite", "yes", "true", "1")
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
REDIS_SCHEMES = ("redis", "rediss", "unix")
SPECS_HELP = (
    "off, on (the default SQLite file; also all, sqlite), a file ending in .sqlite or .db, or redis://host:port/db"
)


def parse_spec(spec: str | None) -> tuple[str, str] | None:
    """``("sqlite", path)``, ``("redis", url)`` or None (off) for a cache spec: None/"off", "on"
    (also "all", "sqlite": :func:`translator.paths.translation_cache_path`), a file ending in
    .sqlite/.sqlite3/.db, or a ``redis://`` (``rediss://``, ``unix://``) URI. Raises ValueError
    naming the valid values for anything else."""
    value = (spec or "").strip()
    if value.lower() in OFF:
        return None
    if value.lower() in ON:
        return "sqlite", str(translation_cache_path())
    if value.split("://", 1)[0].lower() in REDIS_SCHEMES and "://" in value:
        return "redis", value
    if Path(value).suffix.lower() in SQLITE_SUFFIXES:
        return "sqlite", str(Path(value).expanduser())
    hint = " (put --cache after the input file, or write --cache=SPEC)" if Path(value).is_file() else ""
    raise InvalidInputError(f"unknown translation cache {spec!r}{hint}: choose {SPECS_HELP}")


def open_cache(spec: str | None, max_mb: float = DEFAULT_CACHE_MB) -> TranslationCache | None:
    """The cache a spec names (see :func:`parse_spec`), holding at most ``max_mb`` MiB (SQLite;
    Redis evicts by its own ``maxmemory``); None for "off". Raises ValueError for an unknown spec
    or a size below 1 byte, CacheUnavailable when the store cannot be opened."""
    parsed = parse_spec(spec)
    if parsed is None:
        return None
    kind, where = parsed
    max_bytes = int(max_mb * 2**20)
    if max_bytes < 1:
        raise InvalidInputError(f"the translation cache size must be positive, got {max_mb} MB")
    return RedisCache(where, max_bytes) if kind == "redis" else SqliteCache(where, max_bytes)


def server_cache_spec(translation_cache: str | None, shared_storage: str | None = "memory://") -> str | None:
    """The cache spec of a server started with ``--translation-cache`` and ``--shared-storage``:
    None for "off"; a .sqlite path or a redis URI as given; otherwise ("all", "on", or a
    LibreTranslate comma list of API keys, accepted for compatibility: the cache is per sentence,
    so it is on for everyone) ``shared_storage`` when it is a Redis URI, else the default SQLite
    file. Raises ValueError for a shared storage other than memory:// or a Redis URI."""
    storage = (shared_storage or "memory://").strip()
    scheme = storage.split("://", 1)[0].lower()
    if "://" not in storage or (scheme != "memory" and scheme not in REDIS_SCHEMES):
        raise InvalidInputError(f"unknown shared storage {shared_storage!r}: choose memory:// or redis://host:port/db")
    value = (translation_cache or "").strip()
    if value.lower() in OFF:
        return None
    try:
        parsed = parse_spec(value)
    except ValueError:
        parsed = None  # a list of API keys: on
    if parsed is not None and value.lower() not in ON:
        return value
    return storage if scheme in REDIS_SCHEMES else "on"
