"""Engines behind one interface: transformers (hf) and CTranslate2 (ct2), the auto choice, the
fallback (at load and at first use, CUDA faults injected on the CPU), conversion on first use and
its cache, the cuBLAS finder and the GPU batch sizing. Tiny random-weight models, no network."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading

import pytest

from translator import Summarizer, Translator, split_sentences
from translator.core.generation import is_repetitive
from translator.engines import FallbackEngine, clear_cache, create_engine, ct2, ct2_convert, cuda_libs, hf, load, models
from translator.engines.ct2 import CT2Engine, Ct2Unavailable
from translator.options import RuntimeOptions
from translator.system.durable import build_folder

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
    real = ct2_convert._run_converter

    def counting(source, out, quantization):
        calls.append((source, quantization))
        return real(source, out, quantization)

    monkeypatch.setattr(ct2_convert, "_run_converter", counting)
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
        langs=["sl", "en"],
        src_vocab_size=size,
        tgt_vocab_size=size,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=512,
        pad_token_id=pad,
        eos_token_id=0,
        bos_token_id=0,
        decoder_start_token_id=pad,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = FSMTForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(decoder_start_token_id=pad, eos_token_id=0, pad_token_id=pad)
    model.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------- same answers


@pytest.mark.slow  # converts and runs both engines
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


@pytest.mark.slow  # converts and runs both engines
def test_ct2_float32_greedy_summarises_like_hf(tiny_models):
    text = "\n\n".join([ENGLISH * 4] * 3)
    for length in ("short", "medium"):
        with_ct2 = Summarizer(str(tiny_models.bart), engine="ct2", dtype="float32", num_beams=1).summarize(
            text, length=length
        )
        with_hf = Summarizer(str(tiny_models.bart), engine="hf", num_beams=1).summarize(text, length=length)
        assert with_ct2 == with_hf
        assert with_ct2.strip()


def test_engines_return_the_same_ids_within_each_rows_bound(tiny_models, seed_article):
    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(engine="hf"))
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


@pytest.mark.slow  # converts and runs both engines
def test_hf_runs_a_large_call_in_pieces_with_the_same_answers(tiny_models, seed_article):
    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(engine="hf"))
    engine = loaded.engine.inner.inner  # the transformers engine itself, inside its observer and batcher
    batch = loaded.encode(split_sentences(seed_article))
    bounds = [len(ids) + 3 for ids in batch]
    whole = engine.generate(batch, max_new_tokens=bounds, num_beams=1)
    sizes = []
    real = engine._generate

    def recording(rows, max_new_tokens, opts):
        sizes.append((max(map(len, rows)) * len(rows), len(rows)))
        return real(rows, max_new_tokens, opts)

    engine._generate = recording
    engine.max_batch_tokens = 64
    try:
        pieces = engine.generate(batch, max_new_tokens=bounds, num_beams=1)
    finally:
        del engine._generate, engine.max_batch_tokens
    assert len(sizes) > 1 and all(size <= 64 or rows == 1 for size, rows in sizes)
    assert pieces == whole  # greedy rows do not depend on their batch


def test_bart_forced_bos_is_left_out_like_hf(tiny_models):
    loaded = load(str(tiny_models.bart), "summary", RuntimeOptions(engine="hf"))
    batch = loaded.encode([ENGLISH, "It rained."])
    engine = CT2Engine(tiny_models.bart, device="cpu", dtype="float32")
    assert engine.prefix == ["<s>"]
    hf = loaded.engine.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3)
    assert engine.generate(batch, max_new_tokens=[8, 5], num_beams=1, min_new_tokens=3) == hf


def test_sub_batches_cover_every_row_once_and_feed_every_worker(tiny_models):
    engine = CT2Engine(
        tiny_models.marian, device="cpu", dtype="float32", inter_threads=2, intra_threads=1, max_positions=600
    )
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
    translator = Translator(
        str(looping_marian),
        engine="ct2",
        num_beams=2,
        retry_repetitions=False,
        max_length_ratio=0.5,
        max_length_offset=3,
    )
    engine = translator.model.engine.inner.inner  # the engine inside its observer and batcher
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
    engine = translator.model.engine.inner.inner  # the engine inside its observer and batcher
    assert engine.name == "hf"
    assert "auto: CTranslate2 unavailable" in engine.description
    assert "FSMTConfig" in engine.description  # the converter's own reason
    assert any(r.levelno == logging.WARNING and "FSMTConfig" in r.getMessage() for r in caplog.records)
    assert translator.translate("Dober dan, prijatelj.").strip()
    with pytest.raises(Ct2Unavailable, match="FSMTConfig"):
        create_engine(fsmt_model, kind="translation", engine="ct2", device="cpu", dtype="auto")
    # a failed conversion leaves nothing behind that could pass for a converted model
    root = ct2_convert.cache_root(fsmt_model)
    assert not [p for p in root.iterdir() if p.is_dir()]  # temp folders included


CUBLAS_ERROR = "Library libcublas.so.12 is not found or cannot be loaded"


@pytest.fixture
def fake_gpu(monkeypatch):
    """A CTranslate2 that sees one CUDA device and runs it on the CPU, whose next
    ``translate_batch`` calls can fail like a GPU machine's (``fake_gpu["fail"]`` calls fail with
    ``fake_gpu["error"]``); transformers asked for "cuda" runs on the CPU too (float32)."""
    import ctranslate2

    state = {"fail": 0, "error": CUBLAS_ERROR, "devices": []}
    real_translator = ctranslate2.Translator
    real_types = ctranslate2.get_supported_compute_types

    class Translator:
        def __init__(self, path, device="cpu", device_index=0, compute_type="default", **threads):
            state["devices"].append(device)
            self.inner = real_translator(path, device="cpu", compute_type="float32", **threads)

        def translate_batch(self, *args, **kwargs):
            if state["fail"]:
                state["fail"] -= 1
                raise RuntimeError(state["error"])
            return self.inner.translate_batch(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", Translator)
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(
        ctranslate2,
        "get_supported_compute_types",
        lambda device: {"float32", "float16", "int8_float16"} if device == "cuda" else real_types(device),
    )
    monkeypatch.setattr(cuda_libs, "_preloaded", [])  # no library loading on this machine
    real_hf = hf.HFEngine
    monkeypatch.setattr(
        hf, "HFEngine", lambda path, *, device, dtype="auto": real_hf(path, device="cpu", dtype="float32")
    )
    yield state
    clear_cache()  # loaded models hold the fakes


def _transformers(marian):
    return load(str(marian), "translation", RuntimeOptions(engine="hf"))


def test_auto_falls_back_when_cuda_libraries_fail_in_the_probe(tiny_models, fake_gpu, seed_article, caplog):
    caplog.set_level(logging.INFO, logger="translator")
    fake_gpu["fail"] = 1  # the probe's translate_batch, as on a machine without CUDA 12 cuBLAS
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="cuda", dtype="auto")
    assert fake_gpu["devices"] == ["cuda"]  # CTranslate2 was asked for the GPU
    assert engine.name == "hf"
    assert "auto: CTranslate2 unavailable" in engine.description and "libcublas.so.12" in engine.description
    assert "pip install nvidia-cublas-cu12" in engine.description
    assert any(r.levelno == logging.WARNING and "libcublas.so.12" in r.getMessage() for r in caplog.records)
    reference = _transformers(tiny_models.marian)
    batch = reference.encode(split_sentences(seed_article)[:2])
    bounds = [4, 6]
    assert engine.generate(batch, max_new_tokens=bounds) == reference.engine.generate(batch, max_new_tokens=bounds)


def test_explicit_ct2_fails_with_one_line_naming_the_library_and_the_fix(tiny_models, fake_gpu):
    fake_gpu["fail"] = 1
    with pytest.raises(Ct2Unavailable) as raised:
        create_engine(tiny_models.marian, kind="translation", engine="ct2", device="cuda", dtype="auto")
    message = str(raised.value)
    assert "\n" not in message
    assert "libcublas.so.12" in message and "pip install nvidia-cublas-cu12" in message
    assert 'pip install -e ".[gpu]"' in message


def test_auto_switches_to_transformers_when_cuda_fails_later(tiny_models, fake_gpu, monkeypatch):
    monkeypatch.setattr("translator.engines.loaded.resolve_device", lambda device, engine="auto": device)  # "cuda" here
    short = dict(num_beams=1, retry_repetitions=False, max_length_ratio=0.5, max_length_offset=2)
    translator = Translator(str(tiny_models.marian), device="cuda", **short)
    engine = translator.model.engine.inner.inner  # the engine inside its observer and batcher
    assert isinstance(engine, FallbackEngine) and engine.name == "ct2"  # the probe passed
    assert "float16 on cuda" in engine.description
    sentences = ["Dober dan, prijatelj.", "Vlada bo prihodnji teden razpravljala o proračunu."]
    fake_gpu["fail"] = 1  # the first real request fails
    english = translator.translate(sentences)  # and is served all the same
    assert engine.name == "hf" and "libcublas.so.12" in engine.description
    assert english == Translator(str(tiny_models.marian), engine="hf", **short).translate(sentences)


@pytest.mark.parametrize(
    "error",
    [
        "CUDA failed with error out of memory",
        "CUDA failed with error CUDA driver version is insufficient for CUDA runtime version",
    ],
)
def test_memory_and_driver_errors_switch_too(tiny_models, fake_gpu, error):
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="cuda", dtype="auto")
    assert engine.name == "ct2"
    fake_gpu["fail"], fake_gpu["error"] = 1, error
    reference = _transformers(tiny_models.marian).engine
    assert engine.generate([[5, 6, 0]], max_new_tokens=[3]) == reference.generate([[5, 6, 0]], max_new_tokens=[3])
    assert engine.name == "hf" and error.split()[-1] in engine.description
    assert engine.generate([[7, 0]], max_new_tokens=[2]) == reference.generate([[7, 0]], max_new_tokens=[2])


def test_the_fallback_passes_scores_through_before_and_after_the_switch(tiny_models, fake_gpu):
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="cuda", dtype="float32")
    assert isinstance(engine, FallbackEngine)
    reference = _transformers(tiny_models.marian).engine
    expected = reference.generate([[5, 6, 0]], max_new_tokens=[3], num_beams=1, return_scores=True)
    for fail in (0, 1):  # CTranslate2, then transformers after a CUDA failure
        fake_gpu["fail"] = fail
        (row,) = engine.generate([[5, 6, 0]], max_new_tokens=[3], num_beams=1, return_scores=True)
        assert row == expected[0] and row.score == pytest.approx(expected[0].score, abs=1e-4)
    assert engine.name == "hf"


def test_other_ct2_errors_are_not_taken_for_cuda_failures(tiny_models, fake_gpu):
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="cuda", dtype="float32")
    fake_gpu["fail"], fake_gpu["error"] = 1, "some bug in the decoder"
    with pytest.raises(RuntimeError, match="some bug"):
        engine.generate([[5, 6, 0]], max_new_tokens=[3])
    assert engine.name == "ct2"


def test_auto_falls_back_on_a_device_ct2_does_not_have(tiny_models, monkeypatch):
    with pytest.raises(Ct2Unavailable, match="mps"):
        ct2.ct2_device("mps")
    assert ct2.ct2_device("cuda:1") == ("cuda", 1)
    real_hf = hf.HFEngine
    monkeypatch.setattr(
        hf, "HFEngine", lambda path, *, device, dtype="auto": real_hf(path, device="cpu", dtype="float32")
    )
    engine = create_engine(tiny_models.marian, kind="translation", engine="auto", device="mps", dtype="auto")
    assert engine.name == "hf" and "CTranslate2 runs on CPU or CUDA, not on 'mps'" in engine.description


def test_an_unknown_device_is_one_clear_error(tiny_models):
    with pytest.raises(ValueError, match="unknown device 'gpu': choose auto, cpu, cuda"):
        models.resolve_device("gpu")
    with pytest.raises(ValueError, match="unknown device"):
        load(str(tiny_models.marian), "translation", RuntimeOptions(device="gpu"))


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


def test_threads_follow_the_cores_and_the_environment(tiny_models, monkeypatch):
    assert ct2.thread_split(1) == (1, 1)
    assert ct2.thread_split(2) == (2, 1)
    assert ct2.thread_split(16) == (4, 4)
    assert ct2.thread_split(2, kind="summary") == (1, 2)  # one long input: only intra threads help
    assert ct2.thread_split(2, inter=1, intra=2) == (1, 2)
    monkeypatch.setenv("TRANSLATOR_CT2_INTER_THREADS", "1")
    monkeypatch.setenv("TRANSLATOR_CT2_INTRA_THREADS", "2")
    runtime = RuntimeOptions.from_env(engine="ct2", dtype="float32")
    engine = load(str(tiny_models.marian), "translation", runtime).engine
    assert (engine.inter_threads, engine.intra_threads) == (1, 2)
    monkeypatch.setenv("TRANSLATOR_CT2_INTER_THREADS", "zero")
    with pytest.raises(ValueError, match="whole number"):
        RuntimeOptions.from_env()


# ---------------------------------------------------------------------- conversion cache


def test_conversion_happens_once_and_is_reused(fresh_marian, count_conversions):
    first = ct2_convert.convert(fresh_marian, "float32")
    assert ct2_convert.is_converted(first)
    assert first.parent == fresh_marian.parent / ".ct2"
    assert first.name.startswith("marian-float32-")
    marker = json.loads((first / ct2_convert.MARKER).read_text())
    assert marker["source"] == str(fresh_marian.resolve()) and marker["vocabulary_matches_tokenizer"]
    assert ct2_convert.convert(fresh_marian, "float32") == first
    engine = CT2Engine(fresh_marian, device="cpu", dtype="float32")  # what load() does
    assert engine.path == first
    assert len(count_conversions) == 1
    ct2_convert.convert(fresh_marian, "int8")  # another quantization is another copy
    assert len(count_conversions) == 2
    assert ct2_convert.convert(fresh_marian) == ct2_convert.converted_path(fresh_marian, "int8")  # auto here: int8
    assert len(count_conversions) == 2


def test_a_leftover_half_converted_folder_is_ignored(fresh_marian, count_conversions):
    target = ct2_convert.converted_path(fresh_marian, "float32")
    target.parent.mkdir(parents=True, exist_ok=True)
    leftover = target.parent / f".{target.name}.building-deadbeef"
    leftover.mkdir()
    (leftover / "model.bin").write_bytes(b"\0" * 100)  # killed mid-write: no config, no marker
    path = ct2_convert.convert(fresh_marian, "float32")
    assert path == target and ct2_convert.is_converted(path)
    assert not leftover.exists()  # cleaned up under the lock
    assert len(count_conversions) == 1


def test_a_target_without_marker_is_converted_again(fresh_marian, count_conversions):
    target = ct2_convert.converted_path(fresh_marian, "float32")
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"garbage")
    assert not ct2_convert.is_converted(target)
    assert ct2_convert.convert(fresh_marian, "float32") == target
    assert ct2_convert.is_converted(target) and len(count_conversions) == 1
    CT2Engine(fresh_marian, device="cpu", dtype="float32").generate([[5, 6, 0]], max_new_tokens=[3])


def test_two_conversions_at_once_convert_once(fresh_marian, count_conversions, monkeypatch):
    real, real_convert = ct2_convert._run_converter, ct2_convert.convert
    arrived = threading.Semaphore(0)
    seen_while_converting = []

    def slow(source, out, quantization):
        # the race, proven: the converter runs only once every caller has asked for the copy
        for _ in range(3):
            seen_while_converting.append(arrived.acquire(timeout=30))
        return real(source, out, quantization)

    monkeypatch.setattr(ct2_convert, "_run_converter", slow)
    results, errors = [], []

    def worker():
        try:
            arrived.release()
            results.append(real_convert(fresh_marian, "float32"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert seen_while_converting == [True, True, True]
    assert len(set(results)) == 1 and ct2_convert.is_converted(results[0])
    assert len(count_conversions) == 1


def test_another_process_winning_the_rename_is_fine(fresh_marian, tmp_path):
    """Where locks are missing, the rename decides: the loser keeps the winner's copy."""
    winner = ct2_convert.convert(fresh_marian, "float32")
    stamp = (winner / ct2_convert.MARKER).read_text()
    built = []

    def make(tmp):
        shutil.copytree(fresh_marian, tmp, dirs_exist_ok=True)
        built.append(tmp)

    assert build_folder(winner, make, is_complete=ct2_convert.is_converted) == winner
    assert built and not built[0].exists()  # the loser's copy is gone
    assert (winner / ct2_convert.MARKER).read_text() == stamp and ct2_convert.is_converted(winner)


def test_cache_key_separates_models_and_versions(fresh_marian, tmp_path):
    twin = tmp_path / "other" / "marian"
    shutil.copytree(fresh_marian, twin)
    assert ct2_convert.source_key(twin) != ct2_convert.source_key(fresh_marian)  # same files, another folder
    before = ct2_convert.source_key(fresh_marian)
    weights = fresh_marian / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a re-download
    assert ct2_convert.source_key(fresh_marian) != before
    assert ct2_convert.source_key(fresh_marian) == ct2_convert.source_key(fresh_marian)


def test_cache_dir_setting_and_hf_cache_layout(fresh_marian, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATOR_CT2_DIR", str(tmp_path / "ct2-cache"))
    assert ct2_convert.converted_path(fresh_marian, "int8").parent == tmp_path / "ct2-cache"
    monkeypatch.delenv("TRANSLATOR_CT2_DIR")
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path / "models-dir"))
    snapshot = tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-x" / "snapshots" / "abc123"
    shutil.copytree(fresh_marian, snapshot)
    path = ct2_convert.converted_path(snapshot, "int8")
    assert path.parent == tmp_path / "models-dir" / ".ct2"  # never inside the Hugging Face cache
    assert path.name.startswith("Helsinki-NLP--opus-mt-x-int8-")


def test_download_ct2_converts_ahead_of_time(fresh_marian, monkeypatch, capsys):
    from translator import cli

    monkeypatch.setattr(models, "download", lambda name, dest=None: fresh_marian)
    assert cli.main(["download", "--ct2", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "CTranslate2 copy in" in out
    assert ct2_convert.is_converted(ct2_convert.converted_path(fresh_marian, "int8"))


# ---------------------------------------------------------------------- CUDA libraries


def _fake_wheel(site):
    folder = site / "nvidia" / "cublas" / "lib"
    folder.mkdir(parents=True)
    for name in cuda_libs.CUBLAS_LIBRARIES:
        (folder / name).write_bytes(b"\x7fELF fake")
    return folder


def test_cublas_is_found_inside_the_pip_package(tmp_path):
    folder = _fake_wheel(tmp_path / "site-packages")
    paths = [str(tmp_path / "elsewhere"), str(tmp_path / "site-packages")]
    assert cuda_libs.find_library("libcublas.so.12", paths) == folder / "libcublas.so.12"
    assert cuda_libs.find_library("libcublas.so.13", paths) is None
    assert cuda_libs.find_library("libcublas.so.12", [str(tmp_path / "elsewhere")]) is None


def test_cublas_is_preloaded_from_the_package_only_when_the_system_lacks_it(tmp_path, monkeypatch):
    monkeypatch.setattr(cuda_libs.sys, "platform", "linux")
    folder = _fake_wheel(tmp_path / "site-packages")
    calls = []

    def missing_on_the_system(name, mode=None):
        calls.append((name, mode))
        if "/" not in name:
            raise OSError(f"{name}: cannot open shared object file")

    loaded = cuda_libs.preload_cublas([str(tmp_path / "site-packages")], loader=missing_on_the_system)
    assert loaded == [str(folder / "libcublasLt.so.12"), str(folder / "libcublas.so.12")]  # Lt first
    assert [(name, mode) for name, mode in calls if "/" in name] == [(path, os.RTLD_GLOBAL) for path in loaded]

    calls.clear()
    assert (
        cuda_libs.preload_cublas([str(tmp_path / "site-packages")], loader=lambda name, mode=None: calls.append(name))
        == []
    )
    assert calls == list(cuda_libs.CUBLAS_LIBRARIES)  # the system's copies are used as they are

    def nowhere(name, mode=None):
        raise OSError(name)

    assert cuda_libs.preload_cublas([str(tmp_path / "empty")], loader=nowhere) == []  # never raises


def test_cuda_failures_are_told_apart():
    reason = cuda_libs.cuda_failure(RuntimeError(CUBLAS_ERROR))
    assert "libcublas.so.12" in reason and "nvidia-cublas-cu12" in reason and "\n" not in reason
    assert "out of memory" in cuda_libs.cuda_failure(RuntimeError("CUDA failed with error out of memory"))
    assert cuda_libs.cuda_failure(
        RuntimeError(
            "Requested float16 compute type, but the target device does not support efficient float16 computation"
        )
    )
    assert cuda_libs.cuda_failure(RuntimeError("vocabulary mismatch")) is None
    assert cuda_libs.cuda_failure(KeyError("cuda")) is None


# ---------------------------------------------------------------------- transformers on a GPU


def test_gpu_batches_follow_the_free_memory():
    from transformers import MarianConfig

    big = MarianConfig(d_model=1024, decoder_layers=6, vocab_size=59_883)
    per_token = hf.bytes_per_source_token(big, hf.torch.bfloat16)
    assert 300_000 < per_token < 1_000_000  # transformer-big, beam 4: about half a megabyte
    assert hf.bytes_per_source_token(big, hf.torch.float32) > per_token
    assert hf.bytes_per_source_token(big, hf.torch.bfloat16, beams=1) < per_token
    gib = 2**30
    h200 = hf.batch_tokens_for_memory(130 * gib, per_token)
    small = hf.batch_tokens_for_memory(10 * gib, per_token)
    assert h200 == hf.GPU_BATCH_TOKENS[1]  # capped: larger calls only wait longer for their longest row
    assert hf.GPU_BATCH_TOKENS[0] < small < h200 and small == int(10 * gib * hf.GPU_MEMORY_SHARE) // per_token
    assert hf.batch_tokens_for_memory(gib // 4, per_token) == hf.GPU_BATCH_TOKENS[0]  # never below the CPU's
    assert hf.HFEngine.max_batch_tokens == hf.CPU_BATCH_TOKENS


def test_hf_uses_sdpa_where_the_model_has_it(tiny_models, fsmt_model):
    marian = hf.HFEngine(tiny_models.marian, device="cpu")
    assert marian.model.config._attn_implementation == "sdpa"
    assert hf.HFEngine(fsmt_model, device="cpu").generate([[5, 6, 0]], max_new_tokens=[3])


def test_ct2_gpu_sub_batches_follow_the_free_memory(tiny_models, fake_gpu, monkeypatch):
    from translator.engines import batching

    big = {"decoder_layers": 6, "d_model": 1024, "vocab_size": 59_883}  # opus-mt-tc-big
    per_position = ct2.bytes_per_position(big, "float16")
    assert 20_000 < per_position < 60_000 and ct2.bytes_per_position(big, "float32") > per_position
    gib = 2**30
    assert (
        batching.budget_for_memory(
            130 * gib, per_position, share=batching.GPU_MEMORY_SHARE, limits=batching.GPU_POSITIONS
        )
        == batching.GPU_POSITIONS[1]
    )
    free = 48 * 2**20
    monkeypatch.setattr(ct2, "cuda_free_bytes", lambda index: free)
    engine = ct2.CT2Engine(tiny_models.marian, device="cuda", dtype="auto")
    expected = batching.budget_for_memory(
        free,
        ct2.bytes_per_position(engine.config, engine.compute_type),
        share=batching.GPU_MEMORY_SHARE,
        limits=batching.GPU_POSITIONS,
    )
    assert engine.max_positions == expected
    assert f"{expected:,} positions a sub-batch" in engine.description  # what bench_gpu.py reports
    monkeypatch.setattr(ct2, "cuda_free_bytes", lambda index: None)  # cannot be asked: the default
    assert ct2.CT2Engine(tiny_models.marian, device="cuda").max_positions == batching.GPU_DEFAULT_POSITIONS


def test_ct2_workers_on_cpu_share_one_malloc_arena(tiny_models, monkeypatch):
    # translator/system/allocator.py: set before CTranslate2 starts its worker threads (its Translator)
    import ctranslate2

    calls = []
    real = ctranslate2.Translator
    monkeypatch.setattr(ct2, "share_one_arena", lambda: calls.append("one arena") or True)
    monkeypatch.setattr(ctranslate2, "Translator", lambda *a, **k: calls.append("workers") or real(*a, **k))
    CT2Engine(tiny_models.marian, device="cpu", dtype="float32")
    assert calls == ["one arena", "workers"]


def test_every_engine_call_is_reported_to_the_observers_and_the_engine_is_untouched(tiny_models):
    from translator.engines.observed import ObservedEngine, add_observer, remove_observer
    from translator.engines.shared import SharedBatcher

    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(engine="hf"))
    # the engine is built wrapped: the shared batcher, the observer, the engine itself
    assert isinstance(loaded.engine, SharedBatcher) and isinstance(loaded.engine.inner, ObservedEngine)
    assert loaded.engine.name == "hf"
    assert "generate" not in vars(loaded.engine.inner.inner)  # no monkeypatch on the engine itself
    seen: list[tuple[str, float]] = []
    observer = lambda kind, seconds: seen.append((kind, seconds))
    add_observer(observer)
    add_observer(observer)  # once, however often it is added
    try:
        loaded.engine.generate([[5, 6, 0]], max_new_tokens=[3], num_beams=1)
        loaded.engine.n_best([[5, 6, 0]], max_new_tokens=[3], count=2, num_beams=2)
    finally:
        remove_observer(observer)
    loaded.engine.generate([[5, 6, 0]], max_new_tokens=[3], num_beams=1)
    assert [kind for kind, _ in seen] == ["translation", "translation"]
    assert all(seconds > 0 for _, seconds in seen)
