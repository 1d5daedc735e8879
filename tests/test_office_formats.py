"""OpenDocument (.odt, .odp), PowerPoint (.pptx) and EPUB (.epub): units, translation keeping the
structure and formatting, the package written back as it was, and the bounds on hostile files.

The documents are built in tests/office.py: ODF and EPUB member by member, .pptx with python-pptx.
"""

from __future__ import annotations

import io
import zipfile

import pptx
import pytest
from lxml import etree
from office import EPUB_MIME, NCX, ODT_MIME, OPF, UNITS, XHTML_HEAD, build, epub, odf_content, odp, odt, package

from translator.core import pipeline
from translator.formats import limits
from translator.formats import package as package_module
from translator.formats.files import (
    SUPPORTED_SUFFIXES,
    FileFormatError,
    FileTooLargeError,
    MarkupTooComplexError,
    document_text,
    read_bytes,
    render_document,
)

FORMATS = (".odt", ".odp", ".pptx", ".epub")
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
XHTML = "http://www.w3.org/1999/xhtml"
# The member holding the body text of each sample.
TEXT_MEMBER = {
    ".odt": "content.xml",
    ".odp": "content.xml",
    ".pptx": "ppt/slides/slide1.xml",
    ".epub": "OEBPS/text/poglavje 1.xhtml",
}
# The members a translation rewrites (python-pptx rewrites the whole .pptx).
TRANSLATED = {
    ".odt": {"content.xml", "styles.xml"},
    ".odp": {"content.xml"},
    ".epub": {
        "OEBPS/content.opf",
        "OEBPS/nav.xhtml",
        "OEBPS/toc.ncx",
        "OEBPS/text/poglavje 1.xhtml",
        "OEBPS/text/ch2.xhtml",
    },
}


def upper(units: list[str]) -> list[str]:
    return [unit.upper() for unit in units]


def members(data: bytes) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist()


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def xml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(member(data, name))


def replaced(data: bytes, name: str, content: bytes | str) -> bytes:
    """``data`` with member ``name`` replaced by (or, if new, followed by) ``content``."""
    infos = members(data)
    items = [
        (info.filename, content if info.filename == name else member(data, info.filename))
        for info in infos
        if info.filename != "mimetype"
    ]
    if name not in {info.filename for info in infos}:
        items.append((name, content))
    mimetype = member(data, "mimetype").decode() if infos[0].filename == "mimetype" else None
    return package(items, mimetype)


# -- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_units_in_document_order(suffix: str) -> None:
    doc = read_bytes(build(suffix), "dokument" + suffix)
    assert suffix in SUPPORTED_SUFFIXES
    assert (doc.format, doc.encoding, doc.warnings) == (suffix[1:], "binary", [])
    assert doc.units == UNITS[suffix]


def test_plain_text_leaves_out_notes_headers_titles_and_the_table_of_contents() -> None:
    odt_text = document_text(read_bytes(build(".odt"), "a.odt"))
    assert odt_text.startswith("Naslov dokumenta\n\nTo je zelo lepo besedilo.\n\n") and "Glava" not in odt_text
    assert "Izbrisano" not in odt_text  # tracked deletions are not text
    assert (
        document_text(read_bytes(build(".odp"), "a.odp"))
        == "Prvi krepki naslov\n\nAlineja ena\n\nVrstica\nnova vrstica\n\nCelica prosojnice"
    )
    assert "Opombe" not in document_text(read_bytes(build(".pptx"), "a.pptx"))
    epub_text = document_text(read_bytes(build(".epub"), "a.epub"))
    assert epub_text.startswith("Prvo poglavje\n\nTo je zelo lepo besedilo.")
    assert epub_text.endswith("Drugo poglavje\n\nKonec zgodbe.")
    assert "Kazalo" not in epub_text and "Zgodba" not in epub_text and "koda" not in epub_text


# -- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_translation_keeps_the_package(suffix: str) -> None:
    source = build(suffix)
    doc = read_bytes(source, "a" + suffix)
    out = render_document(doc, upper(doc.units))
    before, after = members(source), members(out)
    assert [i.filename for i in after] == [i.filename for i in before]
    assert [i.compress_type for i in after] == [i.compress_type for i in before]
    if suffix != ".pptx":
        assert (after[0].filename, after[0].compress_type) == ("mimetype", zipfile.ZIP_STORED)
    for info in after:
        if info.filename.endswith((".xml", ".rels", ".opf", ".ncx", ".xhtml")):
            etree.fromstring(member(out, info.filename))  # every XML member still parses
        if suffix != ".pptx" and info.filename not in TRANSLATED[suffix]:
            assert member(out, info.filename) == member(source, info.filename)  # untouched
    again = read_bytes(out, "b" + suffix)
    expected = upper(doc.units)
    if suffix == ".epub":  # inline code is kept as it is
        expected = [unit.replace("LS -L", "ls -l") for unit in expected]
    assert again.units == expected
    assert render_document(doc, upper(doc.units)) == out  # the same bytes every time


@pytest.mark.parametrize("suffix", FORMATS)
def test_identity_keeps_units_and_text_members(suffix: str) -> None:
    source = build(suffix)
    doc = read_bytes(source, "a" + suffix)
    out = render_document(doc, list(doc.units))
    assert read_bytes(out, "b" + suffix).units == doc.units
    if suffix != ".pptx":  # nothing changed: every member keeps its bytes
        assert all(member(out, i.filename) == member(source, i.filename) for i in members(source))


@pytest.mark.parametrize("suffix", FORMATS)
def test_characters_xml_cannot_hold_are_dropped(suffix: str) -> None:
    doc = read_bytes(build(suffix), "a" + suffix)
    out = render_document(doc, ["A\x00B\x01C \ud800D" for _ in doc.units])
    units = read_bytes(out, "b" + suffix).units
    assert len(units) == len(doc.units)
    for unit in units:  # the rest of the text is there (the inline code "ls -l" kept too)
        assert "ABCD" in "".join(unit.split()).replace("ls-l", "")
        assert not set(unit) & {"\x00", "\x01", "\ud800"}


def test_odt_translation_keeps_spans_links_breaks_tables_frames_notes() -> None:
    doc = read_bytes(build(".odt"), "a.odt")
    out = render_document(doc, upper(doc.units))
    content = xml(out, "content.xml")
    bold = content.find(f".//{{{TEXT}}}span[@{{{TEXT}}}style-name='T1']")
    assert bold.text == "ZELO LEPO"
    assert "".join(bold.getparent().itertext()) == "TO JE ZELO LEPO BESEDILO."
    link = content.find(f".//{{{TEXT}}}a")
    assert link.text == "SPLETNO STRAN" and link.get("{http://www.w3.org/1999/xlink}href") == "http://example.com/"
    italic = content.find(f".//{{{TEXT}}}span[@{{{TEXT}}}style-name='T2']")
    assert italic.text == " ZA VEČ."
    lines = content.find(f".//{{{TEXT}}}line-break").getparent()
    assert [child.tag.split("}")[1] for child in lines] == ["line-break", "tab"]
    assert (lines.text, lines[0].tail, lines[1].tail) == ("PRVA VRSTICA", "DRUGA VRSTICA", "Z TABULATORJEM")
    cells = [p.text for p in content.iter(f"{{{TEXT}}}p") if p.getparent().tag.endswith("table-cell")]
    assert cells == ["CELICA ENA", "CELICA DVA"]
    frame = content.find(".//{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}frame")
    assert frame.tail == " OB SLIKI." and "".join(frame.itertext()) == "Opis slikeBESEDILO V OKVIRJU"
    note = content.find(f".//{{{TEXT}}}note")
    assert note.find(f"{{{TEXT}}}note-citation").text == "1"
    assert note.find(f".//{{{TEXT}}}p").text == "BESEDILO OPOMBE"
    assert content.find(f".//{{{TEXT}}}page-number").text == "3"
    assert content.find(f".//{{{TEXT}}}deletion/{{{TEXT}}}p").text == "Izbrisano"
    assert content.find(".//{urn:oasis:names:tc:opendocument:xmlns:style:1.0}text-properties") is not None
    assert xml(out, "styles.xml").find(f".//{{{TEXT}}}p").text == "GLAVA DOKUMENTA"


def test_odt_extra_spaces_and_fields_are_kept() -> None:
    body = (
        '<office:text><text:p>Dva<text:s text:c="2"/>presledka, stran <text:page-number>3</text:page-number>'
        " od <text:page-count>9</text:page-count>.</text:p></office:text>"
    )
    doc = read_bytes(odt(body), "a.odt")
    assert doc.units == ["Dva presledka, stran 3 od 9.", "Glava dokumenta"]
    out = render_document(doc, ["Two spaces, page 3 of 9.", "Glava dokumenta"])
    paragraph = xml(out, "content.xml").find(f".//{{{TEXT}}}p")
    assert etree.tostring(paragraph, encoding="unicode").split(">", 1)[1] == (
        'Two<text:s text:c="2"/>spaces, page <text:page-number>3</text:page-number> of '
        "<text:page-count>9</text:page-count>.</text:p>"
    )


def test_odp_translation_keeps_spans_breaks_and_notes() -> None:
    doc = read_bytes(build(".odp"), "a.odp")
    content = xml(render_document(doc, upper(doc.units)), "content.xml")
    pages = content.findall(".//{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}page")
    assert len(pages) == 3
    assert pages[0].find(f".//{{{TEXT}}}span").text == "KREPKI"
    notes = pages[0].find("{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}notes")
    assert "".join(notes.itertext()) == "OPOMBE PRVE PROSOJNICE"
    assert pages[1].find(f".//{{{TEXT}}}line-break").tail == "NOVA VRSTICA"


def test_pptx_translation_keeps_runs_breaks_tables_groups_notes() -> None:
    doc = read_bytes(build(".pptx"), "a.pptx")
    presentation = pptx.Presentation(io.BytesIO(render_document(doc, upper(doc.units))))
    slide = presentation.slides[0]
    title, box, table, group = slide.shapes
    assert title.text_frame.text == "NASLOV PROSOJNICE"
    first, second, empty, number = box.text_frame.paragraphs
    assert [(r.text, r.font.bold, r.font.italic) for r in first.runs] == [
        ("TO JE ", None, None),
        ("ZELO LEPO", True, None),
        (" BESEDILO.", None, True),
    ]
    assert second._p.find("{http://schemas.openxmlformats.org/drawingml/2006/main}br") is not None
    assert [r.text for r in second.runs] == ["PRVA VRSTICA", "DRUGA VRSTICA\tZ TABULATORJEM"]
    assert (empty.text, number.text) == ("", "2024")
    assert [table.table.cell(0, i).text for i in range(2)] == ["CELICA ENA", "CELICA DVA"]
    assert group.shapes[0].text_frame.text == "BESEDILO V SKUPINI"
    assert slide.notes_slide.notes_text_frame.text == "OPOMBE GOVORCA"
    assert presentation.slides[1].shapes.title.text == "DRUGA PROSOJNICA"


def test_epub_translation_keeps_inline_elements_code_and_navigation() -> None:
    doc = read_bytes(build(".epub"), "a.epub")
    out = render_document(doc, upper(doc.units))
    chapter = xml(out, "OEBPS/text/poglavje 1.xhtml")
    body = chapter.find(f"{{{XHTML}}}body")
    assert chapter.find(f".//{{{XHTML}}}title").text == "MESTO"
    assert body.find(f".//{{{XHTML}}}b").text == "ZELO LEPO"
    link = body.find(f".//{{{XHTML}}}a")
    assert (link.text, link.get("href")) == ("DRUGO POGLAVJE", "ch2.xhtml")
    assert body.find(f".//{{{XHTML}}}i").text == " ZA VEČ."
    assert body.find(f".//{{{XHTML}}}br").tail == "DRUGA VRSTICA"
    assert body.find(f".//{{{XHTML}}}em").text == "TOČKA"
    assert body.find(f".//{{{XHTML}}}img").get("alt") == "slika"
    assert body.find(f".//{{{XHTML}}}pre").text == "koda ostane"
    code = body.find(f".//{{{XHTML}}}code")
    assert (code.getparent().text, code.text, code.tail) == ("UKAZ ", "ls -l", " IZPIŠE DATOTEKE.")
    declaration = b"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE html>"
    assert member(out, "OEBPS/text/poglavje 1.xhtml").startswith(declaration)
    ncx = xml(out, "OEBPS/toc.ncx")
    assert [t.text for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")] == [
        "ZGODBA O MESTU",
        "Ana Novak",
        "PRVO POGLAVJE",
        "DRUGO POGLAVJE",
    ]
    assert [a.text for a in xml(out, "OEBPS/nav.xhtml").iter(f"{{{XHTML}}}a")] == ["PRVO POGLAVJE", "DRUGO POGLAVJE"]
    assert xml(out, "OEBPS/content.opf").find(".//{http://purl.org/dc/elements/1.1/}title").text == "ZGODBA O MESTU"
    assert member(out, "OEBPS/style.css") == b"p { margin: 0 }"


def test_epub_named_entities_with_a_doctype_are_kept() -> None:
    chapter = XHTML_HEAD.replace(
        "<!DOCTYPE html>",
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">',
    )
    data = replaced(
        epub(),
        "OEBPS/text/poglavje 1.xhtml",
        chapter.format(title="Mesto", body="<p>Dober&nbsp;dan, <b>svet</b>&hellip;</p>"),
    )
    doc = read_bytes(data, "a.epub")
    assert doc.units[1:3] == ["Mesto", "Dober dan, svet…"]
    translations = list(doc.units)
    translations[2] = "Good day, world…"
    out = member(render_document(doc, translations), "OEBPS/text/poglavje 1.xhtml")
    assert b"<p>Good&nbsp;day, <b>world</b>&hellip;</p>" in out


def test_epub_missing_chapter_is_a_warning_and_no_chapter_is_an_error() -> None:
    missing = OPF.replace('<itemref idref="c2"/>', '<itemref idref="c2"/><itemref idref="c3"/>').replace(
        "</manifest>", '<item id="c3" href="text/ch3.xhtml" media-type="application/xhtml+xml"/></manifest>'
    )
    doc = read_bytes(epub(opf=missing), "a.epub")
    assert doc.warnings == ["a.epub: OEBPS/text/ch3.xhtml is listed in the package but missing; skipped"]
    empty = OPF.replace('<itemref idref="c1"/><itemref idref="c2"/>', "")
    with pytest.raises(FileFormatError, match="its spine lists no XHTML chapter"):
        read_bytes(epub(opf=empty), "a.epub")


# -- hostile and broken files ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_zip_bomb_is_refused(suffix: str) -> None:
    bomb = replaced(build(suffix), "filler.xml", b"<a>" + b" " * (20 * 2**20) + b"</a>")
    assert len(bomb) < 2**20
    with pytest.raises(FileTooLargeError, match=r"unpacks to 20\.\d MiB, more than the limit of 10\.0 MiB"):
        read_bytes(bomb, "bomb" + suffix, max_bytes=10 * 2**20)
    with pytest.raises(FileTooLargeError, match="inflates more than 200 times"):
        read_bytes(bomb, "bomb" + suffix, max_bytes=None)


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
    + "]><lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize("suffix", FORMATS)
def test_billion_laughs_is_refused(suffix: str) -> None:
    for encoded in (LAUGHS.encode(), LAUGHS.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16")):
        with pytest.raises(FileFormatError, match="declares XML entities"):
            read_bytes(replaced(build(suffix), TEXT_MEMBER[suffix], encoded), "laughs" + suffix)


def test_entities_in_any_pptx_member_are_refused() -> None:
    # python-pptx parses parts by content type, whatever their names.
    with pytest.raises(FileFormatError, match="ppt/slides/x.bin declares XML entities"):
        read_bytes(replaced(build(".pptx"), "ppt/slides/x.bin", LAUGHS), "laughs.pptx")


@pytest.mark.parametrize("suffix", FORMATS)
def test_too_many_xml_tags_are_refused_before_parsing(suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = build(suffix)
    monkeypatch.setattr(limits, "MAX_XML_TAGS", 50)
    monkeypatch.setattr(package_module, "parse_xml", lambda *args: pytest.fail("parsed before the tag count"))
    monkeypatch.setattr(pptx, "Presentation", lambda *args: pytest.fail("opened before the tag count"))
    with pytest.raises(MarkupTooComplexError, match=f"more than 50 XML tags in the {suffix} file"):
        read_bytes(data, "many" + suffix)


def test_deep_nesting_reads_up_to_lxml_limit_and_is_a_format_error_past_it() -> None:
    def nested(depth: int) -> bytes:
        spans = '<text:span text:style-name="T1">' * depth + "Globoko." + "</text:span>" * depth
        return odt(f"<office:text><text:p>{spans}</text:p></office:text>")

    doc = read_bytes(nested(240), "deep.odt")
    assert doc.units == ["Globoko.", "Glava dokumenta"]
    assert read_bytes(render_document(doc, ["Deep.", "Header"]), "out.odt").units == ["Deep.", "Header"]
    with pytest.raises(FileFormatError, match="not a valid .odt file"):
        read_bytes(nested(400), "deep.odt")


def _broken() -> list[tuple[str, bytes, str]]:
    odt_source = build(".odt")
    epub_source = build(".epub")
    return [
        (".odt", b"", "empty file"),
        (".odp", b"Navadno besedilo, ne zip.", "not a zip archive"),
        (".odt", package([("META-INF/manifest.xml", "<m/>")], ODT_MIME), "no content.xml"),
        (".odt", replaced(odt_source, "content.xml", "<office:document-content>"), "content.xml:"),
        (".odt", replaced(odt_source, "content.xml", "<a/>"), "content.xml has no office:body"),
        (".odp", replaced(odp(), "content.xml", odf_content("<p>")), "content.xml:"),
        (".epub", package([("OEBPS/content.opf", OPF)], EPUB_MIME), "no META-INF/container.xml"),
        (".epub", replaced(epub_source, "OEBPS/content.opf", "<package"), "OEBPS/content.opf:"),
        (".epub", replaced(epub_source, "OEBPS/toc.ncx", NCX[:-4]), "OEBPS/toc.ncx:"),
        (".epub", replaced(epub_source, "META-INF/container.xml", "<container/>"), "names no package document"),
        (".pptx", package([("foo.txt", "x")]), "not a valid .pptx file"),
        (".pptx", replaced(build(".pptx"), "ppt/presentation.xml", "<p:presentation"), "not a valid .pptx file"),
    ]


@pytest.mark.parametrize(("suffix", "data", "reason"), _broken())
def test_corrupt_file_is_a_format_error(suffix: str, data: bytes, reason: str) -> None:
    with pytest.raises(FileFormatError) as info:
        read_bytes(data, "pokvarjen" + suffix)
    assert str(info.value).startswith(f"pokvarjen{suffix}: ")
    assert reason in str(info.value)
    assert not isinstance(info.value, FileTooLargeError)


def test_a_zip_naming_a_member_twice_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(build(".odt"))) as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            copy.writestr(info, source.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            copy.writestr("content.xml", source.read("content.xml"))
    with pytest.raises(FileFormatError, match="names a member twice"):
        read_bytes(out.getvalue(), "twice.odt")


# -- end to end: the Python pipeline with the tiny models ---------------------------------------


def test_every_format_through_the_pipeline(tiny_models) -> None:
    from translator import Translator

    docs = [read_bytes(build(suffix), "dokument" + suffix) for suffix in FORMATS]
    results = pipeline.run_documents(
        [doc.units for doc in docs], Translator(str(tiny_models.marian), num_beams=1, source="sl")
    )
    for suffix, doc, result in zip(FORMATS, docs, results):
        assert len(result.parts) == len(doc.units)
        out = render_document(doc, result.parts)
        assert [i.filename for i in members(out)] == [i.filename for i in members(build(suffix))]
        again = read_bytes(out, "english" + suffix)
        assert again.units and again.units != doc.units
        if suffix == ".pptx":
            assert len(pptx.Presentation(io.BytesIO(out)).slides) == 2


@pytest.mark.parametrize("suffix", [".odt", ".pptx", ".epub"])
def test_the_cli_prints_the_text_of_a_package_and_writes_it_with_o(tiny_env, tmp_path, capsys, suffix):
    from translator import cli

    source = tmp_path / f"dokument{suffix}"
    source.write_bytes(build(suffix))
    assert cli.main(["translate", str(source), "--beams", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() and f"-o FILE{suffix}" in captured.err
    out = tmp_path / f"english{suffix}"
    assert cli.main(["translate", str(source), "-o", str(out), "--beams", "1"]) == 0
    from translator.formats.files import read_document

    assert read_document(out).units
