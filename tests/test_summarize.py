"""Summaries of any length on a tiny BART: map-reduce within the model's input limit."""

from __future__ import annotations

import pytest

from translator import Summarizer, summarize
from translator.core.summarize import chunk_sentences

ENGLISH = (
    "The government will discuss the budget next week, the minister told reporters. "
    "Prices rose by 3.5 percent in October, the statistics office said on Monday. "
    "Heavy rain caused floods in several towns, and firefighters helped hundreds of people. "
)


def test_empty_gives_empty_without_a_model(monkeypatch):
    monkeypatch.setenv("TRANSLATOR_SUMMARY_MODEL", "/nonexistent/summary/model")
    assert summarize("") == ""
    assert summarize("  \n ") == ""


def test_short_text_one_pass(tiny_env, generate_spy):
    summarizer = Summarizer(num_beams=1)
    calls = generate_spy(summarizer.model.engine)
    out = summarizer.summarize(ENGLISH, length="short")
    assert isinstance(out, str) and out.strip()
    assert len(calls) == 1 and len(calls[0].batch) == 1


def test_long_text_is_map_reduced_within_the_input_limit(tiny_env, generate_spy):
    text = "\n\n".join([ENGLISH * 6] * 12)  # several thousand tokens
    summarizer = Summarizer(num_beams=1)
    model = summarizer.model
    assert model.count_tokens(text) > 3 * model.max_input_tokens
    calls = generate_spy(model.engine)
    out = summarizer.summarize(text, length="short")
    lengths = [len(ids) for call in calls for ids in call.batch]
    assert out.strip()
    assert len(lengths) > 3  # several chunks, then at least one reduce pass
    assert max(lengths) <= model.max_input_tokens
    assert model.count_tokens(out) < model.max_input_tokens


def test_a_single_huge_sentence_is_split_not_truncated(tiny_env):
    text = " ".join(["word"] * 3000) + "."
    assert summarize(text, length="short", num_beams=1).strip()


def test_length_is_validated(tiny_env):
    with pytest.raises(ValueError, match="short, medium, long"):
        summarize(ENGLISH, length="huge")


def test_summary_length_presets_order(tiny_env):
    short = Summarizer(num_beams=1).summarize(ENGLISH * 10, length="short")
    long = Summarizer(num_beams=1).summarize(ENGLISH * 10, length="long")
    assert len(short.split()) <= len(long.split())


def test_chunks_are_balanced_and_within_budget():
    sentences = [f"s{i}" for i in range(10)]
    counts = [30] * 10
    chunks = chunk_sentences(sentences, counts, budget=100)
    assert " ".join(chunks).split() == sentences
    sizes = [len(c.split()) * 30 for c in chunks]
    assert max(sizes) <= 100 and len(chunks) == 4
    uneven = chunk_sentences(sentences, [10] * 10, budget=80)  # 100 tokens: 2 chunks of 50, not 80 + 20
    assert [len(c.split()) for c in uneven] == [5, 5]
