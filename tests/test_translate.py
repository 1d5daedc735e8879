"""The translation pipeline end to end on a tiny MarianMT (real classes, real generate())."""

from __future__ import annotations

import re
import shutil
import threading

import pytest

from translator import ModelNotFoundError, Translation, Translator, engines, translate, translate_and_summarize
from translator.core.generation import is_repetitive
from translator.engines import models
from translator.engines.batching import plan_batches


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\r?\n[ \t]*\r?\n", text.strip()) if p.strip()]


def test_str_gives_str_and_list_gives_list_in_order(tiny_env):
    single = translate("Dober dan. Kako ste?", num_beams=1)
    assert isinstance(single, str) and single.strip()
    batch = translate(["Prvi stavek.", "", "Drugi stavek je daljši od prvega.", "   "], num_beams=1)
    assert isinstance(batch, list) and len(batch) == 4
    assert batch[1] == "" and batch[3] == ""
    assert batch[0] == translate("Prvi stavek.", num_beams=1)
    assert batch[2] == translate("Drugi stavek je daljši od prvega.", num_beams=1)


def test_empty_input_never_touches_a_model(monkeypatch):
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "/nonexistent/model/folder")
    assert translate("") == ""
    assert translate(" \n\t ") == ""
    assert translate(["", "  "]) == ["", ""]


@pytest.mark.parametrize("bad", [123, None, b"bytes", 4.5, {"text": "x"}])
def test_non_string_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        translate(bad)


def test_list_with_a_non_string_names_the_item():
    with pytest.raises(TypeError, match="item 1 is int"):
        translate(["ok", 7])


def test_paragraphs_line_breaks_and_every_character_kept(tiny_env, seed_article):
    doc = Translator(num_beams=1).translate_document(seed_article)
    assert isinstance(doc, Translation)
    assert len(paragraphs(doc.text)) == len(paragraphs(seed_article))
    assert doc.text.count("\n\n") == seed_article.count("\n\n")
    assert squeeze("".join(s.source for s in doc.segments)) == squeeze(seed_article)
    for segment in doc.segments:
        assert seed_article[segment.start : segment.end] == segment.source
    assert all(s.target.strip() for s in doc.segments)


def test_line_breaks_inside_a_paragraph_survive(tiny_env):
    text = "Naslov članka\nPodnaslov\n\n- prva točka\n- druga točka\r\n\r\nKonec."
    out = translate(text, num_beams=1)
    assert out.count("\n") == text.count("\n")
    assert out.count("\r\n") == text.count("\r\n")
    assert len(paragraphs(out)) == 3


def test_numbers_and_symbols_are_copied_not_translated(tiny_env):
    doc = Translator(num_beams=1).translate_document("Rezultat:\n\n3 : 1\n\n***\n\nTekma je končana.")
    verbatim = [s for s in doc.segments if not s.translated]
    assert {s.source for s in verbatim} == {"3 : 1", "***"}
    assert all(s.target == s.source for s in verbatim)
    assert "\n\n3 : 1\n\n***\n\n" in doc.text


def long_document(seed_article: str, words: int = 26_000) -> tuple[str, str]:
    """A ~30,000-word document of shuffled seed sentences with a 4,000-word run-on sentence
    and a 40,000-character line without punctuation or spaces in the middle."""
    import random

    from translator import split_sentences

    sentences = split_sentences(seed_article)
    vocabulary = re.findall(r"\w+", seed_article)
    rng = random.Random(0)
    paras, count = [], 0
    while count < words:
        para = []
        for _ in range(5):
            tokens = rng.choice(sentences).split()
            rng.shuffle(tokens)
            para.append(" ".join(tokens).rstrip(".") + ".")
            count += len(tokens)
        paras.append(" ".join(para))
    run_on = " ".join(vocabulary[i % len(vocabulary)] for i in range(4000))
    middle = len(paras) // 2
    return "\n\n".join(paras[:middle] + [run_on, "x" * 40_000] + paras[middle:]), run_on


@pytest.mark.slow  # 30,000 words
def test_long_and_messy_document_loses_nothing(tiny_env, seed_article):
    body, run_on = long_document(seed_article)
    assert len(body.split()) > 30_000
    translator = Translator(num_beams=1, retry_repetitions=False, max_length_ratio=0.5, max_length_offset=2)
    doc = translator.translate_document(body)
    assert squeeze("".join(s.source for s in doc.segments)) == squeeze(body)
    budget = translator._budget(translator.model)
    assert all(translator.model.count_tokens(s.source) <= budget for s in doc.segments if s.translated)
    assert len(paragraphs(doc.text)) == len(paragraphs(body))
    assert len([s for s in doc.segments if s.source in run_on]) > 10  # the run-on sentence was split
    assert all(s.target.strip() for s in doc.segments)


def test_batched_equals_one_by_one_with_greedy_decoding(tiny_env, seed_article):
    from translator import split_sentences

    sentences = split_sentences(seed_article)[:12]
    translator = Translator(num_beams=1, batch_tokens=100_000)
    together = translator.translate(sentences)
    alone = [translator.translate(s) for s in sentences]
    assert together == alone


def test_documents_share_batches_and_come_back_in_order(tiny_env, seed_article, generate_spy):
    docs = [seed_article, "Kratek dokument.", seed_article[:300]]
    translator = Translator(num_beams=1)
    calls = generate_spy(translator.model.engine)
    results = translator.translate_documents(docs)
    assert [squeeze("".join(s.source for s in r.segments)) for r in results] == [squeeze(d) for d in docs]
    unique = len({s.source for r in results for s in r.segments if s.translated})
    sizes = [len(batch) for batch, *_ in calls]
    assert sum(sizes) >= unique and len(sizes) < unique  # several sentences per generate() call


def test_output_length_is_bounded_by_the_source(tiny_env, generate_spy):
    translator = Translator(num_beams=1, retry_repetitions=False)
    calls = generate_spy(translator.model.engine)
    doc = translator.translate_document("Kratek stavek. " + "Zelo dolg stavek z veliko besedami " * 30 + ".")
    seen = [row for batch, kwargs, outputs, _lane in calls for row in zip(batch, kwargs["max_new_tokens"], outputs)]
    assert len(seen) == len(doc.segments) >= 2
    for source_ids, bound, output in seen:
        assert bound == min(translator.model.max_input_tokens, 2 * len(source_ids) + 16)
        assert len(output) <= bound < 512
    # random weights never stop on their own: the bound is what ended them, and that is reported
    assert any("length limit" in w for w in doc.warnings)


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_repeating_output_is_retried_and_what_remains_is_reported(looping_marian, engine, generate_spy):
    plain = Translator(str(looping_marian), engine=engine, num_beams=1, retry_repetitions=False)
    calls = generate_spy(plain.model.engine)
    doc = plain.translate_document("Dober dan, prijatelj.")
    ((_, kwargs, [first], _lane),) = calls
    assert is_repetitive(first) and len(first) == kwargs["max_new_tokens"][0]
    assert any("repeats itself" in w for w in doc.warnings)
    assert any("length limit" in w for w in doc.warnings)

    retrying = Translator(str(looping_marian), engine=engine, num_beams=1)
    calls = generate_spy(retrying.model.engine)
    doc = retrying.translate_document("Dober dan, prijatelj.")
    assert len(calls) == 2  # the first pass, then the retry of the looping sentence
    _, retry_kwargs, [final], _lane = calls[1]
    assert retry_kwargs["repetition_penalty"] > 1 and retry_kwargs["no_repeat_ngram_size"] > 0
    assert final != first  # the penalty changed the output
    assert is_repetitive(final) == any("repeats itself" in w for w in doc.warnings)


@pytest.mark.parametrize(
    "tokens, expected",
    [
        ([5] * 10, True),
        ([1, 2, 3] * 4, True),
        (list(range(40)), False),
        ([1, 2, 1, 3, 1, 4, 1, 5], False),
        ([7, 7, 7], False),  # "ha ha ha" is fine
        ([9, 1, 2, 3, 4] + [6, 7] * 5 + [8], True),
    ],
)
def test_repetition_detector(tokens, expected):
    assert is_repetitive(tokens) is expected


def test_batches_are_sorted_and_within_the_token_budget():
    lengths = [5, 50, 7, 48, 6, 49, 100]
    batches = plan_batches(lengths, 120, max_rows=3)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= 120 or len(batch) == 1
        assert len(batch) <= 3
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)


def test_missing_model_error_names_model_attempts_and_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelNotFoundError) as info:
        translate("Dober dan.", model="Helsinki-NLP/opus-mt-tc-big-zls-en")
    message = str(info.value)
    assert "Helsinki-NLP/opus-mt-tc-big-zls-en" in message
    assert "translator download" in message
    assert "HF_HUB_OFFLINE=1" in message
    assert str(tmp_path) in message


def test_missing_folder_and_non_model_folder_are_explained(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        models.resolve(str(tmp_path / "nope"))
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        models.resolve(str(tmp_path))


def test_models_dir_folder_is_found_by_hub_id(tiny_models, monkeypatch, tmp_path):
    shutil.copytree(tiny_models.marian, tmp_path / "someone--tiny-sl-en")
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path))
    assert models.resolve("someone/tiny-sl-en") == (tmp_path / "someone--tiny-sl-en").resolve()
    assert translate("Dober dan.", model="someone/tiny-sl-en", num_beams=1).strip()


def test_models_load_once_across_threads(tiny_models):
    engines.clear_cache()
    loaded = []

    def worker():
        loaded.append(engines.load(str(tiny_models.marian), "translation"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loaded) == 4 and all(m is loaded[0] for m in loaded)


def test_import_loads_nothing():
    import subprocess
    import sys

    code = "import translator, sys; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_seed_article_through_translate_and_summarize(tiny_env, seed_article):
    result = translate_and_summarize(seed_article, length="short")
    assert isinstance(result.translation, str) and isinstance(result.summary, str)
    assert result.summary.strip()
    assert len(paragraphs(result.translation)) == len(paragraphs(seed_article))
    assert squeeze("".join(s.source for s in result.segments)) == squeeze(seed_article)


@pytest.mark.parametrize("engine,overlap", [("ct2", True), ("ct2", False), ("hf", None)])
def test_iterated_translation_grows_and_ends_complete(tiny_env, seed_article, engine, overlap):
    translator = Translator(num_beams=1, engine=engine)
    seen = []
    caller = threading.get_ident()
    threads = set()

    def progress(done, total):
        seen.append((done, total))
        threads.add(threading.get_ident())

    partials = list(translator.iter_translate_document(seed_article, progress=progress, overlap=overlap))
    assert threads == {caller}  # progress is reported from the reader's thread, even when groups overlap
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(partials) > 1
    first_paragraph = seed_article.strip().split("\n\n")[0]
    assert 1 <= len(partials[0].segments) <= 2  # the first English comes after one or two sentences
    assert all(
        seed_article.find(s.source) < seed_article.find(first_paragraph) + len(first_paragraph)
        for s in partials[0].segments
    )
    assert all(later.text.startswith(earlier.text) for earlier, later in zip(partials, partials[1:-1]))
    assert [len(p.segments) for p in partials] == sorted(len(p.segments) for p in partials)
    assert partials[-1].text == translator.translate_document(seed_article).text
    assert seen[-1][0] == seen[-1][1]


SLOVENIAN_WORDS = [
    "Trump",
    "je",
    "dejal",
    "da",
    "bo",
    "vlada",
    "7.",
    "novembra",
    "1.500,50",
    "evra",
    "dr.",
    "Novak",
    "»Pridem.«",
    "in",
    "čšž",
    "ZDA",
    "itd.",
    "?",
    "!",
    "-",
    "…",
    "2025",
    "(ABC)",
]


def _messy_documents():
    from hypothesis import strategies as st

    word = st.sampled_from(SLOVENIAN_WORDS) | st.text(
        alphabet="abcčdefghijklmnoprsštuvzžABCČ.,;:!?", min_size=1, max_size=12
    )
    gap = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\n \n\n"])
    return st.lists(st.tuples(word, gap), min_size=1, max_size=60).map(lambda pairs: "".join(w + g for w, g in pairs))


def test_property_no_loss_on_messy_documents(tiny_models):
    from hypothesis import HealthCheck, given, settings

    translator = Translator(
        str(tiny_models.marian),
        num_beams=1,
        retry_repetitions=False,
        source="sl",
        max_length_ratio=0.5,
        max_length_offset=2,
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_messy_documents())
    def check(text):
        doc = translator.translate_document(text)
        if not text.strip():
            assert doc.text == ""
            return
        assert squeeze("".join(s.source for s in doc.segments)) == squeeze(text)
        assert len(paragraphs(doc.text)) == len(paragraphs(text))
        starts = [s.start for s in doc.segments]
        assert starts == sorted(starts)

    check()


def test_stream_groups_start_small_then_double():
    from translator.core.plans import stream_groups
    from translator.text.pieces import Piece

    pieces = [Piece(start=i * 10, end=i * 10 + 9, paragraph=i // 5, translatable=True) for i in range(40)]
    sizes = [len(group) for group in stream_groups(pieces, first_pieces=2, min_group=2)]
    assert sizes[0] == 2 and sum(sizes) == 40
    assert sizes[1:4] == [2, 4, 8]  # each group as large as everything before it
    sizes = [len(group) for group in stream_groups(pieces, first_pieces=2)]
    assert sizes == [2, 12, 14, 12]  # then never fewer than 12 at a time
    title = [Piece(start=0, end=9, paragraph=0, translatable=True)]
    body = [Piece(start=10 + i * 10, end=19 + i * 10, paragraph=1, translatable=True) for i in range(14)]
    assert [len(g) for g in stream_groups(title + body)] == [1, 14]  # a one-sentence first paragraph
    # alone; a tail shorter than half a group joins the group before it


def test_segments_and_the_whitespace_between_them_give_back_the_source(tiny_env, seed_article):
    """The README's invariant: segments in order, separated only by whitespace, cover the source."""
    text = "  Naslov\r\n\r\nPrvi stavek. Drugi stavek!\n\t3 : 1\n\n\n  Zadnji odstavek…  \n"
    for source in (text, seed_article):
        doc = Translator(num_beams=1).translate_document(source)
        cursor = 0
        rebuilt = []
        for segment in doc.segments:
            gap = source[cursor : segment.start]
            assert gap.strip() == ""  # only whitespace between segments
            assert source[segment.start : segment.end] == segment.source
            rebuilt += [gap, segment.source]
            cursor = segment.end
        assert source[cursor:].strip() == ""
        assert "".join(rebuilt) + source[cursor:] == source


def test_one_route_detects_a_document_once(tiny_env, monkeypatch):
    from translator.text import language

    calls = []
    real = language._detect

    def counting(text, sources):
        calls.append(text)
        return real(text, sources)

    monkeypatch.setattr(language, "_detect", counting)
    translator = Translator(num_beams=1)
    text = "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto."
    doc = translator.translate_document(text)
    assert doc.language == "sl" and calls == [text]  # one paragraph: one detection
    calls.clear()
    given = language.LanguageRoute("sl", 0.9, "translate")
    [again] = translator.translate_documents([text], routes=[given])
    assert calls == [] and again.text == doc.text  # a route decided at the edge is not detected again


def test_units_and_texts_share_one_route(tiny_env):
    translator = Translator(num_beams=1)
    units = ["Vlada je sprejela proračun.", "Foto: Reuters", "Minister je dejal, da bodo izdatki višji."]
    text = "\n\n".join(units)
    as_units, as_text = translator.translate_documents([units, text])
    assert len(as_units.parts) == 3 and all(part.strip() for part in as_units.parts) and as_text.parts == []
    assert as_units.parts[0] == translator.translate(units[0])
    assert as_units.text == "\n\n".join(as_units.parts)
    assert as_units.language == as_text.language == "sl"  # "Foto: Reuters" follows its document
    assert [s.target for s in as_units.segments] == [s.target for s in as_text.segments]
    assert translator.translate(units) == [d.text for d in translator.translate_documents(units)]


def test_notes_are_typed_and_english_parts_named(tiny_env):
    from translator.core.plans import Note

    assert str(Note("english")) == "already English: copied unchanged"
    assert str(Note("paragraphs", (2, 3))) == "already English, copied unchanged: paragraphs 2, 3"
    assert str(Note("parts", (1,))) == "already English, copied unchanged: part 1"
    translator = Translator(num_beams=1)
    units = [
        "The government adopted the budget on Thursday, the finance minister told reporters in Ljubljana.",
        "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto, je dejal minister za finance.",
    ]
    [doc] = translator.translate_documents([units])
    assert doc.notes == ["already English, copied unchanged: part 1"]
    assert doc.parts[0] == units[0]


def test_overlapped_streaming_has_the_next_group_in_the_engine(tiny_env, seed_article, monkeypatch):
    translator = Translator(num_beams=1, engine="ct2")
    engine = translator.model.engine
    real = engine.generate
    second = threading.Event()
    calls = []

    def generate(batch, **options):
        calls.append(threading.get_ident())
        if len(calls) == 1:  # the first group stays in the engine until the second one arrives
            assert second.wait(60), "the second group never reached the engine while the first was in it"
        else:
            second.set()
        return real(batch, **options)

    monkeypatch.setattr(engine, "generate", generate)
    partials = list(translator.iter_translate_document(seed_article, overlap=True))
    assert len(partials) >= 2 and second.is_set() and len(set(calls)) == 2
    monkeypatch.undo()
    assert partials[-1].text == translator.translate_document(seed_article).text
