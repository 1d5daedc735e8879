"""Every engine call, observed: the seconds each ``generate``, ``express_generate`` and ``n_best`` takes, reported to
whoever asked (the server's metrics), without touching the engine itself.

:func:`~translator.engines.loaded.load` builds each engine inside an :class:`ObservedEngine`;
:func:`add_observer` registers a callback ``(kind, seconds)`` for every call from then on.
With no observer registered a call costs one clock read more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from translator.engines.base import Engine

Observer = Callable[[str, float], None]  # (model kind: "translation" | "summary", seconds)

_observers: list[Observer] = []
_lock = threading.Lock()


def add_observer(observer: Observer) -> None:
    """Call ``observer(kind, seconds)`` after every engine call of this process (once, however
    often it is added)."""
    with _lock:
        if observer not in _observers:
            _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    """Stop calling ``observer`` (nothing happens if it was not added)."""
    with _lock:
        if observer in _observers:
            _observers.remove(observer)


class ObservedEngine:
    """``engine`` for a model of ``kind``, its calls timed for the observers; every other
    attribute is the engine's own (``name``, ``description``, ``compute_type`` ...)."""

    def __init__(self, engine: Engine, kind: str) -> None:
        self.inner = engine
        self.kind = kind

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name == "express_generate":  # the express lane (translator.engines.shared), where the engine has one
            return lambda batch, **options: self._timed(found, batch, options)
        return found

    def generate(self, batch: list[list[int]], **options: Any) -> list[list[int]]:
        """See :class:`~translator.engines.base.Engine`."""
        return self._timed(self.inner.generate, batch, options)

    def n_best(self, batch: list[list[int]], **options: Any) -> list[list[list[int]]]:
        """See :class:`~translator.engines.base.Engine`."""
        return self._timed(self.inner.n_best, batch, options)

    def _timed(self, call: Callable[..., Any], batch: list[list[int]], options: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return call(batch, **options)
        finally:
            seconds = time.perf_counter() - started
            for observer in tuple(_observers):
                observer(self.kind, seconds)
