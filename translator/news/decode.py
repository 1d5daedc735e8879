"""A response body's ``Content-Encoding`` undone while it streams, with a running cap on every
stage's output: a small compressed page that would decode to gigabytes (a "bomb") costs at most
the cap in memory and is refused as soon as the cap is passed.

Encodings: ``gzip`` (``x-gzip``), ``deflate`` (zlib-wrapped, or raw as some servers send it) with
:mod:`zlib`, ``br`` with the ``brotli`` package's streaming ``Decompressor``, ``identity``; stacked
ones (``gzip, gzip``) are undone last first. Each decompressor is asked for at most
:data:`PIECE` bytes at a time, so no single call can expand a bomb in memory.
"""

from __future__ import annotations

import importlib.util
import zlib
from collections.abc import Iterable, Iterator

from translator.news.errors import FetchError

PIECE = 64 * 2**10
SUPPORTED = ("gzip", "x-gzip", "deflate", "br", "identity")
ACCEPT_ENCODING = "gzip, deflate, br" if importlib.util.find_spec("brotli") else "gzip, deflate"


class TooLarge(FetchError):
    """The body decodes to more than the cap."""


class _Zlib:
    """gzip (``wbits`` 31, concatenated members too) or deflate (zlib header, else raw)."""

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self.started = False
        self.inner = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self.inner.decompress(data, PIECE)
            except zlib.error:
                if self.gzip or self.started:
                    raise
                self.inner = zlib.decompressobj(-zlib.MAX_WBITS)  # a raw deflate stream
                out = self.inner.decompress(data, PIECE)
            self.started = True
            if out:
                yield out
            data = self.inner.unconsumed_tail
            if self.gzip and self.inner.eof and self.inner.unused_data:
                data = self.inner.unused_data  # another gzip member
                self.inner = zlib.decompressobj(zlib.MAX_WBITS | 16)
            if not data and len(out) < PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        out = self.inner.flush()
        if out:
            yield out


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self.brotli = brotli
        self.inner = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self.inner.process(data, output_buffer_limit=PIECE)
        while True:
            if out:
                yield out
            if self.inner.can_accept_more_data() or self.inner.is_finished():
                return
            out = self.inner.process(b"", output_buffer_limit=PIECE)

    def finish(self) -> Iterator[bytes]:
        return iter(())


def encodings(header: str, url: str) -> list[str]:
    """The codings of a ``Content-Encoding`` header, in the order they were applied (identity
    left out). Raises FetchError for one not supported."""
    found = [name.strip().lower() for name in header.split(",") if name.strip()]
    for name in found:
        if name not in SUPPORTED:
            raise FetchError(f"{url}: the page is sent in an encoding not supported here ({name})")
    return [name for name in found if name != "identity"]


def _too_large(url: str, cap: int) -> TooLarge:
    return TooLarge(f"{url}: larger than the limit of {cap / 2**20:g} MB once decompressed")


def _stage(name: str, upstream: Iterable[bytes], cap: int, url: str, limit: int) -> Iterator[bytes]:
    errors: tuple[type[Exception], ...] = (zlib.error,)
    if name == "br":
        try:
            import brotli
        except ImportError:
            raise FetchError(f"{url}: the page is sent brotli-compressed; install the brotli package") from None
        decoder: _Zlib | _Brotli = _Brotli()
        errors = (zlib.error, brotli.error)
    else:
        decoder = _Zlib(gzip=name != "deflate")
    size = 0
    try:
        for chunk in upstream:
            for out in decoder.feed(chunk):
                size += len(out)
                if size > cap:
                    raise _too_large(url, limit)
                yield out
        yield from decoder.finish()
    except errors as exc:
        raise FetchError(f"{url}: the page's {name} compression is broken ({exc})") from None


def decoded(raw: Iterable[bytes], codings: list[str], cap: int, url: str) -> Iterator[bytes]:
    """The body ``raw`` with ``codings`` (as :func:`encodings` gives them) undone, streamed.
    Every stage's output is capped (the inner ones at ``cap`` and an eighth more, as compressed
    data may be a little larger than what it holds; the last at ``cap``): raises TooLarge past
    it, FetchError for broken compressed data."""
    stream: Iterable[bytes] = raw
    for depth, name in enumerate(reversed(codings)):
        last = depth == len(codings) - 1
        stream = _stage(name, stream, cap if last else cap + cap // 8 + PIECE, url, cap)
    size = 0
    for piece in stream:
        size += len(piece)
        if size > cap:
            raise _too_large(url, cap) if codings else TooLarge(f"{url}: larger than the limit of {cap / 2**20:g} MB")
        yield piece
