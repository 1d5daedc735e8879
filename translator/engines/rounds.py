"""Which rows make the next shared round (:mod:`translator.engines.shared` runs them).

The queue holds one :class:`Call` per waiting ``generate``, in arrival order. A round
(:func:`take_round`) takes the oldest call's generation options and fills its budget with the rows
of every call with the same options, one row of each *client* in turn (the client served longest
ago first), each client's oldest call first; an express round (:func:`take_express`) takes whole
calls that have not started and fit its budget, shortest first, one call per client. Both run
under the batcher's lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Any

from translator.engines.base import GenerateOptions
from translator.engines.batching import batch_cost
from translator.errors import TranslatorError

__all__ = [
    "Budget",
    "Call",
    "Cancelled",
    "Round",
    "Taken",
    "drop_cancelled",
    "express_candidates",
    "take_express",
    "take_round",
]

Budget = Callable[[int], tuple[int, bool]]
"""For a beam width: what a round may cost, and whether decoding bounds count in the cost."""


class Cancelled(TranslatorError, RuntimeError):
    """The work of this call was dropped before the engine ran it: its requester is gone."""


@dataclass(frozen=True)
class Round:
    """One engine call made of queued calls: ``rows`` rows costing ``positions`` decoder
    positions (:func:`~translator.engines.batching.batch_cost` of each row) against the round's
    ``budget``; ``waits``: seconds each call in it waited for its first row to run (only in the
    round where that happened); ``shares``: each call's part of the round's rows (0-1);
    ``lane``: ``shared`` or ``express``."""

    kind: str
    rows: int
    positions: int
    budget: int
    waits: tuple[float, ...]
    shares: tuple[float, ...]
    lane: str = "shared"


class Call:
    """One caller's ``generate``: its rows, the rows not yet in a round, its outputs."""

    def __init__(
        self,
        batch: list[list[int]],
        options: dict[str, Any],
        cancelled: Callable[[], bool] | None,
        client: Hashable | None = None,
    ) -> None:
        self.batch = batch
        self.bounds: list[int] = list(options.pop("max_new_tokens"))
        if len(self.bounds) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(self.bounds)} max_new_tokens")
        self.options = options
        self.key = GenerateOptions(**options)  # calls whose options are equal share rounds (defaults included)
        self.cancelled = cancelled
        self.client: Hashable = client if client is not None else object()  # none: a client of its own
        self.arrived = time.perf_counter()
        self.started = False
        self.served = 0.0  # when a row of it last went into a round (0: never)
        self.next = 0  # the first row not yet taken into a round
        self.left = len(batch)  # rows whose output has not come back
        self.outputs: list[Any] = [None] * len(batch)
        self.error: BaseException | None = None
        self.done = threading.Event()

    def fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self.done.set()


Taken = tuple[dict[str, Any], list[tuple[Call, int]], Round]
"""A round: its generation options, its rows (call, row index), its report."""


def drop_cancelled(queue: list[Call]) -> None:
    """Calls whose requester is gone leave the queue; they raise Cancelled."""
    for call in [c for c in queue if c.cancelled is not None and c.cancelled()]:
        queue.remove(call)
        call.fail(Cancelled("the request was abandoned: its sentences were dropped before the model"))


def row_cost(call: Call, row: int, with_bounds: bool) -> int:
    """A row's cost (:func:`~translator.engines.batching.batch_cost`), its bound counted or not."""
    beams = max(1, call.key.num_beams)
    bound = call.bounds[row] if with_bounds else 0
    return batch_cost(1, len(call.batch[row]), bound, beams if with_bounds else 1)


def express_candidates(queue: list[Call], express_budget: Budget) -> list[tuple[int, Call]]:
    """Calls not started that fit an express round, with their cost, shortest first (the
    oldest first among equals)."""
    found = []
    for call in queue:
        if call.next:
            continue
        budget, with_bounds = express_budget(max(1, call.key.num_beams))
        cost = sum(row_cost(call, row, with_bounds) for row in range(len(call.batch)))
        if cost <= budget:
            found.append((cost, call))
    found.sort(key=lambda item: (item[0], item[1].arrived))
    return found


def take_express(queue: list[Call], express_budget: Budget, kind: str) -> Taken | None:
    """The express round: the shortest candidate call (:func:`express_candidates`), and the next
    shortest with the same options while the budget lasts, one call per client."""
    drop_cancelled(queue)
    eligible = express_candidates(queue, express_budget)
    if not eligible:
        return None
    key = eligible[0][1].key
    budget, _with_bounds = express_budget(max(1, key.num_beams))
    chosen: list[Call] = []
    clients: set[Hashable] = set()
    spent = 0
    for cost, call in eligible:
        if call.key != key or call.client in clients or (chosen and spent + cost > budget):
            continue
        chosen.append(call)
        clients.add(call.client)
        spent += cost
    rows = [(call, row) for call in chosen for row in range(len(call.batch))]
    return _commit(queue, chosen, rows, (spent, budget, kind, "express"))


def take_round(queue: list[Call], budget_of: Budget, kind: str, leave: Collection[Call] = ()) -> Taken | None:
    """The next round: the oldest call's options, its rows and those of every waiting call with
    the same options, one row of each client in turn (each client's oldest call with rows
    left), within the budget. The calls in ``leave`` are left out."""
    drop_cancelled(queue)
    left = {id(call) for call in leave}
    waiting = [c for c in queue if id(c) not in left]
    if not waiting:
        return None
    key = waiting[0].key
    calls = [c for c in waiting if c.key == key]
    budget, with_bounds = budget_of(max(1, key.num_beams))
    by_client: dict[Hashable, list[Call]] = {}  # by value: each request's address is a str of its own
    for call in calls:  # the queue is in arrival order: each client's oldest call first
        by_client.setdefault(call.client, []).append(call)
    # the client served longest ago first (never: first of all), then the one waiting longest,
    # so a small budget turns round the clients instead of serving the first ones every time
    clients = sorted(by_client.values(), key=lambda mine: (max(c.served for c in mine), mine[0].arrived))
    rows: list[tuple[Call, int]] = []
    spent = 0
    added = True
    while added:
        added = False
        for mine in clients:
            turn = next((c for c in mine if c.next < len(c.batch)), None)
            if turn is None:
                continue
            price = row_cost(turn, turn.next, with_bounds)
            if rows and spent + price > budget:
                continue  # a smaller row of another client may still fit
            rows.append((turn, turn.next))
            turn.next += 1
            spent += price
            added = True
    return _commit(queue, calls, rows, (spent, budget, kind, "shared"))


def _commit(
    queue: list[Call], calls: list[Call], rows: list[tuple[Call, int]], about: tuple[int, int, str, str]
) -> Taken:
    """Mark ``rows`` taken, take finished calls off the queue, and report the round
    (``about``: its cost, budget, model kind and lane)."""
    spent, budget, kind, lane = about
    now = time.perf_counter()
    waits = []
    for call, row in rows:
        call.next = max(call.next, row + 1)
        call.served = now
    for call in calls:
        if call.next > 0 and not call.started:
            call.started = True
            waits.append(now - call.arrived)
        if call.next >= len(call.batch) and call in queue:
            queue.remove(call)
    counts: dict[int, int] = {}
    for call, _ in rows:
        counts[id(call)] = counts.get(id(call), 0) + 1
    shares = tuple(n / len(rows) for n in counts.values())
    report = Round(kind, len(rows), spent, budget, tuple(waits), shares, lane)
    return dict(calls[0].options), rows, report
