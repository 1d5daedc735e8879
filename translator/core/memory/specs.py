"""Memory specs (``off``, ``on``, a file path, ``redis://...``) → a translation memory, for the
CLI, the folder batch, the server and ``Translator(memory="on")``."""

from __future__ import annotations

from pathlib import Path

from translator.core.cache.specs import OFF, ON, REDIS_SCHEMES
from translator.core.memory.base import DEFAULT_NEAR, TranslationMemory
from translator.core.memory.redis_store import RedisMemory
from translator.core.memory.sqlite import SqliteMemory
from translator.errors import InvalidInputError
from translator.options import ENV_MEMORY, env
from translator.paths import memory_path

MEMORY_HELP = "on (the default file, memory.sqlite in the cache folder), off, a FILE, or redis://host:port/db"


def parse_memory_spec(spec: str | None) -> tuple[str, str] | None:
    """``("sqlite", path)``, ``("redis", url)`` or None (off) for a memory spec: "off", "on"
    (:func:`translator.paths.memory_path`), a ``redis://`` (``rediss://``, ``unix://``) URI, or
    any other text: a file path. Raises InvalidInputError for a path that is a folder."""
    value = (spec or "").strip()
    if value.lower() in OFF:
        return None
    if value.lower() in ON:
        return "sqlite", str(memory_path())
    if "://" in value and value.split("://", 1)[0].lower() in REDIS_SCHEMES:
        return "redis", value
    path = Path(value).expanduser()
    if path.is_dir():
        raise InvalidInputError(f"the translation memory {value!r} is a folder: give a file, or {MEMORY_HELP}")
    return "sqlite", str(path)


def default_memory_spec() -> str:
    """The memory the commands use unless told: ``$TRANSLATOR_MEMORY``, else "on"."""
    return env(ENV_MEMORY) or "on"


def open_memory(spec: str | None, near: float = DEFAULT_NEAR) -> TranslationMemory | None:
    """The memory a spec names (see :func:`parse_memory_spec`), showing near matches from the
    ratio ``near`` (0 to 1; above 1: none); None for "off". Raises InvalidInputError for a bad
    spec or ratio, MemoryUnavailable when Redis does not answer."""
    if not 0 <= near <= 1.01:
        raise InvalidInputError(f"the near-match ratio is from 0 to 1 (above 1: none), got {near}")
    parsed = parse_memory_spec(spec)
    if parsed is None:
        return None
    kind, where = parsed
    return RedisMemory(where, near) if kind == "redis" else SqliteMemory(where, near)


def server_memory_spec(memory: str | None, shared_storage: str | None = "memory://") -> str | None:
    """The memory of a server started with ``--memory`` and ``--shared-storage``: "on" is Redis
    when the shared storage is a Redis URI (replicas share it), else the default file."""
    value = (memory or "on").strip()
    storage = (shared_storage or "memory://").strip()
    if value.lower() in ON and storage.split("://", 1)[0].lower() in REDIS_SCHEMES:
        return storage
    return value
