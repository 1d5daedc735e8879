"""Engine calls from concurrent requests, merged into shared batches.

:func:`~translator.engines.loaded.load` wraps every engine in a :class:`SharedBatcher`. With the
gathering window at 0 (:func:`set_window`; the library's and the CLI's default) a call goes
straight to the engine, in its caller's thread. With a window (the server's
``--batch-window-ms``) the calls of concurrent requests are queued, and a dispatcher thread
gathers them for the window, takes the rows of calls with identical generation options into one
*round* and runs it as one engine call, which the engine cuts again into its own length-sorted
sub-batches (:func:`~translator.engines.batching.plan_batches`, its own budget); each row's output
goes back to its caller, in its caller's order.

Gathering: a round starts once no call has arrived for the window, or :data:`GATHER_LIMIT`
windows after the oldest waiting call, so a burst of requests whose threads reach the engine a
few milliseconds apart still shares one round.

Fairness: rows, not requests, are scheduled, and clients, not calls. A round holds at most what
the engine decodes side by side at once (:meth:`SharedBatcher.budget`: one sub-batch per
CTranslate2 worker, one transformers batch), and it is filled round-robin across the waiting
*clients* (:func:`on_behalf_of`; a call without one is a client of its own), one row of each in
turn, the client served longest ago first, each client's calls oldest first
(:mod:`translator.engines.rounds`): a client that sends fifty requests at once gets the share of
one. A request of 100,000 characters makes many
rounds; rows that arrive meanwhile join the next one.

The express lane (engines with ``express_generate``: CTranslate2 keeps a worker spare for it,
transformers runs a second call beside the first): while every round the engine can hold is
taken, a call that has not started and fits one sub-batch (:meth:`SharedBatcher.express_budget`)
runs there at once, shortest first, one call per client a round, instead of waiting for a
round of the long request to end. On the 2-core development machine (beam 4, tc-big shape) a
one-sentence request behind a 100,000-character one came back in 1.54× its time alone on
average, against 4.70× without the lane (docs/performance.md).

Cancellation: a call made inside :func:`cancel_when` carries its check; before each round the
rows of calls whose check answers True are dropped, and their callers get :class:`Cancelled`.

Every round is reported to the observers (:func:`add_batch_observer`) as a :class:`Round`: rows,
decoder positions against the budget, how long each call waited, each call's share.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from translator.engines.base import Engine
from translator.engines.rounds import Call, Cancelled, Round, express_candidates, take_express, take_round

__all__ = [
    "Cancelled",
    "Round",
    "SharedBatcher",
    "add_batch_observer",
    "cancel_when",
    "on_behalf_of",
    "remove_batch_observer",
    "set_window",
    "window_seconds",
]


RoundObserver = Callable[[Round], None]

_observers: list[RoundObserver] = []
_observers_lock = threading.Lock()
_window = [0.0]  # seconds; a list so that set_window needs no global statement
_cancel: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("translator_cancel", default=None)
_client: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar("translator_client", default=None)

GATHER_LIMIT = 10
"""A round waits for a burst of calls at most this many windows after its oldest call."""
POLL_S = 0.005
"""How often a call left for the express lane looks again whether the engine is still full."""


def set_window(milliseconds: float) -> None:
    """Gather concurrent engine calls for ``milliseconds`` before each shared round (0: every
    call goes straight to its engine). Process-wide: the server sets it from ``--batch-window-ms``."""
    if not milliseconds >= 0:
        raise ValueError(f"the batch window must be 0 or more milliseconds, got {milliseconds!r}")
    _window[0] = milliseconds / 1000


def window_seconds() -> float:
    """The gathering window in use, in seconds (0: off)."""
    return _window[0]


def add_batch_observer(observer: RoundObserver) -> None:
    """Call ``observer(round)`` after every shared round of this process (once, however often it
    is added)."""
    with _observers_lock:
        if observer not in _observers:
            _observers.append(observer)


def remove_batch_observer(observer: RoundObserver) -> None:
    """Stop calling ``observer`` (nothing happens if it was not added)."""
    with _observers_lock:
        if observer in _observers:
            _observers.remove(observer)


@contextlib.contextmanager
def cancel_when(check: Callable[[], bool]) -> Iterator[None]:
    """Engine calls made in this block (in this thread, or in a context copied from it) are
    dropped from the shared queue once ``check()`` answers True; they raise :class:`Cancelled`."""
    token = _cancel.set(check)
    try:
        yield
    finally:
        _cancel.reset(token)


@contextlib.contextmanager
def on_behalf_of(client: Hashable | None) -> Iterator[None]:
    """Engine calls made in this block are ``client``'s (an address, a key; None: each call is a
    client of its own): rounds are shared out between clients, not calls (see the module docstring)."""
    token = _client.set(client)
    try:
        yield
    finally:
        _client.reset(token)


def _check_cancelled(check: Callable[[], bool] | None) -> None:
    if check is not None and check():
        raise Cancelled("the request was abandoned: its sentences were dropped before the model")


class SharedBatcher:
    """``engine`` with its ``generate`` calls shared across threads (see the module docstring);
    ``n_best`` and every other attribute are the engine's own.

    ``window_s``: this batcher's gathering window (None: :func:`window_seconds`, read at each
    call). ``kind``: the model's kind, for the observers. ``express``: whether short calls may
    take the engine's express lane (where it has one; read at each round)."""

    def __init__(
        self, engine: Engine, kind: str = "translation", *, window_s: float | None = None, express: bool = True
    ) -> None:
        self.inner = engine
        self.kind = kind
        self.window_s = window_s
        self.express = express
        self._queue: list[Call] = []
        self._cond = threading.Condition()
        self._dispatchers: list[threading.Thread] = []
        self._busy = 0  # dispatchers holding a round (running it, or queued in the engine)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def n_best(self, batch: list[list[int]], **options: Any) -> list[list[list[int]]]:
        """See :class:`~translator.engines.base.Engine` (not shared: rare, and wide)."""
        _check_cancelled(_cancel.get())
        return self.inner.n_best(batch, **options)

    def generate(self, batch: list[list[int]], **options: Any) -> list[list[int]]:
        """See :class:`~translator.engines.base.Engine`: the same outputs, made in rounds shared
        with concurrent callers while the window is open. Raises :class:`Cancelled` when the
        call's :func:`cancel_when` check says its requester is gone before its rows ran."""
        cancelled = _cancel.get()
        _check_cancelled(cancelled)
        window = self.window_s if self.window_s is not None else window_seconds()
        if window <= 0 or not batch:
            return self.inner.generate(batch, **options)
        call = Call(batch, dict(options), cancelled, _client.get())
        with self._cond:
            self._start_dispatchers()
            self._queue.append(call)
            self._cond.notify_all()
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.outputs

    def pending(self) -> int:
        """Calls waiting in the queue with rows not yet in a round."""
        with self._cond:
            return len(self._queue)

    # -- the dispatchers -----------------------------------------------------------------------

    def _start_dispatchers(self) -> None:
        """Start (once) the threads that run rounds (:meth:`parallel`), and the express lane's."""
        if self._dispatchers:
            return
        lanes = [self._dispatch] * self.parallel()
        if self._express_lane() is not None:
            lanes.append(self._express)
        for number, lane in enumerate(lanes):
            thread = threading.Thread(target=lane, name=f"translator-shared-{number}", daemon=True)
            self._dispatchers.append(thread)
            thread.start()

    def parallel(self) -> int:
        """Rounds in the engine at once: two for CTranslate2 (its workers decode one round while
        the next waits in its queue), one for transformers."""
        return 2 if getattr(self.inner, "name", "") == "ct2" else 1

    def budget(self, beams: int) -> tuple[int, bool]:
        """What one round may cost and whether bounds count in the cost: the decoder positions of
        one CTranslate2 sub-batch per worker, or the padded source tokens of one transformers
        batch. Not less: decoding a transformer-big on CPU is bound by reading its weights at every
        step, so a sub-batch of half the rows takes nearly as long (measured: rounds of one
        sub-batch for both workers made a 16-sentence request 2.3x slower); a request that arrives
        meanwhile goes to the express lane or joins the next round."""
        positions = getattr(self.inner, "max_positions", None)
        if positions:
            return int(positions) * max(1, int(getattr(self.inner, "inter_threads", 1) or 1)), True
        return int(getattr(self.inner, "max_batch_tokens", 4096) or 4096), False

    def express_budget(self, beams: int) -> tuple[int, bool]:
        """What an express round may cost: one CTranslate2 sub-batch (the spare worker's), or a
        quarter of a transformers batch (it runs beside one)."""
        positions = getattr(self.inner, "max_positions", None)
        if positions:
            return int(positions), True
        return max(1, self.budget(beams)[0] // 4), False

    def _gather(self) -> None:
        """Wait (without the lock) until the calls of a burst are in: no new call for the window,
        or :data:`GATHER_LIMIT` windows after the oldest waiting call."""
        window = self.window_s if self.window_s is not None else window_seconds()
        while True:
            with self._cond:
                if not self._queue:
                    return
                oldest = min(call.arrived for call in self._queue)
                newest = max(call.arrived for call in self._queue)
            pause = min(newest + window, oldest + GATHER_LIMIT * window) - time.perf_counter()
            if pause <= 0:
                return
            time.sleep(pause)

    def _has_express(self) -> bool:
        return self.express and self._express_lane() is not None

    def _express_lane(self) -> Callable[..., list[Any]] | None:
        """The engine's ``express_generate``, where it has one (looked up, not isinstance: the
        engine is wrapped, and a wrapper's ``__getattr__`` is what finds it)."""
        lane = getattr(self.inner, "express_generate", None)
        return lane if callable(lane) else None

    def _saturated(self) -> bool:
        """(Under the lock.) Whether a new round would wait: every dispatcher holds a round, or
        every CTranslate2 worker but the spare one has a sub-batch (the engine's ``saturated``)."""
        check = getattr(self.inner, "saturated", None)
        return self._busy >= self.parallel() or (callable(check) and bool(check()))

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
            self._gather()
            with self._cond:
                # while the engine is full, the calls the express lane can take are left to it
                leave = [call for _cost, call in self._eligible()] if self._saturated() else []
                taken = take_round(self._queue, self.budget, self.kind, leave)
                if taken:
                    self._busy += 1
                else:
                    self._cond.wait(POLL_S)
                self._cond.notify_all()  # rows left for another dispatcher, or the express lane
            if taken:
                try:
                    self._run(self.inner.generate, *taken)
                finally:
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()

    def _express(self) -> None:
        while True:
            with self._cond:
                while True:
                    eligible = self._eligible()
                    if eligible and self._saturated():
                        break
                    self._cond.wait(POLL_S if eligible else None)  # the engine may fill up meanwhile
            self._gather()
            lane = self._express_lane()  # looked up at each round, as generate is: a wrapper may replace it
            with self._cond:
                taken = take_express(self._queue, self.express_budget, self.kind) if lane else None
                self._cond.notify_all()
            if taken and lane:
                self._run(lane, *taken)

    def _eligible(self) -> list[tuple[int, Call]]:
        """(Under the lock.) The calls the express lane may take now (none while it is off)."""
        return express_candidates(self._queue, self.express_budget) if self._has_express() else []

    def _run(
        self,
        generate: Callable[..., list[Any]],
        options: dict[str, Any],
        rows: list[tuple[Call, int]],
        report: Round,
    ) -> None:
        try:
            outputs = generate(
                [call.batch[row] for call, row in rows],
                max_new_tokens=[call.bounds[row] for call, row in rows],
                **options,
            )
        except BaseException as exc:  # every caller in the round hears of it; the dispatcher lives on
            for call, _row in rows:
                call.fail(exc)
            with self._cond:
                for call, _row in rows:
                    if call in self._queue:
                        self._queue.remove(call)
            return
        for (call, row), output in zip(rows, outputs):
            call.outputs[row] = output
            call.left -= 1
            if call.left == 0:
                call.done.set()
        for observer in tuple(_observers):
            observer(report)
