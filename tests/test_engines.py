"""Engines behind one interface: transformers (hf) and CTranslate2 (ct2), the auto choice, the
fallback, conversion on first use and its cache. Tiny random-weight models, no network."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time

import pytest

from translator import Summarizer, Translator, split_sentences
from translator import models
from translator.engines import create_engine, ct2
from translator.engines.ct2 import CT2Engine, Ct2Unavailable
from translator.translate import is_repetitive

ENGLISH = (
    "The government will discuss the budget next week, the minister told reporters. "
    "Prices rose by 3.5 percent in October, the statistics office said on Monday. "
    "Heavy rain caused floods in several towns, and firefighters helped hundreds of people. "
)


@pytest.fixture
def fresh_marian(tiny_models, tmp_path):
    """A private copy of the tiny MarianMT, so conversions of it start from an empty cache."""
    folder = tmp_path / "models" / "marian"
    shutil.copytree(tiny_models.marian, folder)
    return folder


@pytest.fixture
def count_conversions(monkeypatch):
    calls = []
    real = ct2._run_converter

    def counting(source, out, quantization):
        calls.append((source, quantization))
        return real(source, out, quantization)

    monkeypatch.setattr(ct2, "_run_converter", counting)
    return calls


@pytest.fixture(scope="module")
def fsmt_model(tiny_models, tmp_path_factory):
    """A tiny FSMT (fairseq's WMT19 translation architecture), which transformers runs and
    CTranslate2 has no converter for; it shares the tiny Marian's tokenizer."""
    import torch
    from transformers import FSMTConfig, FSMTForConditionalGeneration, GenerationConfig

    folder = tmp_path_factory.mktemp("fsmt")
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(tiny_models.marian / name, folder / name)
    marian = json.loads((tiny_models.marian / "config.json").read_text())
    size, pad = marian["vocab_size"], marian["pad_token_id"]
    config = FSMTConfig(
        langs=["sl", "en"], src_vocab_size=size, tgt_vocab_size=size, d_model=32,
        encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
        encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=512, pad_token_id=pad,
        eos_token_id=0, bos_token_id=0, decoder_start_token_id=pad, tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = FSMTForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(decoder_start_token_id=pad, eos_token_id=0, pad_token_id=pad)
    model.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------- same answers


def test_ct2_float32_greedy_translates_like_hf(tiny_models, seed_article):
    sentences = split_sentences(seed_article)
    assert len(sentences) >= 8
    ct2_translator = Translator(str(tiny_models.marian), engine="ct2", dtype="float32", num_beams=1)
    hf_translator = Translator(str(tiny_models.marian), engine="hf", num_beams=1)
    assert ct2_translator.model.engine.name == "ct2"
    assert hf_translator.model.engine.name == "hf"
    assert ct2_translator.translate(sentences) == hf_translator.translate(sentences)
    # the whole document too: paragraphs, shared batches, the repetition retry
    assert ct2_translator.translate(seed_article) == hf_translator.translate(seed_article)


def test_ct2_float32_greedy_summarises_like_hf(tiny_models):
    text = "\n\n".join([ENGLISH * 4] * 3)
    for length in ("short", "medium"):
        with_ct2 = Summarizer(str(tiny_models.bart), engine="ct2", dtype="float32", num_beams=1).summarize(text, length=length)
        with_hf = Summarizer(str(tiny_models.bart), engine="hf", num_beams=1).summarize(text, length=length)
        assert with_ct2 == with_hf
        assert with_ct2.strip()


def test_engines_return_the_same_ids_within_each_rows_bound(tiny_models, seed_article):
    loaded = models.load(str(tiny_models.marian), "translation", models.RuntimeOptions(engine="hf"))
    batch = loaded.encode(split_sentences(seed_article)[:6])
    bounds = [3, 17, 1, 9, 30, 12]
    hf = loaded.engine
    ct2_engine = CT2Engine(tiny_models.marian, device="cpu", dtype="float32")
    for kwargs in ({}, {"min_new_tokens": 2}, {"repetition_penalty": 1.3, "no_repeat_ngram_size": 3}):
        a = hf.generate(batch, max_new_tokens=bounds, num_beams=1, **kwargs)
        b = ct2_engine.generate(batch, max_new_tokens=bounds, num_beams=1, **kwargs)
        assert all(len(ids) <= bound for ids, bound in zip(b, bounds))
        if not kwargs.get("repetition_penalty"):  # the two penalties differ in detail
            assert a == b
    pad = json.loads((tiny_models.marian / "config.json").read_text())["pad_token_id"]
    beams = ct2_engine.generate(batch, max_new_tokens=bounds, num_beams=4, length_penalty=2.0)
    assert [len(ids) <= bound for ids, bound in zip(beams, bounds)] == [True] * len(bounds)
    assert all(0 not in ids and pad not in ids for ids in beams)  # no EOS, no padding
    assert ct2_engine.generate([], max_new_tokens=[]) == []


def test_bart_forced_bos_is_left_out_like_hf(tiny_models):
    loaded = models.load(str(tiny_models.bart), "summary", models.RuntimeOptions(engine="hf"))
    batch = loaded.encode([ENGLISH, "It rained."])
    engine = CT2Engine(tiny_models.bart, device="cpu", dtype="float32")
    assert engine.prefix == ["<s>"]
    hf = loaded.engine.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3)
    assert engine.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3) == hf


def test_sub_batches_cover_every_row_once_and_feed_every_worker(tiny_models):
    engine = CT2Engine(tiny_models.marian, device="cpu", dtype="float32", inter_threads=2,
                       intra_threads=1, max_positions=600)
    lengths = [5, 30, 7, 12, 12, 3, 25, 9, 40, 8]
    bounds = [2 * n + 16 for n in lengths]
    groups = engine.sub_batches(lengths, bounds, beams=2)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert len(groups) >= 2
    flat = [lengths[i] for g in groups for i in g]
    assert flat == sorted(flat)  # contiguous runs of the length order: little padding
    for group in groups:  # within the memory budget, unless a single row is above it
        width = 2 * (max(lengths[i] for i in group) + max(bounds[i] for i in group))
        assert width * len(group) <= 600 or len(group) == 1
    assert len(engine.sub_batches([4, 4, 4, 4], [10, 10, 10, 10])) == 2  # one per worker
    assert engine.sub_batches([4], [10]) == [[0]]


# ---------------------------------------------------------------------- guards with ct2


def _recording(engine):
    calls = []
    real = engine.generate

    def recording(batch, **kwargs):
        out = real(batch, **kwargs)
        calls.append((kwargs, out))
        return out

    engine.generate = recording
    return calls


def test_repetition_retry_and_length_limit_work_with_ct2(looping_marian):
    plain = Translator(str(looping_marian), engine="ct2", num_beams=1, retry_repetitions=False)
    engine = plain.model.engine
    calls = _recording(engine)
    try:
        doc = plain.translate_document("Dober dan, prijatelj.")
        assert len(calls) == 1
        (first,) = calls[0][1]
        assert is_repetitive(first)
        assert any("repeats itself" in w for w in doc.warnings)
        assert any("length limit" in w for w in doc.warnings)

        calls.clear()
        retried = Translator(str(looping_marian), engine="ct2", num_beams=1).translate_document("Dober dan, prijatelj.")
    finally:
        del engine.generate
    assert len(calls) == 2  # the retry went through the same engine, with the penalties
    assert calls[1][0]["repetition_penalty"] > 1 and calls[1][0]["no_repeat_ngram_size"] > 0
    (second,) = calls[1][1]
    assert second != first  # the retry changed the output
    assert is_repetitive(second) == any("repeats itself" in w for w in retried.warnings)
    assert retried.text != doc.text


def test_bounds_hold_with_ct2_on_a_model_that_never_stops(looping_marian):
    translator = Translator(str(looping_marian), engine="ct2", num_beams=2, retry_repetitions=False,
                            max_length_ratio=0.5, max_length_offset=3)
    engine = translator.model.engine
    lengths = []
    real = engine.generate

    def recording(batch, *, max_new_tokens, **kwargs):
        out = real(batch, max_new_tokens=max_new_tokens, **kwargs)
        lengths.extend(zip((len(o) for o in out), max_new_tokens))
        return out

    engine.generate = recording
    try:
        translator.translate("Prvi stavek. Drugi, precej daljši stavek z več besedami. Tretji.")
    finally:
        del engine.generate
    assert lengths and all(n == bound for n, bound in lengths)  # never past the bound


# ---------------------------------------------------------------------- auto and fallback


def test_auto_on_cpu_is_ct2_int8(tiny_models, caplog):
    caplog.set_level(logging.INFO, logger="translator")
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="cpu", dtype="auto")
    assert engine.name == "ct2"
    assert engine.compute_type == "int8"
    assert "ct2 int8 on cpu" in engine.description and "auto:" in engine.description
    assert any("engine auto" in r.getMessage() and "ct2 int8" in r.getMessage() for r in caplog.records)
    # and through the public API, with the default options
    translator = Translator(str(tiny_models.marian))
    assert translator.model.engine.name == "ct2"
    assert translator.translate("Dober dan.").strip()


def test_auto_falls_back_to_hf_when_ct2_has_no_converter(fsmt_model, caplog):
    caplog.set_level(logging.INFO, logger="translator")
    translator = Translator(str(fsmt_model), num_beams=1)
    engine = translator.model.engine
    assert engine.name == "hf"
    assert "auto: CTranslate2 unavailable" in engine.description
    assert "FSMTConfig" in engine.description  # the converter's own reason
    assert any(r.levelno == logging.WARNING and "FSMTConfig" in r.getMessage() for r in caplog.records)
    assert translator.translate("Dober dan, prijatelj.").strip()
    with pytest.raises(Ct2Unavailable, match="FSMTConfig"):
        create_engine(fsmt_model, kind="translation", engine="ct2", device="cpu", dtype="auto")
    # a failed conversion leaves nothing behind that could pass for a converted model
    root = ct2.cache_root(fsmt_model)
    assert not [p for p in root.iterdir() if p.is_dir()]  # temp folders included


def test_auto_falls_back_on_a_device_ct2_does_not_have(tiny_models):
    with pytest.raises(Ct2Unavailable, match="mps"):
        ct2.ct2_device("mps")
    assert ct2.ct2_device("cuda:1") == ("cuda", 1)


def test_dtype_maps_to_compute_type():
    assert ct2.compute_type("auto", "cpu") == "int8"
    assert ct2.compute_type("float32", "cpu") == "float32"
    assert ct2.compute_type("int8", "cpu") == "int8"
    assert ct2.quantization_for("int8_float32") == "int8"
    with pytest.raises(ValueError, match="not available with the ct2 engine"):
        ct2.compute_type("float64", "cpu")
    import ctranslate2

    if "float16" not in ctranslate2.get_supported_compute_types("cpu"):
        with pytest.raises(ValueError, match="cannot run on cpu"):
            ct2.compute_type("float16", "cpu")


def test_threads_follow_the_cores_and_the_environment(monkeypatch):
    assert ct2.thread_split(1) == (1, 1)
    assert ct2.thread_split(2) == (2, 1)
    assert ct2.thread_split(16) == (4, 4)
    assert ct2.thread_split(2, kind="summary") == (1, 2)  # one long input: only intra threads help
    monkeypatch.setenv("TRANSLATOR_CT2_INTER_THREADS", "1")
    monkeypatch.setenv("TRANSLATOR_CT2_INTRA_THREADS", "2")
    assert ct2.thread_split(2) == (1, 2)
    monkeypatch.setenv("TRANSLATOR_CT2_INTER_THREADS", "zero")
    with pytest.raises(ValueError, match="whole number"):
        ct2.thread_split(2)


# ---------------------------------------------------------------------- conversion cache


def test_conversion_happens_once_and_is_reused(fresh_marian, count_conversions):
    first = ct2.convert(fresh_marian, "float32")
    assert ct2.is_converted(first)
    assert first.parent == fresh_marian.parent / ".ct2"
    assert first.name.startswith("marian-float32-")
    marker = json.loads((first / ct2.MARKER).read_text())
    assert marker["source"] == str(fresh_marian.resolve()) and marker["vocabulary_matches_tokenizer"]
    assert ct2.convert(fresh_marian, "float32") == first
    engine = CT2Engine(fresh_marian, device="cpu", dtype="float32")  # what load() does
    assert engine.path == first
    assert len(count_conversions) == 1
    ct2.convert(fresh_marian, "int8")  # another quantization is another copy
    assert len(count_conversions) == 2


def test_a_leftover_half_converted_folder_is_ignored(fresh_marian, count_conversions):
    target = ct2.converted_path(fresh_marian, "float32")
    target.parent.mkdir(parents=True, exist_ok=True)
    leftover = target.parent / f".tmp-{target.name}-99999-deadbeef"
    leftover.mkdir()
    (leftover / "model.bin").write_bytes(b"\0" * 100)  # killed mid-write: no config, no marker
    path = ct2.convert(fresh_marian, "float32")
    assert path == target and ct2.is_converted(path)
    assert not leftover.exists()  # cleaned up under the lock
    assert len(count_conversions) == 1


def test_a_target_without_marker_is_converted_again(fresh_marian, count_conversions):
    target = ct2.converted_path(fresh_marian, "float32")
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"garbage")
    assert not ct2.is_converted(target)
    assert ct2.convert(fresh_marian, "float32") == target
    assert ct2.is_converted(target) and len(count_conversions) == 1
    CT2Engine(fresh_marian, device="cpu", dtype="float32").generate([[5, 6, 0]], max_new_tokens=[3])


def test_two_conversions_at_once_convert_once(fresh_marian, count_conversions, monkeypatch):
    real = ct2._run_converter

    def slow(source, out, quantization):
        time.sleep(0.5)  # a second caller arrives while the first converts
        return real(source, out, quantization)

    monkeypatch.setattr(ct2, "_run_converter", slow)
    results, errors = [], []

    def worker():
        try:
            results.append(ct2.convert(fresh_marian, "float32"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and ct2.is_converted(results[0])
    assert len(count_conversions) == 1


def test_another_process_winning_the_rename_is_fine(fresh_marian, tmp_path):
    """Where locks are missing, the rename decides: the loser keeps the winner's copy."""
    winner = ct2.convert(fresh_marian, "float32")
    stamp = (winner / ct2.MARKER).read_text()
    loser = tmp_path / "loser"
    shutil.copytree(winner, loser)
    ct2._install(loser, winner, force=False)
    assert (winner / ct2.MARKER).read_text() == stamp and ct2.is_converted(winner)


def test_cache_key_separates_models_and_versions(fresh_marian, tmp_path):
    twin = tmp_path / "other" / "marian"
    shutil.copytree(fresh_marian, twin)
    assert ct2.source_key(twin) != ct2.source_key(fresh_marian)  # same files, another folder
    before = ct2.source_key(fresh_marian)
    weights = fresh_marian / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a re-download
    assert ct2.source_key(fresh_marian) != before
    assert ct2.source_key(fresh_marian) == ct2.source_key(fresh_marian)


def test_cache_dir_setting_and_hf_cache_layout(fresh_marian, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATOR_CT2_DIR", str(tmp_path / "ct2-cache"))
    assert ct2.converted_path(fresh_marian, "int8").parent == tmp_path / "ct2-cache"
    monkeypatch.delenv("TRANSLATOR_CT2_DIR")
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path / "models-dir"))
    snapshot = tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-x" / "snapshots" / "abc123"
    shutil.copytree(fresh_marian, snapshot)
    path = ct2.converted_path(snapshot, "int8")
    assert path.parent == tmp_path / "models-dir" / ".ct2"  # never inside the Hugging Face cache
    assert path.name.startswith("Helsinki-NLP--opus-mt-x-int8-")


def test_download_ct2_converts_ahead_of_time(fresh_marian, monkeypatch, capsys):
    from translator import cli

    monkeypatch.setattr(models, "download", lambda name, dest=None: fresh_marian)
    assert cli.main(["download", "--ct2", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "CTranslate2 copy in" in out
    assert ct2.is_converted(ct2.converted_path(fresh_marian, "int8"))
