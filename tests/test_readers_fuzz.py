"""Property-based fuzzing of every reader through ``read_bytes``: whatever the bytes, the result is
a Document or a FileFormatError (FileTooLargeError and MarkupTooComplexError included), never
another exception; and a Document always renders, as it is and with every unit changed."""

from __future__ import annotations

import io
import zipfile

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator.files import Document, FileFormatError, read_bytes, render_document

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_BYTES = 4 * 2**20
SUFFIXES = (".txt", ".md", ".html", ".docx", ".srt")


def check(data: bytes, suffix: str) -> None:
    """Read ``data``: a Document that renders (identity and changed units), or FileFormatError."""
    try:
        doc = read_bytes(data, "x" + suffix, MAX_BYTES, max_chars=20_000)
    except FileFormatError:
        return
    assert isinstance(doc, Document)
    assert all(isinstance(unit, str) for unit in doc.units)
    rendered = render_document(doc, list(doc.units))
    assert isinstance(rendered, bytes)
    render_document(doc, [f"EN {unit.upper()} <&>`*" for unit in doc.units])
    render_document(doc, ["" for _ in doc.units])


# -- any bytes --------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(SUFFIXES))
def test_any_bytes(data: bytes, suffix: str) -> None:
    check(data, suffix)


@FUZZ
@given(st.text(max_size=2000), st.sampled_from(SUFFIXES), st.sampled_from(["utf-8", "utf-16", "cp1250", "utf-32"]))
def test_any_text(text: str, suffix: str, encoding: str) -> None:
    check(text.encode(encoding, errors="replace"), suffix)


# -- structured: HTML, Markdown, subtitles ------------------------------------------------------

WORDS = st.sampled_from(["Dober", "dan", "šola", "žaba", "čaša", "1", "2.", "a", "  ", "\n", "\t", "&amp;",
                         "&nbsp;", "&#269;", "&", "<", ">", "'", '"', "`", "*", "_", "[", "]", "(", ")", "\\",
                         "|", "#", "-", "--", "!", "\r\n", "\xa0", "x" * 30])
TEXT = st.lists(WORDS, max_size=8).map(" ".join)
TAGS = st.sampled_from(["p", "b", "i", "a", "span", "div", "li", "ul", "td", "tr", "table", "h1", "br", "img",
                        "code", "pre", "script", "style", "svg", "title", "meta", "textarea", "template", "em"])
ATTRIBUTES = st.lists(st.tuples(st.sampled_from(["title", "alt", "class", "translate", "href", "name", "content",
                                                 "charset", "aria-label", "placeholder", "x"]),
                                st.sampled_from(["Dober dan", "no", "notranslate", "description", "utf-8",
                                                 "cp1250", "", "a'b", 'a"b', "<b>"])), max_size=3)


def _element(tag: str, attributes: list[tuple[str, str]], children: list[str], closed: bool) -> str:
    attrs = "".join(f' {name}="{value}"' if '"' not in value else f" {name}='{value}'" for name, value in attributes)
    return f"<{tag}{attrs}>" + "".join(children) + (f"</{tag}>" if closed else "")


HTML = st.recursive(
    TEXT | st.sampled_from(["<!-- komentar -->", "<!DOCTYPE html>", "<?xml version='1.0' encoding='cp1250'?>",
                            "<![CDATA[x]]>", "</p>", "<br/>", "<!--", "<a b='", "&", "<"]),
    lambda children: st.builds(_element, TAGS, ATTRIBUTES, st.lists(children, max_size=4), st.booleans()),
    max_leaves=30,
)


@FUZZ
@given(st.lists(HTML, max_size=6).map("".join), st.sampled_from(["utf-8", "cp1250", "utf-16"]))
def test_html_fragments(markup: str, encoding: str) -> None:
    check(markup.encode(encoding, errors="replace"), ".html")


MARKERS = st.sampled_from(["", "# ", "## ", "> ", "> > ", "- ", "* ", "1. ", "    ", "\t", "| ", "```", "~~~",
                           "---", "***", "[x]: http://a ", "- [ ] ", "<div>", "<!-- ", "$$", "=== "])
INLINE = st.sampled_from(["*", "**", "_", "__", "~~", "`", "``", "[", "](http://a)", "![", "<http://a>", "<b>",
                          "</b>", "\\*", "&amp;", "  \n", "\\\n", " | ", "|"])
LINE = st.lists(st.one_of(MARKERS, INLINE, TEXT), max_size=8).map("".join)


@FUZZ
@given(st.lists(LINE, max_size=20), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_markdown_fragments(lines: list[str], newline: str, front_matter: bool) -> None:
    text = ("---\ntitle: x\n---\n" if front_matter else "") + "\n".join(lines)
    check(text.replace("\n", newline).encode(), ".md")


TIME = st.builds("{:02d}:{:02d}:{:02d}{}{:03d}".format, st.integers(0, 99), st.integers(0, 99),
                 st.integers(0, 99), st.sampled_from([",", ".", ":"]), st.integers(0, 999))
CUE = st.builds(
    lambda index, start, arrow, end, lines: f"{index}\n{start}{arrow}{end}\n" + "\n".join(lines) + "\n\n",
    st.one_of(st.integers(-5, 10**6).map(str), st.just(""), st.just("1.5")), TIME,
    st.sampled_from([" --> ", "-->", " -> ", " - > "]), TIME,
    st.lists(st.one_of(TEXT, st.sampled_from(["<i>Ja</i>", "{\\an8}Ne", "<font color=red>x", "", " "])),
             max_size=3),
)


@FUZZ
@given(st.lists(st.one_of(CUE, TEXT), max_size=8).map("".join), st.sampled_from(["\n", "\r\n"]))
def test_subtitle_fragments(text: str, newline: str) -> None:
    check(text.replace("\n", newline).encode(), ".srt")


# -- docx: random archives and damaged documents -----------------------------------------------


def _valid_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Dober dan, svet.")
    document.add_paragraph("Druga vrstica.").runs[0].bold = True
    document.sections[0].header.paragraphs[0].text = "Glava"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


VALID = _valid_docx()
with zipfile.ZipFile(io.BytesIO(VALID)) as _zip:
    PARTS = {info.filename: _zip.read(info.filename) for info in _zip.infolist()}
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
BODY = st.lists(
    st.sampled_from(["<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", '<w:t xml:space="preserve">',
                     "Dober dan", " šola ", "1", "<w:br/>", "<w:cr/>", "<w:tab/>", "<w:tbl><w:tr><w:tc>",
                     "</w:tc></w:tr></w:tbl>", "<w:del>", "</w:del>", "<w:pPr/>", "<w:rPr><w:b/></w:rPr>",
                     "<w:hyperlink>", "</w:hyperlink>", "<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>",
                     "<mc:AlternateContent><mc:Fallback>", "</mc:Fallback></mc:AlternateContent>",
                     "<w:txbxContent>", "</w:txbxContent>", "<w:sectPr/>", "&amp;", "<x/>"]),
    max_size=30,
).map(lambda parts: f'<?xml version="1.0"?><w:document {W} {MC}><w:body>{"".join(parts)}</w:body></w:document>'
       .encode())
XML = st.one_of(st.binary(max_size=300), st.sampled_from(list(PARTS.values())), BODY,
                st.just(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'))


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """The valid document's zip with a few members replaced (mostly word/document.xml by random
    Word XML), dropped or added; deflated or stored."""
    members = dict(PARTS)
    names = list(PARTS) + ["word/extra.xml", "../evil.xml", "word/media/x.png"]
    changes = st.tuples(st.sampled_from(["body", "body", "replace", "drop"]), st.sampled_from(names))
    for action, name in draw(st.lists(changes, max_size=3)):
        if action == "body":
            members["word/document.xml"] = draw(BODY)
        elif action == "replace":
            members[name] = draw(XML)
        else:
            members.pop(name, None)
    method = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@FUZZ
@given(archives())
def test_docx_random_archives(data: bytes) -> None:
    check(data, ".docx")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=5),
       st.integers(0, len(VALID)))
def test_docx_damaged_bytes(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID)
    for at, value in flips:
        data[at] = value
    check(bytes(data[: max(cut, len(VALID) - 200)]), ".docx")
    check(bytes(data), ".docx")
