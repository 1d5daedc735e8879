"""Confidence on every sentence: the engines' scores (one definition on both, checked against
transformers' own ``compute_transition_scores``), the segments that carry them, the CLI JSON that
returns them and the sentence view that shows them. Tiny random-weight models, no network."""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
from io import StringIO

import pytest
import torch

from translator import Translator, split_sentences
from translator.engines import load
from translator.engines.ct2 import CT2Engine
from translator.options import RuntimeOptions
from translator.results import Segment
from translator.server.page import render

TOLERANCE = 1e-4  # float32 on both engines; the log-softmax is summed in a different order
# A row cut at its bound is scored by CTranslate2 with one forward pass (score_batch): the model's
# log-probabilities of the kept tokens before the search's suppression of <pad>, whose probability
# (about 1/vocabulary on random weights, ~0 on trained models) is the whole difference.
CUT_TOLERANCE = 5e-3
BOUNDS = [3, 17, 1, 9, 30, 12]  # mixed: in one batch every row but the longest is cut to its own


@pytest.fixture(scope="module")
def stopping_marian(tiny_models, tmp_path_factory):
    """A tiny MarianMT nudged towards end-of-sentence: greedy search ends at once, beam search
    after a few tokens, so that the EOS token's part in the score is exercised."""
    from transformers import MarianMTModel

    folder = tmp_path_factory.mktemp("stopping") / "marian"  # converted copies go beside it
    shutil.copytree(tiny_models.marian, folder)
    model = MarianMTModel.from_pretrained(folder)
    with torch.no_grad():
        model.final_logits_bias[0, model.config.eos_token_id] += 0.3
    model.save_pretrained(folder)
    return folder


def hf_engine(path):
    return load(str(path), "translation" if "marian" in path.name else "summary", RuntimeOptions(engine="hf")).engine


def sentences_ids(path, count=len(BOUNDS)):
    loaded = load(str(path), "translation", RuntimeOptions(engine="hf"))
    from translator.paths import SEED_ARTICLE

    return loaded.encode(split_sentences(SEED_ARTICLE.read_text(encoding="utf-8"))[:count])


def transformers_reference(model, ids, bound, beams, min_new_tokens=0):
    """One row alone through ``model.generate(output_scores=True)`` and transformers' own
    ``compute_transition_scores``: its text ids and the mean log-probability of its tokens
    (EOS included, padding after it left out)."""
    out = model.generate(
        input_ids=torch.tensor([ids]),
        max_new_tokens=bound,
        min_new_tokens=min_new_tokens,
        num_beams=beams,
        do_sample=False,
        early_stopping=beams > 1,
        forced_eos_token_id=None,
        output_scores=True,
        return_dict_in_generate=True,
    )
    steps = model.compute_transition_scores(
        out.sequences, out.scores, getattr(out, "beam_indices", None), normalize_logits=True
    )[0].tolist()
    tokens, values = [], []
    for token, value in zip(out.sequences[0, 1:].tolist(), steps):
        values.append(value)
        if token == model.config.eos_token_id:
            break
        tokens.append(token)
    return tokens, sum(values) / len(values)


# ---------------------------------------------------------------------- the engines' scores


@pytest.mark.slow  # generates twice per beam setting
@pytest.mark.parametrize("beams", [1, 4])
def test_hf_scores_are_transformers_own_transition_scores(tiny_models, stopping_marian, beams):
    for path in (tiny_models.marian, stopping_marian):
        engine = hf_engine(path)
        for ids, bound in zip(sentences_ids(path), BOUNDS):
            (row,) = engine.generate([ids], max_new_tokens=[bound], num_beams=beams, return_scores=True)
            tokens, score = transformers_reference(engine.model, ids, bound, beams)
            assert list(row) == tokens
            assert row.score == pytest.approx(score, abs=TOLERANCE)


@pytest.mark.parametrize("engine_name", ["hf", "ct2"])
def test_a_rows_score_covers_exactly_the_ids_it_keeps(tiny_models, engine_name):
    """In one batch, every row but the longest is cut to its own bound: its score is the one it
    gets alone (greedy search)."""
    batch = sentences_ids(tiny_models.marian)
    engine = (
        hf_engine(tiny_models.marian)
        if engine_name == "hf"
        else CT2Engine(tiny_models.marian, device="cpu", dtype="float32")
    )
    together = engine.generate(batch, max_new_tokens=BOUNDS, num_beams=1, return_scores=True)
    for ids, bound, row in zip(batch, BOUNDS, together):
        (alone,) = engine.generate([ids], max_new_tokens=[bound], num_beams=1, return_scores=True)
        assert row == alone and len(row) == bound  # random weights never stop: cut at the bound
        assert row.score == pytest.approx(alone.score, abs=TOLERANCE if engine_name == "hf" else CUT_TOLERANCE)


def test_both_engines_give_the_same_scores_float32_greedy(tiny_models, stopping_marian):
    hf = hf_engine(tiny_models.marian)
    ct2 = CT2Engine(tiny_models.marian, device="cpu", dtype="float32")
    batch = sentences_ids(tiny_models.marian)
    for kwargs in ({}, {"min_new_tokens": 2}):
        a = hf.generate(batch, max_new_tokens=BOUNDS, num_beams=1, return_scores=True, **kwargs)
        b = ct2.generate(batch, max_new_tokens=BOUNDS, num_beams=1, return_scores=True, **kwargs)
        assert a == b
        for x, y, bound in zip(a, b, BOUNDS):
            assert y.score == pytest.approx(x.score, abs=CUT_TOLERANCE if len(x) == bound else TOLERANCE)
        assert all(x.score < 0 for x in a)

    # a model that stops at once: the score is end-of-sentence's own log-probability
    hf, ct2 = hf_engine(stopping_marian), CT2Engine(stopping_marian, device="cpu", dtype="float32")
    batch = sentences_ids(stopping_marian)
    a = hf.generate(batch, max_new_tokens=BOUNDS, num_beams=1, return_scores=True)
    b = ct2.generate(batch, max_new_tokens=BOUNDS, num_beams=1, return_scores=True)
    assert a == b == [[]] * len(BOUNDS), "the stopping model no longer stops at once: raise its EOS bias"
    assert [x.score for x in b] == pytest.approx([x.score for x in a], abs=TOLERANCE)

    # BART forces <s> first: it counts in neither the sum nor the length, on either engine
    hf = load(str(tiny_models.bart), "summary", RuntimeOptions(engine="hf")).engine
    ct2 = CT2Engine(tiny_models.bart, device="cpu", dtype="float32")
    batch = load(str(tiny_models.bart), "summary", RuntimeOptions(engine="hf")).encode(
        ["The government will discuss the budget next week.", "It rained."]
    )
    a = hf.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3, return_scores=True)
    b = ct2.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3, return_scores=True)
    assert a == b and [len(x) for x in a] == [7, 4]  # the forced <s> counts towards the bound
    assert [x.score for x in b] == pytest.approx([x.score for x in a], abs=CUT_TOLERANCE)  # both rows are cut


def test_both_engines_count_end_of_sentence_alike_in_beam_search(stopping_marian):
    hf = hf_engine(stopping_marian)
    ct2 = CT2Engine(stopping_marian, device="cpu", dtype="float32")
    batch = sentences_ids(stopping_marian)
    bounds = [40] * len(batch)  # no row is cut: each ends with EOS or at the common bound
    a = hf.generate(batch, max_new_tokens=bounds, num_beams=4, return_scores=True)
    b = ct2.generate(batch, max_new_tokens=bounds, num_beams=4, return_scores=True)
    assert any(0 < len(x) < 40 for x in a), "no hypothesis ended with EOS: adjust the stopping model"
    assert a == b
    assert [x.score for x in b] == pytest.approx([x.score for x in a], abs=TOLERANCE)


def test_without_return_scores_the_engines_return_plain_lists(tiny_models):
    """What summarize.py asks for: nothing changes for it."""
    batch = sentences_ids(tiny_models.marian, 2)
    for engine in (hf_engine(tiny_models.marian), CT2Engine(tiny_models.marian, device="cpu", dtype="float32")):
        rows = engine.generate(batch, max_new_tokens=[4, 6], num_beams=2)
        assert [type(row) for row in rows] == [list, list]
        scored = engine.generate(batch, max_new_tokens=[4, 6], num_beams=2, return_scores=True)
        assert scored == rows and all(isinstance(row.score, float) for row in scored)


# ---------------------------------------------------------------------- segments and JSON


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_every_translated_segment_has_a_score_and_copied_ones_none(tiny_models, engine):
    translator = Translator(str(tiny_models.marian), engine=engine, num_beams=2)
    doc = translator.translate_document("Dober dan. Kako ste? Dober dan.\n\n12.345\n\nVlada je sprejela proračun.")
    translated = [s for s in doc.segments if s.translated]
    copied = [s for s in doc.segments if not s.translated]
    assert len(translated) == 4 and [s.source for s in copied] == ["12.345"]
    assert all(isinstance(s.score, float) and math.isfinite(s.score) and s.score <= 0 for s in translated)
    assert all(s.score is None for s in copied)
    first, _, again, _ = translated
    assert first.source == again.source and first.score == again.score  # translated once, one score


def test_scores_can_be_switched_off(tiny_models, generate_spy):
    translator = Translator(str(tiny_models.marian), engine="ct2", num_beams=1, scores=False)
    calls = generate_spy(translator.model.engine)
    doc = translator.translate_document("Dober dan. Kako ste?")
    assert calls and not any(call.kwargs["return_scores"] for call in calls)
    assert [s.score for s in doc.segments] == [None, None]


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_the_repetition_retry_replaces_the_score(looping_marian, engine, generate_spy):
    translator = Translator(str(looping_marian), engine=engine, num_beams=1)
    calls = generate_spy(translator.model.engine)
    (segment,) = translator.translate_document("Dober dan, prijatelj.").segments
    assert len(calls) == 2 and all(call.kwargs["return_scores"] for call in calls)
    (first,), (retried,) = calls[0].outputs, calls[1].outputs
    assert segment.score == retried.score != first.score


def test_cli_json_has_a_float_score_on_translated_segments_and_null_on_copied_ones(tiny_env, capsys, monkeypatch):
    from translator.cli import main

    monkeypatch.setattr(sys, "stdin", StringIO("Dober dan. Kako ste?\n\n2025\n\nHvala.\n"))
    capsys.readouterr()
    assert main(["translate", "-", "--json", "--beams", "1"]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert [s["translated"] for s in segments] == [True, True, False, True]
    for segment in segments:
        if segment["translated"]:
            assert isinstance(segment["score"], float) and segment["score"] <= 0
        else:
            assert segment["score"] is None


# ---------------------------------------------------------------------- the sentence view


def test_the_sentence_view_shades_rows_and_links_the_least_confident_first():
    scores = [-0.1, -2.5, None, -0.7, -0.05, -1.2, -0.3, -3.0]
    segments = [
        Segment(
            f"Stavek <{n}> & več.", f"Sentence {n}.", 10 * n, 10 * n + 8, 0, translated=score is not None, score=score
        )
        for n, score in enumerate(scores)
    ]
    page = render.side_by_side_html(segments)
    rows = re.findall(r'<tr class="([^"]*)" data-paragraph="0" id="seg-(\d+)"([^>]*)>', page)
    assert [int(number) for _, number, _ in rows] == list(range(1, len(scores) + 1))
    for (classes, _number, rest), score in zip(rows, scores):
        if score is None:
            assert "scored" not in classes and "--doubt" not in rest
        else:
            doubt = float(re.search(r"--doubt: ([0-9.]+)", rest).group(1))
            assert doubt == pytest.approx(1 - math.exp(score), abs=0.01)
            assert f"{math.exp(score):.0%}" in rest  # the confidence in the tooltip
    check = page[: page.index('<div class="sbs-wrap">')]  # above the table
    assert "Check these first" in check
    links = re.findall(r'href="#seg-(\d+)"', check)
    assert links == ["8", "2", "6", "4", "7"]  # the five lowest scores, lowest first
    assert "<8>" not in check and "Stavek &lt;7&gt; &amp; več." in check  # escaped
    # nothing to rank: no list; warnings are shown as before
    one = render.side_by_side_html([Segment("Dober dan.", "Good day.", 0, 10, 0, True, ("w",), -0.5)])
    assert "Check these first" not in one and "⚠ w" in one and 'class="warn scored"' in one
