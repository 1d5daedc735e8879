"""The glossary: terms match inflected forms (lemmagen3), the English honours a term through the
engine's n-best list, a term the English lacks is warned about and lowers the confidence,
sentences without a term never reach n_best; CSV and TBX files, hostile TBX refused; the CLI."""

from __future__ import annotations

import json
import re

import pytest

from translator import Translator, cli
from translator.core.generation import n_best
from translator.core.terms import MISSING_TERM_PENALTY
from translator.formats import FileFormatError
from translator.formats.glossary import parse_glossary, read_glossary
from translator.results import confidence
from translator.text.terms import MAX_TERMS, Term, Terms, contains_english

ENGINES = [pytest.param("hf", id="hf"), pytest.param("ct2", id="ct2")]
TERM = "predsednik vlade"
SENTENCE = "Predsednika vlade so včeraj obiskali v Ljubljani."
OTHER = "Vreme bo jutri sončno in toplo."


def make(tiny_models, engine: str, terms: Terms | None, **options) -> Translator:
    dtype = "float32" if engine == "ct2" else None
    return Translator(
        str(tiny_models.marian), engine=engine, dtype=dtype, source="sl", terms=terms, **{"num_beams": 2, **options}
    )


def n_best_spy(monkeypatch, engine) -> list[list[list[int]]]:
    """Records the batch of every ``engine.n_best`` call (the real one runs)."""
    calls: list[list[list[int]]] = []
    real = engine.n_best

    def recording(batch, **kwargs):
        calls.append(batch)
        return real(batch, **kwargs)

    monkeypatch.setattr(engine, "n_best", recording)
    return calls


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"\w+", text)}


# -- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence", ["Predsednik vlade je govoril.", "Predsednika vlade ni bilo.", "Pisali so predsedniku vlade."]
)
def test_a_term_matches_its_inflected_forms(sentence):
    [need] = Terms([Term(TERM, "prime minister")]).required(sentence, "sl")
    assert need.english == "prime minister"
    assert need.found.lower().startswith("predsednik")


def test_a_term_does_not_match_other_words_or_other_languages():
    terms = Terms([Term(TERM, "prime minister", "sl")])
    assert terms.required("Vlada je sprejela predlog predsednika.", "sl") == []
    assert terms.required("Predsednika vlade ni bilo.", "hr") == []  # a Slovenian term only
    assert Terms([Term("vlada", "government")]).required("Vlade ni.", "mk")  # word endings without a lemmatiser


def test_a_request_s_terms_win_over_the_server_s_and_each_keeps_its_own_cap():
    server = Terms([Term(f"izraz{n}", f"term {n}") for n in range(MAX_TERMS - 1)] + [Term(TERM, "premier")])
    server.required("x", "sl")  # indexed once
    merged = server.merged(Terms([Term(TERM, "prime minister")], keep=["NLB"]))
    assert [(r.kind, r.english) for r in merged.required("Predsednika vlade in NLB.", "sl")] == [
        ("glossary", "prime minister"),
        ("keep", "NLB"),
    ]
    assert [r.english for r in server.required("Predsednika vlade.", "sl")] == ["premier"]
    assert merged._layers[1]._indexes is server._indexes  # the server's index is not built again
    assert merged.fingerprint() != server.fingerprint()


def test_the_english_is_checked_as_whole_words_case_aside():
    assert contains_english("The Prime\nMinister spoke.", "prime minister")
    assert not contains_english("The prime ministers spoke.", "prime minister")


def test_bad_terms_are_refused_by_name():
    with pytest.raises(ValueError, match="non-empty"):
        Terms([Term(" ", "x")])
    with pytest.raises(ValueError, match="longer than"):
        Terms(keep=["x" * 500])


# -- files -----------------------------------------------------------------------------------


def test_csv_and_tbx_glossaries_are_read(tmp_path):
    csv_file = tmp_path / "g.csv"
    csv_file.write_text("source,target,language\npredsednik vlade,prime minister,sl\nDržavni zbor,National Assembly\n")
    assert read_glossary(csv_file) == [
        Term("predsednik vlade", "prime minister", "sl"),
        Term("Državni zbor", "National Assembly", None),
    ]
    tbx = b"""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="1">
    <langSet xml:lang="sl"><tig><term>predsednik vlade</term></tig></langSet>
    <langSet xml:lang="hr"><tig><term>predsjednik vlade</term></tig></langSet>
    <langSet xml:lang="en"><tig><term>prime minister</term></tig></langSet>
  </termEntry>
</body></text></martif>"""
    assert parse_glossary(tbx, "g.tbx") == [
        Term("predsednik vlade", "prime minister", "sl"),
        Term("predsjednik vlade", "prime minister", "hr"),
    ]


def test_tbx_v3_is_read():
    tbx = b"""<?xml version="1.0" encoding="UTF-8"?>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en"><text><body>
  <conceptEntry id="c1">
    <langSec xml:lang="en-GB"><termSec><term>National Assembly</term></termSec></langSec>
    <langSec xml:lang="sl"><termSec><term>Dr\xc5\xbeavni zbor</term></termSec></langSec>
  </conceptEntry>
</body></text></tbx>"""
    assert parse_glossary(tbx, "g.tbx") == [Term("Državni zbor", "National Assembly", "sl")]


def test_hostile_and_bad_glossaries_are_refused():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<martif><text><body><termEntry><langSet xml:lang="sl"><tig><term>&lol2;</term></tig></langSet>
<langSet xml:lang="en"><tig><term>x</term></tig></langSet></termEntry></body></text></martif>"""
    with pytest.raises(FileFormatError, match="entities"):
        parse_glossary(bomb, "bomb.tbx")
    with pytest.raises(FileFormatError, match="row 2"):
        parse_glossary(b"a,b\nonly-one-cell\n", "g.csv")
    with pytest.raises(FileFormatError, match="at most"):
        parse_glossary(b"a,b\n" * (5 * 1024 * 1024), "big.csv")


# -- the English honours a term, on both engines ---------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_an_inflected_term_selects_the_n_best_hypothesis_with_its_english(tiny_models, engine, monkeypatch):
    plain = make(tiny_models, engine, None)
    best = plain.translate(SENTENCE)
    hypotheses = n_best(plain.model, [SENTENCE], plain.options, 8)[0]
    # an English "term" the model's own n-best list holds but its best translation lacks
    english = next(
        (w for hypothesis in hypotheses[1:] for w in sorted(words(hypothesis) - words(best)) if w.isalpha()), None
    )
    if english is None:
        pytest.skip("the tiny model's n-best list has no word its best translation lacks")
    translator = make(tiny_models, engine, Terms([Term(TERM, english)]))
    calls = n_best_spy(monkeypatch, translator.model.engine)
    result = translator.translate_document(SENTENCE)
    [segment] = [s for s in result.segments if s.translated]
    assert contains_english(segment.target, english)
    assert segment.target == next(h for h in hypotheses if contains_english(h, english))
    assert segment.target != best
    assert not [w for w in segment.warnings if "glossary" in w]
    assert len(calls) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_a_term_no_hypothesis_holds_is_warned_about_and_lowers_the_confidence(tiny_models, engine):
    plain = make(tiny_models, engine, None).translate_document(SENTENCE)
    translator = make(tiny_models, engine, Terms([Term(TERM, "Zyxwvut Qwerty")]))
    result = translator.translate_document(SENTENCE)
    [before] = [s for s in plain.segments if s.translated]
    [segment] = [s for s in result.segments if s.translated]
    assert segment.target == before.target  # the model's best, unchanged
    assert any("'Zyxwvut Qwerty'" in w and "glossary" in w for w in segment.warnings)
    assert any("Zyxwvut Qwerty" in w for w in result.warnings)
    assert segment.score == pytest.approx(before.score - MISSING_TERM_PENALTY)
    assert confidence(segment.score) < confidence(before.score)


@pytest.mark.parametrize("engine", ENGINES)
def test_sentences_without_a_term_never_reach_n_best_and_are_unchanged(tiny_models, engine, monkeypatch, generate_spy):
    text = f"{OTHER} {OTHER.replace('jutri', 'danes')}"
    plain = make(tiny_models, engine, None, retry_repetitions=False).translate_document(text)
    terms = Terms([Term(TERM, "prime minister")], keep=["NLB d.d."])
    translator = make(tiny_models, engine, terms, retry_repetitions=False)
    n_best_calls = n_best_spy(monkeypatch, translator.model.engine)
    generate_calls = generate_spy(translator.model.engine)
    result = translator.translate_document(text)
    assert n_best_calls == []
    assert len(generate_calls) == 1  # the sentences' one call, as without terms
    assert result.text == plain.text
    assert [s.score for s in result.segments] == [s.score for s in plain.segments]


def test_only_the_sentences_with_a_term_go_to_n_best(tiny_models, monkeypatch):
    translator = make(tiny_models, "hf", Terms([Term(TERM, "Zyxwvut")]))
    calls = n_best_spy(monkeypatch, translator.model.engine)
    translator.translate(f"{OTHER} {SENTENCE}")
    assert [row for batch in calls for row in batch] == translator.model.encode([SENTENCE])


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_translate_with_a_glossary_warns_about_a_missing_term(tiny_env, tmp_path, capsys):
    glossary = tmp_path / "terms.csv"
    glossary.write_text(f"{TERM},Zyxwvut Qwerty,sl\n", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text(SENTENCE, encoding="utf-8")
    code = cli.main(["translate", str(source), "--source", "sl", "--glossary", str(glossary), "--json"])
    out = capsys.readouterr()
    assert code == 0
    data = json.loads(out.out)
    assert any("Zyxwvut Qwerty" in w for w in data["warnings"])


def test_cli_refuses_a_bad_glossary_by_name(tiny_env, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("just one cell\n", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text(SENTENCE, encoding="utf-8")
    with pytest.raises(SystemExit) as exit:
        cli.main(["translate", str(source), "--glossary", str(bad)])
    assert exit.value.code == 2
    assert "bad.csv: row 1" in capsys.readouterr().err


def test_a_sentence_the_memory_answers_is_the_editors_own_and_the_glossary_leaves_it(
    tiny_models, tmp_path, monkeypatch
):
    """The memory answers first; its approved English is not checked against the glossary (no
    n_best, no warning), while a sentence the model translates still is."""
    from translator.core.memory import Pair, SqliteMemory

    memory = SqliteMemory(tmp_path / "memory.sqlite")
    approved = "The prime minister's visit was yesterday, in Ljubljana."
    memory.add([Pair("sl", SENTENCE, approved)])
    translator = make(tiny_models, "hf", Terms([Term(TERM, "zzglossaryterm")]), memory=memory)
    calls = n_best_spy(monkeypatch, translator.model.engine)

    [recalled] = translator.translate_document(SENTENCE).segments
    assert recalled.origin == "memory" and recalled.target == approved and not recalled.warnings
    assert calls == []  # the editors' English is not second-guessed
    model_made = translator.translate_document("Včeraj je predsednik vlade govoril.").segments[0]
    assert model_made.origin == "model" and len(calls) == 1  # a sentence from the model is checked
    assert any("zzglossaryterm" in warning for warning in model_made.warnings)
