"""Decode text files: BOMs, UTF-8, then the Slovenian legacy code pages; line endings."""

from __future__ import annotations

import codecs
import unicodedata

import charset_normalizer

from translator.formats import FileFormatError

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in this order; on a tie (no š/ž/Š/Ž in the file) cp1250, the Windows default, wins.
_LEGACY = ("cp1250", "iso-8859-2")
_SLOVENIAN = set("čćđšžČĆĐŠŽ")
_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")
_SIGNATURES = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a zip archive (an office document?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


def decode_text(data: bytes, name: str, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode ``data`` and return (text, encoding label, warnings).

    Order: BOM, then strict UTF-8 (or UTF-8 with a few stray bytes replaced, with a warning),
    then ``declared`` (an HTML ``<meta charset>``) unless the Slovenian code pages fit better,
    then the better of cp1250 and ISO-8859-2 (see :func:`_slovenian_score`), then
    charset-normalizer for anything else. ``name`` is only used in error messages.
    Raises FileFormatError for binary data or data no candidate decodes.
    """
    if not data:
        return "", "utf-8", []
    for bom, label in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(label), name), label, []
            except UnicodeDecodeError as exc:
                reason = f"invalid {label} text after its byte-order mark ({exc.reason})"
                raise FileFormatError(f"{name}: {reason}") from None
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise FileFormatError(f"{name}: looks like {what}, not text; not translated")
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise FileFormatError(f"{name}: looks binary (NUL bytes), not translated")
        return _check_text(data.decode(utf16), name), utf16, []
    try:
        return _check_text(data.decode("utf-8"), name), "utf-8", []
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        bad = mostly_utf8.count("\ufffd")
        return _check_text(mostly_utf8, name), "utf-8", [f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD"]

    text, label, warnings = _decode_legacy(data, name)
    declared_label = _codec_label(declared) if declared else None
    if declared_label and declared_label != label and not declared_label.startswith("utf"):
        try:
            declared_text = data.decode(declared_label)
        except UnicodeDecodeError:
            declared_text = None
        # Slovenian pages often declare iso-8859-2 but are cp1250 (or the reverse): trust the
        # declaration only if it reads the Slovenian letters at least as well.
        if declared_text is not None and _slovenian_score(declared_text) >= _slovenian_score(text):
            return _check_text(declared_text, name), declared_label, []
    return text, label, warnings


def _decode_legacy(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """The better of cp1250 and ISO-8859-2, or charset-normalizer's guess if neither fits."""
    decoded = {}
    for label in _LEGACY:
        try:
            decoded[label] = data.decode(label)
        except UnicodeDecodeError:
            continue  # cp1250 leaves five bytes undefined
    scores = {label: _slovenian_score(text) for label, text in decoded.items()}
    best = max(scores, key=lambda label: scores[label])
    if _c1_controls(decoded[best]):
        match = charset_normalizer.from_bytes(data).best()
        if match is None:
            raise FileFormatError(f"{name}: not decodable as text (unknown encoding or binary), not translated")
        label = _codec_label(match.encoding) or match.encoding
        return _check_text(str(match), name), label, [f"encoding guessed as {label}"]
    if len(scores) == 2 and scores["cp1250"] == scores["iso-8859-2"] and decoded["cp1250"] != decoded["iso-8859-2"]:
        # The letters that tell them apart are absent; ask charset-normalizer, restricted to both.
        match = charset_normalizer.from_bytes(data, cp_isolation=["cp1250", "iso8859_2"]).best()
        if match is not None:
            best = _codec_label(match.encoding) or best
    return _check_text(decoded[best], name), best, []


def _slovenian_score(text: str) -> int:
    """Slovenian letters minus a heavy penalty for C1 control characters.

    cp1250 puts š/ž/Š/Ž at 0x9A/0x9E/0x8A/0x8E, which ISO-8859-2 decodes as C1 controls;
    ISO-8859-2 puts them at 0xB9/0xBE/0xA9/0xAE, which cp1250 decodes as ą/ľ/©/®.
    """
    return sum(ch in _SLOVENIAN for ch in text) - 10 * _c1_controls(text)


def _c1_controls(text: str) -> int:
    return sum("\x80" <= ch <= "\x9f" for ch in text)


def _mostly_utf8(data: bytes) -> str | None:
    """The UTF-8 decoding with replacements if nearly all non-ASCII text is valid UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(ord(ch) > 127 for ch in text) - bad
    return text if good >= max(3, 4 * bad) else None


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` if NULs sit in every other byte, as in mostly-Latin UTF-16."""
    if len(data) % 2:
        return None
    for label, zeros, others in (("utf-16-le", data[1::2], data[0::2]), ("utf-16-be", data[0::2], data[1::2])):
        if zeros.count(0) >= 0.7 * len(zeros) and others.count(0) <= 0.05 * len(others):
            try:
                data.decode(label)
            except UnicodeDecodeError:
                continue
            return label
    return None


_NOT_CHARSETS = ("idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem")


def text_codec(name: str) -> str | None:
    """Python's name for the text encoding a charset label names (``latin2`` -> ``iso8859-2``);
    None for a label that names no codec (``x-bogus``) or a codec that is not a character set
    (``rot13``, ``base64``, ``hex``, ``idna``, ``unicode_escape`` ...): callers then detect the
    encoding, as browsers ignore such a label."""
    try:
        codec = codecs.lookup(name.strip())
        "a".encode(codec.name)  # LookupError for the bytes-to-bytes and str-to-str codecs
    except UnicodeError:
        pass  # a text encoding without "a" ("undefined" is refused below)
    except (LookupError, ValueError, TypeError):
        return None
    return None if codec.name in _NOT_CHARSETS else codec.name


def _codec_label(name: str) -> str | None:
    """Our label for a codec name: "cp1250", "iso-8859-2", "utf-8" ...; None if unknown or not
    a text encoding."""
    codec = text_codec(name)
    return "iso-8859-2" if codec == "iso8859-2" else codec


def _check_text(text: str, name: str) -> str:
    """``text``, unless control characters make up more than 2% of it (binary data)."""
    controls = sum(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text)
    if controls > max(2, 0.02 * len(text)):
        raise FileFormatError(f"{name}: looks binary (mostly non-text bytes), not translated")
    return text


def detect_newline(text: str) -> tuple[str, bool]:
    """The most common line ending of ``text`` ("\\n" if none) and whether endings are mixed."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    counts = {"\n": lf, "\r\n": crlf, "\r": cr}
    best = max(counts, key=lambda k: counts[k]) if any(counts.values()) else "\n"
    return best, sum(1 for v in counts.values() if v) > 1


def normalize_newlines(text: str) -> str:
    """``text`` with every line ending as "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
