"""Where a CTranslate2 job runs: on one of the round workers, or on the spare one (the express lane).

A ``ctranslate2.Translator`` runs its jobs on a pool of workers that take them from one queue, in
order. The engine asks CTranslate2 for one worker more than it uses for its sub-batches (the
workers share the weights: +1 MiB measured on the tc-big shape) and hands every sub-batch to
:class:`Lanes`, whose ``workers`` threads each submit one and wait for it: at most ``workers``
jobs are ever in CTranslate2's queue, so the spare worker is always free, and a job run with
``express=True`` (in the caller's thread) starts at once beside the others instead of behind
them. The shared batcher (:mod:`translator.engines.shared`) sends a short request there while a
long one holds the other workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["Lanes"]

T = TypeVar("T")


class Lanes:
    """``workers`` lanes for CTranslate2 jobs (calls that block until their job is done), and the
    express lane."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="translator-ct2")
        self._in_flight = 0  # jobs given to the lanes and not done (saturated())
        self._counting = threading.Lock()

    def run(self, express: bool, work: Callable[[], T]) -> Future[T]:
        """``work`` on a lane thread (queued behind the lanes' jobs), or now in this thread
        (``express``: on the spare worker)."""
        if not express:
            with self._counting:
                self._in_flight += 1
            future = self._pool.submit(work)
            future.add_done_callback(self._landed)
            return future
        done: Future[T] = Future()
        try:
            done.set_result(work())
        except BaseException as exc:
            done.set_exception(exc)
        return done

    def _landed(self, _future: Future[Any]) -> None:
        with self._counting:
            self._in_flight -= 1

    def saturated(self) -> bool:
        """Whether every lane has a job (running or next in line)."""
        with self._counting:
            return self._in_flight >= self.workers
