"""LibreTranslate's abuse controls, kept where its request limits are (memory, or the Redis of
``--req-limit-storage``/``--shared-storage`` so that replicas share them):

- :class:`Flood` (``--req-flood-threshold N``): each 429 an address gets is an offence; an
  address with N offences is banned (403 "Too many request limits violations"). Every
  :data:`FORGIVE_S` seconds the primary (not a ``--secondary``) forgives each address one
  offence, as LibreTranslate's scheduler does: a banned address stays banned until then.
- :class:`Secrets` (``--require-api-key-secret``): two secrets good at a time; the primary makes
  a new one every :data:`ROTATE_S` seconds.
- :func:`fingerprint_mismatch` (``--require-api-key-fingerprint``): an address's first
  User-Agent + Cookie is kept :data:`FINGERPRINT_S` seconds; another one within them is a mismatch.

A store that does not answer (Redis down) bans nobody and matches nothing: logged, never a 500.
"""

from __future__ import annotations

import logging
import secrets as random_source
import string
import threading
import time
from typing import Protocol

import redis

from translator.server.downloads import is_redis

logger = logging.getLogger("translator")

FORGIVE_S = 600.0  # LibreTranslate's scheduler: forgive_banned every 10 minutes
ROTATE_S = 1800.0  # and rotate_secrets every 30 minutes
FINGERPRINT_S = 300  # how long an address's fingerprint is kept
BANNED = "Too many request limits violations"  # LibreTranslate's words
PREFIX = "translator:abuse:"
MAX_FINGERPRINT = 4096  # bytes of User-Agent + Cookie kept (the headers are bounded by the server already)
MAX_ENTRIES = 100_000  # addresses a memory store keeps per table (the oldest go first): bounded by count


class Store(Protocol):
    def incr(self, table: str, name: str) -> int: ...
    def get_int(self, table: str, name: str) -> int: ...
    def all_ints(self, table: str) -> dict[str, int]: ...
    def set_int(self, table: str, name: str, value: int) -> None: ...
    def delete(self, table: str, name: str) -> None: ...
    def get_str(self, name: str) -> str: ...
    def set_str(self, name: str, value: str, expire_s: int | None = None) -> None: ...


class MemoryStore:
    """This process's own (``memory://``)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, int]] = {}
        self._strings: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def incr(self, table: str, name: str) -> int:
        with self._lock:
            row = self._tables.setdefault(table, {})
            if name not in row and len(row) >= MAX_ENTRIES:
                row.pop(next(iter(row)))
            row[name] = row.get(name, 0) + 1
            return row[name]

    def get_int(self, table: str, name: str) -> int:
        with self._lock:
            return self._tables.get(table, {}).get(name, 0)

    def all_ints(self, table: str) -> dict[str, int]:
        with self._lock:
            return dict(self._tables.get(table, {}))

    def set_int(self, table: str, name: str, value: int) -> None:
        with self._lock:
            self._tables.setdefault(table, {})[name] = value

    def delete(self, table: str, name: str) -> None:
        with self._lock:
            self._tables.get(table, {}).pop(name, None)

    def get_str(self, name: str) -> str:
        with self._lock:
            value, until = self._strings.get(name, ("", float("inf")))
            if time.monotonic() >= until:
                del self._strings[name]
                return ""
            return value

    def set_str(self, name: str, value: str, expire_s: int | None = None) -> None:
        with self._lock:
            now = time.monotonic()
            if name not in self._strings and len(self._strings) >= MAX_ENTRIES:
                for old in [old for old, (_, until) in self._strings.items() if until <= now]:
                    del self._strings[old]
                expiring = (old for old, (_, until) in self._strings.items() if until != float("inf"))
                oldest = next(expiring, None)  # never a secret: those do not expire
                if len(self._strings) >= MAX_ENTRIES and oldest is not None:
                    del self._strings[oldest]
            self._strings[name] = (value, now + expire_s if expire_s else float("inf"))


class RedisStore:
    """A Redis server's (hashes and strings under :data:`PREFIX`)."""

    def __init__(self, uri: str, timeout_s: float) -> None:
        self._client = redis.Redis.from_url(uri, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)

    def incr(self, table: str, name: str) -> int:
        return int(self._client.hincrby(PREFIX + table, name, 1))

    def get_int(self, table: str, name: str) -> int:
        value = self._client.hget(PREFIX + table, name)
        return int(value) if value is not None else 0  # type: ignore[arg-type]

    def all_ints(self, table: str) -> dict[str, int]:
        rows = self._client.hgetall(PREFIX + table)
        return {key.decode(errors="replace"): int(value) for key, value in rows.items()}  # type: ignore[union-attr]

    def set_int(self, table: str, name: str, value: int) -> None:
        self._client.hset(PREFIX + table, name, value)

    def delete(self, table: str, name: str) -> None:
        self._client.hdel(PREFIX + table, name)

    def get_str(self, name: str) -> str:
        value = self._client.get(PREFIX + name)
        return value.decode(errors="replace") if isinstance(value, bytes) else ""

    def set_str(self, name: str, value: str, expire_s: int | None = None) -> None:
        self._client.set(PREFIX + name, value, ex=expire_s)


def open_store(uri: str, timeout_s: float) -> Store:
    """The store of a ``memory://`` or Redis URI."""
    return RedisStore(uri, timeout_s) if is_redis(uri) else MemoryStore()


def _quietly(what: str, default: object, call) -> object:  # type: ignore[no-untyped-def]
    try:
        return call()
    except (redis.RedisError, OSError, ValueError) as exc:
        logger.error("rest: cannot %s in the shared storage (%s: %s)", what, type(exc).__name__, exc)
        return default


class Flood:
    """Bans for repeated limit offences (``--req-flood-threshold``; 0: off)."""

    def __init__(self, store: Store, threshold: int) -> None:
        self.store = store
        self.threshold = threshold

    @property
    def active(self) -> bool:
        return self.threshold > 0

    def report(self, address: str) -> None:
        """One more offence of ``address`` (it got a 429)."""
        if self.active:
            _quietly("count an offence", None, lambda: self.store.incr("banned", address))

    def is_banned(self, address: str) -> bool:
        if not self.active:
            return False
        offences = _quietly("read the offences", 0, lambda: self.store.get_int("banned", address))
        return isinstance(offences, int) and offences >= self.threshold

    def forgive(self) -> None:
        """Forgive every address one offence (a banned one drops below the threshold)."""

        def run() -> None:
            for address, offences in self.store.all_ints("banned").items():
                if offences <= 0:
                    self.store.delete("banned", address)
                else:
                    self.store.set_int("banned", address, min(self.threshold, offences) - 1)

        _quietly("forgive offences", None, run)


def new_secret() -> str:
    return "".join(random_source.choice(string.ascii_uppercase + string.digits) for _ in range(7))


class Secrets:
    """The two secrets good at a time (``--require-api-key-secret``)."""

    def __init__(self, store: Store, primary: bool) -> None:
        self.store = store
        if primary:
            for name in ("secret_0", "secret_1"):
                if not _quietly("read a secret", "x", lambda name=name: self.store.get_str(name)):
                    _quietly("keep a secret", None, lambda name=name: self.store.set_str(name, new_secret()))

    def rotate(self) -> None:
        def run() -> None:
            self.store.set_str("secret_0", self.store.get_str("secret_1"))
            self.store.set_str("secret_1", new_secret())

        _quietly("rotate the secrets", None, run)

    def current(self) -> str:
        return str(_quietly("read a secret", "", lambda: self.store.get_str("secret_1")))

    def match(self, given: object) -> bool:
        if not isinstance(given, str) or not given:
            return False
        good = _quietly(
            "read the secrets", (), lambda: (self.store.get_str("secret_0"), self.store.get_str("secret_1"))
        )
        return any(random_source.compare_digest(given, secret) for secret in good if secret)  # type: ignore[attr-defined]


def fingerprint_mismatch(store: Store, address: str, fingerprint: str) -> bool:
    """Whether ``fingerprint`` (User-Agent + Cookie) differs from the one ``address`` sent first
    in the last :data:`FINGERPRINT_S` seconds (an empty one always does), as LibreTranslate's."""
    if not fingerprint:
        return True
    fingerprint = fingerprint.encode("utf-8", "replace")[:MAX_FINGERPRINT].decode("utf-8", "replace")
    key = f"fingerprint:{address}"

    def run() -> bool:
        expected = store.get_str(key)
        if not expected:
            store.set_str(key, fingerprint, FINGERPRINT_S)
            return False
        return fingerprint != expected

    return bool(_quietly("check a fingerprint", False, run))


class Upkeep:
    """The primary's periodic upkeep: forgive offences, make new secrets (a daemon thread)."""

    def __init__(self, flood: Flood | None, secrets: Secrets | None) -> None:
        self._jobs = [(job, every) for job, every in ((flood, FORGIVE_S), (secrets, ROTATE_S)) if job is not None]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._jobs and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="translator-abuse-upkeep", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        due = {id(job): time.monotonic() + every for job, every in self._jobs}
        while not self._stop.wait(5.0):
            now = time.monotonic()
            for job, every in self._jobs:
                if now >= due[id(job)]:
                    due[id(job)] = now + every
                    if isinstance(job, Flood):
                        job.forgive()
                    elif isinstance(job, Secrets):
                        job.rotate()

    def stop(self) -> None:
        self._stop.set()
