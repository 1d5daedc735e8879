"""``--api-keys-remote URL`` (LibreTranslate's): API keys checked by another server. A key is
good when ``POST URL`` with the form ``api_key=KEY`` answers a JSON object without ``error``; the
answer is a stranger's, read within a deadline and a size bound."""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx

from translator.system.records import ApiKey

__all__ = ["RemoteKeys"]

logger = logging.getLogger("translator")

REMOTE_TIMEOUT_S = 5.0  # --api-keys-remote: the whole call (LibreTranslate waits 60 s)
REMOTE_KEEP_S = 600.0  # and how long its answer about a key is kept (as LibreTranslate)
REMOTE_MAX_BYTES = 16 * 2**10  # the most of its answer read
REMOTE_MAX_KEYS = 10_000  # answers kept at once (the oldest go first)


class RemoteKeys:
    """``--api-keys-remote URL``: a key is good when ``POST URL`` with the form ``api_key=KEY``
    answers a JSON object without ``error`` (its ``req_limit`` and ``char_limit`` are the key's);
    answers kept :data:`REMOTE_KEEP_S` seconds. The answer is hostile: read up to
    :data:`REMOTE_MAX_BYTES`, within :data:`REMOTE_TIMEOUT_S`; anything else means "unknown key"."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._kept: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, api_key: str) -> ApiKey | None:
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(api_key)
        if kept is not None and now - kept[0] < REMOTE_KEEP_S:
            return kept[1]
        found = self._ask(api_key)
        with self._lock:
            if len(self._kept) >= REMOTE_MAX_KEYS:
                self._kept.pop(next(iter(self._kept)))
            self._kept[api_key] = (now, found)
        return found

    def _ask(self, api_key: str) -> ApiKey | None:
        try:
            with httpx.Client(timeout=REMOTE_TIMEOUT_S, follow_redirects=False) as client:
                with client.stream("POST", self.url, data={"api_key": api_key}) as response:
                    body = b""
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > REMOTE_MAX_BYTES:
                            raise ValueError(f"its answer is longer than {REMOTE_MAX_BYTES} bytes")
            answer = json.loads(body)
        except (httpx.HTTPError, ValueError, OSError) as exc:
            logger.error("rest: cannot check an API key at --api-keys-remote (%s: %s)", type(exc).__name__, exc)
            return None
        if not isinstance(answer, dict) or answer.get("error") is not None:
            return None

        def count(name: str, low: int) -> int | None:
            value = answer.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= low else None

        return ApiKey(api_key, count("req_limit", 0), count("char_limit", 1))
