"""Who may call the REST API, how often and how much: API keys, requests per minute, characters.

The keys file (``--api-keys FILE``) has one key per line, optionally followed by that key's
requests per minute and characters per request; ``#`` starts a comment::

    # KEY                               REQ_PER_MINUTE  CHAR_LIMIT
    2f1c7d8e-newsroom                   120             20000
    5a9b0c3d-intranet                   0               # 0: no request limit
    9e8d7c6b-trial

With a keys file every REST call needs a key (``api_key``); without one, anyone may call. A
client without a limit of its own gets the server's (``--req-limit``, ``--char-limit``); the
page's ``--max-chars`` bounds everyone. Requests are counted per key, or per client address
for callers without a key, in a moving one-minute window (the ``limits`` package, as
LibreTranslate's flask-limiter does); the counters are thread-safe. They live in memory, or with
``--shared-storage redis://...`` on that Redis server, so that replicas share them (a call
counts the same whichever replica answers it). When Redis does not answer, calls are let
through (logged) rather than all refused.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from limits import RateLimitItemPerMinute
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

logger = logging.getLogger("translator")

MISSING_KEY = "Please contact the server operator to get an API key"
INVALID_KEY = "Invalid API key"


@dataclass(frozen=True)
class ApiKey:
    """One line of the keys file: ``req_limit`` requests per minute (0: no limit) and
    ``char_limit`` characters per request; None for either: the server's."""

    key: str
    req_limit: int | None = None
    char_limit: int | None = None


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
    """What one admitted call may do: ``char_limit`` characters."""

    char_limit: int


def limits_uri(shared_storage: str) -> str:
    """The ``limits`` storage URI of a ``--shared-storage`` URI (``unix://`` is ``redis+unix://`` there)."""
    scheme, sep, rest = shared_storage.partition("://")
    return f"redis+unix://{rest}" if sep and scheme.lower() == "unix" else shared_storage


class AccessPolicy:
    """The server's keys and limits. :meth:`admit` checks one call and counts it. ``storage`` is
    where the counts live: ``memory://`` or a Redis URI (``--shared-storage``); ValueError for
    one the ``limits`` package cannot use."""

    def __init__(self, keys: dict[str, ApiKey] | None, req_limit: int, char_limit: int, max_chars: int,
                 storage: str = "memory://") -> None:
        self.keys = keys
        self.req_limit = req_limit
        self.max_chars = max_chars
        self.char_limit = min(char_limit, max_chars) if char_limit else max_chars
        try:
            self._limiter = MovingWindowRateLimiter(storage_from_string(limits_uri(storage)))
        except ConfigurationError as exc:
            raise ValueError(f"--shared-storage {storage}: cannot count request limits there: {exc}") from exc

    @property
    def keys_required(self) -> bool:
        """Whether every call needs a key of the keys file."""
        return self.keys is not None

    def admit(self, api_key: str | None, client: str) -> Grant:
        """Check one call's key and count it against its per-minute limit; the characters it may
        send. Raises AccessDenied: 403 for a missing or unknown key (when keys are required),
        429 past the limit ("Slowdown: N per 1 minute", as LibreTranslate)."""
        entry = None
        if self.keys is not None:
            if not api_key:
                raise AccessDenied(403, MISSING_KEY)
            entry = self.keys.get(api_key)
            if entry is None:
                raise AccessDenied(403, INVALID_KEY)
        req_limit = self.req_limit if entry is None or entry.req_limit is None else entry.req_limit
        if req_limit:
            item = RateLimitItemPerMinute(req_limit)
            who = f"key:{entry.key}" if entry is not None else f"client:{client}"
            self._count(item, who if entry is None else "a key", who)
        char_limit = self.char_limit
        if entry is not None and entry.char_limit is not None:
            char_limit = min(entry.char_limit, self.max_chars)
        return Grant(char_limit)

    def _count(self, item: RateLimitItemPerMinute, shown: str, who: str) -> None:
        """Count one call of ``who``; AccessDenied 429 past ``item``."""
        try:
            if self._limiter.hit(item, who):
                return
            reset = self._limiter.get_window_stats(item, who).reset_time
        except (RedisError, OSError) as exc:  # the shared storage is down: serve rather than refuse everyone
            logger.warning("rest: request limits cannot be counted (%s); the call is let through", exc)
            return
        retry_after = max(1, round(reset - time.time()))
        logger.info("rest: %s is over its limit of %s", shown, item)
        raise AccessDenied(429, f"Slowdown: {item}", retry_after)
