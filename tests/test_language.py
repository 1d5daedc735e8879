"""Language detection and routing (translator.text.language): the real detector, no mocks of it."""

from __future__ import annotations

import socket
import sys
import threading

import pytest

from translator.text import language
from translator.text.language import (
    SUPPORTED_SOURCES,
    Detection,
    LanguageRoute,
    UnsupportedLanguageError,
    detect,
    detect_paragraphs,
    route_language,
    sentence_rules_for,
)

SLOVENIAN = (
    "Vlada je na današnji seji sprejela predlog zakona o pomoči gospodarstvu. "
    "Minister za finance je dejal, da bodo ukrepi veljali do konca leta."
)
CROATIAN = (
    "Vlada je na današnjoj sjednici prihvatila prijedlog zakona o pomoći gospodarstvu. "
    "Ministar financija rekao je da će mjere vrijediti do kraja godine."
)
SERBIAN_CYRILLIC = (
    "Влада Србије усвојила је на данашњој седници предлог закона о помоћи привреди. "
    "Министар финансија рекао је да ће мере важити до краја године."
)
SERBIAN_LATIN = "Predsednik Republike je posle sednice Vlade rekao da će se cene struje menjati sledeće nedelje."
BULGARIAN = (
    "Правителството одобри на днешното си заседание законопроекта за помощ на бизнеса. "
    "Министърът на финансите заяви, че мерките ще действат до края на годината."
)
ENGLISH = (
    "The government approved a bill to support businesses at its meeting today. "
    "The finance minister said the measures would apply until the end of the year."
)
GERMAN = (
    "Die Regierung hat heute einen Gesetzentwurf zur Unterstützung der Wirtschaft "
    "beschlossen. Der Finanzminister sagte, die Maßnahmen gälten bis Ende des Jahres."
)


@pytest.mark.parametrize(
    "text, code, script",
    [
        (SLOVENIAN, "sl", "Latn"),
        (CROATIAN, "hr", "Latn"),
        (SERBIAN_CYRILLIC, "sr", "Cyrl"),
        (SERBIAN_LATIN, "sr", "Latn"),
        (BULGARIAN, "bg", "Cyrl"),
    ],
)
def test_sources_are_detected_and_translated(text, code, script):
    found = detect(text)
    assert (found.language, found.script) == (code, script)
    assert 0.0 < found.confidence <= 1.0
    assert route_language(text) == LanguageRoute(code, found.confidence, "translate")


def test_english_passes_through():
    assert detect(ENGLISH).language == "en"
    decision = route_language(ENGLISH)
    assert decision.action == "passthrough" and decision.language == "en"
    assert decision.confidence > 0.9


def test_german_is_refused_with_a_message_that_names_it_and_the_fix():
    with pytest.raises(UnsupportedLanguageError) as caught:
        route_language(GERMAN)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.language == "de" and error.confidence > 0.9
    message = str(error)
    assert "German" in message and "source=" in message
    for name in SUPPORTED_SOURCES.values():
        assert name in message


def test_a_forced_source_overrides_detection():
    assert route_language(GERMAN, source="sl") == LanguageRoute("sl", 1.0, "translate")
    assert route_language(ENGLISH, source="hr") == LanguageRoute("hr", 1.0, "translate")
    assert route_language(SLOVENIAN, source="en") == LanguageRoute("en", 1.0, "passthrough")
    assert route_language(SLOVENIAN, source="sr-Cyrl").language == "sr"
    assert route_language(SLOVENIAN, source="slv").language == "sl"


def test_an_unknown_forced_source_names_the_valid_codes():
    for wrong in ("xx", "de"):
        with pytest.raises(ValueError, match="sl, hr, sr, bs, bg, mk"):
            route_language(SLOVENIAN, source=wrong)


def test_a_narrower_model_refuses_the_other_sources():
    with pytest.raises(UnsupportedLanguageError, match="Croatian") as caught:
        route_language(CROATIAN, supported=["sl"])
    assert "Bulgarian" not in str(caught.value)
    assert route_language(SLOVENIAN, supported=["sl"]).action == "translate"


@pytest.mark.parametrize("text", ["", "   \n\t ", "1:0 (0:0)", "— 12. 3. 2025 —", "***"])
def test_text_without_letters_is_undetermined_and_translates_nothing(text):
    assert detect(text) == Detection("und", 0.0, None)
    assert route_language(text) == LanguageRoute("sl", 0.0, "translate")
    assert route_language(text, source="bg") == LanguageRoute("bg", 1.0, "translate")


def test_a_short_ambiguous_text_is_translated_not_refused():
    # "Dober dan." alone looks a little German to the detector: too little to refuse it
    decision = route_language("Dober dan.")
    assert decision.action == "translate" and decision.language in SUPPORTED_SOURCES


def test_mixed_document_paragraphs():
    paragraphs = [
        "Slovenski košarkarji so v kvalifikacijah premagali Hrvaško in se uvrstili na prvenstvo.",
        "1:0",
        "Selektor je po tekmi poudaril, da je ekipa igrala zbrano in disciplinirano vse do konca.",
        "We are very proud of these players, they gave everything tonight, the coach told reporters.",
        "Naslednjo tekmo bodo igrali v nedeljo v Stožicah.",
        "Националният отбор на България загуби от Словения с 0:2 в квалификациите.",
        "(vd)",
    ]
    document = detect("\n\n".join(paragraphs))
    assert (document.language, document.script) == ("sl", "Latn")  # not Serbian for two scripts
    found = detect_paragraphs(paragraphs)
    assert [d.language for d in found] == ["sl", "sl", "sl", "en", "sl", "bg", "sl"]
    assert found[1] == document and found[6] == document  # too little evidence: inherited
    assert found[3].confidence >= language.SWITCH_CONFIDENCE
    assert found[5].script == "Cyrl"
    assert detect_paragraphs([]) == []


def test_a_long_document_is_sampled_and_still_detected(monkeypatch):
    text = (SLOVENIAN + "\n\n") * 1500  # ~250,000 characters
    real = language._detector()
    seen: list[int] = []

    class Spy:
        def rank(self, sample):
            seen.append(len(sample))
            return real.rank(sample)

    monkeypatch.setattr(language, "_detector", Spy)
    assert detect(text).language == "sl"
    assert seen and max(seen) <= language._MAX_CHARS + 100  # judged on samples, not the whole text


@pytest.mark.parametrize(
    "tag, script, rules",
    [
        ("sl", None, "sl"),
        ("sl-SI", None, "sl"),
        ("hr", None, "hr"),
        ("bs", None, "hr"),
        ("sr", None, "hr"),
        ("sr-Latn", None, "hr"),
        ("sr", "Latn", "hr"),
        ("sr-Cyrl", None, "bg"),
        ("sr", "Cyrl", "bg"),
        ("bg", None, "bg"),
        ("mk", "Cyrl", "bg"),
        ("en", "Latn", "en"),
        ("und", None, "sl"),
        ("", None, "sl"),
        ("de", None, "de"),
    ],
)
def test_sentence_rules_for(tag, script, rules):
    assert sentence_rules_for(tag, script) == rules


def _no_network(*args, **kwargs):
    raise OSError("network access during language detection")


def test_detection_never_touches_the_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, _no_network)
    for module in [m for m in sys.modules if m.startswith("py3langid")]:
        monkeypatch.delitem(sys.modules, module)  # import and load the detector afresh
    monkeypatch.setattr(language, "_identifier", None)
    assert detect(SLOVENIAN).language == "sl"
    assert language._identifier is not None


def test_many_threads_detect_at_once_with_one_detector(monkeypatch):
    from py3langid.langid import LanguageIdentifier

    texts = [SLOVENIAN, CROATIAN, SERBIAN_CYRILLIC, BULGARIAN, ENGLISH, GERMAN, "(vd)", ""]
    expected = [detect(text) for text in texts]
    built = []
    loaded = language._detector()

    asked = threading.Semaphore(0)
    seen_while_building = []

    def slow_load(cls, *args, **kwargs):
        built.append(threading.get_ident())
        # the race, proven: the first build finishes only once every thread has asked for a detector
        for _ in range(15):
            seen_while_building.append(asked.acquire(timeout=30))
        return loaded  # the model file was read once already (1-2 s); building is what counts

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(slow_load))
    monkeypatch.setattr(language, "_identifier", None)
    barrier = threading.Barrier(16)
    results: list[list[Detection]] = []

    real_detector = language._detector

    def counted():
        asked.release()
        return real_detector()

    monkeypatch.setattr(language, "_detector", counted)

    def work():
        barrier.wait()
        results.append([detect(text) for text in texts * 5])

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(built) == 1 and seen_while_building == [True] * 15
    assert len(results) == 16
    assert all(result == expected * 5 for result in results)


def test_names_and_codes():
    assert language.language_name("sl") == "Slovenian"
    assert language.language_name("de") == "German"
    assert language.language_name("xx") == "xx"
    assert language.normalize_code("SR_cyrl_RS") == ("sr", "Cyrl")
    assert language.normalize_code("mkd") == ("mk", None)
    assert set(SUPPORTED_SOURCES) == {"sl", "hr", "sr", "bs", "bg", "mk"}
    assert language.PASSTHROUGH == "en"
    assert set(language.CANDIDATES) >= {*SUPPORTED_SOURCES, "en", "de", "ru", "uk"}


# -- short texts: one decision for /detect, /translate, the page and the command line ----------

SHORT_ENGLISH = [
    "Good morning.",
    "Good morning",
    "Hello",
    "Hello there",
    "Thank you.",
    "Thanks!",
    "Good night.",
    "Please.",
    "See you soon.",
    "Happy birthday!",
    "Breaking news",
    "Good luck!",
]
SHORT_SOUTH_SLAVIC = [
    ("Dober dan.", "sl"),
    ("Hvala lepa.", "sl"),
    ("Lahko noč.", "sl"),
    ("Pozdravljeni!", "sl"),
    ("Dober večer.", "sl"),
    ("Hvala lijepa.", "hr"),
    ("Laku noć.", "hr"),
    ("Vijesti", "hr"),
    ("Dobar dan.", None),
    ("Kako ste?", None),
    ("Doviđenja.", None),
    ("Добро утро.", None),
    ("Хвала.", None),
    ("Благодаря.", None),
]


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_short_english_passes_through_and_is_detected_as_english(text):
    decision = route_language(text)
    assert (decision.language, decision.action) == ("en", "passthrough")
    found = language.identify(text)
    assert (found.language, found.confidence) == ("en", decision.confidence)


@pytest.mark.parametrize("text, code", SHORT_SOUTH_SLAVIC)
def test_short_south_slavic_is_translated_and_detected_the_same_way(text, code):
    decision = route_language(text)
    assert decision.action == "translate" and decision.language in SUPPORTED_SOURCES
    if code is not None:
        assert decision.language == code
    found = language.identify(text)
    assert (found.language, found.confidence) == (decision.language, decision.confidence)


def test_identify_names_only_languages_the_server_lists():
    listed = {*SUPPORTED_SOURCES, "en"}
    for text in (GERMAN, "Hola mundo", "😀", "123", "", "Bonjour tout le monde, comment allez-vous ?"):
        found = language.identify(text)
        assert found.language in listed and 0.0 <= found.confidence <= 1.0, (text, found)
    assert language.identify(GERMAN).confidence < 0.05  # a guess, and says so
    assert language.identify("😀") == Detection("sl", 0.0, None)  # as route_language() takes it: nothing to translate
    assert route_language("😀") == LanguageRoute("sl", 0.0, "translate")
    with pytest.raises(UnsupportedLanguageError):
        route_language(GERMAN)


def test_the_command_line_decides_as_the_server(tiny_env, monkeypatch, capsys):
    import io
    import json

    from translator import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO("Good morning."))
    assert cli.main(["translate", "-", "--json", "--beams", "1", "--engine", "hf"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["translation"] == "Good morning." and result["language"] == "en"
