"""Progress bars of a batch run (tqdm on stderr): files, and sentences within the current work."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


class Bars:
    """A files bar and a sentences bar; every method is a no-op when disabled."""

    def __init__(self, files: int, enabled: bool, label: str = "") -> None:
        self.files: Any = None
        self.sentences: Any = None
        self._base = 0  # sentences of the groups already finished
        if enabled:
            from tqdm import tqdm

            self.files = tqdm(
                total=files, unit="file", desc=f"{label}files", position=0, file=sys.stderr, dynamic_ncols=True
            )
            self.sentences = tqdm(
                total=0, unit="sent", desc=f"{label}sentences", position=1, file=sys.stderr, dynamic_ncols=True
            )

    def group(self) -> tuple[Callable[[int, int], None], Callable[[], None]]:
        """A ``progress(done, total)`` callback for one work group, and a ``finish()`` to call
        after it."""
        base = self._base
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:
            state["total"] = total
            if self.sentences is not None:
                self.sentences.total = base + total
                self.sentences.update(done - state["done"])
            state["done"] = done

        def finish() -> None:
            self._base = base + state["total"]
            if self.sentences is not None:
                self.sentences.total = self.sentences.n = self._base
                self.sentences.refresh()

        return progress, finish

    def file_done(self) -> None:
        """One more file finished (done or failed)."""
        if self.files is not None:
            self.files.update(1)

    def close(self) -> None:
        """Close the bars (leaves them on screen)."""
        for bar in (self.sentences, self.files):
            if bar is not None:
                bar.close()
