"""The progress a long run shows on stderr (:class:`ProgressBars`, the folder batch's and
``translator follow``'s): drawn on a terminal only, never as escape codes in a log file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: stderr) is a terminal: only there is a progress bar drawn.
    In a pipe, a file, cron's mail or systemd's journal a bar is escape codes and carriage returns."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class ProgressBars:
    """Two tqdm bars on stderr, ``total`` things (files, articles) and the sentences within them;
    drawn only when ``enabled`` and stderr is a terminal (:func:`is_terminal`), otherwise every
    method is a no-op (a run's summary line says what happened)."""

    def __init__(self, total: int, enabled: bool, *, unit: str, desc: str, label: str = "") -> None:
        self.outer: Any = None
        self.sentences: Any = None
        self._base = 0  # sentences of the parts already finished
        if enabled and total > 0 and is_terminal():
            from tqdm import tqdm

            common = dict(file=sys.stderr, dynamic_ncols=True)
            self.outer = tqdm(total=total, unit=unit, desc=f"{label}{desc}", position=0, **common)
            self.sentences = tqdm(total=0, unit="sent", desc=f"{label}sentences", position=1, **common)

    @property
    def drawn(self) -> bool:
        """Whether the bars are on screen."""
        return self.outer is not None

    def part(self) -> tuple[Callable[[int, int], None], Callable[[], int]]:
        """A ``progress(done, total)`` callback for one part of the work (a work group, an
        article), and a ``finish()`` to call after it, which returns the part's sentences."""
        base = self._base
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:
            state["total"] = total
            if self.sentences is not None:
                self.sentences.total = base + total
                self.sentences.update(done - state["done"])
            state["done"] = done

        def finish() -> int:
            self._base = base + state["total"]
            if self.sentences is not None:
                self.sentences.total = self.sentences.n = self._base
                self.sentences.refresh()
            return state["total"]

        return progress, finish

    def step(self) -> None:
        """One more of the ``total`` things finished (done or failed)."""
        if self.outer is not None:
            self.outer.update(1)

    def close(self) -> None:
        """Close the bars (leaves them on screen)."""
        for bar in (self.sentences, self.outer):
            if bar is not None:
                bar.close()
