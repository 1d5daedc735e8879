"""Peak memory of a block of work: the process's resident memory (sampled by a thread), and on
CUDA the most memory torch's allocator held.

Resident memory counts everything in the process, so a model loaded earlier and still referenced
counts too; the evaluation frees each configuration's model before the next one loads. CTranslate2
allocates GPU memory outside torch, so the CUDA peak only covers the ``hf`` engine (the report
leaves it out for ``ct2``).
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType

SAMPLE_INTERVAL_S = 0.01


def _cuda_ready() -> bool:
    torch = sys.modules.get("torch")  # never import torch just to ask
    return bool(torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized())


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.rss_bytes`` (the largest resident set size
    seen while the block ran) and ``peak.cuda_bytes`` (None unless torch used CUDA)."""

    def __init__(self, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.interval = interval
        self.rss_bytes = 0
        self.cuda_bytes: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        self.rss_bytes = max(self.rss_bytes, self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakMemory:
        import psutil

        self._process = psutil.Process()
        self._sample()
        if _cuda_ready():
            sys.modules["torch"].cuda.reset_peak_memory_stats()
        self._thread = threading.Thread(target=self._run, name="translator-peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        if _cuda_ready():
            self.cuda_bytes = int(sys.modules["torch"].cuda.max_memory_allocated())


def format_bytes(count: int | None) -> str:
    """``1.2 GiB``, ``340 MiB``; ``-`` for None."""
    if count is None:
        return "-"
    size = float(count)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
