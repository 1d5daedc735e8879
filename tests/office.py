"""Small OpenDocument, PowerPoint and EPUB files built in the tests, for the readers' tests
(tests/test_office_formats.py) and the fuzzing of every reader (tests/test_readers_fuzz.py).

ODT, ODP and EPUB are written member by member: a minimal valid package (``mimetype`` first and
stored, the manifest or container, the XML). The .pptx is made with python-pptx."""

from __future__ import annotations

import io
import zipfile

import pptx
from pptx.util import Inches

ODT_MIME = "application/vnd.oasis.opendocument.text"
ODP_MIME = "application/vnd.oasis.opendocument.presentation"
EPUB_MIME = "application/epub+zip"

ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"'
)
ODF_STYLES = (
    "<office:automatic-styles>"
    '<style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="T2" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>'
    "</office:automatic-styles>"
)


def package(members: list[tuple[str, bytes | str]], mimetype: str | None = None) -> bytes:
    """A zip of ``members`` (deflated), after a stored ``mimetype`` member if one is given."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def odf_manifest(mimetype: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )


def odf_content(body: str) -> str:
    """content.xml with ``body`` inside ``office:body``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>{ODF_STYLES}'
        f"<office:body>{body}</office:body></office:document-content>"
    )


ODT_BODY = (
    "<office:text>"
    '<text:h text:outline-level="1">Naslov dokumenta</text:h>'
    '<text:p>To je <text:span text:style-name="T1">zelo lepo</text:span> besedilo.</text:p>'
    '<text:p>Obiščite <text:a xlink:href="http://example.com/">spletno stran</text:a>'
    '<text:span text:style-name="T2"> za več.</text:span></text:p>'
    "<text:p>Prva vrstica<text:line-break/>druga vrstica<text:tab/>z tabulatorjem</text:p>"
    "<text:p/>"
    "<text:p>2024</text:p>"
    "<text:list><text:list-item><text:p>Prva točka</text:p></text:list-item>"
    "<text:list-item><text:p>Druga točka</text:p></text:list-item></text:list>"
    '<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>'
    "<table:table-row><table:table-cell><text:p>Celica ena</text:p></table:table-cell>"
    "<table:table-cell><text:p>Celica dva</text:p></table:table-cell></table:table-row></table:table>"
    '<text:p>Okvir<draw:frame draw:name="F" svg:width="2cm"><svg:desc>Opis slike</svg:desc>'
    "<draw:text-box><text:p>Besedilo v okvirju</text:p></draw:text-box></draw:frame> ob sliki.</text:p>"
    '<text:p>Opomba<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
    "<text:note-body><text:p>Besedilo opombe</text:p></text:note-body></text:note> in stran "
    "<text:page-number>3</text:page-number>.</text:p>"
    "<text:tracked-changes><text:changed-region><text:deletion><text:p>Izbrisano</text:p></text:deletion>"
    "</text:changed-region></text:tracked-changes>"
    "</office:text>"
)
ODT_UNITS = [
    "Naslov dokumenta",
    "To je zelo lepo besedilo.",
    "Obiščite spletno stran za več.",
    "Prva vrstica\ndruga vrstica\tz tabulatorjem",
    "Prva točka",
    "Druga točka",
    "Celica ena",
    "Celica dva",
    "Okvir ob sliki.",
    "Besedilo v okvirju",
    "Opomba in stran 3.",
    "Besedilo opombe",
    "Glava dokumenta",
]


def odt(body: str = ODT_BODY) -> bytes:
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODF_NS}><office:master-styles>'
        '<style:master-page style:name="Standard"><style:header><text:p>Glava dokumenta</text:p>'
        "</style:header></style:master-page></office:master-styles></office:document-styles>"
    )
    return package(
        [("META-INF/manifest.xml", odf_manifest(ODT_MIME)), ("content.xml", odf_content(body)), ("styles.xml", styles)],
        ODT_MIME,
    )


def _slide(number: int, texts: str, notes: str) -> str:
    return (
        f'<draw:page draw:name="page{number}" draw:master-page-name="Default">'
        f'<draw:frame presentation:class="title"><draw:text-box>{texts}</draw:text-box></draw:frame>'
        f"<presentation:notes><draw:frame><draw:text-box><text:p>{notes}</text:p></draw:text-box></draw:frame>"
        "</presentation:notes></draw:page>"
    )


ODP_BODY = (
    "<office:presentation>"
    + _slide(
        1,
        '<text:p>Prvi <text:span text:style-name="T1">krepki</text:span> naslov</text:p>'
        "<text:list><text:list-item><text:p>Alineja ena</text:p></text:list-item></text:list>",
        "Opombe prve prosojnice",
    )
    + _slide(2, "<text:p>Vrstica<text:line-break/>nova vrstica</text:p><text:p> </text:p>", "Opombe druge")
    + '<draw:page draw:name="page3"><draw:frame><table:table><table:table-row><table:table-cell>'
    "<text:p>Celica prosojnice</text:p></table:table-cell></table:table-row></table:table></draw:frame></draw:page>"
    + "</office:presentation>"
)
ODP_UNITS = [
    "Prvi krepki naslov",
    "Alineja ena",
    "Opombe prve prosojnice",
    "Vrstica\nnova vrstica",
    "Opombe druge",
    "Celica prosojnice",
]


def odp(body: str = ODP_BODY) -> bytes:
    return package([("META-INF/manifest.xml", odf_manifest(ODP_MIME)), ("content.xml", odf_content(body))], ODP_MIME)


CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)
OPF = (
    '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
    'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<dc:identifier id="id">urn:uuid:1</dc:identifier><dc:title>Zgodba o mestu</dc:title>'
    "<dc:language>sl</dc:language></metadata><manifest>"
    '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
    '<item id="c1" href="text/poglavje%201.xhtml" media-type="application/xhtml+xml"/>'
    '<item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>'
    '<item id="css" href="style.css" media-type="text/css"/>'
    '</manifest><spine toc="ncx"><itemref idref="c1"/><itemref idref="c2"/></spine></package>'
)
XHTML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" '
    'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>{title}</title>'
    '<link rel="stylesheet" href="../style.css"/></head><body>{body}</body></html>'
)
CHAPTER1 = (
    "<h1>Prvo poglavje</h1>"
    "<p>To je <b>zelo lepo</b> besedilo.</p>"
    '<p>Obiščite <a href="ch2.xhtml">drugo poglavje</a><i> za več.</i></p>'
    "<p>Prva vrstica<br/>druga vrstica</p>"
    "<p></p><p>2024</p>"
    "<ul><li>Prva točka</li><li>Druga <em>točka</em><ol><li>Gnezdena točka</li></ol></li></ul>"
    "<table><tr><td>Celica ena</td><td><p>Celica dva</p></td></tr></table>"
    "<blockquote><p>Citat v odstavku</p></blockquote>"
    '<figure><img src="x.png" alt="slika"/><figcaption>Napis slike</figcaption></figure>'
    "<pre>koda ostane</pre><p>Ukaz <code>ls -l</code> izpiše datoteke.</p>"
)
CHAPTER1_UNITS = [
    "Prvo poglavje",
    "To je zelo lepo besedilo.",
    "Obiščite drugo poglavje za več.",
    "Prva vrstica\ndruga vrstica",
    "Prva točka",
    "Druga točka",
    "Gnezdena točka",
    "Celica ena",
    "Celica dva",
    "Citat v odstavku",
    "Napis slike",
    "Ukaz ls -l izpiše datoteke.",
]
NAV = XHTML_HEAD.format(
    title="Kazalo",
    body=(
        '<nav epub:type="toc"><h1>Kazalo</h1><ol><li><a href="text/poglavje%201.xhtml">Prvo poglavje</a></li>'
        '<li><a href="text/ch2.xhtml">Drugo poglavje</a></li></ol></nav>'
    ),
)
NCX = (
    '<?xml version="1.0" encoding="UTF-8"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
    "<head/><docTitle><text>Zgodba o mestu</text></docTitle><docAuthor><text>Ana Novak</text></docAuthor><navMap>"
    '<navPoint id="p1" playOrder="1"><navLabel><text>Prvo poglavje</text></navLabel>'
    '<content src="text/poglavje%201.xhtml"/></navPoint>'
    '<navPoint id="p2" playOrder="2"><navLabel><text>Drugo poglavje</text></navLabel>'
    '<content src="text/ch2.xhtml"/></navPoint></navMap></ncx>'
)
EPUB_UNITS = (
    ["Zgodba o mestu", "Mesto"]
    + CHAPTER1_UNITS
    + ["Drugo", "Drugo poglavje", "Konec zgodbe."]
    + ["Kazalo", "Kazalo", "Prvo poglavje", "Drugo poglavje"]
    + ["Zgodba o mestu", "Prvo poglavje", "Drugo poglavje"]
)


def epub(chapter1: str = CHAPTER1, opf: str = OPF) -> bytes:
    chapter2 = XHTML_HEAD.format(title="Drugo", body="<section><h2>Drugo poglavje</h2><p>Konec zgodbe.</p></section>")
    return package(
        [
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", opf),
            ("OEBPS/nav.xhtml", NAV),
            ("OEBPS/toc.ncx", NCX),
            ("OEBPS/text/poglavje 1.xhtml", XHTML_HEAD.format(title="Mesto", body=chapter1)),
            ("OEBPS/text/ch2.xhtml", chapter2),
            ("OEBPS/style.css", "p { margin: 0 }"),
        ],
        EPUB_MIME,
    )


PPTX_UNITS = [
    "Naslov prosojnice",
    "To je zelo lepo besedilo.",
    "Prva vrstica\ndruga vrstica\tz tabulatorjem",
    "Celica ena",
    "Celica dva",
    "Besedilo v skupini",
    "Opombe govorca",
    "Druga prosojnica",
]


def pptx_file() -> bytes:
    """Two slides: a title, a text box with bold and italic runs, a line break and a tab, an empty
    paragraph and a number, a table, a group with a text box, speaker notes."""
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = "Naslov prosojnice"
    frame = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(2)).text_frame
    paragraph = frame.paragraphs[0]
    paragraph.add_run().text = "To je "
    bold = paragraph.add_run()
    bold.text, bold.font.bold = "zelo lepo", True
    italic = paragraph.add_run()
    italic.text, italic.font.italic = " besedilo.", True
    second = frame.add_paragraph()
    second.add_run().text = "Prva vrstica"
    second.add_line_break()
    second.add_run().text = "druga vrstica\tz tabulatorjem"
    frame.add_paragraph()
    frame.add_paragraph().add_run().text = "2024"
    table = slide.shapes.add_table(1, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "Celica ena", "Celica dva"
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1)).text_frame.text = "Besedilo v skupini"
    slide.notes_slide.notes_text_frame.text = "Opombe govorca"
    other = presentation.slides.add_slide(presentation.slide_layouts[5])
    other.shapes.title.text = "Druga prosojnica"
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def build(suffix: str) -> bytes:
    """The sample document for ``suffix`` (".odt", ".odp", ".pptx", ".epub")."""
    return {".odt": odt, ".odp": odp, ".pptx": pptx_file, ".epub": epub}[suffix]()


UNITS = {".odt": ODT_UNITS, ".odp": ODP_UNITS, ".pptx": PPTX_UNITS, ".epub": EPUB_UNITS}
