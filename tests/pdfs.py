"""PDFs made at test time by two producers (reportlab and fpdf2), and hostile ones written by hand.

Every body paragraph carries a unique marker word ``ZNAK<n>`` (n counts up in reading order),
headings ``NASLOV<n>``, table cells ``CELICA<n>``, footnotes ``OPOMBA<n>``, so a test can count
that each is read once and in order. Every page has the same header and a page-number footer.
"""

from __future__ import annotations

import io
import zlib

HEADER = "Letno poročilo občine Zgornja vas"
SENTENCE = "Občinski svet je na seji obravnaval predlog proračuna in ga po razpravi sprejel z večino glasov"


def paragraph(n: int, words: int = 40) -> str:
    """A body paragraph of about ``words`` words with the marker ZNAK<n> in its middle."""
    base = (SENTENCE + ". ") * 3
    parts = base.split()[:words]
    parts.insert(len(parts) // 2, f"ZNAK{n}")
    return " ".join(parts) + "."


def reportlab_pdf(pages: int = 3) -> tuple[bytes, dict]:
    """A reportlab PDF: per page a heading, a one-column part, a two-column part, a table on page 1,
    a bullet list and footnotes; header and "Stran N" footer on every page. Returns (bytes, expected)
    where expected lists the markers in reading order by kind."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        FrameBreak,
        NextPageTemplate,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
    )

    width, height = A4
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12, spaceAfter=10)
    head = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=10)
    note = ParagraphStyle("note", fontName="Helvetica", fontSize=7, leading=8.5, spaceAfter=3)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=12)

    def furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 9)
        canvas.drawString(60, height - 35, HEADER_ASCII)
        canvas.drawCentredString(width / 2, 25, f"Stran {doc.page}")
        canvas.restoreState()

    margin = 60
    top_h = 330
    full = Frame(margin, height - 60 - top_h, width - 2 * margin, top_h, id="top")
    col_h = height - 60 - top_h - 130
    left = Frame(margin, 120, (width - 2 * margin) / 2 - 10, col_h, id="left")
    right = Frame(width / 2 + 10, 120, (width - 2 * margin) / 2 - 10, col_h, id="right")
    notes = Frame(margin, 45, width - 2 * margin, 70, id="notes")
    doc = BaseDocTemplate(io.BytesIO(), pagesize=A4)
    doc.addPageTemplates([PageTemplate("page", [full, left, right, notes], onPage=furniture)])

    story = []
    expected = {"order": []}
    n = heading = cell = fn = 0
    for page in range(pages):
        heading += 1
        story.append(Paragraph(f"Poglavje NASLOV{heading}", head))
        expected["order"].append(f"NASLOV{heading}")
        n += 1
        story.append(Paragraph(ascii_text(paragraph(n, 45)), body))
        expected["order"].append(f"ZNAK{n}")
        if page == 0:
            rows = []
            for _row in range(3):
                row = []
                for _col in range(3):
                    cell += 1
                    row.append(f"CELICA{cell} vrednost")
                    expected["order"].append(f"CELICA{cell}")
                rows.append(row)
            story.append(Table(rows, colWidths=[130, 130, 130]))
            story.append(Spacer(1, 8))
        else:
            for _ in range(2):
                n += 1
                story.append(Paragraph("- " + ascii_text(paragraph(n, 12)), bullet))
                expected["order"].append(f"ZNAK{n}")
        story.append(FrameBreak())
        for _ in range(4):  # two columns: two paragraphs each
            n += 1
            story.append(Paragraph(ascii_text(paragraph(n, 50)), body))
            expected["order"].append(f"ZNAK{n}")
            if _ % 2 == 1:
                story.append(FrameBreak())
        for _ in range(2):
            fn += 1
            story.append(Paragraph(f"{fn} Opomba OPOMBA{fn} pojasnjuje vir podatkov iz leta 2024.", note))
            expected["order"].append(f"OPOMBA{fn}")
        if page < pages - 1:
            story.append(NextPageTemplate("page"))
            story.append(FrameBreak())
    out = io.BytesIO()
    doc.filename = out
    doc.build(story)
    return out.getvalue(), expected


def fpdf_pdf(pages: int = 3) -> tuple[bytes, dict]:
    """The same content made by fpdf2 (its own layout code): header, footer, heading, a paragraph
    hyphenated at a line end, two columns, a table, footnotes."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font("helvetica", size=9)
            self.cell(0, 8, HEADER_ASCII, new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=9)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = Report(format="A4")
    pdf.set_auto_page_break(False)
    expected = {"order": []}
    n = heading = cell = fn = 0
    for page in range(pages):
        pdf.add_page()
        heading += 1
        pdf.set_font("helvetica", "B", 16)
        pdf.cell(0, 10, f"Poglavje NASLOV{heading}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("helvetica", size=10)
        n += 1
        pdf.multi_cell(0, 5, ascii_text(paragraph(n, 45)), new_x="LMARGIN", new_y="NEXT")
        expected["order"] += [f"NASLOV{heading}", f"ZNAK{n}"]
        pdf.ln(6)
        if page == 0:
            with pdf.table(col_widths=(50, 50, 50), width=150, align="LEFT") as table:
                for _row in range(3):
                    row = table.row()
                    for _col in range(3):
                        cell += 1
                        row.cell(f"CELICA{cell} vrednost")
                        expected["order"].append(f"CELICA{cell}")
            pdf.ln(6)
        top = pdf.get_y()
        column_w = (pdf.w - pdf.l_margin - pdf.r_margin) / 2 - 5
        for col in range(2):
            pdf.set_xy(pdf.l_margin + col * (column_w + 10), top)
            for _ in range(2):
                n += 1
                x = pdf.get_x()
                pdf.multi_cell(column_w, 5, ascii_text(paragraph(n, 40)), new_x="LEFT", new_y="NEXT")
                pdf.set_x(x)
                pdf.ln(5)
                pdf.set_x(x)
                expected["order"].append(f"ZNAK{n}")
        pdf.set_font("helvetica", size=7)
        pdf.set_y(-40)
        for _ in range(2):
            fn += 1
            pdf.cell(0, 4, f"{fn} Opomba OPOMBA{fn} pojasnjuje vir podatkov.", new_x="LMARGIN", new_y="NEXT")
            expected["order"].append(f"OPOMBA{fn}")
    return bytes(pdf.output()), expected


HEADER_ASCII = "Letno porocilo obcine Zgornja vas"


def ascii_text(text: str) -> str:
    """fpdf2's core fonts are Latin-1: č š ž become c s z."""
    return text.translate(str.maketrans("čšžČŠŽ", "cszCSZ"))


# -- hostile PDFs, written object by object ------------------------------------------------------


def raw_pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF of ``objects`` (object n is ``objects[n - 1]``, without its ``n 0 obj`` line) with a
    correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        trailer_extra,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    """A stream object's body (``data`` Flate-compressed when asked)."""
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(content: bytes, compress: bool = False) -> list[bytes]:
    """Catalog, page tree, one page with ``content`` in Helvetica, the font."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(content, compress=compress),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


TEXT = b"BT /F1 12 Tf 72 700 Td (Vlada je sprejela proracun za prihodnje leto.) Tj ET"


def bomb(size: int = 2**30) -> bytes:
    """One page whose content stream is ``size`` zero bytes Flate-compressed (about 1 MB per GB)."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * 2**20
    packed = b"".join(packer.compress(chunk) for _ in range(size // len(chunk))) + packer.flush()
    objects = one_page(TEXT)
    objects[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    return raw_pdf(objects)


def many_pages(pages: int = 10_000) -> bytes:
    """``pages`` empty pages in one flat page tree."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    return raw_pdf(objects)


def deep_page_tree(levels: int = 5_000) -> bytes:
    """A page tree ``levels`` deep: each /Pages node has one kid, the last is the one page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (3 + level))
    page = len(objects) + 1
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
        % (page + 1, page + 2)
    )
    objects.append(stream(TEXT))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return raw_pdf(objects)


def deep_arrays(levels: int = 100_000) -> bytes:
    """One page whose content stream opens ``levels`` nested arrays, and whose page dictionary
    holds as many nested dictionaries."""
    objects = one_page(b"[" * levels + b"]" * levels + b" pop " + TEXT)
    objects[2] = objects[2][:-2] + b" /Deep " + b"<< /A " * levels + b"1" + b" >>" * levels + b" >>"
    return raw_pdf(objects)


def form_bomb(levels: int = 8, fanout: int = 20, leaf: bytes = b"0 0 m 10 10 l S") -> bytes:
    """One page that draws form 1 ``fanout`` times, which draws form 2 ``fanout`` times ... the
    last draws ``leaf`` (a line): ``fanout ** levels`` drawings from a file of a few kilobytes."""
    objects = one_page(b"q " + b"/X1 Do " * fanout + b"Q " + TEXT)
    first = len(objects) + 1  # form k is object first + k - 1
    objects[2] = objects[2].replace(
        b"/Font << /F1 5 0 R >>", b"/Font << /F1 5 0 R >> /XObject << /X1 %d 0 R >>" % first
    )
    for level in range(1, levels + 1):
        if level < levels:
            body = b"/X%d Do " % (level + 1) * fanout
            resources = b"/XObject << /X%d %d 0 R >>" % (level + 1, first + level)
        else:
            body, resources = leaf, b"/Font << /F1 5 0 R >>"
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << %s >> /Length %d >>\nstream\n"
            % (resources, len(body))
            + body
            + b"\nendstream"
        )
    return raw_pdf(objects)
