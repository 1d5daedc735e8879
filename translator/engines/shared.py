"""Engine calls from concurrent requests, merged into shared batches.

:func:`~translator.engines.loaded.load` wraps every engine in a :class:`SharedBatcher`. With the
gathering window at 0 (:func:`set_window`; the library's and the CLI's default) a call goes
straight to the engine, in its caller's thread. With a window (the server's
``--batch-window-ms``) the calls of concurrent requests are queued, and a dispatcher thread
gathers them for the window, takes the rows of calls with identical generation options into one
*round* and runs it as one engine call, which the engine cuts again into its own length-sorted
sub-batches (:func:`~translator.engines.batching.plan_batches`, its own budget); each row's output
goes back to its caller, in its caller's order.

Fairness: rows, not requests, are scheduled. A round holds at most what the engine decodes side
by side at once (:meth:`SharedBatcher.budget`: one sub-batch per CTranslate2 worker, one
transformers batch), and it is filled round-robin across the waiting calls, one row of each in turn, oldest call first.
A request of 100,000 characters makes many rounds; a one-sentence request that arrives meanwhile
joins the next round instead of waiting for the long one, and no call takes more than its equal
part of a round that others wait for.

Cancellation: a call made inside :func:`cancel_when` carries its check; before each round the
rows of calls whose check answers True are dropped, and their callers get :class:`Cancelled`.

Every round is reported to the observers (:func:`add_batch_observer`) as a :class:`Round`: rows,
decoder positions against the budget, how long each call waited, each call's share.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from translator.engines.base import Engine, GenerateOptions
from translator.engines.batching import batch_cost
from translator.errors import TranslatorError

__all__ = [
    "Cancelled",
    "Round",
    "SharedBatcher",
    "add_batch_observer",
    "cancel_when",
    "remove_batch_observer",
    "set_window",
    "window_seconds",
]


class Cancelled(TranslatorError, RuntimeError):
    """The work of this call was dropped before the engine ran it: its requester is gone."""


@dataclass(frozen=True)
class Round:
    """One engine call made of queued calls: ``rows`` rows costing ``positions`` decoder
    positions (:func:`~translator.engines.batching.batch_cost` of each row) against the round's
    ``budget``; ``waits``: seconds each call in it waited for its first row to run (only in the
    round where that happened); ``shares``: each call's part of the round's rows (0-1)."""

    kind: str
    rows: int
    positions: int
    budget: int
    waits: tuple[float, ...]
    shares: tuple[float, ...]


RoundObserver = Callable[[Round], None]

_observers: list[RoundObserver] = []
_observers_lock = threading.Lock()
_window = [0.0]  # seconds; a list so that set_window needs no global statement
_cancel: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("translator_cancel", default=None)


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


def _check_cancelled(check: Callable[[], bool] | None) -> None:
    if check is not None and check():
        raise Cancelled("the request was abandoned: its sentences were dropped before the model")


class _Call:
    """One caller's ``generate``: its rows, the rows not yet in a round, its outputs."""

    def __init__(self, batch: list[list[int]], options: dict[str, Any], cancelled: Callable[[], bool] | None) -> None:
        self.batch = batch
        self.bounds: list[int] = list(options.pop("max_new_tokens"))
        if len(self.bounds) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(self.bounds)} max_new_tokens")
        self.options = options
        self.key = GenerateOptions(**options)  # calls whose options are equal share rounds (defaults included)
        self.cancelled = cancelled
        self.arrived = time.perf_counter()
        self.started = False
        self.next = 0  # the first row not yet taken into a round
        self.left = len(batch)  # rows whose output has not come back
        self.outputs: list[Any] = [None] * len(batch)
        self.error: BaseException | None = None
        self.done = threading.Event()

    def fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self.done.set()


class SharedBatcher:
    """``engine`` with its ``generate`` calls shared across threads (see the module docstring);
    ``n_best`` and every other attribute are the engine's own.

    ``window_s``: this batcher's gathering window (None: :func:`window_seconds`, read at each
    call). ``kind``: the model's kind, for the observers."""

    def __init__(self, engine: Engine, kind: str = "translation", *, window_s: float | None = None) -> None:
        self.inner = engine
        self.kind = kind
        self.window_s = window_s
        self._queue: list[_Call] = []
        self._cond = threading.Condition()
        self._dispatchers: list[threading.Thread] = []

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
        call = _Call(batch, dict(options), cancelled)
        with self._cond:
            self._start_dispatchers()
            self._queue.append(call)
            self._cond.notify()
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
        """Start (once) the threads that run rounds: two for CTranslate2, whose workers decode
        one round while the next is gathered and queued behind it; one for transformers."""
        if self._dispatchers:
            return
        for number in range(self.parallel()):
            thread = threading.Thread(target=self._dispatch, name=f"translator-shared-{number}", daemon=True)
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
        meanwhile joins the next round, where its rows cost little."""
        positions = getattr(self.inner, "max_positions", None)
        if positions:
            return int(positions) * max(1, int(getattr(self.inner, "inter_threads", 1) or 1)), True
        return int(getattr(self.inner, "max_batch_tokens", 4096) or 4096), False

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                oldest = min(call.arrived for call in self._queue)
            window = self.window_s if self.window_s is not None else window_seconds()
            pause = oldest + window - time.perf_counter()
            if pause > 0:
                time.sleep(pause)  # gather the calls that arrive with this one
            with self._cond:
                taken = self._take()
                if self._queue:  # rows left: another dispatcher may run the next round meanwhile
                    self._cond.notify()
            if taken:
                self._run(*taken)

    def _take(self) -> tuple[dict[str, Any], list[tuple[_Call, int]], Round] | None:
        """The next round (under the lock): the oldest call's options, its rows and those of every
        waiting call with the same options, one row of each call in turn, within the budget."""
        for call in [c for c in self._queue if c.cancelled is not None and c.cancelled()]:
            self._queue.remove(call)
            call.fail(Cancelled("the request was abandoned: its sentences were dropped before the model"))
        if not self._queue:
            return None
        key = self._queue[0].key
        calls = [c for c in self._queue if c.key == key]
        options = dict(calls[0].options)
        beams = max(1, key.num_beams)
        budget, with_bounds = self.budget(beams)

        def cost(call: _Call, row: int) -> int:
            bound = call.bounds[row] if with_bounds else 0
            return batch_cost(1, len(call.batch[row]), bound, beams if with_bounds else 1)

        rows: list[tuple[_Call, int]] = []
        spent = 0
        for turn in itertools.count():
            added = False
            for call in calls:
                if call.next >= len(call.batch):
                    continue
                price = cost(call, call.next)
                if rows and spent + price > budget:
                    continue  # a smaller row of another call may still fit
                rows.append((call, call.next))
                call.next += 1
                spent += price
                added = True
            if not added or turn > 100_000:
                break
        now = time.perf_counter()
        waits = []
        for call in calls:
            if call.next > 0 and not call.started:
                call.started = True
                waits.append(now - call.arrived)
            if call.next >= len(call.batch):
                self._queue.remove(call)
        counts = {id(call): 0 for call, _ in rows}
        for call, _ in rows:
            counts[id(call)] += 1
        shares = tuple(n / len(rows) for n in counts.values())
        report = Round(self.kind, len(rows), spent, budget, tuple(waits), shares)
        return options, rows, report

    def _run(self, options: dict[str, Any], rows: list[tuple[_Call, int]], report: Round) -> None:
        try:
            outputs = self.inner.generate(
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
