"""Every bound the readers put on hostile input, one test each (no timing or memory thresholds:
each test asserts what was refused, and where it matters that the refusal came before the costly
step - decoding, inflating - by counting what that step was given)."""

from __future__ import annotations

import io
import struct
import zipfile

import docx
import pytest

import translator.formats.files as files
from translator.formats import archive, limits
from translator.formats.files import (
    FileFormatError,
    FileTooLargeError,
    MarkupTooComplexError,
    read_bytes,
    read_document,
    render_document,
)
from translator.formats.limits import (
    INFLATE_CHUNK,
    MAX_MARKDOWN_MARKS,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TAGS,
    TEXT_BYTES,
    text_byte_limit,
)

DEEP = 100_000


def upper(units: list[str]) -> list[str]:
    return [unit.upper() for unit in units]


# -- nesting: nothing recurses along the input ------------------------------------------------


def test_html_nested_100000_divs_reads_and_renders() -> None:
    source = "<div>" * DEEP + "Dober dan." + "</div>" * DEEP  # exactly MAX_TAGS tags
    assert 2 * DEEP == MAX_TAGS
    doc = read_bytes(source.encode(), "deep.html")
    assert doc.units == ["Dober dan."]
    assert render_document(doc, doc.units) == source.encode()
    assert (
        render_document(doc, upper(doc.units))
        == source.upper().replace("<DIV>", "<div>").replace("</DIV>", "</div>").encode()
    )


def test_html_100000_unclosed_inline_elements_read_and_render() -> None:
    source = "<p>" + "<b>" * (DEEP - 1) + "Dober dan, svet."
    doc = read_bytes(source.encode(), "deep.html")
    assert doc.units == ["Dober dan, svet."]
    out = render_document(doc, ["Good day, world."]).decode()
    assert out.startswith("<p><b><b>") and "Good day, world." in out and out.count("</b>") == DEEP - 1


def test_markdown_nested_100000_levels_reads_and_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = (
        "> " * DEEP + "Dober dan.",
        "- " * DEEP + "Dober dan.",
        "1. " * DEEP + "Dober dan.",
        "".join("> " * depth + "Vrstica.\n" for depth in range(1, 2000)),
    )
    for source in sources:  # refused, cheaply, by the count of markup characters ...
        with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_MARKDOWN_MARKS:,} lines and markup"):
            read_bytes(source.encode(), "deep.md")
    monkeypatch.setattr(limits, "MAX_MARKDOWN_MARKS", 10**7)
    for source in sources:  # ... and with no such limit, read without recursing
        doc = read_bytes(source.encode(), "deep.md")
        assert render_document(doc, doc.units) == source.encode()
        render_document(doc, upper(doc.units))


def test_markdown_past_the_mark_limit_is_refused() -> None:
    with pytest.raises(MarkupTooComplexError):
        read_bytes(b"- a\n" * (MAX_MARKDOWN_MARKS // 2 + 1), "list.md")
    assert read_bytes(b"- a\n" * (MAX_MARKDOWN_MARKS // 2), "list.md").units[-1] == "a"


def test_docx_xml_nested_past_lxml_depth_is_a_format_error() -> None:
    def nested(depth: int) -> bytes:
        cell = "<w:p><w:r><w:t>Globoko.</w:t></w:r></w:p>"
        body = "<w:tbl><w:tr><w:tc>" * depth + cell + "</w:tc></w:tr></w:tbl>" * depth
        return _with_member(_docx(), "word/document.xml", _document_xml(body))

    doc = read_bytes(nested(80), "deep.docx")  # 245 levels: lxml's limit is 256
    assert doc.units == ["Globoko."]
    assert read_bytes(render_document(doc, ["Deep."]), "out.docx").units == ["Deep."]
    with pytest.raises(FileFormatError, match="not a valid .docx file"):
        read_bytes(nested(400), "deep.docx")


# -- HTML: tag count and html.parser's rescans -------------------------------------------------


def test_html_past_the_tag_limit_is_refused() -> None:
    with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_TAGS:,} HTML tags") as info:
        read_bytes(b"<div>" * (MAX_TAGS + 1), "many.html")
    assert isinstance(info.value, FileTooLargeError) and info.value.limit == MAX_TAGS


def test_50_mb_of_empty_tags_is_refused_before_it_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args: object) -> None:
        raise AssertionError("decoded before the tag count")

    monkeypatch.setattr(files, "decode_text", no_decoding)
    data = b"<a></a>" * (50 * 10**6 // 7)
    with pytest.raises(MarkupTooComplexError, match="HTML tags"):
        read_bytes(data, "empty.html", max_bytes=None)
    for encoding in ("utf-16", "utf-32"):  # counted in the bytes of any encoding read
        with pytest.raises(MarkupTooComplexError):
            read_bytes(("<a></a>" * (MAX_TAGS // 2 + 1)).encode(encoding), "empty.html", max_bytes=None)


@pytest.mark.parametrize("unit", ["<a b='", "<!--", "<a", "<?x", "<!x", "</a"])
def test_html_unterminated_markup_is_refused_not_rescanned(unit: str) -> None:
    # Each of these makes html.parser search the rest of the document again: quadratic.
    with pytest.raises(MarkupTooComplexError, match="unterminated tags, comments or declarations"):
        read_bytes(("<p>Dober dan.</p>" + unit * 40_000).encode(), "open.html")


def test_html_truncated_page_still_reads() -> None:
    source = "<p>Prvi odstavek.</p><!-- komentar brez konca <p>Drugi.</p>" + "<p>Besedilo.</p>" * 5000
    doc = read_bytes(source.encode(), "cut.html")
    assert doc.units[0] == "Prvi odstavek."
    render_document(doc, upper(doc.units))


# -- text files: refused from their byte size before decoding ---------------------------------


@pytest.mark.parametrize("fmt", sorted(TEXT_BYTES))
def test_text_too_big_for_max_chars_is_refused_before_decoding(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = text_byte_limit(fmt, 1000)
    monkeypatch.setattr(files, "decode_text", lambda *args: pytest.fail("decoded a file over the limit"))
    with pytest.raises(FileTooLargeError, match=f"limit {limit:,} bytes") as info:
        read_bytes(b"a" * (limit + 1), f"big.{fmt}", max_chars=1000)
    assert (info.value.size, info.value.limit) == (limit + 1, limit)


def test_text_byte_limit_never_refuses_a_text_that_fits(tmp_path) -> None:
    text = "Šž\r\n" * 250  # 1,000 characters in the file, 750 once CRLF counts as one
    data = "\ufeff".encode("utf-32-le") + text.encode("utf-32-le")
    assert len(data) <= text_byte_limit("txt", 750)
    doc = read_bytes(data, "fits.txt", max_chars=750)
    assert len(files.document_text(doc)) <= 750
    path = tmp_path / "big.txt"
    path.write_bytes(b"Dober dan. " * 1000)
    with pytest.raises(FileTooLargeError, match="at most 100 characters"):
        read_document(path, max_chars=100)
    assert read_document(path, max_chars=11_000).units


def test_srt_blank_runs_and_long_numbers_are_linear() -> None:
    assert read_bytes(b" " * 200_000, "blank.srt").units == []
    cue = b"1\n00:00:01,000 --> 00:00:02,000\nDober dan.\n\n"
    assert read_bytes(cue + b"\n" * 200_000, "tail.srt").units == ["Dober dan."]
    with pytest.raises(FileFormatError, match="64 digits"):
        read_bytes(cue + b"\n" + b"1" * 100_000, "digits.srt")
    with pytest.raises(FileFormatError, match="no subtitle at line 50001: 'x"):
        read_bytes(b"  \n" * 50_000 + b"x" + cue, "gap.srt")  # srt.parse: quadratic search


# -- zip: inflated bytes counted, never the declared sizes -------------------------------------


def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs or ("Dober dan.",):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _document_xml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()


def _with_member(data: bytes, member: str, content: bytes) -> bytes:
    """``data`` (a zip) with ``member`` replaced by ``content``, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename != member:
                copy.writestr(info, original.read(info.filename))
        copy.writestr(member, content)
    return out.getvalue()


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with ``member``'s uncompressed size set to ``size`` in its local header and its
    central directory entry (the CRC is left as it was: the lie a zip bomb tells)."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive_:
        info = archive_.getinfo(member)
    struct.pack_into("<L", patched, info.header_offset + 22, size)
    at = patched.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", patched, at + 28)[0]
        if patched[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<L", patched, at + 24, size)
        at = patched.find(b"PK\x01\x02", at + 4)
    return bytes(patched)


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes inflated by the archive check, in total, counted around its inflater."""
    counted = [0]
    inflate = archive._inflate

    def counting(*args):  # type: ignore[no-untyped-def]
        for chunk in inflate(*args):
            counted[0] += len(chunk)
            yield chunk

    monkeypatch.setattr(archive, "_inflate", counting)
    return counted


def _paragraphs_xml(size: int) -> bytes:
    """Word XML of about ``size`` bytes that compresses like Word XML (about 25x), not like a bomb."""
    words = [f"beseda{i * 7919 % 1009}" for i in range(size // 10)]
    runs = "".join(f"<w:p><w:r><w:t>{' '.join(words[i : i + 20])}</w:t></w:r></w:p>" for i in range(0, len(words), 20))
    return _document_xml(runs)


def test_docx_member_that_lies_about_its_size_is_refused_early(inflated: list[int]) -> None:
    content = _paragraphs_xml(8 * 2**20)
    data = _declare_size(_with_member(_docx(), "word/document.xml", content), "word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as zip_:
        assert sum(info.file_size for info in zip_.infolist()) < 2**20  # what the headers claim
        assert zip_.getinfo("word/document.xml").compress_size * MAX_RATIO > len(content)  # no ratio alarm
    refused = r"word/document\.xml inflates past the limit of 1\.0 MiB \(zip bomb\?\)"
    with pytest.raises(FileTooLargeError, match=refused):
        read_bytes(data, "lie.docx", max_bytes=2**20)
    assert 2**20 < inflated[0] <= 2**20 + INFLATE_CHUNK + 2**10  # stopped one chunk past the limit
    assert inflated[0] < len(content) / 4


def test_docx_lying_member_within_the_limit_is_corrupt() -> None:
    data = _declare_size(_with_member(_docx(), "word/document.xml", _paragraphs_xml(50_000)), "word/document.xml", 1000)
    with pytest.raises(FileFormatError, match="corrupt zip archive: word/document.xml inflates to"):
        read_bytes(data, "lie.docx")


def test_docx_ratio_bomb_with_honest_headers_is_refused_early(inflated: list[int]) -> None:
    filler = b"<a>" + b" " * (100 * 2**20) + b"</a>"
    data = _with_member(_docx(), "word/filler.xml", filler)
    with pytest.raises(FileTooLargeError, match=f"word/filler.xml inflates more than {MAX_RATIO} times"):
        read_bytes(data, "bomb.docx", max_bytes=None)
    assert inflated[0] < len(filler) / 2
    lying = _declare_size(data, "word/filler.xml", 10)  # the same bomb claiming 10 bytes
    inflated[0] = 0
    with pytest.raises(FileTooLargeError, match="zip bomb"):
        read_bytes(lying, "bomb.docx", max_bytes=None)
    assert inflated[0] < len(filler) / 2


def test_docx_declared_past_the_limit_is_refused_before_inflating(inflated: list[int]) -> None:
    data = _with_member(_docx(), "word/filler.xml", b"<a>" + b" " * (3 * 2**20) + b"</a>")
    with pytest.raises(FileTooLargeError, match=r"unpacks to 3\.\d MiB, more than the limit of 2\.0 MiB"):
        read_bytes(data, "big.docx", max_bytes=2 * 2**20)
    assert inflated[0] == 0


def test_docx_billion_laughs_is_refused() -> None:
    laughs = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10)]
    xml = _document_xml("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>").replace(
        b"<w:document", f"<!DOCTYPE w:document [{''.join(laughs)}]><w:document".encode(), 1
    )
    for encoded in (xml, xml.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")):
        with pytest.raises(FileFormatError, match="declares XML entities"):
            read_bytes(_with_member(_docx(), "word/document.xml", encoded), "laughs.docx")


def test_docx_with_too_many_members_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx())) as original, zipfile.ZipFile(out, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, original.read(info.filename))
        for i in range(MAX_MEMBERS):
            copy.writestr(f"filler/part{i}.bin", b"")
    with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_MEMBERS:,} parts"):
        read_bytes(out.getvalue(), "many.docx")


def test_read_members_counts_what_it_inflates() -> None:
    data = _with_member(_docx(), "word/document.xml", _paragraphs_xml(3 * 2**20))
    with zipfile.ZipFile(io.BytesIO(data)) as zip_:
        expected = [(info.filename, zip_.read(info)) for info in zip_.infolist()]
    members = archive.read_members(data, "x.docx", None, ".docx")
    assert [(info.filename, content) for info, content in members] == expected
    lying = _declare_size(data, "word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(lying)) as zip_:
        assert zip_.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(FileTooLargeError, match="inflates past the limit of 1.0 MiB"):
        archive.read_members(lying, "x.docx", 2**20, ".docx")  # the headers claim less than 1 MiB
    with pytest.raises(FileFormatError, match="its header says 1,000"):
        archive.read_members(lying, "x.docx", None, ".docx")


def test_valid_docx_still_reads_and_renders() -> None:
    doc = read_bytes(_docx("Dober dan.", "Lep pozdrav."), "ok.docx", max_bytes=2**20)
    assert doc.units == ["Dober dan.", "Lep pozdrav."]
    assert read_bytes(render_document(doc, upper(doc.units)), "out.docx").units == ["DOBER DAN.", "LEP POZDRAV."]
