"""The server's logs: one access line per HTTP request (logger ``translator.access``) and the
``--log-format json`` formatter (one JSON object per line, for log shippers).

An access line holds the request id (the edge guard's ``X-Request-ID``), the method, the route
template (``page`` for the mounted page, ``other`` when none matched), the path, the status, the
seconds until the answer ended, the characters the REST route was given (``null`` where none were
counted) and the client's address. Text format::

    INFO translator.access: 3f9c0a1b2c4d5e6f POST /translate 200 0.182s chars=57 client=10.0.0.7

The lines go wherever the root logger's handlers write (``translator serve``: standard error).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.types import Scope

from translator.server.metrics import WatchedRequests, method_label

ACCESS = logging.getLogger("translator.access")
LOG_FORMATS = ("text", "json")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}  # uvicorn's copy of its message with terminal colours


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
    every ``extra`` field of the record, and ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (non-ASCII escaped, so that it is one line whatever it holds)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def use_log_format(log_format: str, access_log: bool) -> None:
    """Format the root logger's handlers as ``log_format`` ("text": left as they are; "json":
    :class:`JsonFormatter`) and let access lines through when ``access_log``. Raises ValueError
    for another format."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: choose {' or '.join(LOG_FORMATS)}")
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    if access_log:
        ACCESS.setLevel(logging.INFO)


class AccessLog(WatchedRequests):
    """ASGI middleware: one ``translator.access`` line per HTTP request (see the module docstring),
    its route named by ``labels``."""

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        self._log(scope, status, seconds)

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        client = scope.get("client")
        fields = {
            "request_id": state.get("request_id", "-"),
            "method": method_label(scope),
            "route": self.labels(scope),
            "path": scope.get("path", ""),
            "status": status,
            "seconds": round(seconds, 4),
            "characters": state.get("characters"),
            "client": client[0] if client else None,
        }
        ACCESS.info(
            "%s %s %s %d %.3fs chars=%s client=%s",
            fields["request_id"],
            fields["method"],
            fields["route"],
            status,
            seconds,
            "-" if fields["characters"] is None else fields["characters"],
            fields["client"] or "-",
            extra=fields,
        )
