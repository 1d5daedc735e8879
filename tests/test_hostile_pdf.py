"""Hostile PDFs: bombs, 10,000 pages, deep nesting, broken cross-references, encryption and
scanned pages. Each is refused with its own error, and the bounds are checked before pdfminer
parses anything (pdfminer's parser is replaced by one that fails the test), as the zip bounds
are in test_reader_limits.py; no timing or memory thresholds (benchmarks/bench_hostile.py
measures them)."""

from __future__ import annotations

import io
import zlib

import httpx
import pdfminer.pdfparser
import pypdf
import pytest
from pdfs import (
    TEXT,
    bomb,
    deep_arrays,
    deep_page_tree,
    form_bomb,
    many_pages,
    one_page,
    raw_pdf,
    reportlab_pdf,
    stream,
)

from translator.formats.files import FileFormatError, FileTooLargeError, MarkupTooComplexError, read_bytes
from translator.formats.pdf import MAX_PAGE_CHARS
from translator.formats.pdfscan import MAX_PDF_PAGES, MAX_RATIO


@pytest.fixture(scope="module")
def gigabyte_bomb() -> bytes:
    return bomb(2**30)  # 1 GiB of zeros in about 1 MB


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfminer must not be reached: the refusal comes from the pre-scan."""

    def fail(*args, **kwargs):
        pytest.fail("pdfminer parsed a file the pre-scan should have refused")

    monkeypatch.setattr(pdfminer.pdfparser, "PDFParser", fail)


def test_a_bomb_is_refused_at_the_byte_limit_before_parsing(gigabyte_bomb, no_parsing) -> None:
    assert len(gigabyte_bomb) < 2 * 2**20
    with pytest.raises(FileTooLargeError, match=r"decode past the limit of 64\.0 MiB \(a PDF bomb\?\)") as info:
        read_bytes(gigabyte_bomb, "bomba.pdf")
    assert info.value.limit == 64 * 2**20 and info.value.size <= 64 * 2**20 + 2**17  # stopped at the limit


def test_a_bomb_is_refused_by_its_ratio_without_a_byte_limit(gigabyte_bomb, no_parsing) -> None:
    with pytest.raises(FileTooLargeError, match=f"decodes more than {MAX_RATIO} times"):
        read_bytes(gigabyte_bomb, "bomba.pdf", max_bytes=None)


def test_streams_count_together_against_the_limit(no_parsing) -> None:
    text = b"".join(b"BT (Vrstica %d) Tj ET\n" % i for i in range(20_000))  # ~400 KB, compresses ~5x
    objects = one_page(TEXT)
    objects[3] = b"<< /Length 4 0 R >>"  # unused; the streams below are what counts
    objects += [stream(text, compress=True) for _ in range(3)]
    data = raw_pdf(objects)
    with pytest.raises(FileTooLargeError, match=r"limit of 1\.0 MiB"):
        read_bytes(data, "veliko.pdf", max_bytes=2**20)


def test_a_bomb_hidden_in_a_chain_of_filters_or_an_object_stream(no_parsing) -> None:
    inner = zlib.compress(b"\0" * (8 * 2**20))
    twice = zlib.compress(inner)
    objects = one_page(TEXT)
    objects.append(b"<< /Length %d /Filter [/Fl /Fl] >>\nstream\n" % len(twice) + twice + b"\nendstream")
    with pytest.raises(FileTooLargeError, match="PDF bomb"):  # by its ratio, past the first MiB
        read_bytes(raw_pdf(objects), "veriga.pdf", max_bytes=2 * 2**20)
    # a stream object inside an object stream (which the format forbids, but a parser may read)
    hidden = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(inner) + inner + b"\nendstream"
    packed = zlib.compress(b"7 0 " + hidden)
    objects = one_page(TEXT)
    objects.append(
        b"<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream"
    )
    with pytest.raises(FileTooLargeError, match="PDF bomb"):
        read_bytes(raw_pdf(objects), "skrit.pdf", max_bytes=2 * 2**20)


def test_a_stream_cut_short_by_its_length_or_damaged_is_refused(no_parsing) -> None:
    packed = zlib.compress(TEXT * 50)
    objects = one_page(TEXT)
    objects[3] = b"<< /Length 20 /Filter /FlateDecode >>\nstream\n" + packed + b"\nendstream"
    with pytest.raises(FileFormatError, match="cut short"):
        read_bytes(raw_pdf(objects), "kratek.pdf")
    objects[3] = b"<< /Length 9 /Filter /FlateDecode >>\nstream\nnot zlib!\nendstream"
    with pytest.raises(FileFormatError, match="damaged compressed stream"):
        read_bytes(raw_pdf(objects), "pokvarjen.pdf")
    objects[3] = b"<< /Length 9 /Filter 8 0 R >>\nstream\nnot zlib!\nendstream"
    with pytest.raises(FileFormatError, match="filters are given by reference"):
        read_bytes(raw_pdf(objects), "posredno.pdf")


def test_a_length_by_reference_that_cuts_the_data_short_is_refused(no_parsing) -> None:
    packed = zlib.compress(TEXT * 50)

    def with_length(length_object: bytes, extra: list[bytes]) -> bytes:
        objects = one_page(TEXT)
        objects[3] = b"<< /Length 6 0 R /Filter /FlateDecode >>\nstream\n" + packed + b"\nendstream"
        return raw_pdf(objects + [length_object] + extra)

    with pytest.raises(FileFormatError, match="cut short"):
        read_bytes(with_length(b"20", []), "kratek.pdf")
    # the length object inside an object stream: found once that stream is decoded
    header = b"6 0 "
    objstm = zlib.compress(header + b"20")
    in_stream = b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (
        len(header),
        len(objstm),
    )
    with pytest.raises(FileFormatError, match="cut short"):
        read_bytes(with_length(b"null", [in_stream + objstm + b"\nendstream"]), "skrit.pdf")


def test_a_length_by_reference_that_fits_reads() -> None:
    packed = zlib.compress(TEXT)
    objects = one_page(TEXT)
    objects[3] = b"<< /Length 6 0 R /Filter /FlateDecode >>\nstream\n" + packed + b"\nendstream"
    data = raw_pdf(objects + [b"%d" % len(packed)])
    assert read_bytes(data, "prav.pdf").units == ["Vlada je sprejela proracun za prihodnje leto."]


def test_an_image_stream_counts_against_the_limit() -> None:
    packed = zlib.compress(b"\xff" * (4 * 2**20))  # 4 MiB of white pixels: 1,000 times smaller
    objects = one_page(TEXT)
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width 2048 /Height 2048 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    )
    data = raw_pdf(objects)
    assert read_bytes(data, "slika.pdf").units  # the ratio is no reason to refuse an image
    with pytest.raises(FileTooLargeError, match=r"limit of 2\.0 MiB"):
        read_bytes(data, "slika.pdf", max_bytes=2 * 2**20)


def test_ten_thousand_pages_are_refused_before_parsing(no_parsing) -> None:
    with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_PDF_PAGES:,} pages") as info:
        read_bytes(many_pages(10_000), "knjiga.pdf")
    assert info.value.limit == MAX_PDF_PAGES


def test_pages_hidden_from_the_pre_scan_are_counted_by_the_parser() -> None:
    # "/Type /P#61ge" is "/Type /Page" to a PDF parser, but not to the pre-scan's pattern
    data = many_pages(MAX_PDF_PAGES + 5).replace(b"/Type /Page /Parent", b"/Type /P#61ge /Parent")
    with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_PDF_PAGES:,} pages"):
        read_bytes(data, "skrite.pdf")


@pytest.mark.parametrize("leaf", [b"0 0 m 10 10 l S", b"q Q", TEXT])
def test_forms_drawing_forms_are_refused_by_the_work_they_would_take(leaf: bytes) -> None:
    data = form_bomb(levels=8, fanout=20, leaf=leaf)  # 20 ** 8 drawings from a few kilobytes
    assert len(data) < 10_000
    with pytest.raises(MarkupTooComplexError, match="drawing operations|characters"):
        read_bytes(data, "oblike.pdf", max_chars=100_000)
    assert read_bytes(form_bomb(2, 2, TEXT), "malo.pdf").units == ["Vlada je sprejela proracun za prihodnje leto."]


def test_megabytes_of_operators_are_refused_by_the_character_limit() -> None:
    data = raw_pdf(one_page(b"q Q " * 2**20 + TEXT))  # 4 MiB, a million operators, one line of text
    with pytest.raises(MarkupTooComplexError, match="more than 125,000 drawing operations"):
        read_bytes(data, "operatorji.pdf", max_chars=5_000)


def test_a_page_of_too_many_characters_is_refused() -> None:
    line = b"BT /F1 10 Tf 72 %d Td (Vlada je sprejela proracun za prihodnje leto in ga poslala.) Tj ET\n"
    content = b"".join(line % (700 - (i % 60) * 11) for i in range(MAX_PAGE_CHARS // 60 + 10))
    with pytest.raises(MarkupTooComplexError, match=f"more than {MAX_PAGE_CHARS:,} characters on one page"):
        read_bytes(raw_pdf(one_page(content, compress=True)), "gosto.pdf")


def test_a_deep_page_tree_is_a_format_error_not_a_crash() -> None:
    with pytest.raises(FileFormatError, match="nested too deeply"):
        read_bytes(deep_page_tree(5_000), "globoko.pdf")
    assert read_bytes(deep_page_tree(50), "plitvo.pdf").units == ["Vlada je sprejela proracun za prihodnje leto."]


def test_100000_nested_arrays_and_dictionaries_still_read() -> None:
    assert read_bytes(deep_arrays(100_000), "gnezdo.pdf").units == ["Vlada je sprejela proracun za prihodnje leto."]


@pytest.mark.parametrize(
    "damage",
    ["startxref", "entries", "truncated", "prev loop"],
)
def test_broken_cross_references_are_recovered_or_a_format_error(damage: str) -> None:
    good = raw_pdf(one_page(TEXT, compress=True))
    xref = good.index(b"xref\n")
    if damage == "startxref":
        data = good[: good.rindex(b"startxref")] + b"startxref\n999999\n%%EOF\n"
    elif damage == "entries":
        data = good[:xref] + good[xref:].replace(b" 00000 n", b" 00000 q")
    elif damage == "truncated":
        data = good[: len(good) // 2]
    else:
        data = raw_pdf(one_page(TEXT), trailer_extra=b"/Prev %d " % xref)
    try:
        doc = read_bytes(data, "zlomljen.pdf")
    except FileFormatError as exc:
        assert str(exc).startswith("zlomljen.pdf: ")
        assert not isinstance(exc, FileTooLargeError)
    else:  # pdfminer rebuilt the cross-references from the objects
        assert doc.units == ["Vlada je sprejela proracun za prihodnje leto."]


@pytest.mark.parametrize("user_password", ["geslo", ""])
def test_an_encrypted_pdf_is_refused_naming_the_reason(user_password: str) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(reportlab_pdf(1)[0])))
    writer.encrypt(user_password, "lastnik")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(FileFormatError, match="the PDF is encrypted"):
        read_bytes(out.getvalue(), "zaklenjen.pdf")


def test_an_image_only_pdf_asks_for_ocr() -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawImage(ImageReader(Image.new("RGB", (300, 200), "white")), 50, 500, 300, 200)
    page.showPage()
    page.save()
    with pytest.raises(FileFormatError, match=r"no text layer \(scanned images\); run OCR"):
        read_bytes(out.getvalue(), "sken.pdf")


@pytest.mark.slow
def test_rest_answers_413_for_a_bomb_and_too_many_pages(tiny_models, gigabyte_bomb) -> None:
    from hostile import refusal, start, still_serves

    demo = start(tiny_models)
    try:
        url = demo.local_url
        for name, data, limit in (
            ("bomba.pdf", gigabyte_bomb, "2.0 MiB"),
            ("knjiga.pdf", many_pages(10_000), f"{MAX_PDF_PAGES:,} pages"),
        ):
            answer = httpx.post(
                url + "translate_file",
                files={"file": (name, data)},
                data={"source": "sl", "target": "en"},
                timeout=60,
            )
            assert limit in refusal(answer, 413)
        still_serves(url)
    finally:
        demo.close()
