"""The one batching algorithm (translator/engines/batching.py) and its users: the budget holds, every row
comes back in its place, a row over the budget runs alone, the workers all get work, and the
sizes follow the cores and the device. Behaviour only: no timing here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from translator.engines import batching
from translator.engines import tokenizer as tokenizers
from translator.engines.batching import batch_cost, budget_for_memory, plan_batches, sub_batch_budget
from translator.engines.ct2 import CT2Engine

LENGTHS = [5, 50, 7, 48, 6, 49, 100, 12, 33, 3, 27, 61]


def _check(batches, lengths, budget, bounds=None, beams=1):
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))  # every row exactly once
    assert [lengths[i] for i in flat] == sorted(lengths)  # contiguous runs of the length order
    for batch in batches:
        width = max(lengths[i] for i in batch)
        bound = max(bounds[i] for i in batch) if bounds else 0
        assert batch_cost(len(batch), width, bound, beams) <= budget or len(batch) == 1


def test_batches_stay_within_the_budget_and_the_row_limit():
    batches = plan_batches(LENGTHS, 120, max_rows=3)
    _check(batches, LENGTHS, 120)
    assert all(len(b) <= 3 for b in batches)
    assert plan_batches([], 100) == []


def test_bounds_and_beams_count_towards_the_budget():
    bounds = [2 * n + 16 for n in LENGTHS]
    batches = plan_batches(LENGTHS, 1200, bounds=bounds, beams=4)
    _check(batches, LENGTHS, 1200, bounds, beams=4)
    assert len(batches) > len(plan_batches(LENGTHS, 1200))  # positions cost more than source tokens


def test_a_row_over_the_budget_gets_a_batch_of_its_own():
    batches = plan_batches([10, 500, 12], 100)
    assert [1] in batches and [0, 2] in batches


def test_every_worker_gets_work_of_near_equal_size():
    lengths = [10] * 8
    assert len(plan_batches(lengths, 10_000)) == 1
    parts = plan_batches(lengths, 10_000, parts=4)
    assert [len(b) for b in parts] == [2, 2, 2, 2]
    assert len(plan_batches([4, 4, 4], 10_000, parts=8)) == 3  # never more batches than rows
    assert plan_batches([4], 10, parts=2) == [[0]]
    # already cut finer than the workers: the budget decides
    assert len(plan_batches(lengths, 20, parts=2)) == 4


def test_the_input_order_is_restored_by_the_engines(tiny_models, seed_article):
    """A call cut into many sub-batches (a tiny budget) gives each row what one batch gives it."""
    from translator import split_sentences
    from translator.engines import load
    from translator.options import RuntimeOptions

    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(engine="hf"))
    batch = loaded.encode(split_sentences(seed_article)[:9])
    bounds = [len(ids) // 2 + 3 for ids in batch]
    engine = CT2Engine(tiny_models.marian, device="cpu", dtype="float32", inter_threads=2, intra_threads=1)
    whole = engine.generate(batch, max_new_tokens=bounds, num_beams=1, return_scores=True)
    engine.max_positions = 1  # every row alone, scored alone
    cut = engine.generate(batch, max_new_tokens=bounds, num_beams=1, return_scores=True)
    assert cut == whole
    assert [x.score for x in cut] == pytest.approx([x.score for x in whole], abs=5e-3)
    hf = loaded.engine
    hf.max_batch_tokens = 1
    try:
        assert hf.generate(batch, max_new_tokens=bounds, num_beams=1) == whole
    finally:
        del hf.max_batch_tokens


class _ScoreSpy:
    """Stands in for ctranslate2.Translator: records each score_batch call's rows and widths."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def score_batch(self, source, target, **kwargs):
        self.calls.append([len(t) for t in target])
        return self.real.score_batch(source, target, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_rescoring_runs_in_batches_within_its_budget(tiny_models, seed_article):
    from translator import split_sentences
    from translator.engines import load
    from translator.options import RuntimeOptions

    loaded = load(str(tiny_models.marian), "translation", RuntimeOptions(engine="hf"))
    batch = loaded.encode(split_sentences(seed_article)[:8])
    bounds = [3, 17, 1, 9, 30, 12, 5, 21]  # random weights never stop: all but the longest are cut
    engine = CT2Engine(
        tiny_models.marian, device="cpu", dtype="float32", inter_threads=2, intra_threads=1, max_positions=10_000
    )
    spy = engine.translator = _ScoreSpy(engine.translator)
    engine.generate(batch, max_new_tokens=bounds, num_beams=1, return_scores=True)
    budget = 10_000 // engine_score_share()
    assert spy.calls and all(len(w) * max(w) <= budget or len(w) == 1 for w in spy.calls)
    engine.max_positions = 8 * engine_score_share()  # scoring batches of 8 target positions
    engine.sub_batches = lambda lengths, bounds, beams=1: [list(range(len(lengths)))]  # one group
    spy.calls.clear()
    engine.generate(batch, max_new_tokens=bounds, num_beams=1, return_scores=True)
    assert len(spy.calls) > 2 and all(len(w) * max(w) <= 8 or len(w) == 1 for w in spy.calls)


def engine_score_share():
    from translator.engines import ct2

    return ct2.SCORE_SHARE


def test_sub_batches_scale_with_threads_and_device(tiny_models):
    assert sub_batch_budget("cpu", 4) == 4 * sub_batch_budget("cpu", 1)
    assert sub_batch_budget("cuda") > sub_batch_budget("cpu", 8)
    one = CT2Engine(tiny_models.marian, device="cpu", dtype="float32", inter_threads=2, intra_threads=1)
    four = CT2Engine(tiny_models.marian, device="cpu", dtype="float32", inter_threads=1, intra_threads=4)
    assert four.max_positions == 4 * one.max_positions
    lengths = [20] * 40
    bounds = [56] * 40
    assert len(one.sub_batches(lengths, bounds, 4)) > len(four.sub_batches(lengths, bounds, 4))
    assert len(one.sub_batches([20] * 3, [56] * 3, 4)) == 2  # one per worker, however small


def test_the_positions_budget_holds_the_measured_best_split():
    """4,096 positions per thread: 5 of the tc-big workload's typical sentences (57 tokens, beam 4,
    bound 2 × source + 16) decoded together, the size measured fastest (batching.py)."""
    rows = 5
    assert batch_cost(rows, 57, 2 * 57 + 16, beams=4) <= batching.CPU_POSITIONS_PER_THREAD
    assert batch_cost(rows + 1, 57, 2 * 57 + 16, beams=4) > batching.CPU_POSITIONS_PER_THREAD


def test_gpu_budgets_follow_the_free_memory():
    gib = 2**30
    per_position = 2 * 6 * 1024 * 2  # keys and values, 6 layers, d_model 1024, float16
    low, high = batching.GPU_POSITIONS
    assert budget_for_memory(130 * gib, per_position, share=0.5, limits=batching.GPU_POSITIONS) == high
    small = budget_for_memory(2 * gib, per_position, share=0.5, limits=batching.GPU_POSITIONS)
    assert low < small < high and small == gib // per_position
    assert budget_for_memory(1, per_position, share=0.5, limits=batching.GPU_POSITIONS) == low


def test_tokenizers_load_without_torch_and_match_autotokenizer(tiny_models, seed_article):
    from transformers import AutoTokenizer

    for folder in (tiny_models.marian, tiny_models.bart):
        assert tokenizers.tokenizer_class_name(folder) is not None
        direct, auto = tokenizers.load_tokenizer(folder), AutoTokenizer.from_pretrained(folder)
        assert type(direct) is type(auto)
        assert direct(seed_article[:2000])["input_ids"] == auto(seed_article[:2000])["input_ids"]


def test_an_unknown_tokenizer_goes_through_autotokenizer(tmp_path, tiny_models):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(tiny_models.marian, folder)
    (folder / "tokenizer_config.json").write_text('{"tokenizer_class": "SomethingElse"}', encoding="utf-8")
    assert tokenizers.tokenizer_class_name(folder) is None


def test_the_ct2_path_never_imports_torch(tiny_models):
    """A Translator and a Summarizer on CTranslate2 (CPU, device auto) run without importing
    PyTorch: ~250 MB that nothing on that path uses. (Converting a model, once, does need it:
    done here first.)"""
    from translator.engines import ct2_convert

    for folder in (tiny_models.marian, tiny_models.bart):
        ct2_convert.convert(folder, "int8")
    code = (
        "import sys\n"
        "from translator import Summarizer, Translator\n"
        f"t = Translator({str(tiny_models.marian)!r}, engine='ct2', num_beams=1)\n"
        "assert t.translate('Dober dan, prijatelj.')\n"
        f"s = Summarizer({str(tiny_models.bart)!r}, engine='ct2', num_beams=1)\n"
        "s.summarize('The government met on Monday. It discussed the budget.', length='short')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_auto_device_asks_ctranslate2_before_torch(monkeypatch):
    from translator.engines import models

    monkeypatch.setattr(models, "_torch_loaded", lambda: False)
    monkeypatch.setattr(models, "_ct2_cuda_devices", lambda: 2)
    assert models.resolve_device("auto") == "cuda"
    assert models.resolve_device("cuda:1") == "cuda:1"
    monkeypatch.setattr(models, "_ct2_cuda_devices", lambda: 0)
    monkeypatch.setattr(models, "_maybe_torch_gpu", lambda: False)
    assert models.resolve_device("auto") == "cpu"
    monkeypatch.setattr(models, "_maybe_torch_gpu", lambda: True)  # a driver CTranslate2 cannot use
    assert models.resolve_device("auto") in ("cpu", "cuda", "mps")  # torch decides
