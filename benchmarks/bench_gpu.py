#!/usr/bin/env python
"""Translation speed on a GPU: naive transformers, the project's engines and raw CTranslate2.

    python benchmarks/bench_translate.py --device cuda            # 8,000 source tokens
    python benchmarks/bench_translate.py --device cuda --quick    # 2,000 source tokens

The same workload as the CPU benchmark (bench_translate.py: the seed article repeated, words of
repeated sentences rotated, beam 4, each sentence bounded to 2 × source + 16 tokens, random
weights with the real opus-mt-tc-big-zls-en shape, so every engine generates exactly its bound;
the repetition retry is off). Each configuration runs in its own process, so its GPU memory is
its own:

1. naive transformers: float32, one sentence at a time, ``model.generate`` (timed for
   NAIVE_SECONDS a pass: its rate does not depend on how many sentences follow);
2. the project's ``Translator(engine="hf")``;
3. the project's ``Translator()`` with default settings (``engine="auto"``);
4. raw ``ctranslate2.Translator.translate_batch`` float16 on the project's batches, where
   CTranslate2 loads (it needs CUDA 12 cuBLAS: ``pip install nvidia-cublas-cu12``).

"cold" is the first call after loading, "warm" the median of the 3 calls after it; rates are
output tokens per second. GPU memory is the peak PyTorch allocated and the device memory the
process took (CTranslate2's included). Last, the seed article is translated and summarised with
the default settings (cold, then the median of 3).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bench_common as shared  # first: sets HF_HUB_OFFLINE, puts the repository on sys.path

NAIVE_SECONDS = 10.0
WARM_CALLS = 3
CONFIGS = ["naive", "hf", "auto", "raw-ct2"]
LABELS = {
    "naive": "1 naive transformers fp32",
    "hf": "2 project, engine=hf",
    "auto": "3 project, default (auto)",
    "raw-ct2": "4 raw CTranslate2 float16",
}


# --------------------------------------------------------------------------- in the child


def _synchronize(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _memory_in_use(device: str) -> int:
    """Bytes of the device in use (every process's, CTranslate2's included)."""
    import torch

    if not device.startswith("cuda"):
        return 0
    free, total = torch.cuda.mem_get_info()
    return total - free


def _timings(call: Callable[[], int], device: str) -> dict:
    """Seconds and output tokens of the first call (cold) and of WARM_CALLS more (warm: median)."""
    runs = []
    for _ in range(1 + WARM_CALLS):
        started = time.perf_counter()
        tokens = call()
        _synchronize(device)
        runs.append((time.perf_counter() - started, tokens))
    warm = sorted(runs[1:])[len(runs[1:]) // 2]
    return {"cold_s": runs[0][0], "cold_tokens": runs[0][1], "warm_s": warm[0], "warm_tokens": warm[1]}


def _naive(marian: Path, work: dict, device: str) -> tuple[str, Callable[[], int]]:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(marian)
    model = AutoModelForSeq2SeqLM.from_pretrained(marian, dtype=torch.float32).to(device).eval()

    def call() -> int:
        tokens, started = 0, time.perf_counter()
        for sentence, bound in zip(work["sentences"], work["bounds"]):
            inputs = tokenizer(sentence, return_tensors="pt").to(device)
            with torch.inference_mode():
                output = model.generate(**inputs, num_beams=shared.BEAMS, max_new_tokens=bound)
            tokenizer.decode(output[0], skip_special_tokens=True)
            tokens += output.shape[1] - 1  # every step after the decoder start
            if time.perf_counter() - started > NAIVE_SECONDS:
                break
        return tokens

    return f"transformers float32 on {device}", call


def batch_size(engine) -> str:
    """The batch size an engine uses (the GPU's is sized from its free memory at load):
    CTranslate2's decoder positions a sub-batch, transformers' padded source tokens a call."""
    engine = getattr(engine, "engine", engine)  # engine auto on a GPU: the engine in use
    if getattr(engine, "max_positions", None):
        return f"{engine.max_positions:,} positions"
    if getattr(engine, "max_batch_tokens", None):
        return f"{engine.max_batch_tokens:,} tokens"
    return "?"


def _project(engine: str, marian: Path, work: dict, device: str) -> tuple[str, Callable[[], int], str]:
    from translator import Translator

    translator = Translator(str(marian), engine=engine, device=device, retry_repetitions=False)
    loaded = translator.model.engine
    counts = shared.count_engine_tokens(loaded)

    def call() -> int:
        counts.clear()
        translator.translate(work["sentences"])
        return sum(counts)

    return loaded.description, call, batch_size(loaded)


def _raw_ct2(marian: Path, work: dict, device: str) -> tuple[str, Callable[[], int]]:
    import ctranslate2

    from translator.engines import ct2_convert, cuda_libs
    from translator.engines.batching import plan_batches
    from translator.options import TranslationOptions

    compute = "float16" if device.startswith("cuda") else "int8"
    converted = ct2_convert.convert(marian, compute)
    cuda_libs.preload_cublas_once()
    translator = ctranslate2.Translator(
        str(converted), device="cuda" if device.startswith("cuda") else "cpu", compute_type=compute
    )
    vocabulary = ct2_convert.read_vocabulary(converted)
    ids, bounds = work["ids"], work["bounds"]
    sources = [[vocabulary[i] for i in x] for x in ids]
    options = TranslationOptions()
    batches = plan_batches([len(x) for x in ids], options.batch_tokens, max_rows=options.max_batch_sentences)

    def call() -> int:
        tokens = 0
        for batch in batches:
            results = translator.translate_batch(
                [sources[i] for i in batch],
                beam_size=shared.BEAMS,
                max_input_length=0,
                max_decoding_length=max(bounds[i] for i in batch),
                return_scores=False,
            )
            tokens += sum(min(len(r.hypotheses[0]), bounds[i]) for i, r in zip(batch, results))
        return tokens

    return f"ctranslate2 {compute} on {device}", call


def _seed_article(marian: Path, bart: Path, device: str) -> tuple[str, Callable[[], int]]:
    from translator import Summarizer, Translator
    from translator.core import pipeline

    translator, summarizer = Translator(str(marian), device=device), Summarizer(str(bart), device=device)
    article = shared.REPO.joinpath("examples", "article-sl.txt").read_text(encoding="utf-8")
    engines = f"{translator.model.engine.description} + {summarizer.model.engine.description}"

    def call() -> int:
        pipeline.run(article, translator, summarizer)
        return 0

    return engines, call


def child(name: str, work: dict) -> dict:
    """Load, then time one configuration (``name``) on ``work``; what the report shows."""
    import torch

    device = work["device"]
    marian, bart = Path(work["marian"]), Path(work["bart"])
    before = _memory_in_use(device)
    started = time.perf_counter()
    batch = ""
    if name == "naive":
        engine, call = _naive(marian, work["translation"], device)
    elif name in ("hf", "auto"):
        engine, call, batch = _project(name, marian, work["translation"], device)
    elif name == "raw-ct2":
        engine, call = _raw_ct2(marian, work["translation"], device)
    else:
        engine, call = _seed_article(marian, bart, device)
    _synchronize(device)
    result = {"engine": engine, "load_s": time.perf_counter() - started, **_timings(call, device), "batch": batch}
    peak = torch.cuda.max_memory_allocated() if device.startswith("cuda") else 0
    return {**result, "torch_peak_mib": peak / 2**20, "device_mib": (_memory_in_use(device) - before) / 2**20}


# --------------------------------------------------------------------------- the driver


def _rate(result: dict, which: str) -> float:
    seconds = result.get(f"{which}_s") or 0.0
    return result[f"{which}_tokens"] / seconds if seconds else float("nan")


def report(results: dict[str, dict], seed: dict, work: dict) -> str:
    """The results as a Markdown table, then the targets of issue 9."""
    translation = work["translation"]
    lines = [
        f"device: {work['device_name']}; {len(translation['sentences'])} sentences, "
        f"{sum(map(len, translation['ids']))} source tokens, beam {shared.BEAMS}",
        "",
        "| configuration | engine | batch | load s | cold tok/s | warm tok/s | cold/warm time "
        "| torch peak MiB | device MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in CONFIGS:
        result = results.get(name)
        if result is None:
            continue
        if "error" in result:
            lines.append(f"| {LABELS[name]} | error: {result['error']} | | | | | | | |")
            continue
        cold, warm = _rate(result, "cold"), _rate(result, "warm")
        lines.append(
            f"| {LABELS[name]} | {result['engine']} | {result.get('batch') or '-'} | {result['load_s']:.1f} "
            f"| {cold:,.0f} | "
            f"{warm:,.0f} | {warm / cold:.2f} | {result['torch_peak_mib']:,.0f} | {result['device_mib']:,.0f} |"
        )
    if "error" in seed:
        lines += ["", f"seed article, translate + summarise: error: {seed['error']}"]
    else:
        lines += [
            "",
            f"seed article, translate + summarise with the defaults [{seed['engine']}]: "
            f"{seed['cold_s']:.1f} s cold, {seed['warm_s']:.1f} s warm (median of {WARM_CALLS})",
        ]
    auto, naive = results.get("auto", {}), results.get("naive", {})
    if "warm_s" in auto and "warm_s" in naive:
        lines.append(
            f"default vs naive transformers, warm: {_rate(auto, 'warm') / _rate(naive, 'warm'):.1f}x "
            "(target ≥ 40x); default first call vs warm, time: "
            f"{_rate(auto, 'warm') / _rate(auto, 'cold'):.2f}x (target ≤ 1.5x)"
        )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Build the models, time each configuration in its own process, print the table (and write
    it to ``--out``)."""
    import torch

    device = getattr(args, "bench_device", None) or "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("bench --device cuda: no CUDA device here (torch.cuda.is_available() is False)", file=sys.stderr)
        return 2
    cache = Path(args.cache)
    source_tokens = args.source_tokens or (2000 if args.quick else 8000)
    if args.tiny:
        from translator.testing import build_all

        marian, bart = build_all(cache / "tiny")
    else:
        marian, bart = shared.build_models(cache)
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    work = {
        "marian": str(marian),
        "bart": str(bart),
        "device": device,
        "device_name": name,
        "translation": shared.translation_workload(marian, source_tokens),
    }
    workload = cache / f"workload-gpu-{source_tokens}.json"
    workload.write_text(json.dumps(work), encoding="utf-8")
    script = Path(__file__).resolve()
    wanted = args.configs.split(",") if args.configs else CONFIGS
    results = {}
    for config in CONFIGS:
        if config in wanted:
            results[config] = shared.spawn(config, workload, 1200, script)
            print(f"{config}: {json.dumps(results[config])}", flush=True)
    seed = shared.spawn("seed", workload, 1200, script)
    table = report(results, seed, work)
    print("\n" + table)
    if getattr(args, "out", None):
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True)
    parser.add_argument("--workload", required=True)
    args = parser.parse_args(argv)
    work = json.loads(Path(args.workload).read_text(encoding="utf-8"))
    print(shared.RESULT_MARK + json.dumps(child(args.child, work)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
