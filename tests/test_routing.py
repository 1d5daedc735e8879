"""Documents are routed by language through the one pipeline: South Slavic sources are
translated, English is copied untouched, anything else is refused unless the source is forced."""

from __future__ import annotations

import pytest

from translator.core import pipeline
from translator.core.translate import Translator
from translator.text.language import UnsupportedLanguageError

SLOVENIAN = (
    "Vlada je v četrtek sprejela predlog proračuna za prihodnji leti. Minister za finance je "
    "povedal, da bodo javni izdatki rasli počasneje kot lani."
)
CROATIAN = (
    "Vlada je u četvrtak prihvatila prijedlog proračuna za sljedeće dvije godine. Ministar financija "
    "rekao je da će javna potrošnja rasti sporije nego prošle godine."
)
SERBIAN_CYRILLIC = (
    "Влада је у четвртак усвојила предлог буџета за наредне две године. Министар финансија "
    "рекао је да ће јавна потрошња расти спорије него прошле године."
)
BULGARIAN = (
    "Правителството прие в четвъртък проектобюджета за следващите две години. Финансовият министър "
    "заяви, че публичните разходи ще растат по-бавно от миналата година."
)
ENGLISH = (
    "The government adopted the draft budget for the next two years on Thursday. The finance "
    "minister said that public spending would grow more slowly than last year."
)
GERMAN = (
    "Die Regierung hat am Donnerstag den Haushaltsentwurf für die nächsten zwei Jahre angenommen. "
    "Der Finanzminister sagte, die öffentlichen Ausgaben würden langsamer wachsen als im Vorjahr."
)


@pytest.mark.parametrize(
    "text, language", [(SLOVENIAN, "sl"), (CROATIAN, "hr"), (SERBIAN_CYRILLIC, "sr"), (BULGARIAN, "bg")]
)
def test_south_slavic_sources_are_translated_and_named(tiny_env, text, language):
    result = pipeline.run(text, Translator(num_beams=1))
    assert result.language == language
    assert result.segments and all(s.translated for s in result.segments)
    assert result.to_dict()["language"] == language


def test_english_comes_back_untouched_without_a_model(monkeypatch):
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "/no/such/model")  # never loaded
    text = "  " + ENGLISH + "\n\nSecond paragraph, also English, with a list:\n- one\n- two\n"
    result = pipeline.run(text, Translator())
    assert result.translation == text
    assert result.language == "en" and result.notes == ["already English: copied unchanged"]
    assert not any(s.translated for s in result.segments)


def test_another_language_is_refused_naming_it_and_the_supported_ones(monkeypatch):
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "/no/such/model")
    with pytest.raises(UnsupportedLanguageError) as info:
        pipeline.run(GERMAN, Translator())
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "German" in message and "Slovenian" in message and "Bulgarian" in message and "source=" in message


def test_a_forced_source_is_obeyed(tiny_env):
    result = pipeline.run(GERMAN, Translator(num_beams=1, source="sl"))
    assert result.language == "sl" and all(s.translated for s in result.segments)
    with pytest.raises(ValueError, match="auto, sl, hr"):
        Translator(source="xx")


def test_an_english_paragraph_in_a_slovenian_article_is_copied(tiny_env, generate_spy):
    article = f"{SLOVENIAN}\n\n{ENGLISH}\n\n{SLOVENIAN.replace('četrtek', 'petek')}\n"
    translator = Translator(num_beams=1)
    calls = generate_spy(translator.model.engine)
    result = pipeline.run(article, translator)
    paragraphs = result.translation.split("\n\n")
    assert paragraphs[1] == ENGLISH  # verbatim
    assert paragraphs[0] != SLOVENIAN and paragraphs[2].strip() != SLOVENIAN.replace("četrtek", "petek")
    assert result.language == "sl" and any("paragraph 2" in note for note in result.notes)
    sent = {tuple(ids) for call in calls for ids in call.batch}
    english_ids = {
        tuple(ids) for ids in translator.model.encode([s.source for s in result.segments if s.paragraph == 1])
    }
    assert not sent & english_ids  # no English sentence reached the model


def test_cli_json_shows_the_detected_language_and_refuses_german(tiny_env, capsys, monkeypatch):
    import json
    from io import StringIO

    from translator.cli import main

    monkeypatch.setattr("sys.stdin", StringIO(CROATIAN))
    assert main(["translate", "-", "--json", "--beams", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "hr"
    monkeypatch.setattr("sys.stdin", StringIO(GERMAN))
    assert main(["translate", "-"]) == 1
    assert "German" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", StringIO(GERMAN))
    assert main(["translate", "-", "--source", "sl", "--beams", "1", "--quiet"]) == 0


def test_units_are_routed_by_their_whole_document(tiny_env):
    """A file's units (paragraphs, cells, cues) share one language decision: a short or foreign-looking
    unit is never refused on its own, and an English unit inside a Slovenian file is copied."""
    units = ["Foto: Reuters", SLOVENIAN, "Die Regierung hat am Donnerstag getagt.", ENGLISH, "1:0"]
    [result] = pipeline.run_documents([units], Translator(num_beams=1))
    assert result.language == "sl"
    assert result.parts[3] == ENGLISH and result.parts[4] == "1:0"
    assert result.parts[1] != SLOVENIAN
    assert any("part 4" in note for note in result.notes)
    [english] = pipeline.run_documents([[ENGLISH, "Second paragraph, in English as well."]], Translator())
    assert english.parts == [ENGLISH, "Second paragraph, in English as well."]
    assert english.notes == ["already English: copied unchanged"]
    with pytest.raises(UnsupportedLanguageError):
        pipeline.run_documents([[GERMAN, GERMAN]], Translator())


def test_the_page_status_names_the_language_and_the_notes(monkeypatch):
    from translator.server import Settings
    from translator.server.page.render import status_text

    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "/no/such/model")
    result = pipeline.run(ENGLISH, Translator())
    line = status_text(result, 0.2)
    assert "English (en)" in line and "already English: copied unchanged" in line
    with pytest.raises(ValueError, match="auto, sl"):
        Settings(source="de")
