"""PDF files: read with pdfminer.six into headings, paragraphs, lists, tables and footnotes, in
reading order (two columns too), headers and footers once, and translated into a .docx; through
the Python API, the CLI, the batch and REST /translate_file with the tiny models.

The PDFs are made at test time by two producers (reportlab and fpdf2, tests/pdfs.py); every
paragraph, heading, cell and footnote carries a unique marker, so the tests count that each is
read and translated exactly once and in order.
"""

from __future__ import annotations

import io
import json
import re

import docx
import httpx
import pytest
from pdfs import HEADER_ASCII, fpdf_pdf, one_page, raw_pdf, reportlab_pdf

from translator.formats.files import (
    FileFormatError,
    document_text,
    format_for,
    output_name,
    output_suffix,
    read_bytes,
    render_document,
)
from translator.formats.pdf_docx import Block
from translator.formats.pdf_layout import join_lines as _join

PRODUCERS = {"reportlab": reportlab_pdf, "fpdf2": fpdf_pdf}
MARKER = re.compile(r"(?:ZNAK|NASLOV|CELICA|OPOMBA)\d+")


@pytest.fixture(scope="module", params=sorted(PRODUCERS))
def made(request) -> tuple[bytes, dict]:
    return PRODUCERS[request.param](3)


def markers(texts: list[str]) -> list[str]:
    return [marker for text in texts for marker in MARKER.findall(text)]


def docx_texts(data: bytes) -> tuple[list[str], docx.document.Document]:
    """Every paragraph and table cell of the body in document order, and the document."""
    document = docx.Document(io.BytesIO(data))
    texts = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            texts.append("".join(t.text or "" for t in element.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for cell in element.iter():
                if cell.tag.endswith("}tc"):
                    texts.append("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t")))
    return [text for text in texts if text], document


def test_pdf_is_a_supported_format_written_as_docx() -> None:
    assert format_for("Poročilo.PDF") == "pdf"
    assert output_suffix("a/b.pdf") == ".docx" and output_suffix("a/b.html") == ".html"
    assert output_name("poročilo.pdf") == "poročilo.docx" and output_name("x.odt") == "x.odt"


def test_every_paragraph_is_one_unit_in_reading_order(made) -> None:
    data, expected = made
    doc = read_bytes(data, "porocilo.pdf")
    assert doc.format == "pdf" and doc.encoding == "binary"
    body = [unit for unit in doc.units if unit != HEADER_ASCII]
    # one marker per unit: no paragraph merged with another or split in two, none lost or repeated
    assert [len(MARKER.findall(unit)) for unit in body] == [1] * len(body)
    assert markers(body) == expected["order"]
    # the page header is one unit, once, at the end; the page numbers are gone
    assert doc.units.count(HEADER_ASCII) == 1 and doc.units[-1] == HEADER_ASCII
    assert not any(re.fullmatch(r"(Stran )?[-\s]*\d+[-\s]*", unit) for unit in doc.units)
    assert "Stran" not in document_text(doc) and HEADER_ASCII not in document_text(doc)
    assert any("header" in warning for warning in doc.warnings)


def test_structure_is_recognised(made) -> None:
    data, _ = made
    from translator.formats.pdf import Pdf

    blocks = Pdf(data, "x.pdf").blocks
    kinds = [block.kind for block in blocks]
    assert [b.text for b in blocks if b.kind == "heading"] == [f"Poglavje NASLOV{n}" for n in (1, 2, 3)]
    [table] = [b for b in blocks if b.kind == "table"]
    assert [[MARKER.search(cell).group(0) for cell in row] for row in table.rows] == [
        [f"CELICA{3 * r + c + 1}" for c in range(3)] for r in range(3)
    ]
    footnotes = [b for b in blocks if b.kind == "footnote"]
    assert [b.prefix for b in footnotes] == [str(n) for n in range(1, 7)]
    assert all(b.text.startswith("Opomba OPOMBA") for b in footnotes)
    # footnotes close their page: each page's last blocks
    assert kinds.index("footnote") > kinds.index("table")
    # the paragraphs of the two columns are whole: each ends with its sentence
    assert all(b.text.endswith(".") for b in blocks if b.kind == "paragraph")


def test_reportlab_bullets_are_list_items() -> None:
    from translator.formats.pdf import Pdf

    data, _ = reportlab_pdf(2)
    bullets = [b for b in Pdf(data, "x.pdf").blocks if b.kind == "bullet"]
    assert [MARKER.findall(b.text) for b in bullets] == [["ZNAK7"], ["ZNAK8"]]
    assert not any(b.text.startswith("-") for b in bullets)


def test_the_docx_has_each_translation_once_in_order(made) -> None:
    data, expected = made
    doc = read_bytes(data, "porocilo.pdf")
    # a stand-in translation that keeps the marker: each unit becomes "EN <n> <markers>"
    translations = [f"EN {n} " + " ".join(MARKER.findall(unit)) for n, unit in enumerate(doc.units)]
    out = render_document(doc, translations)
    texts, document = docx_texts(out)
    assert markers(texts) == expected["order"]
    assert len([t for t in texts if t.startswith("EN ") or "EN " in t]) == len(doc.units) - 1  # header apart
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        t for t in translations if "NASLOV" in t
    ]
    assert len(document.tables) == 1 and len(document.tables[0].rows) == 3
    header = document.sections[0].header.paragraphs
    assert [p.text for p in header] == [translations[-1]]
    assert render_document(doc, translations) == out  # the same translation, the same bytes
    assert read_bytes(out, "english.docx").units  # a valid .docx that this project reads again


def test_paragraphs_continue_across_a_page_break_and_columns() -> None:
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 99 0 R >> >> >>"
    )
    lines_1 = b"BT /F1 11 Tf 72 700 Td (Vlada je v cetrtek sprejela predlog) Tj 0 -14 Td (proracuna za leto, ki) Tj ET"
    lines_2 = b"BT /F1 11 Tf 72 700 Td (prihaja, in ga poslala v zbor.) Tj 0 -30 Td (Nov odstavek.) Tj ET"
    from pdfs import stream

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        page % 5,
        page % 6,
        stream(lines_1),
        stream(lines_2, compress=True),
    ]
    objects += [b"null"] * (98 - len(objects)) + [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    doc = read_bytes(raw_pdf(objects), "x.pdf")
    assert doc.units == [
        "Vlada je v cetrtek sprejela predlog proracuna za leto, ki prihaja, in ga poslala v zbor.",
        "Nov odstavek.",
    ]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["To je pre-", "vod besedila."], "To je prevod besedila."),
        (
            ["slovensko-angleški slovar in slovensko-", "angleški prevod"],
            "slovensko-angleški slovar in slovensko-angleški prevod",
        ),
        (["Države EU-", "Članice"], "Države EU-Članice"),
        (["leta COVID-", "19"], "leta COVID-19"),
        (["leta 2020 -", "takrat"], "leta 2020 - takrat"),
        (["vlada –", "ministri"], "vlada – ministri"),
        (["prva", "druga"], "prva druga"),
    ],
)
def test_end_of_line_hyphens(lines: list[str], joined: str) -> None:
    inline = {w.lower() for line in lines for w in re.findall(r"\w+-\w+", line)}
    assert _join(lines, inline) == joined


def test_plain_text_of_a_table_is_rows_of_cells() -> None:
    from translator.formats.pdf import _plain

    assert _plain(Block("table", rows=[["a", "b"], ["c", "d"]])) == "a\tb\nc\td"
    assert _plain(Block("number", "Prvi", prefix="1.")) == "1. Prvi"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a PDF file"),
        (b"Navadno besedilo.", "not a PDF file"),
        (raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]), "no pages"),
    ],
)
def test_not_a_pdf_is_a_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(FileFormatError, match=reason) as info:
        read_bytes(data, "pokvarjen.pdf")
    assert str(info.value).startswith("pokvarjen.pdf: ")


# -- end to end with the tiny models ---------------------------------------------------------------


def test_through_the_pipeline_each_unit_translated_once(tiny_models, generate_spy) -> None:
    from translator import Translator
    from translator.core import pipeline

    data, expected = reportlab_pdf(2)
    doc = read_bytes(data, "porocilo.pdf")
    translator = Translator(str(tiny_models.marian), num_beams=1, source="sl")
    calls = generate_spy(translator.model.engine)
    [result] = pipeline.run_documents([doc.units], translator)
    assert calls and len(result.parts) == len(doc.units)
    texts, document = docx_texts(render_document(doc, result.parts))
    # the tiny model's English is gibberish: count the structure, not words
    body_units = len(doc.units) - 1  # the header goes to the page header
    table_cells = 9
    assert len(texts) == body_units
    assert len(document.tables[0].rows) == 3 and len(document.tables[0].columns) == 3
    assert len(document.paragraphs) == body_units - table_cells
    assert [p.style.name for p in document.paragraphs].count("Heading 1") == 2
    assert not markers(texts) or markers(texts) != expected["order"]  # translated, not copied


def test_the_cli_writes_a_docx(tiny_env, tmp_path, capsys) -> None:
    from translator import cli

    source = tmp_path / "porocilo.pdf"
    data, _ = fpdf_pdf(2)
    source.write_bytes(data)
    assert cli.main(["translate", str(source), "--beams", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() and "-o FILE.docx" in captured.err
    with pytest.raises(SystemExit):
        cli.main(["translate", str(source), "-o", str(tmp_path / "english.pdf"), "--beams", "1"])
    assert ".docx" in capsys.readouterr().err
    out = tmp_path / "english.docx"
    assert cli.main(["translate", str(source), "-o", str(out), "--beams", "1"]) == 0
    texts, _ = docx_texts(out.read_bytes())
    assert len(texts) == len(read_bytes(data, "x.pdf").units) - 1


def test_batch_writes_name_docx_without_clashing(tiny_env, tmp_path) -> None:
    from translator import cli

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    (src / "porocilo.pdf").write_bytes(reportlab_pdf(1)[0])
    (src / "sub" / "letno.pdf").write_bytes(fpdf_pdf(1)[0])
    document = docx.Document()
    document.add_paragraph("Vlada je sprejela proračun.")
    document.save(src / "sub" / "letno.docx")  # would clash with letno.pdf's output
    (src / "skeniran.pdf").write_bytes(raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] >>"]))
    cli.main(["batch", str(src), str(out), "--beams", "1"])
    assert (out / "porocilo.docx").is_file()
    assert (out / "sub" / "letno.pdf.docx").is_file() and (out / "sub" / "letno.docx.docx").is_file()
    assert docx_texts((out / "porocilo.docx").read_bytes())[0]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    text = json.dumps(report)
    assert "skeniran.pdf" in text and "no pages" in text


@pytest.mark.slow
def test_rest_translate_file_answers_a_docx(tiny_models) -> None:
    from servers import launch_tiny

    demo = launch_tiny(tiny_models)
    try:
        url = demo.local_url
        settings = httpx.get(url + "frontend/settings", timeout=30).json()
        assert ".pdf" in settings["supportedFilesFormat"]
        data, _ = reportlab_pdf(2)
        answer = httpx.post(
            url + "translate_file",
            files={"file": ("poročilo.pdf", data)},
            data={"source": "sl", "target": "en"},
            timeout=300,
        )
        assert answer.status_code == 200, answer.text
        link = answer.json()["translatedFileUrl"]
        download = httpx.get(link, timeout=30)
        assert download.status_code == 200
        assert "poro%C4%8Dilo.docx" in download.headers["content-disposition"]
        texts, document = docx_texts(download.content)
        assert len(texts) == len(read_bytes(data, "x.pdf").units) - 1 and len(document.tables) == 1
        english = raw_pdf(
            one_page(b"BT /F1 12 Tf 72 700 Td (The government adopted the budget proposal for next year.) Tj ET")
        )
        answer = httpx.post(
            url + "translate_file",
            files={"file": ("budget.pdf", english)},
            data={"source": "auto", "target": "en"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        download = httpx.get(answer.json()["translatedFileUrl"], timeout=30)
        assert "budget.docx" in download.headers["content-disposition"]
        assert docx_texts(download.content)[0] == ["The government adopted the budget proposal for next year."]
        scanned = httpx.post(
            url + "translate_file",
            files={"file": ("sken.pdf", raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages >>"]))},
            data={"source": "sl", "target": "en"},
            timeout=60,
        )
        assert scanned.status_code == 400 and "sken.pdf" in scanned.json()["error"]
    finally:
        demo.close()
