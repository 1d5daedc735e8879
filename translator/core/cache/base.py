"""What every translation cache is and holds: the :class:`TranslationCache` protocol, the
stored :class:`CachedPiece`, :class:`CacheStats`, and the error a store that cannot open raises."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from translator.errors import TranslatorError

logger = logging.getLogger("translator")

DEFAULT_CACHE_MB = 256
CHUNK = 500  # keys per SQL statement or Redis round trip


class CacheUnavailable(TranslatorError, OSError):
    """The cache asked for cannot be opened (a folder that cannot be written, Redis not
    answering). The message names it and the reason."""


@dataclass(frozen=True)
class CachedPiece:
    """What the model made of one source piece: its English (decoded, possibly empty), the
    engine's score (None where it gave none) and the piece's warnings."""

    target: str
    score: float | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The stored form: compact JSON."""
        score = None if self.score is None else float(self.score)
        return json.dumps(
            {"t": self.target, "s": score, "w": list(self.warnings)}, ensure_ascii=True, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> CachedPiece:
        """The piece stored as :meth:`to_json`; ValueError (or KeyError/TypeError) when it is not."""
        value = json.loads(data)
        return cls(
            str(value["t"]), None if value["s"] is None else float(value["s"]), tuple(str(w) for w in value["w"])
        )


@dataclass(frozen=True)
class CacheStats:
    """``entries`` and their ``bytes`` (keys and values) in the store at ``where``; this
    object's ``hits`` and ``misses`` since it was opened."""

    entries: int
    bytes: int
    where: str
    hits: int = 0
    misses: int = 0


class TranslationCache(Protocol):
    """What :class:`~translator.core.translate.Translator` needs from a store. ``hits``/``misses``
    count the keys asked for since it was opened."""

    hits: int
    misses: int

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedPiece]:
        """The stored pieces of those ``keys`` that are stored; a storage error is logged and
        answered with ``{}``."""
        ...

    def put_many(self, items: Mapping[str, CachedPiece]) -> None:
        """Store each piece under its key; a storage error is logged, never raised."""
        ...

    def stats(self) -> CacheStats:
        """Entries, bytes and where they are. Raises CacheUnavailable when the store cannot be read."""
        ...

    def clear(self) -> int:
        """Remove every entry; return how many there were. Raises CacheUnavailable."""
        ...


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most :data:`CHUNK`."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def pieces(values: Mapping[str, str | bytes | None]) -> dict[str, CachedPiece]:
    """The stored values that read back as pieces, by key (None and unreadable ones left out)."""
    found = {}
    for key, value in values.items():
        if value is None:
            continue
        try:
            found[key] = CachedPiece.from_json(value)
        except (ValueError, KeyError, TypeError):  # written by another version, or damaged: a miss
            logger.debug("translation cache: unreadable entry %s", key)
    return found
