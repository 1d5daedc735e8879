"""A PDF's streams checked before pdfminer.six opens it: bombs, object and page counts, encryption.

pdfminer decompresses a stream whole (``zlib.decompress``), trusting nothing but also bounding
nothing, and it reads cross-reference streams while the document is being opened. So before it
sees the file, :func:`check_pdf` finds every ``stream`` keyword in the raw bytes and decodes the
stream's filter chain (Flate, LZW, ASCII85, ASCIIHex, RunLength) itself, in chunks of
:data:`~translator.formats.limits.INFLATE_CHUNK`, counting the bytes that really come out (the
``/Length`` a file declares is never trusted). It stops as soon as

* all streams together decode past ``max_bytes`` (the --max-file-mb limit), or one stream past
  :data:`~translator.formats.limits.RATIO_FLOOR` decodes more than
  :data:`~translator.formats.limits.MAX_RATIO` times its size (a "PDF bomb");
* the file holds more than :data:`MAX_PDF_OBJECTS` objects or :data:`MAX_PDF_PAGES` page
  objects (counted in the raw bytes and inside object streams);

each a FileTooLargeError (REST: 413). Object streams (``/Type /ObjStm``) are searched in turn for
streams of their own. A compressed stream whose data is damaged or is cut short by its
``/Length`` is refused as corrupt (pdfminer would otherwise retry it byte by byte, a quadratic
loop), and so is a stream whose filters are given by reference (they could not be checked).
An ``/Encrypt`` entry is refused before anything is decoded: encrypted streams cannot be checked.

Image streams (``/Subtype /Image``) are decoded and counted too (a stream labelled as an image
could still be handed to pdfminer as a page's contents), but without the ratio check: a page of
white pixels compresses a thousand times. A ``/Length`` given by reference is looked up among the
file's objects and its object streams' once all are decoded, and a stream whose compressed data
it would cut short is refused as above.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from translator.formats import FileFormatError, FileTooLargeError, MarkupTooComplexError, megabytes
from translator.formats.archive import inflate_chunks
from translator.formats.limits import INFLATE_CHUNK, MAX_RATIO, RATIO_FLOOR

MAX_PDF_PAGES = 2_000
"""Most pages accepted in a PDF (a 500-page book has 500); counted before any page is laid out."""

MAX_PDF_OBJECTS = 500_000
"""Most objects accepted in a PDF (a 300-page report has a few thousand): pdfminer keeps an
entry for each."""

MAX_LZW_BYTES = 4 * 2**20
"""Largest LZW-compressed stream accepted (an old filter, decoded in pure Python by pdfminer)."""

ENCRYPTED = "the PDF is encrypted (password-protected); save an unprotected copy and translate that"

_STREAM = re.compile(rb"(?<![A-Za-z0-9#/_.])stream(?=[\r\n \t])")
_ENDSTREAM = b"endstream"
_OBJ = re.compile(rb"(?<![A-Za-z0-9#/_.])obj(?![A-Za-z0-9#_])")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9#_])")
_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9_])|/Encr#79pt|/#45ncrypt")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()%{}]+|\d+\s+\d+\s+R)")
_NAME = re.compile(rb"/([^\s/\[\]<>()%{}]+)")
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![A-Za-z0-9#_])")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z0-9#_])")
_OBJSTM_COUNT = re.compile(rb"/N\s+(\d{1,12})")
_OBJSTM_FIRST = re.compile(rb"/First\s+(\d{1,12})")
_DIGITS = re.compile(rb"\d{1,12}")
_INTEGER_OBJECT = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\s*(\d{1,12})\s*endobj")
_INTEGER_VALUE = re.compile(rb"\s*(\d{1,12})(?![\d.]|\s+\d+\s+R)")
_LENGTH = re.compile(rb"/Length\s+(\d{1,12})(\s+(\d{1,6})\s+R)?")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_DICT_REACH = 64 * 2**10  # bytes looked back from a `stream` keyword for its dictionary

_DECODED = {
    b"FlateDecode": "flate",
    b"Fl": "flate",
    b"LZWDecode": "lzw",
    b"LZW": "lzw",
    b"ASCII85Decode": "a85",
    b"A85": "a85",
    b"ASCIIHexDecode": "ahx",
    b"AHx": "ahx",
    b"RunLengthDecode": "rl",
    b"RL": "rl",
    b"Crypt": "crypt",
}


def check_pdf(data: bytes, name: str, max_bytes: int | None) -> None:
    """Check the raw PDF ``data`` (see the module docstring) before any parser reads it.

    Returns None. Raises FileTooLargeError (decoded streams past ``max_bytes`` or
    :data:`MAX_RATIO`), MarkupTooComplexError (past :data:`MAX_PDF_OBJECTS` or
    :data:`MAX_PDF_PAGES`), FileFormatError (not a PDF, encrypted, a damaged compressed stream)."""
    if not data.lstrip(b"\x00\t\n\r\x0c ")[:1024].find(b"%PDF-") >= 0:
        raise FileFormatError(f"{name}: not a PDF file (no %PDF- header)")
    if _ENCRYPT.search(data):
        raise FileFormatError(f"{name}: {ENCRYPTED}")
    counts = {"objects": 0, "pages": 0, "decoded": 0}
    _count(data, counts, name)
    integers = _integer_objects(data)
    deferred: list[tuple[tuple[int, int], int]] = []  # (the /Length object, raw bytes zlib used)
    pending = [data]
    streams = 0
    while pending:
        buffer = pending.pop()
        for dictionary, body in _streams(buffer):
            streams += 1
            if streams > MAX_PDF_OBJECTS:
                raise MarkupTooComplexError(
                    f"{name}: more than {MAX_PDF_OBJECTS:,} streams in the PDF; refused before reading it",
                    streams,
                    MAX_PDF_OBJECTS,
                )
            decoded = _decode_stream(dictionary, body, name, max_bytes, counts, deferred)
            if decoded is not None and _OBJSTM.search(dictionary):
                n = _OBJSTM_COUNT.search(dictionary)
                counts["objects"] += int(n.group(1)) if n else 0
                _count(decoded, counts, name, objects=False)
                _object_stream_integers(dictionary, decoded, integers)
                pending.append(decoded)  # streams hidden inside an object stream are checked too
    # A /Length given by reference, once every object stream is known: pdfminer reads that many
    # bytes, and fewer than the compressed data needs would send it down its byte-by-byte retry.
    for reference, used in deferred:
        if any(length < used for length in integers.get(reference, ())):
            raise FileFormatError(f"{name}: a compressed stream in the PDF is cut short (damaged or a wrong /Length)")


def _integer_objects(data: bytes) -> dict[tuple[int, int], set[int]]:
    """Every ``n g obj <integer> endobj`` of the raw file: the values a /Length may refer to."""
    found: dict[tuple[int, int], set[int]] = {}
    for match in _INTEGER_OBJECT.finditer(data):
        found.setdefault((int(match.group(1)), int(match.group(2))), set()).add(int(match.group(3)))
    return found


def _object_stream_integers(dictionary: bytes, decoded: bytes, found: dict[tuple[int, int], set[int]]) -> None:
    """Add the integer objects of an object stream (``decoded``) to ``found``."""
    first = _OBJSTM_FIRST.search(dictionary)
    if first is None:
        return
    offset = int(first.group(1))
    numbers = _DIGITS.findall(decoded[:offset])
    for number, relative in zip(numbers[::2], numbers[1::2]):
        value = _INTEGER_VALUE.match(decoded, offset + int(relative))
        if value is not None:
            found.setdefault((int(number), 0), set()).add(int(value.group(1)))


def _count(buffer: bytes, counts: dict[str, int], name: str, objects: bool = True) -> None:
    if objects:
        counts["objects"] += _bounded_count(_OBJ, buffer, MAX_PDF_OBJECTS)
    counts["pages"] += _bounded_count(_PAGE, buffer, MAX_PDF_PAGES)
    if counts["objects"] > MAX_PDF_OBJECTS:
        raise MarkupTooComplexError(
            f"{name}: more than {MAX_PDF_OBJECTS:,} objects in the PDF; refused before reading it",
            counts["objects"],
            MAX_PDF_OBJECTS,
        )
    if counts["pages"] > MAX_PDF_PAGES:
        raise MarkupTooComplexError(
            f"{name}: more than {MAX_PDF_PAGES:,} pages in the PDF (the limit); refused before reading it",
            counts["pages"],
            MAX_PDF_PAGES,
        )


def _bounded_count(pattern: re.Pattern[bytes], buffer: bytes, limit: int) -> int:
    count = 0
    for count, _ in enumerate(pattern.finditer(buffer), 1):
        if count > limit:
            break
    return count


def _streams(buffer: bytes) -> Iterator[tuple[bytes, memoryview]]:
    """(dictionary bytes, data from the stream's first byte to the end of ``buffer``) per stream."""
    view = memoryview(buffer)
    pos = 0
    while (match := _STREAM.search(buffer, pos)) is not None:
        start = match.start()
        # The dictionary: back to the previous `obj`/`endstream`, at most _DICT_REACH bytes.
        floor = max(0, start - _DICT_REACH)
        head = buffer[floor:start]
        cut = max(head.rfind(b"obj"), head.rfind(_ENDSTREAM))
        dictionary = head[cut + 3 :] if cut >= 0 else head
        eol = buffer.find(b"\n", match.end())
        cr = buffer.find(b"\r", match.end())
        ends = [e for e in (eol, cr) if e >= 0]
        if not ends:
            return
        first = min(ends)
        data_start = first + 2 if buffer[first : first + 2] == b"\r\n" else first + 1
        end = buffer.find(_ENDSTREAM, data_start)
        yield dictionary, view[data_start:]
        pos = end + len(_ENDSTREAM) if end >= 0 else len(buffer)


def _filters(dictionary: bytes, name: str) -> list[str]:
    found = _FILTER.findall(dictionary)
    if not found:
        return []
    if len(found) > 1:
        raise FileFormatError(f"{name}: a malformed PDF stream dictionary (two /Filter entries)")
    value = found[0]
    if value.endswith(b"R"):
        raise FileFormatError(f"{name}: a PDF stream whose filters are given by reference, which cannot be checked")
    chain = []
    for raw in _NAME.findall(value):
        filter_name = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        kind = _DECODED.get(filter_name)
        if kind is None:  # an image codec (DCT, JPX, JBIG2, CCITT) or unknown: not decoded further
            break
        if kind == "crypt":
            raise FileFormatError(f"{name}: {ENCRYPTED}")
        chain.append(kind)
    return chain


def _decode_stream(
    dictionary: bytes,
    body: memoryview,
    name: str,
    max_bytes: int | None,
    counts: dict[str, int],
    deferred: list[tuple[tuple[int, int], int]],
) -> bytes | None:
    """An object stream's decoded bytes; None for other streams (decoded, counted and dropped)."""
    chain = _filters(dictionary, name)
    if not chain:
        return None
    keep = bool(_OBJSTM.search(dictionary))  # an object stream's objects are searched in turn
    image = bool(_IMAGE.search(dictionary))  # a page of white pixels compresses a thousand times
    length, reference = _declared_length(dictionary)
    if length is not None and length > len(body):
        length = None  # pdfminer then reads to `endstream`, as the scan does
    raw_size = len(body) if length is None else length
    data: bytes | memoryview = body if length is None else body[:length]
    for step, kind in enumerate(chain):
        last = step == len(chain) - 1
        pieces = []
        produced = 0
        used = [0]
        for chunk in _decoder(kind, data, name, used):
            produced += len(chunk)
            counts["decoded"] += len(chunk)
            if max_bytes is not None and counts["decoded"] > max_bytes:
                raise FileTooLargeError(
                    f"{name}: the PDF's compressed streams decode past the limit of {megabytes(max_bytes)} "
                    "(a PDF bomb?); refused before reading it",
                    counts["decoded"],
                    max_bytes,
                )
            if not image and produced > RATIO_FLOOR and produced > MAX_RATIO * max(1, raw_size):
                raise FileTooLargeError(
                    f"{name}: a PDF stream decodes more than {MAX_RATIO} times ({megabytes(raw_size)} to over "
                    f"{megabytes(produced)}): refused as a likely PDF bomb",
                    produced,
                    MAX_RATIO * raw_size,
                )
            if keep or not last:
                pieces.append(chunk)
        if step == 0 and kind == "flate" and reference is not None:
            deferred.append((reference, used[0]))
        data = b"".join(pieces)
    return bytes(data) if keep else None


def _declared_length(dictionary: bytes) -> tuple[int | None, tuple[int, int] | None]:
    """(the stream's /Length when given directly, the object it refers to otherwise)."""
    match = _LENGTH.search(dictionary)
    if match is None:
        return None, None
    if match.group(2) is None:
        return int(match.group(1)), None
    return None, (int(match.group(1)), int(match.group(3)))


def _decoder(kind: str, data: bytes | memoryview, name: str, used: list[int]) -> Iterator[bytes]:
    """The decoded chunks of ``data``; for Flate, ``used[0]`` is set to the bytes zlib consumed."""
    if kind == "flate":
        yield from inflate_chunks(
            data,
            15,
            damaged=f"{name}: a damaged compressed stream in the PDF",
            cut_short=f"{name}: a compressed stream in the PDF is cut short (damaged or a wrong /Length)",
            used=used,
        )
    elif kind == "lzw":
        if len(data) > MAX_LZW_BYTES:
            raise MarkupTooComplexError(
                f"{name}: an LZW stream of {megabytes(len(data))} in the PDF, more than the limit of "
                f"{megabytes(MAX_LZW_BYTES)} (LZW is decoded in pure Python, slowly)",
                len(data),
                MAX_LZW_BYTES,
            )
        import io

        from pdfminer.lzw import LZWDecoder

        try:
            yield from LZWDecoder(io.BytesIO(bytes(data))).run()
        except (ValueError, IndexError) as exc:
            raise FileFormatError(f"{name}: a damaged LZW stream in the PDF ({exc})") from None
    elif kind == "rl":
        yield from _run_length(data)
    else:  # ASCII85 and ASCIIHex make less than they read
        from pdfminer.ascii85 import ascii85decode, asciihexdecode

        try:
            yield (ascii85decode if kind == "a85" else asciihexdecode)(bytes(data))
        except ValueError as exc:
            raise FileFormatError(f"{name}: a damaged ASCII-encoded stream in the PDF ({exc})") from None


def _run_length(data: bytes | memoryview) -> Iterator[bytes]:
    out = bytearray()
    i = 0
    while i < len(data):
        n = data[i]
        if n == 128:
            break
        if n < 128:
            out += data[i + 1 : i + 2 + n]
            i += n + 2
        else:
            out += bytes(data[i + 1 : i + 2]) * (257 - n)
            i += 2
        if len(out) >= INFLATE_CHUNK:
            yield bytes(out)
            out.clear()
    if out:
        yield bytes(out)
