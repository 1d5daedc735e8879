"""Who may call the REST API, how often and how much: API keys, requests per minute, characters.

Keys come from two places, as the operator prefers: the keys file (``--api-keys FILE``, read at
start) and the keys database (``translator keys add KEY``, read again every few seconds, so keys
are added and removed without a restart; translator/system/records.py). The keys file has one key per
line, optionally followed by that key's requests per minute and characters per text; ``#``
starts a comment::

    # KEY                               REQ_PER_MINUTE  CHAR_LIMIT
    2f1c7d8e-newsroom                   120             20000
    5a9b0c3d-intranet                   0               # 0: no request limit
    9e8d7c6b-trial

As in LibreTranslate, keys give their holders their own limits; a caller without a key is served
at the server's limits unless ``--require-api-key`` (then 403), and a key the server does not
know is refused (403 ``Invalid API key``) whenever the server has keys. A client without a limit
of its own gets the server's (``--req-limit``, ``--char-limit`` per text); the page's
``--max-chars`` bounds every request. Requests are counted per key, or per client address for
callers without a key, in a moving one-minute window (the ``limits`` package, as LibreTranslate's
flask-limiter does); the counters are thread-safe. They live in memory, or with
``--shared-storage redis://...`` on that Redis server, so that replicas share them (a call
counts the same whichever replica answers it). Counting is a blocking call (a Redis round trip
with a short timeout, a SQLite read for the keys database): :meth:`AccessPolicy.admit` runs in a
worker thread, never on the event loop. When Redis does not answer (storage.py), a limited call
is let through uncounted (``--shared-storage-down open``, the default: logged, counted in
``translator_limits_unchecked_total``) or refused with 503 and ``Retry-After``
(``--shared-storage-down closed``); calls without a limit never touch Redis.

LibreTranslate's other controls (:class:`Rules`, docs/libretranslate.md) are checked in its
order: a banned address (abuse.py) first, then the key (unknown: 403; missing where its origin,
secret, fingerprint or under-attack rule asks for one: 400), then the limits: per minute, per
hour (with decay) and per day, a key's being its per-minute limit times the multipliers;
``--req-time-cost`` charges a long call more once it ends (:meth:`AccessPolicy.charge`). Keys may
come from a remote endpoint instead (:class:`~translator.server.rest.remote_keys.RemoteKeys`, ``--api-keys-remote``).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from translator.server import metrics
from translator.server.rest.abuse import BANNED, Flood, Secrets, Store, Upkeep, fingerprint_mismatch, open_store
from translator.server.rest.remote_keys import RemoteKeys
from translator.server.rest.storage import RECHECK_S, TIMEOUT_S, SharedStorage
from translator.system.records import ApiKey, KeyStore, StoreError

logger = logging.getLogger("translator")

MISSING_KEY = "Please contact the server operator to get an API key"
INVALID_KEY = "Invalid API key"
STORAGE_DOWN = "The server's shared storage is not answering, so request limits cannot be checked: try again later"
GET_KEY_AT = "Visit {url} to get an API key"  # LibreTranslate's, with --get-api-key-link
KEYS_REFRESH_S = 5.0  # how long the keys database's keys are kept before it is read again
HOUR_DECAY = 0.75  # --hourly-req-limit-decay: each further hour's limit is this times the one before


@dataclass(frozen=True)
class Rules:
    """LibreTranslate's other limits and key rules (its flags of the same names, settings.py):
    ``hourly``/``daily`` requests per client (0: none), ``decay`` further hourly limits, the
    multipliers of a key's per-minute limit into its hourly and daily ones, ``flood_threshold``
    (0: no bans), ``time_cost`` seconds per counted request (0: each call counts once); calls
    without a key refused (400) unless their ``origin`` matches, they send the ``secret``, their
    ``fingerprint`` holds, and not ``under_attack``; ``key_link`` says where to get a key;
    ``remote`` asks a URL about keys; ``secondary`` leaves the upkeep to the primary."""

    hourly: int = 0
    decay: int = 0
    hourly_multiplier: int = 60
    daily: int = 0
    daily_multiplier: int = 1440
    flood_threshold: int = 0
    time_cost: int = 0
    origin: str = ""
    secret: bool = False
    fingerprint: bool = False
    under_attack: bool = False
    key_link: str = ""
    remote: str = ""
    secondary: bool = False

    @property
    def keyless_rules(self) -> bool:
        return bool(self.origin or self.secret or self.fingerprint or self.under_attack)


class AccessDenied(Exception):
    """A call refused: ``status`` 403 (key) or 429 (too many requests), ``message`` for the
    ``{"error": ...}`` body, ``retry_after`` seconds for a 429."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _count(value: str, what: str, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(f"{where}: {what} must be a whole number, 0 or more, got {value!r}")
    return number


def parse_api_keys(text: str, source: str = "the keys file") -> dict[str, ApiKey]:
    """The keys of a keys file's text, by key. Raises ValueError naming the line that is wrong."""
    keys: dict[str, ApiKey] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        where = f"{source}, line {number}"
        if len(fields) > 3:
            raise ValueError(f"{where}: expected KEY [REQ_PER_MINUTE [CHAR_LIMIT]], got {len(fields)} fields")
        key = fields[0]
        if key in keys:
            raise ValueError(f"{where}: the key {key[:4]}… is listed twice")
        req_limit = _count(fields[1], "REQ_PER_MINUTE", where) if len(fields) > 1 else None
        char_limit = _count(fields[2], "CHAR_LIMIT", where) if len(fields) > 2 else None
        if char_limit == 0:
            raise ValueError(f"{where}: CHAR_LIMIT must be at least 1 (leave it out for the server's limit)")
        keys[key] = ApiKey(key, req_limit, char_limit)
    return keys


def load_api_keys(path: str | Path) -> dict[str, ApiKey]:
    """The keys of the file at ``path`` (see the module's docstring). Raises ValueError for a
    file that is missing, unreadable, wrong or empty, naming it and the fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"--api-keys {path}: cannot read the keys file: {exc}") from exc
    keys = parse_api_keys(text, f"--api-keys {path}")
    if not keys:
        raise ValueError(f"--api-keys {path}: the file lists no key (one key per line; # starts a comment)")
    return keys


@dataclass(frozen=True)
class Grant:
    """What one admitted call may do: ``char_limit`` characters per text, ``total_limit`` in
    all (``--max-chars``: a batch's texts together, a document); ``key``: the API key it was
    admitted with (None: none), also its translation cache's scope (its entries are its own)."""

    char_limit: int
    total_limit: int = 2**62
    key: str | None = None
    counted: tuple[RateLimitItem, ...] = field(default=(), compare=False)  # the limits it was counted against
    who: str = ""  # and as whom


def limits_uri(shared_storage: str) -> str:
    """The ``limits`` storage URI of a ``--shared-storage`` URI (``unix://`` is ``redis+unix://`` there)."""
    scheme, sep, rest = shared_storage.partition("://")
    return f"redis+unix://{rest}" if sep and scheme.lower() == "unix" else shared_storage


class AccessPolicy:
    """The server's keys and limits. :meth:`admit` checks one call and counts it. ``keys`` are
    the keys file's (None: no file), ``key_store`` the keys database (None: none); with either,
    or with ``require_key``, the server has keys. ``storage`` is where the counts live:
    ``memory://`` or a Redis URI (``--shared-storage``), watched by ``shared``; ``when_down``
    ("open" or "closed") what a limited call gets while it is down. ValueError for a storage the
    ``limits`` package cannot use."""

    def __init__(
        self,
        keys: dict[str, ApiKey] | None,
        req_limit: int,
        char_limit: int,
        max_chars: int,
        storage: str = "memory://",
        *,
        key_store: KeyStore | None = None,
        require_key: bool = False,
        shared: SharedStorage | None = None,
        when_down: str = "open",
        rules: Rules | None = None,
    ) -> None:
        self.rules = rules = rules if rules is not None else Rules()
        self.remote = RemoteKeys(rules.remote) if rules.remote else None
        self.keys = keys
        self.key_store = key_store
        self.require_key = require_key
        self.req_limit = req_limit
        self.max_chars = max_chars
        self.char_limit = min(char_limit, max_chars) if char_limit else max_chars
        self._stored: tuple[float, dict[str, ApiKey]] = (float("-inf"), {})
        self._reading = threading.Lock()
        self.shared = shared if shared is not None else SharedStorage(storage)
        self.when_down = when_down
        timeouts = {"socket_timeout": TIMEOUT_S, "socket_connect_timeout": TIMEOUT_S} if self.shared.watched else {}
        try:
            self._limiter = MovingWindowRateLimiter(storage_from_string(limits_uri(storage), **timeouts))
        except ConfigurationError as exc:
            raise ValueError(f"--shared-storage {storage}: cannot count request limits there: {exc}") from exc
        store: Store | None = open_store(storage, TIMEOUT_S) if rules.flood_threshold or rules.keyless_rules else None
        self.store = store
        self.flood = Flood(store, rules.flood_threshold) if store is not None and rules.flood_threshold else None
        self.secrets = Secrets(store, not rules.secondary) if store is not None and rules.secret else None
        self.origin = re.compile(rules.origin) if rules.origin else None
        self.upkeep = Upkeep(self.flood, self.secrets) if not rules.secondary else None
        if self.upkeep is not None:
            self.upkeep.start()

    @property
    def keys_enabled(self) -> bool:
        """Whether the server has keys (a keys file, the keys database, or --require-api-key)."""
        return (
            self.keys is not None
            or self.key_store is not None
            or self.remote is not None
            or self.require_key
            or self.rules.keyless_rules
        )

    @property
    def keys_required(self) -> bool:
        """Whether a call without a key may be refused (``--require-api-key`` or one of
        LibreTranslate's rules: origin, secret, fingerprint, under attack)."""
        return self.require_key or self.rules.keyless_rules

    def missing_key(self) -> str:
        """What a call refused for want of a key is told."""
        return GET_KEY_AT.format(url=self.rules.key_link) if self.rules.key_link else MISSING_KEY

    def lookup(self, api_key: str) -> ApiKey | None:
        """The key ``api_key`` of the keys file or of the keys database (read at most every
        :data:`KEYS_REFRESH_S` seconds; while it cannot be read, its last keys); None if unknown."""
        if self.keys is not None and api_key in self.keys:
            return self.keys[api_key]
        if self.remote is not None:
            return self.remote.lookup(api_key)
        if self.key_store is None:
            return None
        with self._reading:
            read_at, stored = self._stored
            if time.monotonic() - read_at >= KEYS_REFRESH_S:
                try:
                    stored = self.key_store.keys()
                except StoreError as exc:
                    logger.error("rest: %s; the keys read before are used", exc)
                self._stored = (time.monotonic(), stored)
        return stored.get(api_key)

    def admit(
        self, api_key: str | None, client: str, *, origin: str = "", secret: object = None, fingerprint: str = ""
    ) -> Grant:
        """Check one call's key and count it against its limits; what it may send. Raises
        AccessDenied, in LibreTranslate's order and words: 403 for a banned address
        (``--req-flood-threshold``), 403 for an unknown key (when the server has keys), 400 for
        a missing one that LibreTranslate's rules ask for (origin, secret, fingerprint, under
        attack), 403 for a missing one with ``--require-api-key``, 429 past a limit ("Slowdown:
        N per 1 minute"; each 429 is an offence towards a ban)."""
        if self.flood is not None and self.flood.is_banned(client):
            raise AccessDenied(403, BANNED)
        entry = None
        if self.keys_enabled and api_key:
            entry = self.lookup(api_key)
            if entry is None:
                raise AccessDenied(403, INVALID_KEY)
        elif self.require_key:
            raise AccessDenied(403, self.missing_key())
        elif self.rules.keyless_rules and self._needs_key(client, origin, secret, fingerprint):
            raise AccessDenied(400, self.missing_key())
        items = self._limits(entry)
        who = f"key:{entry.key}" if entry is not None else f"client:{client}"
        for item in items:
            try:
                self._count(item, who if entry is None else "a key", who)
            except AccessDenied as denied:
                if denied.status == 429 and self.flood is not None:
                    self.flood.report(client)
                raise
        char_limit = self.char_limit
        if entry is not None and entry.char_limit is not None:
            char_limit = min(entry.char_limit, self.max_chars)
        return Grant(char_limit, self.max_chars, entry.key if entry is not None else None, items, who)

    def _needs_key(self, client: str, origin: str, secret: object, fingerprint: str) -> bool:
        rules = self.rules
        if rules.under_attack:
            return True
        if self.origin is not None and not self.origin.match(origin):
            return True
        if self.secrets is not None and not self.secrets.match(secret):
            return True
        if rules.fingerprint and self.store is not None:
            return fingerprint_mismatch(self.store, client, fingerprint)
        return False

    def _limits(self, entry: ApiKey | None) -> tuple[RateLimitItem, ...]:
        """The limits a call of ``entry`` (None: no key) is counted against: per minute, and
        LibreTranslate's hourly (with decay) and daily ones; a key's are its per-minute limit
        times the multipliers (a key without a limit: none)."""
        rules = self.rules
        own = entry.req_limit if entry is not None else None
        if own == 0:
            return ()
        items: list[RateLimitItem] = []
        minute = self.req_limit if own is None else own
        if minute:
            items.append(RateLimitItemPerMinute(minute))
        if rules.hourly:
            for hours in range(1, rules.decay + 2):
                base = rules.hourly * hours if own is None else own * rules.hourly_multiplier * hours
                items.append(RateLimitItemPerHour(max(1, int(base * HOUR_DECAY ** (hours - 1))), hours))
        if rules.daily:
            items.append(RateLimitItemPerDay(rules.daily if own is None else own * rules.daily_multiplier))
        return tuple(items)

    def charge(self, grant: Grant, seconds: float) -> None:
        """``--req-time-cost S``: a call of ``grant`` that worked ``seconds`` counts as
        ceil(seconds / S) requests, the one :meth:`admit` counted among them (blocking)."""
        extra = math.ceil(seconds / self.rules.time_cost) - 1 if self.rules.time_cost else 0
        if extra <= 0 or not grant.counted or self.shared.down() is not None:
            return
        try:
            for item in grant.counted:
                self._limiter.hit(item, grant.who, cost=extra)
        except (RedisError, OSError) as exc:
            self.shared.failed(exc)

    def close(self) -> None:
        if self.upkeep is not None:
            self.upkeep.stop()

    def _count(self, item: RateLimitItem, shown: str, who: str) -> None:
        """Count one call of ``who`` (blocking: call it off the event loop); AccessDenied 429
        past ``item``, or 503 while the shared storage is down with ``when_down`` "closed"."""
        if self.shared.down() is not None:
            self._unchecked(shown)
            return
        try:
            allowed = self._limiter.hit(item, who)
            reset = 0.0 if allowed else self._limiter.get_window_stats(item, who).reset_time
        except (RedisError, OSError) as exc:
            self.shared.failed(exc)
            self._unchecked(shown)
            return
        self.shared.worked()
        if allowed:
            return
        retry_after = max(1, round(reset - time.time()))
        logger.info("rest: %s is over its limit of %s", shown, item)
        raise AccessDenied(429, f"Slowdown: {item}", retry_after)

    def _unchecked(self, shown: str) -> None:
        """A limited call of ``shown`` while the shared storage is down: let through uncounted
        ("open", counted in the metrics) or refused (AccessDenied 503, "closed")."""
        if self.when_down == "closed":
            raise AccessDenied(503, STORAGE_DOWN, max(1, round(RECHECK_S)))
        metrics.LIMITS_UNCHECKED.inc()
        logger.debug("rest: %s let through without counting: the shared storage is down", shown)
