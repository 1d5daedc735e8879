"""Property-based fuzzing of every reader through ``read_bytes``: whatever the bytes, the result is
a Document or a FileFormatError (FileTooLargeError and MarkupTooComplexError included), never
another exception; and a Document always renders, as it is and with every unit changed."""

from __future__ import annotations

import io
import zipfile

import docx
import office
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator.formats.files import Document, FileFormatError, read_bytes, render_document

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_BYTES = 4 * 2**20
SUFFIXES = (".txt", ".md", ".html", ".docx", ".odt", ".odp", ".pptx", ".epub", ".srt")


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

WORDS = st.sampled_from(
    [
        "Dober",
        "dan",
        "šola",
        "žaba",
        "čaša",
        "1",
        "2.",
        "a",
        "  ",
        "\n",
        "\t",
        "&amp;",
        "&nbsp;",
        "&#269;",
        "&",
        "<",
        ">",
        "'",
        '"',
        "`",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "\\",
        "|",
        "#",
        "-",
        "--",
        "!",
        "\r\n",
        "\xa0",
        "x" * 30,
    ]
)
TEXT = st.lists(WORDS, max_size=8).map(" ".join)
TAGS = st.sampled_from(
    [
        "p",
        "b",
        "i",
        "a",
        "span",
        "div",
        "li",
        "ul",
        "td",
        "tr",
        "table",
        "h1",
        "br",
        "img",
        "code",
        "pre",
        "script",
        "style",
        "svg",
        "title",
        "meta",
        "textarea",
        "template",
        "em",
    ]
)
ATTRIBUTES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "title",
                "alt",
                "class",
                "translate",
                "href",
                "name",
                "content",
                "charset",
                "aria-label",
                "placeholder",
                "x",
            ]
        ),
        st.sampled_from(["Dober dan", "no", "notranslate", "description", "utf-8", "cp1250", "", "a'b", 'a"b', "<b>"]),
    ),
    max_size=3,
)


def _element(tag: str, attributes: list[tuple[str, str]], children: list[str], closed: bool) -> str:
    attrs = "".join(f' {name}="{value}"' if '"' not in value else f" {name}='{value}'" for name, value in attributes)
    return f"<{tag}{attrs}>" + "".join(children) + (f"</{tag}>" if closed else "")


HTML = st.recursive(
    TEXT
    | st.sampled_from(
        [
            "<!-- komentar -->",
            "<!DOCTYPE html>",
            "<?xml version='1.0' encoding='cp1250'?>",
            "<![CDATA[x]]>",
            "</p>",
            "<br/>",
            "<!--",
            "<a b='",
            "&",
            "<",
        ]
    ),
    lambda children: st.builds(_element, TAGS, ATTRIBUTES, st.lists(children, max_size=4), st.booleans()),
    max_leaves=30,
)


@FUZZ
@given(st.lists(HTML, max_size=6).map("".join), st.sampled_from(["utf-8", "cp1250", "utf-16"]))
def test_html_fragments(markup: str, encoding: str) -> None:
    check(markup.encode(encoding, errors="replace"), ".html")


MARKERS = st.sampled_from(
    [
        "",
        "# ",
        "## ",
        "> ",
        "> > ",
        "- ",
        "* ",
        "1. ",
        "    ",
        "\t",
        "| ",
        "```",
        "~~~",
        "---",
        "***",
        "[x]: http://a ",
        "- [ ] ",
        "<div>",
        "<!-- ",
        "$$",
        "=== ",
    ]
)
INLINE = st.sampled_from(
    [
        "*",
        "**",
        "_",
        "__",
        "~~",
        "`",
        "``",
        "[",
        "](http://a)",
        "![",
        "<http://a>",
        "<b>",
        "</b>",
        "\\*",
        "&amp;",
        "  \n",
        "\\\n",
        " | ",
        "|",
    ]
)
LINE = st.lists(st.one_of(MARKERS, INLINE, TEXT), max_size=8).map("".join)


@FUZZ
@given(st.lists(LINE, max_size=20), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_markdown_fragments(lines: list[str], newline: str, front_matter: bool) -> None:
    text = ("---\ntitle: x\n---\n" if front_matter else "") + "\n".join(lines)
    check(text.replace("\n", newline).encode(), ".md")


TIME = st.builds(
    "{:02d}:{:02d}:{:02d}{}{:03d}".format,
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from([",", ".", ":"]),
    st.integers(0, 999),
)
CUE = st.builds(
    lambda index, start, arrow, end, lines: f"{index}\n{start}{arrow}{end}\n" + "\n".join(lines) + "\n\n",
    st.one_of(st.integers(-5, 10**6).map(str), st.just(""), st.just("1.5")),
    TIME,
    st.sampled_from([" --> ", "-->", " -> ", " - > "]),
    TIME,
    st.lists(st.one_of(TEXT, st.sampled_from(["<i>Ja</i>", "{\\an8}Ne", "<font color=red>x", "", " "])), max_size=3),
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
    st.sampled_from(
        [
            "<w:p>",
            "</w:p>",
            "<w:r>",
            "</w:r>",
            "<w:t>",
            "</w:t>",
            '<w:t xml:space="preserve">',
            "Dober dan",
            " šola ",
            "1",
            "<w:br/>",
            "<w:cr/>",
            "<w:tab/>",
            "<w:tbl><w:tr><w:tc>",
            "</w:tc></w:tr></w:tbl>",
            "<w:del>",
            "</w:del>",
            "<w:pPr/>",
            "<w:rPr><w:b/></w:rPr>",
            "<w:hyperlink>",
            "</w:hyperlink>",
            "<w:sdt><w:sdtContent>",
            "</w:sdtContent></w:sdt>",
            "<mc:AlternateContent><mc:Fallback>",
            "</mc:Fallback></mc:AlternateContent>",
            "<w:txbxContent>",
            "</w:txbxContent>",
            "<w:sectPr/>",
            "&amp;",
            "<x/>",
        ]
    ),
    max_size=30,
).map(
    lambda parts: f'<?xml version="1.0"?><w:document {W} {MC}><w:body>{"".join(parts)}</w:body></w:document>'.encode()
)
XML = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(list(PARTS.values())),
    BODY,
    st.just(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'),
)


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
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=5),
    st.integers(0, len(VALID)),
)
def test_docx_damaged_bytes(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID)
    for at, value in flips:
        data[at] = value
    check(bytes(data[: max(cut, len(VALID) - 200)]), ".docx")
    check(bytes(data), ".docx")


# -- OpenDocument, PowerPoint, EPUB: random XML in the text members, damaged packages ------------

SAMPLES = {suffix: office.build(suffix) for suffix in (".odt", ".odp", ".pptx", ".epub")}
TEXT_MEMBERS = {
    ".odt": "content.xml",
    ".odp": "content.xml",
    ".pptx": "ppt/slides/slide1.xml",
    ".epub": "OEBPS/text/poglavje 1.xhtml",
}
ODF_ELEMENTS = [
    ("<text:p>", "</text:p>"),
    ("<text:h>", "</text:h>"),
    ('<text:span text:style-name="T1">', "</text:span>"),
    ("<text:a>", "</text:a>"),
    ("<text:note><text:note-body>", "</text:note-body></text:note>"),
    ("<text:page-number>", "</text:page-number>"),
    ("<draw:frame><draw:text-box>", "</draw:text-box></draw:frame>"),
    ("<text:list><text:list-item>", "</text:list-item></text:list>"),
    ("<table:table-cell>", "</table:table-cell>"),
    ("<presentation:notes>", "</presentation:notes>"),
    ("<text:tracked-changes>", "</text:tracked-changes>"),
    ("<text:ruby-text>", "</text:ruby-text>"),
]
ODF_LEAVES = [
    "<text:line-break/>",
    "<text:tab/>",
    '<text:s text:c="3"/>',
    "<text:s/>",
    "<!-- x -->",
    "<?pi x?>",
    "<x/>",
]
XHTML_ELEMENTS = [
    (f"<{tag}>", f"</{tag}>")
    for tag in "p h1 li ul b a code pre div td span script blockquote section title head body em".split()
]
XHTML_LEAVES = ["<br/>", "<img src='x'/>", "<!-- x -->", "<x/>"]
PPTX_ELEMENTS = [
    ("<a:p>", "</a:p>"),
    ("<a:r>", "</a:r>"),
    ("<a:t>", "</a:t>"),
    ("<a:fld>", "</a:fld>"),
    ("<p:txBody>", "</p:txBody>"),
    ("<mc:Fallback>", "</mc:Fallback>"),
]
PPTX_LEAVES = ["<a:br/>", "<a:rPr b='1'/>", "<x/>"]
WORDS_XML = st.sampled_from(["Dober dan", " šola ", "1", "&amp;", "&#269;", "\t", "\n", "  ", "x" * 30])


def _markup(elements: list[tuple[str, str]], leaves: list[str]) -> st.SearchStrategy[str]:
    """Well-formed markup from ``elements`` (open, close) around children, ``leaves`` and words;
    sometimes one stray tag that breaks it."""
    tree = st.recursive(
        st.one_of(WORDS_XML, st.sampled_from(leaves)),
        lambda children: st.builds(
            lambda pair, kids: pair[0] + "".join(kids) + pair[1],
            st.sampled_from(elements),
            st.lists(children, max_size=4),
        ),
        max_leaves=25,
    )
    stray = st.sampled_from([tag for pair in elements for tag in pair])
    return st.tuples(st.lists(tree, max_size=4).map("".join), st.one_of(*[st.just("")] * 5, stray)).map("".join)


MARKUP = {
    ".odt": _markup(ODF_ELEMENTS, ODF_LEAVES),
    ".odp": _markup(ODF_ELEMENTS, ODF_LEAVES),
    ".epub": _markup(XHTML_ELEMENTS, XHTML_LEAVES),
    ".pptx": _markup(PPTX_ELEMENTS, PPTX_LEAVES),
}


def _text_member(suffix: str, inner: str) -> bytes:
    if suffix == ".odt":
        return office.odf_content(f"<office:text>{inner}</office:text>").encode()
    if suffix == ".odp":
        return office.odf_content(f"<office:presentation><draw:page>{inner}</draw:page></office:presentation>").encode()
    if suffix == ".epub":
        return office.XHTML_HEAD.format(title="Naslov", body=inner).encode()
    return (
        '<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><p:cSld><p:spTree>'
        f"<p:sp><p:txBody>{inner}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    ).encode()


@st.composite
def office_documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """A sample document whose text member is random markup (or bytes), maybe stored."""
    suffix = draw(st.sampled_from(sorted(SAMPLES)))
    markup = MARKUP[suffix].map(lambda inner: _text_member(suffix, inner))
    content = draw(st.one_of(markup, markup, markup, st.binary(max_size=200)))
    out = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    with zipfile.ZipFile(io.BytesIO(SAMPLES[suffix])) as source, zipfile.ZipFile(out, "w", method) as archive:
        for info in source.infolist():
            data = content if info.filename == TEXT_MEMBERS[suffix] else source.read(info)
            if info.filename != "mimetype" or draw(st.booleans()):
                archive.writestr(info.filename, data)
    return out.getvalue(), suffix


@FUZZ
@given(office_documents())
def test_office_random_text_members(document: tuple[bytes, str]) -> None:
    check(*document)


@FUZZ
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=5),
    st.integers(0, 10**6),
)
def test_office_damaged_bytes(suffix: str, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(SAMPLES[suffix])
    for at, value in flips:
        data[at % len(data)] = value
    check(bytes(data[: max(cut % len(data), len(data) - 200)]), suffix)
    check(bytes(data), suffix)
