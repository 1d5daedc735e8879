"""Do-not-translate strings: kept byte for byte in the English on both engines (random tiny models
copy nothing, so the sentence is cut around them), in plain text and in files; the CLI flags;
Markdown code and .docx runs in a "Do not translate" style kept as written."""

from __future__ import annotations

import io
import json

import pytest

from translator import Translator, cli
from translator.text.terms import Terms

ENGINES = [pytest.param("hf", id="hf"), pytest.param("ct2", id="ct2")]
KEPT = "NLB d.d."
CODE = "XR-2000/b"
SENTENCE = f"Banka {KEPT} je včeraj predstavila nov izdelek {CODE} v Ljubljani."


def make(tiny_models, engine: str, terms: Terms | None, **options) -> Translator:
    dtype = "float32" if engine == "ct2" else None
    return Translator(
        str(tiny_models.marian), engine=engine, dtype=dtype, source="sl", terms=terms, **{"num_beams": 2, **options}
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_kept_strings_are_byte_identical_in_the_english(tiny_models, engine):
    plain = make(tiny_models, engine, None).translate(SENTENCE)
    assert KEPT not in plain  # a random model copies nothing: the test means something
    result = make(tiny_models, engine, Terms(keep=[KEPT, CODE])).translate_document(
        f"{SENTENCE}\n\nVreme bo jutri lepo."
    )
    assert KEPT in result.text and CODE in result.text
    assert result.text.index(KEPT) < result.text.index(CODE)  # in source order
    [first, *_] = [s for s in result.segments if s.translated]
    assert KEPT in first.target and CODE in first.target
    assert not any("do-not-translate" in w for w in result.warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sentence_that_is_only_a_kept_string_is_kept(tiny_models, engine):
    result = make(tiny_models, engine, Terms(keep=["Ljubljanska banka"])).translate("Ljubljanska banka")
    assert result == "Ljubljanska banka"


def test_keep_and_glossary_together_on_one_sentence(tiny_models):
    from translator.text.terms import Term

    terms = Terms([Term("izdelek", "Zyxwvut")], keep=[KEPT])
    segment = next(s for s in make(tiny_models, "hf", terms).translate_document(SENTENCE).segments if s.translated)
    assert KEPT in segment.target
    assert any("glossary" in w and "Zyxwvut" in w for w in segment.warnings)


def test_markdown_code_is_kept_as_written(tiny_models, tmp_path):
    from translator.formats.files import read_document, render_document

    path = tmp_path / "a.md"
    path.write_text("Ukaz `pip install translator` namesti paket.\n\n```\nkoda ostane\n```\n", encoding="utf-8")
    doc = read_document(path)
    translator = make(tiny_models, "hf", None)
    text = render_document(doc, translator.translate_documents([doc.units])[0].parts).decode("utf-8")
    assert "`pip install translator`" in text
    assert "```\nkoda ostane\n```" in text


def test_docx_runs_in_a_do_not_translate_style_are_kept(tiny_models):
    docx = pytest.importorskip("docx")
    from docx.enum.style import WD_STYLE_TYPE

    from translator.formats.word import Docx

    document = docx.Document()
    document.styles.add_style("Do not translate", WD_STYLE_TYPE.CHARACTER)
    paragraph = document.add_paragraph("Podjetje ")
    paragraph.add_run("Krka Novo mesto", style="Do not translate")
    paragraph.add_run(" je objavilo rezultate.")
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = Docx(buffer.getvalue(), "a.docx")
    translator = make(tiny_models, "hf", None)
    english = translator.translate_documents([parsed.units])[0].parts
    out = docx.Document(io.BytesIO(parsed.render(english)))
    runs = [run for run in out.paragraphs[0].runs if run.style is not None and run.style.name == "Do not translate"]
    assert [run.text for run in runs] == ["Krka Novo mesto"]


def test_cli_keep_flags(tiny_env, tmp_path, capsys):
    source = tmp_path / "in.txt"
    source.write_text(SENTENCE, encoding="utf-8")
    keep_file = tmp_path / "keep.txt"
    keep_file.write_text(f"# names\n{CODE}\n", encoding="utf-8")
    code = cli.main(
        ["translate", str(source), "--source", "sl", "--keep", KEPT, "--keep-file", str(keep_file), "--json"]
    )
    assert code == 0
    english = json.loads(capsys.readouterr().out)["translation"]
    assert KEPT in english and CODE in english


def test_cli_batch_keeps_and_redoes_a_file_when_the_terms_change(tiny_env, tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "a.txt").write_text(SENTENCE, encoding="utf-8")
    assert cli.main(["batch", str(source), str(out), "--source", "sl", "--quiet", "--keep", KEPT]) == 0
    assert KEPT in (out / "a.txt").read_text(encoding="utf-8")
    assert cli.main(["batch", str(source), str(out), "--source", "sl", "--quiet", "--keep", CODE]) == 0
    english = (out / "a.txt").read_text(encoding="utf-8")
    assert CODE in english  # other terms: the file was translated again
