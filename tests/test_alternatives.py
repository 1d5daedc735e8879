"""n-best hypotheses on both engines, Translator.alternatives and the REST API's ``alternatives``,
on the tiny models (real classes, real generate() and translate_batch())."""

from __future__ import annotations

import pytest

from translator import InvalidInputError, Translator
from translator.engines import clear_cache, create_engine, load
from translator.options import RuntimeOptions

SOURCES = [
    "Vlada bo prihodnji teden obravnavala proračun.",
    "Cene so se oktobra zvišale za 3,5 odstotka, so sporočili s statističnega urada.",
    "Dež je povzročil poplave.",
]


@pytest.fixture(params=["hf", "ct2"])
def engine_name(request):
    return request.param


@pytest.fixture
def marian(tiny_models, engine_name):
    clear_cache()
    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(device="cpu", engine=engine_name))
    assert loaded.engine.name == engine_name
    yield loaded
    clear_cache()


def test_n_best_gives_count_hypotheses_best_first_within_each_bound(marian):
    batch = marian.encode(SOURCES)
    bounds = [6, 20, 11]
    found = marian.engine.n_best(batch, max_new_tokens=bounds, count=3, num_beams=2)
    assert len(found) == len(batch)
    for hypotheses, bound in zip(found, bounds):
        assert 1 <= len(hypotheses) <= 3
        assert all(isinstance(ids, list) and len(ids) <= bound for ids in hypotheses)
        assert all(isinstance(token, int) for ids in hypotheses for token in ids)
    # the best of a beam-3 search is what generate() gives with 3 beams, row for row
    best = marian.engine.generate(batch, max_new_tokens=bounds, num_beams=3)
    assert [hypotheses[0] for hypotheses in found] == [list(ids) for ids in best]


def test_n_best_hypotheses_differ_from_each_other(marian):
    batch = marian.encode(SOURCES[1:2])
    [hypotheses] = marian.engine.n_best(batch, max_new_tokens=[24], count=4, num_beams=1)
    assert len(hypotheses) == 4
    assert len({tuple(ids) for ids in hypotheses}) == 4  # a beam search keeps distinct hypotheses


def test_n_best_checks_its_bounds(marian):
    with pytest.raises(ValueError, match="2 inputs but 1 max_new_tokens"):
        marian.engine.n_best(marian.encode(SOURCES[:2]), max_new_tokens=[5], count=2)


def test_fallback_engine_passes_n_best_on(tiny_models):
    from translator.engines import FallbackEngine

    inner = create_engine(tiny_models.marian, kind="translation", engine="hf", device="cpu", dtype="float32")
    wrapped = FallbackEngine(inner, lambda reason: inner)
    batch = [[5, 6, 7, 0]]
    assert wrapped.n_best(batch, max_new_tokens=[5], count=2) == inner.n_best(batch, max_new_tokens=[5], count=2)


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_alternatives_differ_from_the_translation_and_keep_the_structure(tiny_env, engine):
    translator = Translator(engine=engine, num_beams=2, source="sl")
    text = SOURCES[0] + " " + SOURCES[1] + "\n\n" + SOURCES[2]
    translation = translator.translate(text)
    [alternatives] = translator.alternatives([text], 3)
    assert 1 <= len(alternatives) <= 3
    assert translation not in alternatives
    assert len(set(alternatives)) == len(alternatives)
    for alternative in alternatives:
        assert alternative.count("\n\n") == 1  # paragraphs where the source has them
        assert alternative.strip()


def test_alternatives_of_english_blank_and_none_asked(tiny_env):
    translator = Translator(num_beams=1)
    english = "The government will discuss the budget next week, the minister told reporters."
    assert translator.alternatives([english, "   ", SOURCES[0]], 0) == [[], [], []]
    found = translator.alternatives([english, "  ", SOURCES[0]], 2)
    assert found[0] == [] and found[1] == []
    assert found[2] and all(a != translator.translate(SOURCES[0]) for a in found[2])


def test_alternatives_exclude_the_given_translation(tiny_env):
    translator = Translator(num_beams=1, source="sl")
    [first] = translator.alternatives([SOURCES[1]], 2)
    [again] = translator.alternatives([SOURCES[1]], 2, exclude=[first[0]])
    assert first[0] not in again


@pytest.mark.parametrize("count", [-1, 1.5, True, "2", 17])
def test_alternatives_refuse_a_bad_count(tiny_env, count):
    with pytest.raises(InvalidInputError, match="count must be a whole number"):
        Translator().alternatives([SOURCES[0]], count)
