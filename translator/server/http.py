"""Serving the app with uvicorn, with the deadlines a public server needs.

uvicorn alone has no deadline for *receiving* a request (its issue #157): every byte resets
``timeout_keep_alive``, and a fresh connection that sends nothing is never timed out, so a client
trickling one header byte every few seconds holds a connection forever (slowloris).
:class:`DeadlineProtocol` adds an absolute deadline on uvicorn's h11 protocol: the request line
and headers must arrive within ``header_timeout_s`` of the request's first byte (or of the
connection opening), the body within ``body_timeout_s`` of the headers. It is disarmed once the
request is complete, so a slow model answer is never cut. Past it the client gets 408 when
nothing was answered yet, and the connection is closed.

:class:`Server` runs uvicorn in the main thread (SIGTERM/SIGINT: stop accepting, let in-flight
requests finish within ``grace_s``, then the app's shutdown removes its folders) or in a thread
for tests (``close()``), with ``timeout_keep_alive`` from :class:`translator.options.ServerLimits`.
The connection cap is the protocol's too: a connection past ``max_connections`` gets a JSON 503
with ``Retry-After`` at once (uvicorn's own ``limit_concurrency`` answers in plain text).

Framing is checked before any route sees a request (:func:`framing_problem`): a request with both
``Content-Length`` and ``Transfer-Encoding`` (RFC 9112 section 6.1: a smuggling attempt), or a
``Content-Length`` no body could have, is refused with a JSON 400 and its connection closed, so
nothing hidden in its body is ever read as a request. h11's own refusals are JSON 400s too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE, H11Protocol

from translator.options import ServerLimits

logger = logging.getLogger("translator")

_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)
MAX_CONTENT_LENGTH = 2**53  # far above anything served; larger is impossible, not merely too large


def framing_problem(headers: list[tuple[bytes, bytes]]) -> str | None:
    """Why a request's framing headers (h11's, names lower-case) are refused: both
    ``Content-Length`` and ``Transfer-Encoding``, or a ``Content-Length`` that is not one
    number up to :data:`MAX_CONTENT_LENGTH`; None when they are fine."""
    names = [name.lower() for name, _value in headers]
    if b"content-length" in names and b"transfer-encoding" in names:
        return (
            "Invalid request: both Content-Length and Transfer-Encoding are given; send one of "
            "them (RFC 9112 section 6.1)"
        )
    for name, value in headers:
        if name.lower() != b"content-length":
            continue
        text = value.strip()
        if not text.isdigit() or len(text) > 20 or int(text) > MAX_CONTENT_LENGTH:
            shown = text[:40].decode("latin-1")
            return f"Invalid request: Content-Length {shown!r} is not a possible body size"
    return None


class _FramedConnection(h11.Connection):
    """h11's server connection that also refuses what :func:`framing_problem` finds, and keeps
    the reason of a refusal (``problem``) for the answer."""

    problem: str | None = None

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.problem = self.problem or f"Invalid HTTP request: {exc}"
            raise
        if isinstance(event, h11.Request):
            self.problem = framing_problem(list(event.headers))
            if self.problem is not None:
                raise h11.RemoteProtocolError(self.problem, 400)
        return event


# DeadlineProtocol overrides methods of uvicorn's H11Protocol, an implementation class: it is
# written for this uvicorn release (pyproject.toml allows no other), and tests/test_hostile_slow.py
# fails on any other, so an upgrade is a deliberate re-check of the overridden methods.
WRITTEN_FOR_UVICORN = "0.55"


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with absolute receipt deadlines (see the module docstring).
    ``header_timeout_s`` and ``body_timeout_s`` are set on a subclass by :func:`protocol_for`."""

    header_timeout_s = 10.0
    body_timeout_s = 60.0
    max_connections = 256
    retry_after_s = 5

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.conn = _FramedConnection(
            h11.SERVER, config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
        )
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot read, as JSON naming the problem; the
        connection is closed."""
        problem = getattr(self.conn, "problem", None) or f"Invalid HTTP request: {msg}"
        logger.info("http: refused %s: %s", _peer(self.client), problem)
        self._disarm()
        body = json.dumps({"error": problem}, ensure_ascii=True).encode("ascii")
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        headers.append((b"content-length", str(len(body)).encode()))
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # a response had started: just close
            pass
        self.transport.close()

    def _arm(self, phase: str) -> None:
        self._disarm()
        self._phase = phase
        delay = self.header_timeout_s if phase == "headers" else self.body_timeout_s
        self._deadline = self.loop.call_later(delay, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = ""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            logger.warning(
                "http: %d connections open, the limit (--max-connections): refused %s",
                len(self.connections) - 1,
                _peer(self.client),
            )
            self._refuse(
                503,
                "Service Unavailable",
                f"Too many connections at once: try again in {self.retry_after_s} seconds",
                {"retry-after": str(self.retry_after_s)},
            )
            return
        self._arm("headers")  # a connection that never sends a byte is timed out too

    def _refuse(self, status: int, reason: str, message: str, headers: dict[str, str] | None = None) -> None:
        """Answer ``{"error": message}`` before any request was read, and close."""
        body = json.dumps({"error": message}).encode("ascii")
        head = [
            f"HTTP/1.1 {status} {reason}",
            "content-type: application/json",
            "connection: close",
            f"content-length: {len(body)}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm("headers")  # the next request on a keep-alive connection
        super().data_received(data)
        self._follow()

    def _follow(self) -> None:
        state = self.conn.their_state
        if state in _RECEIVED:
            self._disarm()
        elif state is h11.SEND_BODY and self._phase == "headers":
            self._arm("body")

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._disarm()  # the websocket protocol takes the connection over
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        phase, limit = self._phase, self.header_timeout_s if self._phase == "headers" else self.body_timeout_s
        self._phase = ""
        logger.info("http: closed %s: its request %s did not arrive within %.0f s", _peer(self.client), phase, limit)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()  # the app's receive() answers http.disconnect
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and (
            self.cycle is None or not self.cycle.response_started
        ):
            self._refuse(
                408, "Request Timeout", f"Request timeout: the request {phase} did not arrive within {limit:g} seconds"
            )
        self.transport.close()


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"


def protocol_for(limits: ServerLimits) -> type[DeadlineProtocol]:
    """A :class:`DeadlineProtocol` class with ``limits``' deadlines and connection cap."""
    return type(
        "Deadlines",
        (DeadlineProtocol,),
        {
            "header_timeout_s": limits.header_timeout_s,
            "body_timeout_s": limits.body_timeout_s,
            "max_connections": limits.max_connections,
            "retry_after_s": limits.retry_after_s,
        },
    )


class Server(uvicorn.Server):
    """uvicorn's server with the limits of :class:`ServerLimits`; ``run_in_thread()``/``close()``
    for tests and embedding (signals are then the host program's). With ``proxy_headers``
    (``--trust-forwarded-for``) a client's address is the one ``X-Forwarded-For`` gives when the
    connection comes from a trusted proxy (uvicorn's ``$FORWARDED_ALLOW_IPS``, by default this
    machine: 127.0.0.1 and ::1); without it, always the connection's own address."""

    def __init__(self, app: Any, host: str, port: int, limits: ServerLimits, *, proxy_headers: bool = False) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            http=protocol_for(limits),
            ws="none",
            proxy_headers=proxy_headers,
            lifespan="on",
            timeout_keep_alive=max(1, round(limits.keep_alive_s)),
            timeout_graceful_shutdown=max(1, round(limits.grace_s)),
            log_level="warning",
            access_log=False,
            server_header=False,
            log_config=None,
        )  # uvicorn's lines go to the root handlers, formatted as ours
        super().__init__(config)
        self.thread: threading.Thread | None = None

    def run_in_thread(self, start_timeout_s: float = 60.0) -> None:
        """Start serving in a daemon thread; return once it accepts connections. Raises OSError
        (the port is taken, naming it) or RuntimeError if it does not start."""
        self.thread = threading.Thread(target=self.run, name="translator-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + start_timeout_s
        while not self.started:
            if not self.thread.is_alive():
                raise OSError(f"the server could not listen on {self.config.host}:{self.config.port}")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within a minute")
            time.sleep(0.02)

    def close(self) -> None:
        """Stop serving (in-flight requests get the grace period) and wait for the thread."""
        self.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=self.config.timeout_graceful_shutdown or 5)


def free_port(host: str, first: int = 7860, tries: int = 100) -> int:
    """The first port from ``first`` that ``host`` can listen on; OSError naming the range."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port on {host} from {first} to {first + tries - 1}: pass --port")
