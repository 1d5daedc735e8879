#!/usr/bin/env python
"""Speed and memory of translation and summarisation: naive transformers, the project's engines and
raw CTranslate2, on random-weight models with the real shapes (no download needed).

    python benchmarks/bench_translate.py            # ~2,000 source tokens (~20 min on 2 cores)
    python benchmarks/bench_translate.py --quick    # every 2nd of those sentences, under 3 minutes
    python benchmarks/bench_translate.py --device cuda   # the GPU benchmark (benchmarks/bench_gpu.py)

``--quick`` translates every second sentence of the full workload taken in length order (the same
mix of lengths, so it spans several sub-batches per worker and its ratio to raw CTranslate2 is the
full run's), times naive transformers for 20 s only (it translates one sentence at a time, so its
rate does not depend on how many sentences follow) and skips the project's hf engine and four of the
raw CTranslate2 variants. Timings on a shared machine are noisy: each row shows the CPU share its
process got (``cpu 190%`` = both cores of a 2-core machine) and the share other processes took
meanwhile (``others 5%``, from /proc/stat); a warning says when the machine was too busy for the
ratios to hold (the load average against the cores before and after, or others above 15%).

The models are built once into ``.bench-cache/`` (git-ignored) by :mod:`translator.testing`: a MarianMT
with the exact opus-mt-tc-big-zls-en shape and a BART with the distilbart-cnn-12-6 shape, with
tokenizers trained on the example articles. Their CTranslate2 copies are converted before timing
starts (conversion time is reported apart). Every configuration runs in its own process so that
peak memory (``VmHWM``: ``ru_maxrss`` would count the parent's memory at the fork) is its own.

Random weights never produce end-of-sentence, so every engine generates exactly its bound for every
sentence: the output lengths, and so the work, are equal across configurations (the repetition
retry is switched off, ``retry_repetitions=False``, or it would translate every sentence twice).
The source is examples/article-sl.txt repeated; repeated copies of a sentence have their words
rotated so that the project's de-duplication of identical sentences does not skip work.

Translation (beam 4, output bound 2 × source tokens + 16, as translate() sets it):
 1. naive transformers: one sentence at a time, ``model.generate``, float32;
 2. the project's ``Translator(engine="hf")``;
 3. the project's ``Translator()`` with default settings (``engine="auto"``);
 4. raw ``ctranslate2.Translator.translate_batch`` on the same batches (translate.py's
    plan_batches), int8, the best of several thread splits and submission styles.
Summarisation (a 700-token English text → 100 output tokens, beam 4, no_repeat_ngram_size 3,
length_penalty 2): the same four, each timed SUMMARY_REPEATS times (naive once), its fastest call kept.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_common import (  # first: puts the repository on sys.path, sets HF_HUB_OFFLINE
    BEAMS,
    CACHE,
    REPO,
    RESULT_MARK,
    build_models,
    count_engine_tokens,
    cpu_seconds,
    machine_busy_seconds,
    proc_status,
    spawn,
    translation_workload,
)

SCRIPT = Path(__file__).resolve()
SUMMARY_INPUT_TOKENS = 700
SUMMARY_OUTPUT_TOKENS = 100


# --------------------------------------------------------------------------- the workload


def quick_sample(work: dict, keep: int, of: int) -> dict:
    """``keep`` in every ``of`` sentences of ``work`` in length order: the same mix of lengths,
    ``keep``/``of`` of the work (``--quick``)."""
    order = sorted(range(len(work["ids"])), key=lambda i: (len(work["ids"][i]), i))
    keep = sorted(i for position, i in enumerate(order) if position % of < keep)
    return {key: [work[key][i] for i in keep] for key in ("sentences", "ids", "bounds")}


def summary_workload(bart: Path) -> dict:
    """English text of exactly SUMMARY_INPUT_TOKENS tokens (the example article, repeated)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(bart)
    article = (REPO / "examples" / "article-en.txt").read_text(encoding="utf-8").split()
    words: list[str] = []
    text = ""
    while len(tokenizer(text)["input_ids"]) < SUMMARY_INPUT_TOKENS:
        words.append(article[len(words) % len(article)])
        text = " ".join(words)
    while len(tokenizer(text)["input_ids"]) > SUMMARY_INPUT_TOKENS:
        words.pop()
        text = " ".join(words)
    return {"text": text, "ids": tokenizer(text)["input_ids"]}


def write_workload(cache: Path, marian: Path, bart: Path, source_tokens: int, quick: bool) -> Path:
    """Both tasks' workload (and the models' paths) as JSON in ``cache``, for the children (and
    bench_memory.py) to read: the full run's, or --quick's share of its sentences."""
    translation = translation_workload(marian, source_tokens)
    work = {
        "marian": str(marian),
        "bart": str(bart),
        "naive_seconds": QUICK_NAIVE_SECONDS if quick else None,
        "translation": quick_sample(translation, *QUICK_SHARE) if quick else translation,
        "summary": summary_workload(bart),
    }
    path = cache / f"workload-{source_tokens}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(work), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- measurements


def _peak_rss() -> int:
    """This process's peak resident memory: ``VmHWM`` on Linux. Not ``ru_maxrss``: Linux keeps
    that across ``exec``, so a child reports at least the parent's RSS when it was forked (the
    parent holds tokenizers and, on a first run, the models it built)."""
    peak = proc_status("VmHWM").get("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, AttributeError):
        import psutil

        return psutil.Process().memory_info().rss


def _raw_translator(path: Path, inter: int, intra: int):
    import ctranslate2

    from translator.engines import ct2_convert

    converted = ct2_convert.convert(path, "int8")
    return ctranslate2.Translator(
        str(converted), device="cpu", compute_type="int8", inter_threads=inter, intra_threads=intra
    ), converted


def run_translation(config: str, marian: Path, work: dict, naive_seconds: float | None = None) -> dict:
    sentences, ids, bounds = work["sentences"], work["ids"], work["bounds"]
    started, cpu0 = time.perf_counter(), cpu_seconds()
    if config == "naive":
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(marian)
        model = AutoModelForSeq2SeqLM.from_pretrained(marian).eval()
        load = time.perf_counter() - started
        model.generate(**tokenizer("Dober dan.", return_tensors="pt"), num_beams=BEAMS, max_new_tokens=4)
        tokens = 0
        started, cpu0 = time.perf_counter(), cpu_seconds()
        for sentence, bound in zip(sentences, bounds):
            inputs = tokenizer(sentence, return_tensors="pt")
            output = model.generate(**inputs, num_beams=BEAMS, max_new_tokens=bound)
            tokenizer.decode(output[0], skip_special_tokens=True)
            tokens += output.shape[1] - 1  # every step after the decoder start (the last is a forced EOS)
            if naive_seconds and time.perf_counter() - started > naive_seconds:
                break  # --quick: its rate per sentence does not depend on how many follow
        seconds = time.perf_counter() - started
        del torch
    elif config in ("hf", "auto"):
        from translator import Translator

        translator = Translator(str(marian), engine=config, retry_repetitions=False)
        engine = translator.model.engine
        load = time.perf_counter() - started
        translator.translate("Dober dan.")
        counts = count_engine_tokens(engine)
        started, cpu0 = time.perf_counter(), cpu_seconds()
        translator.translate(sentences)
        seconds = time.perf_counter() - started
        tokens = sum(counts)
        return {
            "load_s": load,
            "seconds": seconds,
            "tokens": tokens,
            "rss": _peak_rss(),
            "cpu": (cpu_seconds() - cpu0) / seconds,
            "engine": engine.description,
        }
    elif config.startswith("raw"):
        from translator.engines.batching import plan_batches
        from translator.options import TranslationOptions

        _, split, style = config.split("-")  # raw-2x1-split
        inter, intra = (int(n) for n in split.split("x"))
        translator, converted = _raw_translator(marian, inter, intra)
        load = time.perf_counter() - started
        vocabulary = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
        sources = [[vocabulary[i] for i in x] for x in ids]
        translator.translate_batch([sources[0]], beam_size=BEAMS, max_decoding_length=4)
        options = TranslationOptions()
        batches = plan_batches([len(x) for x in ids], options.batch_tokens, max_rows=options.max_batch_sentences)
        tokens = 0
        started, cpu0 = time.perf_counter(), cpu_seconds()
        common = dict(beam_size=BEAMS, max_input_length=0, return_scores=False)
        if style.startswith("fine"):
            # the expert's way: sorted by length, small batches (``fineN``: N source tokens
            # each) with their own decoding bound, all submitted at once; the workers take
            # them in turn, so no worker waits for another
            budget = int(style.removeprefix("fine"))
            batches = plan_batches([len(x) for x in ids], budget)
            pending = [
                (
                    batch,
                    translator.translate_batch(
                        [sources[i] for i in batch],
                        max_decoding_length=max(bounds[i] for i in batch),
                        asynchronous=True,
                        **common,
                    ),
                )
                for batch in batches
            ]
            for batch, futures in pending:
                tokens += sum(min(len(f.result().hypotheses[0]), bounds[i]) for i, f in zip(batch, futures))
        else:  # one call per batch; "split" lets CTranslate2 cut it in one sub-batch per worker
            for batch in batches:
                padded = max(len(ids[i]) for i in batch) * len(batch)
                size = math.ceil(padded / inter) if style == "split" and inter > 1 else 0
                results = translator.translate_batch(
                    [sources[i] for i in batch],
                    max_decoding_length=max(bounds[i] for i in batch),
                    max_batch_size=size,
                    batch_type="tokens",
                    **common,
                )
                tokens += sum(min(len(r.hypotheses[0]), bounds[i]) for i, r in zip(batch, results))
        seconds = time.perf_counter() - started
    else:
        raise ValueError(config)
    return {
        "load_s": load,
        "seconds": seconds,
        "tokens": tokens,
        "rss": _peak_rss(),
        "cpu": (cpu_seconds() - cpu0) / seconds,
        "engine": config,
    }


SUMMARY_REPEATS = 3
"""A summary takes ~3 s on the project and raw CTranslate2: each configuration is timed this many
times and its fastest call kept, so one call's jitter does not decide the ratio."""


def _fastest(call: Callable[[], int], repeats: int = SUMMARY_REPEATS) -> tuple[float, int, float]:
    """(seconds, tokens, CPU share) of the fastest of ``repeats`` calls of ``call`` (-> tokens)."""
    best: tuple[float, int, float] | None = None
    for _ in range(repeats):
        started, cpu0 = time.perf_counter(), cpu_seconds()
        tokens = call()
        seconds = time.perf_counter() - started
        if best is None or seconds < best[0]:
            best = (seconds, tokens, (cpu_seconds() - cpu0) / seconds)
    assert best is not None
    return best


def run_summary(config: str, bart: Path, work: dict, naive_seconds: float | None = None) -> dict:
    text, ids = work["text"], work["ids"]
    started = time.perf_counter()
    engine_name = config
    if config == "naive":
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(bart)
        model = AutoModelForSeq2SeqLM.from_pretrained(bart).eval()
        load = time.perf_counter() - started
        model.generate(**tokenizer("Warm up.", return_tensors="pt"), num_beams=BEAMS, max_new_tokens=4)

        def call() -> int:
            inputs = tokenizer(text, return_tensors="pt")
            output = model.generate(
                **inputs,
                num_beams=BEAMS,
                max_new_tokens=SUMMARY_OUTPUT_TOKENS,
                min_new_tokens=SUMMARY_OUTPUT_TOKENS // 2,
                no_repeat_ngram_size=3,
                length_penalty=2.0,
                max_time=naive_seconds,
            )
            tokenizer.decode(output[0], skip_special_tokens=True)
            return output.shape[1] - 1

    elif config in ("hf", "auto"):
        from translator import Summarizer

        # exactly SUMMARY_OUTPUT_TOKENS new tokens
        summarizer = Summarizer(
            str(bart), engine=config, min_new_tokens=SUMMARY_OUTPUT_TOKENS, max_new_tokens=SUMMARY_OUTPUT_TOKENS
        )
        engine = summarizer.model.engine
        engine_name = engine.description
        load = time.perf_counter() - started
        summarizer.summarize("Warm up.", length="short")
        counts = count_engine_tokens(engine)

        def call() -> int:
            counts.clear()
            summarizer.summarize(text)
            return sum(counts) + len(counts)  # + the forced <s> each output starts with

    elif config.startswith("raw"):
        inter, intra = (int(n) for n in config.split("-")[1].split("x"))
        translator, converted = _raw_translator(bart, inter, intra)
        load = time.perf_counter() - started
        vocabulary = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
        source = [vocabulary[i] for i in ids]
        translator.translate_batch([source[:8]], beam_size=BEAMS, max_decoding_length=4)

        def call() -> int:
            (result,) = translator.translate_batch(
                [source],
                target_prefix=[["<s>"]],
                beam_size=BEAMS,
                max_decoding_length=SUMMARY_OUTPUT_TOKENS,
                min_decoding_length=SUMMARY_OUTPUT_TOKENS // 2,
                no_repeat_ngram_size=3,
                length_penalty=2.0,
                max_input_length=0,
            )
            return len(result.hypotheses[0])

    else:
        raise ValueError(config)
    seconds, tokens, cpu = _fastest(call, 1 if config == "naive" else SUMMARY_REPEATS)
    return {"load_s": load, "seconds": seconds, "tokens": tokens, "rss": _peak_rss(), "cpu": cpu, "engine": engine_name}


def run_both(marian: Path, bart: Path, twork: dict, swork: dict) -> dict:
    """Translate, then summarise, with the default engine in one process: the peak memory a user sees."""
    from translator import Summarizer, Translator

    started = time.perf_counter()
    translator = Translator(str(marian), retry_repetitions=False)
    summarizer = Summarizer(str(bart))
    engines = f"{translator.model.engine.description} + {summarizer.model.engine.description}"
    load = time.perf_counter() - started
    started = time.perf_counter()
    translator.translate(twork["sentences"][:16])
    summarizer.summarize(swork["text"], length="short")
    return {
        "load_s": load,
        "seconds": time.perf_counter() - started,
        "tokens": 0,
        "rss": _peak_rss(),
        "engine": engines,
    }


# --------------------------------------------------------------------------- the driver


QUICK_NAIVE_SECONDS = 10  # --quick times naive transformers this long (its rate does not depend on the length)
QUICK_SHARE = (2, 3)
"""--quick translates 2 in 3 sentences of the full workload: with 1 in 2 (18 sentences, 5
sub-batches for 2 workers) the tail of the last sub-batch weighed more than in the full run, and
the ratio came out 0.99x against the full runs' 1.09x and 1.20x."""
QUICK_SKIP = {"hf", "raw-1x2-plain", "raw-2x1-split", "raw-2x1-fine128", "raw-2x1-fine512", "raw-2x1"}
BOTH_TARGET_MIB = 1200
TRANSLATION_CONFIGS = [
    "naive",
    "hf",
    "auto",
    "raw-1x2-plain",
    "raw-2x1-split",
    "raw-2x1-fine128",
    "raw-2x1-fine256",
    "raw-2x1-fine512",
]
SUMMARY_CONFIGS = ["naive", "hf", "auto", "raw-1x2", "raw-2x1"]
LABELS = {"naive": "1 naive transformers", "hf": "2 project, engine=hf", "auto": "3 project, default (auto)"}


def child(args: argparse.Namespace) -> int:
    work = json.loads(Path(args.workload).read_text(encoding="utf-8"))
    marian, bart = Path(work["marian"]), Path(work["bart"])
    task, config = args.child.split(":", 1)
    if task == "translate":
        result = run_translation(config, marian, work["translation"], work.get("naive_seconds"))
    elif task == "summarize":
        result = run_summary(config, bart, work["summary"], work.get("naive_seconds"))
    else:
        result = run_both(marian, bart, work["translation"], work["summary"])
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


BUSY_OTHERS = 0.15  # others' share of the cores above which a row's timing is not trusted
BUSY_LOAD = 0.5  # load average per core, from other processes, above which a run is not trusted
BUSY_SAMPLE_SECONDS = 3.0  # how long the machine is watched before a run (see _busy_share)


def _busy_share(seconds: float = BUSY_SAMPLE_SECONDS) -> float | None:
    """The share of the cores other processes use now, watched for ``seconds`` (None off Linux).
    Not the 1-minute load average: it still counts a run that has just ended (a second benchmark
    started right after a first one saw 1.6 on 2 cores with the machine idle)."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    after = machine_busy_seconds()
    return None if before is None or after is None else (after - before) / (seconds * (os.cpu_count() or 1))


def busy_warnings(busy_before: float | None, load_after: float, results: list[dict], cores: int) -> list[str]:
    """Why the timings of a run may not hold: other processes' share of the cores just before it
    (:func:`_busy_share`), the load after it (less the run's own threads), or others' share during
    a row."""
    warnings = []
    if busy_before is not None and busy_before > BUSY_OTHERS:
        warnings.append(f"other processes used {100 * busy_before:.0f}% of the cores before the run")
    if load_after - cores > BUSY_LOAD * cores:  # the last child's own threads still count
        warnings.append(f"load average {load_after:.1f} on {cores} cores after the run")
    shares = [r["others"] for r in results if r.get("others") is not None]
    if shares and max(shares) > BUSY_OTHERS:
        warnings.append(f"other processes took up to {100 * max(shares):.0f}% of the cores during a row")
    return warnings


def _row(label: str, r: dict) -> str:
    if "error" in r:
        return f"  {label:<34} error: {r['error']}"
    rate = r["tokens"] / r["seconds"] if r["seconds"] else float("nan")
    cpu = f"cpu {100 * r['cpu']:3.0f}%" if "cpu" in r else ""
    if r.get("others") is not None:
        cpu += f" others {100 * r['others']:2.0f}%"
    return (
        f"  {label:<36} {rate:7.1f} tok/s {r['tokens']:6d} tok {r['seconds']:7.1f} s {cpu} "
        f"load {r['load_s']:4.1f} s  peak RSS {r['rss'] / 2**20:5.0f} MiB  [{r['engine']}]"
    )


def _rate(r: dict | None) -> float:
    if not r or "error" in r or not r["seconds"]:
        return float("nan")
    return r["tokens"] / r["seconds"]


def _times(ratio: float, digits: int) -> str:
    """``1.07x``, or ``(not run)`` where a side of the ratio was not measured."""
    return "(not run)" if math.isnan(ratio) else f"{ratio:.{digits}f}x"


def report(task: str, results: dict[str, dict], raw_configs: list[str]) -> tuple[float, float]:
    print(f"\n{task}:")
    for config in ("naive", "hf", "auto"):
        if config in results:
            print(_row(LABELS[config], results[config]))
        else:
            print(f"  {LABELS[config]:<34} (skipped)")
    for config in raw_configs:
        print(_row(f"  raw ct2 {config.removeprefix('raw-')}", results[config]))
    best = max(raw_configs, key=lambda c: -1 if math.isnan(_rate(results[c])) else _rate(results[c]))
    print(_row(f"4 raw CTranslate2 (best: {best.removeprefix('raw-')})", results[best]))
    auto = _rate(results.get("auto"))
    if "hf" in results:
        print(f"  3/2 = {auto / _rate(results['hf']):.1f}x project hf")
    return auto / _rate(results.get("naive")), auto / _rate(results[best])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer sentences, naive transformers timed for 20 s only, project hf skipped",
    )
    parser.add_argument(
        "--source-tokens",
        type=int,
        default=None,
        help="source tokens to translate (default: 2000; --quick takes every 2nd sentence)",
    )
    parser.add_argument("--cache", default=str(CACHE), help="where models and workloads are kept")
    parser.add_argument("--only", choices=["translate", "summarize"], default=None)
    parser.add_argument(
        "--configs", default=None, help="comma-separated subset, e.g. auto,raw-2x1-split (default: all)"
    )
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cuda: the GPU benchmark (benchmarks/bench_gpu.py; default 8,000 source tokens)",
    )
    parser.add_argument("--out", default=None, help="--device cuda: also write the table to this file")
    parser.add_argument("--bench-device", default=None, help=argparse.SUPPRESS)  # a CPU dry run of --device cuda
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # tiny models: a dry run
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workload", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if args.device == "cuda":
        import bench_gpu

        return bench_gpu.main(args)

    import logging

    logging.basicConfig(level=logging.WARNING)
    cache = Path(args.cache)
    source_tokens = args.source_tokens or 2000
    started, load_before, busy_before = time.perf_counter(), os.getloadavg()[0], _busy_share()
    marian, bart = build_models(cache)
    from translator.engines import ct2, ct2_convert

    converted = []
    for path in (marian, bart):
        t = time.perf_counter()
        was = ct2_convert.is_converted(ct2_convert.converted_path(path, "int8"))
        ct2_convert.convert(path, "int8")
        if not was:
            converted.append(f"{path.name} {time.perf_counter() - t:.0f} s")
    workload = write_workload(cache, marian, bart, source_tokens, args.quick)
    work = json.loads(workload.read_text(encoding="utf-8"))
    tw = work["translation"]
    cores = ct2.available_cores()
    print(
        f"machine: {cores} cores available, load average {load_before:.1f} at start, others' share of the cores "
        f"{'unknown' if busy_before is None else f'{100 * busy_before:.0f}%'}; "
        f"CTranslate2 int8 conversion: {', '.join(converted) or 'cached'}"
    )
    print(
        f"translation: {len(tw['sentences'])} sentences, {sum(map(len, tw['ids']))} source tokens, "
        f"{sum(tw['bounds'])} output tokens (beam {BEAMS}); summary: {len(work['summary']['ids'])} → "
        f"{SUMMARY_OUTPUT_TOKENS} tokens (beam {BEAMS})"
    )
    if args.quick:
        print(
            f"--quick: {QUICK_SHARE[0]} in {QUICK_SHARE[1]} sentences of the full run, in length order; "
            f"naive transformers is timed for {QUICK_NAIVE_SECONDS} s (its rate per sentence does not depend "
            "on the number of sentences); "
            "project hf, the raw variants that are never the fastest here and the one-process memory row are skipped"
        )
    wanted = set(args.configs.split(",")) if args.configs else None
    skip = QUICK_SKIP if args.quick else set()
    spawned: list[dict] = []

    def pick(configs: list[str]) -> list[str]:
        extra = [
            c
            for c in (args.configs or "").split(",")
            if c.startswith("raw-") and c not in configs and (c.count("-") == 2) == (configs is TRANSLATION_CONFIGS)
        ]
        return [c for c in configs + extra if (wanted is None or c in wanted) and c not in skip]

    timeout = 900 if args.quick else 5400
    lines = []
    if args.only in (None, "translate"):
        configs = pick(TRANSLATION_CONFIGS)
        results = {c: spawn(f"translate:{c}", workload, timeout, SCRIPT) for c in configs}
        spawned += results.values()
        raw = [c for c in configs if c.startswith("raw")]
        if raw:
            a, b = report("translation", results, raw)
            lines.append(f"translate: {_times(a, 1)} naive transformers, {_times(b, 2)} raw CTranslate2")
    if args.only in (None, "summarize"):
        configs = pick(SUMMARY_CONFIGS)
        results = {c: spawn(f"summarize:{c}", workload, timeout, SCRIPT) for c in configs}
        spawned += results.values()
        raw = [c for c in configs if c.startswith("raw")]
        if raw:
            a, b = report("summarisation", results, raw)
            lines.append(f"summarize: {_times(a, 1)} naive transformers, {_times(b, 2)} raw CTranslate2")
    if args.only is None and wanted is None and not args.quick:  # the full run measures it
        both = spawn("both:auto", workload, timeout, SCRIPT)
        print("\ntranslate + summarise in one process, default engine:")
        print(
            _row("peak memory", both)
            if "error" in both
            else f"  peak RSS {both['rss'] / 2**20:.0f} MiB (target ≤ {BOTH_TARGET_MIB} MiB), "
            f"load {both['load_s']:.1f} s "
            f"[{both['engine']}]"
        )
    print()
    for line in lines:
        print(line)
    load_after = os.getloadavg()[0]
    print(
        f"(total {time.perf_counter() - started:.0f} s; load average {load_before:.1f} at start, "
        f"{load_after:.1f} now, {cores} cores)"
    )
    for warning in busy_warnings(busy_before, load_after, spawned, cores):
        print(f"WARNING: {warning}: the machine was busy, the ratios may be off; rerun on a quiet machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
