"""The translation memory: approved (source sentence, English) pairs per source language.

:class:`~translator.core.translate.Translator` asks it before the sentence cache: a sentence it
holds (compared after :func:`normalise`: whitespace and quote styles) is answered from it and
never reaches the model (``origin: "memory"``); near matches (rapidfuzz ratio, default ≥ 0.9)
are returned beside a segment, never applied. Two stores behind :class:`TranslationMemory`, both
read at every lookup so a change is seen at once by every process: :class:`SqliteMemory` (one
file; the CLI and the servers of one machine share it) and :class:`RedisMemory` (replicas).
Files in and out: TMX 1.4 and CSV (files.py).
"""

from translator.core.memory.base import (
    DEFAULT_NEAR,
    MemoryStats,
    MemoryUnavailable,
    Pair,
    TranslationMemory,
    normalise,
)
from translator.core.memory.files import FORMATS, read_pairs, write_pairs
from translator.core.memory.redis_store import RedisMemory
from translator.core.memory.specs import (
    MEMORY_HELP,
    default_memory_spec,
    open_memory,
    parse_memory_spec,
    server_memory_spec,
)
from translator.core.memory.sqlite import SqliteMemory

__all__ = [
    "DEFAULT_NEAR",
    "FORMATS",
    "MEMORY_HELP",
    "MemoryStats",
    "MemoryUnavailable",
    "Pair",
    "RedisMemory",
    "SqliteMemory",
    "TranslationMemory",
    "default_memory_spec",
    "normalise",
    "open_memory",
    "parse_memory_spec",
    "read_pairs",
    "server_memory_spec",
    "write_pairs",
]
