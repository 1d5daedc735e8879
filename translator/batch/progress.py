"""Progress bars of a batch run on stderr: files, and sentences within the current work group
(the shared :class:`translator.system.durable.ProgressBars`, drawn on a terminal only)."""

from __future__ import annotations

from collections.abc import Callable

from translator.system.terminal import ProgressBars


class Bars(ProgressBars):
    """A files bar and a sentences bar; every method is a no-op when disabled or not on a terminal."""

    def __init__(self, files: int, enabled: bool, label: str = "") -> None:
        super().__init__(files, enabled, unit="file", desc="files", label=label)

    def group(self) -> tuple[Callable[[int, int], None], Callable[[], int]]:
        """A ``progress(done, total)`` callback for one work group, and a ``finish()`` to call
        after it."""
        return self.part()

    def file_done(self) -> None:
        """One more file finished (done or failed)."""
        self.step()
