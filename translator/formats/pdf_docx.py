"""The .docx a translated PDF becomes (python-docx): headings, paragraphs, lists, tables and
footnotes in reading order, the repeated page header and footer once in the section's."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any, Literal

import docx
from docx.shared import Pt

BlockKind = Literal["heading", "paragraph", "bullet", "number", "footnote", "table"]


@dataclass
class Block:
    """One block of the output, in reading order. ``prefix`` is kept as it is (a list number, a
    footnote mark); ``rows`` are a table's cells."""

    kind: BlockKind
    text: str = ""
    level: int = 0
    prefix: str = ""
    rows: list[list[str]] = field(default_factory=list)


def write_docx(blocks: list[Block], headers: list[str], footers: list[str]) -> bytes:
    """The .docx for ``blocks`` (translated) with ``headers``/``footers`` as page furniture."""
    document = docx.Document()
    # Fixed metadata: the same translation gives the same file.
    properties = document.core_properties
    properties.created = properties.modified = datetime.datetime(2000, 1, 1)
    properties.author = properties.last_modified_by = "translator"
    properties.revision = 1
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=max(1, min(3, block.level)))
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "number":
            document.add_paragraph(f"{block.prefix} {block.text}", style="List Paragraph")
        elif block.kind == "footnote":
            paragraph = document.add_paragraph()
            if block.prefix:
                mark = paragraph.add_run(block.prefix)
                mark.font.superscript = True
                mark.font.size = Pt(8)
                paragraph.add_run(" ").font.size = Pt(8)
            paragraph.add_run(block.text).font.size = Pt(8)
        elif block.kind == "table":
            columns = max(len(row) for row in block.rows)
            table = document.add_table(rows=len(block.rows), cols=columns)
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(block.text)
    section = document.sections[0]
    for text in headers:
        _furniture(section.header, text)
    for text in footers:
        _furniture(section.footer, text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _furniture(part: Any, text: str) -> None:  # a section's header or footer
    first = part.paragraphs[0] if part.paragraphs and not part.paragraphs[0].text else None
    if first is not None:
        first.text = text
    else:
        part.add_paragraph(text)
