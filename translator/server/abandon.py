"""Work whose client has gone is dropped: a request that waits for a model, or is between two of
its batches, stops as soon as its client disconnects, so a crowd that posts long texts and leaves
cannot keep the model busy for the requests that stay.

:func:`watched` listens for the ASGI ``http.disconnect`` of a request whose body has been read,
and sets its :class:`Watch`; the work, in a worker thread, calls :meth:`Watch.check` before it
reaches the model and passes :meth:`Watch.progress` as the pipeline's progress callback, which
is called after every batch: both raise :class:`Abandoned` once the client is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from translator.engines import shared

if TYPE_CHECKING:
    from starlette.requests import Request

logger = logging.getLogger("translator")


class Abandoned(Exception):
    """The client of this work disconnected: nobody is waiting for its answer."""


class Watch:
    """Whether one request's client is gone (thread-safe); ``client``: who it is (its address),
    for the shared engine queue's fairness (:func:`translator.engines.shared.on_behalf_of`)."""

    def __init__(self, client: str | None = None) -> None:
        self.gone = threading.Event()
        self.client = client

    def check(self) -> None:
        """Raise Abandoned when the client has disconnected."""
        if self.gone.is_set():
            raise Abandoned("the client disconnected: its work was dropped")

    def progress(self, _done: int, _total: int) -> None:
        """A pipeline progress callback (called after each batch) that stops abandoned work."""
        self.check()


async def _listen(request: Request, watch: Watch) -> None:
    while True:
        message: dict[str, Any] = dict(await request.receive())
        if message.get("type") == "http.disconnect":
            watch.gone.set()
            return


@contextlib.asynccontextmanager
async def watched(request: Request) -> AsyncIterator[Watch]:
    """A Watch set when ``request``'s client disconnects while the block runs. Call only once
    the request's body has been read: what ``receive()`` answers afterwards is its disconnect."""
    # the socket's peer, or with --trust-forwarded-for the address X-Forwarded-For gives (http.py)
    watch = Watch(request.client.host if request.client else None)
    listener = asyncio.ensure_future(_listen(request, watch))
    try:
        yield watch
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener


@contextlib.contextmanager
def dropped_when_gone(watch: Watch | None) -> Iterator[None]:
    """The block's sentences leave the shared engine queue once ``watch``'s client is gone
    (:func:`translator.engines.shared.cancel_when`); raises Abandoned then. In the queue they are
    that client's (:func:`translator.engines.shared.on_behalf_of`): a client's requests share
    one client's part of each round."""
    if watch is None:
        yield
        return
    try:
        with shared.cancel_when(watch.gone.is_set), shared.on_behalf_of(watch.client):
            yield
    except shared.Cancelled as exc:
        raise Abandoned(str(exc)) from exc
