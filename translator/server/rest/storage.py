"""Whether the server's shared storage (``--shared-storage redis://...``) answers, as the calls
that use it and a background ping find it; read by ``/health/ready`` and the request limits
without ever waiting for Redis.

A failed call marks the storage down at once. While it is down, calls do not try it (they get
the ``--shared-storage-down`` answer at once, access.py) and a ping in a worker thread, at most
every :data:`RECHECK_S` seconds, with a :data:`TIMEOUT_S` socket timeout, finds it back. Nothing
here runs on the event loop: :meth:`SharedStorage.down` reads a field and at most starts a thread.
"""

from __future__ import annotations

import logging
import threading
import time

import redis

from translator.core.cache.redis_store import redacted
from translator.server.downloads import is_redis

logger = logging.getLogger("translator")

TIMEOUT_S = 1.0  # socket and connect timeout of a request limit's Redis call and of the ping
RECHECK_S = 2.0  # how often a storage that is down (or not heard from) is pinged again


class SharedStorage:
    """The health of the Redis of ``uri`` (``memory://``: nothing to watch, never down)."""

    def __init__(self, uri: str) -> None:
        self.where = redacted(uri)
        self.watched = is_redis(uri)
        self._client = (
            redis.Redis.from_url(uri, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
            if self.watched
            else None
        )
        self._why: str | None = None  # why it is down; None while it answers
        self._heard = time.monotonic()  # when a call or a ping last told
        self._pinging = threading.Lock()

    def down(self) -> str | None:
        """Why the storage is down, or None while it answers (as last heard: never waits). Pings
        it again in the background when that was :data:`RECHECK_S` seconds ago or more."""
        if self.watched and time.monotonic() - self._heard >= RECHECK_S:
            self._ping_in_background()
        return self._why

    def failed(self, exc: BaseException) -> None:
        """A call to the storage failed with ``exc``: it is down (logged when it was up)."""
        why = f"{type(exc).__name__}: {exc}"
        if self._why is None:
            logger.error("shared storage %s does not answer (%s)", self.where, why)
        self._why, self._heard = why, time.monotonic()

    def worked(self) -> None:
        """A call to the storage succeeded: it is up (logged when it was down)."""
        if self._why is not None:
            logger.warning("shared storage %s answers again", self.where)
        self._why, self._heard = None, time.monotonic()

    def ping(self) -> bool:
        """Ping the storage now (blocks up to :data:`TIMEOUT_S`, run it off the loop); whether it answered."""
        if self._client is None:
            return True
        try:
            self._client.ping()
        except (redis.RedisError, OSError) as exc:
            self.failed(exc)
            return False
        self.worked()
        return True

    def _ping_in_background(self) -> None:
        if not self._pinging.acquire(blocking=False):
            return
        self._heard = time.monotonic()  # one ping per RECHECK_S, whatever it takes

        def ping() -> None:
            try:
                self.ping()
            finally:
                self._pinging.release()

        threading.Thread(target=ping, name="translator-shared-storage", daemon=True).start()

    def close(self) -> None:
        """Disconnect the ping's client."""
        if self._client is not None:
            self._client.close()
