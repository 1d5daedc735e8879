"""An admission budget for the work requests bring: the server says "busy" (503 with
``Retry-After``) instead of running out of memory.

Each request reserves what its work may hold in memory at once (:func:`file_cost`,
:func:`text_cost`), counted from the bytes actually received, against ``work_budget_mb``; the
requests working or waiting for a model are counted against ``max_waiting``, and their
characters against ``max_waiting_chars`` (a few long texts are as much queue as many short ones). A reservation
is released when the request ends; after a large one, freed memory is handed back to the system
(glibc's ``malloc_trim``), so the server's resident memory returns near its baseline.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from translator.system.allocator import malloc_trim

logger = logging.getLogger("translator")

TRIM_AFTER_BYTES = 8 * 2**20  # a request that reserved more than this returns its memory at the end
_ZIP_SUFFIXES = (".docx", ".odt", ".odp", ".pptx", ".epub", ".pdf")  # what unpacks: zips, a PDF's streams


class Busy(Exception):
    """The budget is spent: answer 503 with ``Retry-After: retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def file_cost(name: str, size: int, max_bytes: int) -> int:
    """What parsing and translating an upload of ``size`` bytes may hold: a zip-based document
    unpacks to at most ``max_bytes`` (the readers stop there), and a parsed tree takes a few times
    its text."""
    unpacked = max_bytes if Path(name).suffix.lower() in _ZIP_SUFFIXES else size
    return 4 * min(unpacked, max_bytes) + size


def text_cost(chars: int) -> int:
    """What translating ``chars`` characters may hold: the text, its pieces, the results."""
    return 16 * chars


class Admission:
    """The server's budget (see the module docstring). Thread-safe."""

    def __init__(self, budget_bytes: int, max_waiting: int, retry_after: int, max_waiting_chars: int = 10**6) -> None:
        self.budget_bytes = budget_bytes
        self.max_waiting = max_waiting
        self.max_waiting_chars = max_waiting_chars
        self.retry_after = retry_after
        self.reserved = 0
        self.waiting = 0
        self.waiting_chars = 0
        self._lock = threading.Lock()

    @contextmanager
    def admit(self, cost: int, chars: int = 0) -> Iterator[None]:
        """Hold ``cost`` bytes of the budget, one waiting place and ``chars`` characters of the
        queue while the block runs. Raises Busy at once when any is spent (a request larger than
        the whole budget, or than ``max_waiting_chars``, runs alone)."""
        with self._lock:
            if self.waiting >= self.max_waiting:
                raise Busy(
                    f"Too many requests at once ({self.waiting} working or waiting): "
                    f"try again in {self.retry_after} seconds",
                    self.retry_after,
                )
            if self.reserved and self.reserved + cost > self.budget_bytes:
                raise Busy(
                    f"The server is busy with other documents: try again in {self.retry_after} seconds",
                    self.retry_after,
                )
            if self.waiting_chars and self.waiting_chars + chars > self.max_waiting_chars:
                raise Busy(
                    f"Too much text waiting ({self.waiting_chars:,} characters, the limit is "
                    f"{self.max_waiting_chars:,}): try again in {self.retry_after} seconds",
                    self.retry_after,
                )
            self.reserved += cost
            self.waiting += 1
            self.waiting_chars += chars
        try:
            yield
        finally:
            with self._lock:
                self.reserved -= cost
                self.waiting -= 1
                self.waiting_chars -= chars
                idle = self.reserved == 0
            if cost > TRIM_AFTER_BYTES and idle:
                self.release_memory()

    def release_memory(self) -> None:
        """Collect garbage and hand free heap pages back to the system."""
        gc.collect()
        malloc_trim()
