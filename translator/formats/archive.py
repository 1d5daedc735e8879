"""Zip-based documents (.docx, .odt, .odp, .pptx, .epub), checked before any library opens them.

:func:`check_archive` inflates every member itself, from the raw compressed bytes, in chunks of
:data:`~translator.formats.limits.INFLATE_CHUNK`, and counts the bytes that really come out: the
sizes a zip declares in its headers are never trusted, since a zip bomb can declare anything.
It stops as soon as the total passes ``max_bytes``, a member inflates more than
:data:`~translator.formats.limits.MAX_RATIO` times past
:data:`~translator.formats.limits.RATIO_FLOOR`, or a member's size or CRC differs from its
header; the output is discarded, so memory stays near one chunk. Once it has passed, the
headers are known to be true and zipfile (python-docx) reads exactly what was checked.
:func:`read_members` gives every member's bytes through the same counting, against one budget,
for readers that parse parts themselves.
XML members that declare entities (``<!ENTITY``, the billion laughs) are refused: office formats
and e-books never use them. :func:`with_source_dates` dates a rewritten zip's entries as the
source's, so the same translation always gives the same bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from translator.formats import FileFormatError, FileTooLargeError, MarkupTooComplexError, megabytes
from translator.formats.limits import INFLATE_CHUNK, MAX_MEMBERS, MAX_RATIO, RATIO_FLOOR

_LOCAL_HEADER = b"PK\x03\x04"
_CENTRAL_HEADER = b"PK\x01\x02"
_ENTITY = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))
_XML_SUFFIXES = (".xml", ".rels", ".opf", ".ncx", ".xhtml", ".svg", ".html", ".htm")


def open_archive(data: bytes, name: str, kind: str) -> zipfile.ZipFile:
    """``data`` as a zip, after a cheap count of its members (the central directory signatures,
    an upper bound) against :data:`MAX_MEMBERS`. ``kind`` (".docx") is used in messages.

    Returns the open ZipFile. Raises MarkupTooComplexError, or FileFormatError if ``data`` is
    not a zip archive."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        reason = "empty file" if not data else "not a zip archive"
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            reason = "an old .doc or a password-protected file, not a zip archive"
        raise FileFormatError(f"{name}: not a valid {kind} file ({reason})")
    members = data.count(_CENTRAL_HEADER)
    if members > MAX_MEMBERS:
        raise MarkupTooComplexError(
            f"{name}: more than {MAX_MEMBERS:,} parts in the {kind} archive; refused before reading it",
            members,
            MAX_MEMBERS,
        )
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
        struct.error,
    ) as exc:  # NotImplementedError: "zip file version 6.4" and the like
        raise FileFormatError(f"{name}: not a valid {kind} file ({exc})") from None


def check_archive(data: bytes, name: str, max_bytes: int | None, kind: str = ".docx") -> None:
    """Inflate every member of the zip ``data`` (discarding the output) and check it.

    Returns None. Raises FileTooLargeError when the declared sizes already add up past
    ``max_bytes`` (refused before inflating anything), when the bytes actually inflated do, or
    when a member over :data:`RATIO_FLOOR` inflates more than :data:`MAX_RATIO` times;
    MarkupTooComplexError past :data:`MAX_MEMBERS`; FileFormatError for a corrupt zip (a size or
    CRC that differs from its header, an encrypted member, an unknown compression method) or an
    XML member that declares entities."""
    infos = _declared_infos(data, name, max_bytes, kind)
    budget = [0]
    for info in infos:
        for _ in _checked_chunks(data, info, name, max_bytes, budget):
            pass


def read_members(data: bytes, name: str, max_bytes: int | None, kind: str) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """Every member of the zip ``data``, in the archive's order, with its inflated bytes, counted
    as in :func:`check_archive` (``max_bytes`` bounds all of them together).

    Returns (info, bytes) pairs; raises as :func:`check_archive`."""
    infos = _declared_infos(data, name, max_bytes, kind)
    budget = [0]
    return [(info, b"".join(_checked_chunks(data, info, name, max_bytes, budget))) for info in infos]


def declares_entities(content: bytes) -> bool:
    """True if ``content`` (XML in UTF-8, UTF-16 or a one-byte encoding) declares an entity."""
    return any(entity in content for entity in _ENTITY)


def with_source_dates(data: bytes, source: bytes) -> bytes:
    """``data`` (a zip a library saved) with its entries in ``source``'s order, each dated and
    compressed as there (new entries last, dated 1980-01-01), so the same translation gives the
    same bytes on every run: a resumed batch equals an uninterrupted one. Returns the new zip's
    bytes."""
    with zipfile.ZipFile(io.BytesIO(source)) as original:
        known = {info.filename: (index, info) for index, info in enumerate(original.infolist())}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as saved, zipfile.ZipFile(out, "w") as stable:
        infos = sorted(saved.infolist(), key=lambda info: known.get(info.filename, (len(known), None))[0])
        for info in infos:
            before = known.get(info.filename, (0, None))[1]
            entry = zipfile.ZipInfo(info.filename, date_time=before.date_time if before else (1980, 1, 1, 0, 0, 0))
            entry.compress_type = before.compress_type if before else info.compress_type
            entry.external_attr = info.external_attr
            stable.writestr(entry, saved.read(info.filename))
    return out.getvalue()


def _declared_infos(data: bytes, name: str, max_bytes: int | None, kind: str) -> list[zipfile.ZipInfo]:
    """The members of ``data``, refused when their declared sizes add up past ``max_bytes``."""
    with open_archive(data, name, kind) as archive:
        infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if max_bytes is not None and declared > max_bytes:
        raise FileTooLargeError(
            f"{name}: the {kind} unpacks to {megabytes(declared)}, more than the limit of "
            f"{megabytes(max_bytes)} ({megabytes(len(data))} on disk); refused before reading it",
            declared,
            max_bytes,
        )
    return infos


def _checked_chunks(
    data: bytes, info: zipfile.ZipInfo, name: str, max_bytes: int | None, budget: list[int]
) -> Iterator[bytes]:
    """The inflated chunks of ``info``; ``budget[0]`` counts bytes inflated across members."""
    member = info.filename
    raw = _raw_member(data, info, name)
    inflated = 0
    crc = 0
    tail = b""
    for chunk in _inflate(raw, info.compress_type, name, member):
        inflated += len(chunk)
        budget[0] += len(chunk)
        if max_bytes is not None and budget[0] > max_bytes:
            raise FileTooLargeError(
                f"{name}: {member} inflates past the limit of {megabytes(max_bytes)} (zip bomb?)", budget[0], max_bytes
            )
        if inflated > RATIO_FLOOR and inflated > MAX_RATIO * max(1, len(raw)):
            raise FileTooLargeError(
                f"{name}: {member} inflates more than {MAX_RATIO} times ({megabytes(len(raw))} to over "
                f"{megabytes(inflated)}): refused as a likely zip bomb",
                inflated,
                MAX_RATIO * len(raw),
            )
        if member.lower().endswith(_XML_SUFFIXES) and any(e in tail + chunk for e in _ENTITY):
            raise FileFormatError(f"{name}: {member} declares XML entities, which a document never needs")
        tail = chunk[-16:]
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if inflated != info.file_size or crc != info.CRC:
        raise FileFormatError(
            f"{name}: corrupt zip archive: {member} inflates to {inflated:,} bytes "
            f"(CRC {crc:08x}), its header says {info.file_size:,} (CRC {info.CRC:08x})"
        )


def _raw_member(data: bytes, info: zipfile.ZipInfo, name: str) -> memoryview:
    """The compressed bytes of ``info``, located through its local header."""
    if info.flag_bits & 0x1:
        raise FileFormatError(f"{name}: {info.filename} is encrypted; not translated")
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or not header.startswith(_LOCAL_HEADER):
        raise FileFormatError(f"{name}: corrupt zip archive: no local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    end = start + info.compress_size
    if end > len(data):
        raise FileFormatError(f"{name}: corrupt zip archive: {info.filename} runs past the end of the file")
    return memoryview(data)[start:end]


def _inflate(raw: memoryview, method: int, name: str, member: str) -> Iterator[bytes]:
    """The decompressed bytes of ``raw``, at most :data:`INFLATE_CHUNK` at a time."""
    if method == zipfile.ZIP_STORED:
        for start in range(0, len(raw), INFLATE_CHUNK):
            yield bytes(raw[start : start + INFLATE_CHUNK])
        return
    if method != zipfile.ZIP_DEFLATED:
        raise FileFormatError(f"{name}: {member} uses an unsupported compression method ({method})")
    corrupt = f"{name}: corrupt zip archive: {member}"
    yield from inflate_chunks(raw, -15, damaged=corrupt, cut_short=f"{corrupt} is cut short")


def inflate_chunks(
    data: bytes | memoryview, wbits: int, *, damaged: str, cut_short: str, used: list[int] | None = None
) -> Iterator[bytes]:
    """The zlib stream ``data`` (``wbits`` as zlib's: -15 raw deflate, 15 zlib) decompressed, at
    most :data:`INFLATE_CHUNK` at a time, so a caller counts what comes out before it grows.
    FileFormatError ``damaged`` (with zlib's reason) for a broken stream, ``cut_short`` for one
    without its end; ``used[0]``: the bytes of ``data`` the stream took (trailing bytes are left)."""
    inflater = zlib.decompressobj(wbits)
    start = 0
    pending: bytes | memoryview = b""
    try:
        while not inflater.eof:
            if not pending:
                if start >= len(data):
                    break
                pending, start = data[start : start + INFLATE_CHUNK], start + INFLATE_CHUNK
            chunk = inflater.decompress(pending, INFLATE_CHUNK)
            pending = inflater.unconsumed_tail
            if chunk:
                yield chunk
        rest = inflater.flush()  # what zlib still holds: less than one deflate block's match
    except zlib.error as exc:
        raise FileFormatError(f"{damaged} ({exc})") from None
    if rest:
        yield rest
    if not inflater.eof:
        raise FileFormatError(cut_short)
    if used is not None:
        used[0] = min(start, len(data)) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
