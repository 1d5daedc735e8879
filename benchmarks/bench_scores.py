#!/usr/bin/env python
"""What the per-sentence confidence costs: the engines' ``generate`` with and without
``return_scores`` on exactly the batches translate.py sends them.

    python benchmarks/bench_scores.py                    # real shapes, engine auto (ct2 int8), ~300 tokens
    python benchmarks/bench_scores.py --engines auto,hf --source-tokens 120
    python benchmarks/bench_scores.py --tiny             # a dry run on the tiny test models

The models are the random-weight real-shape ones of bench_translate.py (built once into
``.bench-cache/``); random weights never produce end-of-sentence, so both modes generate exactly the
same tokens (the bounds) and only the scoring differs. Both modes run in one process on one loaded
model, alternating (off, on, on, off, ...) so that a machine getting slower or faster during the run
does not favour either; the table shows the median of each and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_common  # noqa: E402  (sets HF_HUB_OFFLINE before transformers is imported)


def _batches(ids: list[list[int]]) -> list[list[int]]:
    from translator.engines.batching import plan_batches
    from translator.options import TranslationOptions

    options = TranslationOptions()
    return plan_batches([len(x) for x in ids], options.batch_tokens, max_rows=options.max_batch_sentences)


def time_engine(marian: Path, engine_name: str, work: dict, rounds: int, beams: int, one_bound: bool) -> dict:
    """Median seconds of the whole workload with scores off and on, on one loaded engine."""
    from translator.engines import load
    from translator.options import RuntimeOptions

    engine = load(str(marian), "translation", RuntimeOptions(engine=engine_name)).engine
    ids, bounds = work["ids"], work["bounds"]
    if one_bound:
        bounds = [round(statistics.mean(bounds))] * len(bounds)
    batches = _batches(ids)

    def run(scores: bool) -> tuple[float, float, int, list[float | None]]:
        started, cpu = time.perf_counter(), bench_common.cpu_seconds()
        tokens = 0
        found: list[float | None] = []
        for batch in batches:
            out = engine.generate(
                [ids[i] for i in batch],
                max_new_tokens=[bounds[i] for i in batch],
                num_beams=beams,
                return_scores=scores,
            )
            tokens += sum(map(len, out))
            found += [getattr(row, "score", None) for row in out]
        return time.perf_counter() - started, bench_common.cpu_seconds() - cpu, tokens, found

    engine.generate([ids[0]], max_new_tokens=[4], num_beams=beams)  # warm-up
    seconds: dict[bool, list[float]] = {False: [], True: []}
    cpu_seconds: dict[bool, list[float]] = {False: [], True: []}
    tokens: dict[bool, int] = {}
    for number in range(rounds):
        for scores in (False, True) if number % 2 == 0 else (True, False):
            elapsed, cpu, count, found = run(scores)
            seconds[scores].append(elapsed)
            cpu_seconds[scores].append(cpu)
            tokens[scores] = count
            if scores and any(score is None for score in found):
                raise RuntimeError(f"{engine.description}: a row came back without a score")
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    return {
        "engine": engine.description,
        "off": off,
        "on": on,
        "tokens": tokens[True],
        "cpu_off": statistics.median(cpu_seconds[False]),
        "cpu_on": statistics.median(cpu_seconds[True]),
        "same_tokens": tokens[True] == tokens[False],
        "runs": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="auto", help="comma-separated: auto, ct2, hf")
    parser.add_argument("--source-tokens", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4, help="runs of each mode")
    parser.add_argument("--beams", type=int, default=bench_common.BEAMS)
    parser.add_argument("--cache", default=str(bench_common.CACHE))
    parser.add_argument(
        "--bounds",
        choices=["mixed", "one"],
        default="mixed",
        help="mixed: translate.py's (2 x source + 16; random weights run every row to its "
        "bound, so CTranslate2 decodes every row but the longest of its sub-batch again: "
        "the worst case); one: the same bound for every row (no row goes past its own "
        "bound: the cost of scoring itself)",
    )
    parser.add_argument("--tiny", action="store_true", help="the tiny test models: a dry run")
    args = parser.parse_args(argv)

    if args.tiny:
        from translator.testing import build_all

        marian, _bart = build_all(Path(args.cache) / "tiny")
    else:
        marian, _bart = bench_common.build_models(Path(args.cache))
    work = bench_common.translation_workload(marian, args.source_tokens)
    print(
        f"{len(work['ids'])} sentences, {sum(map(len, work['ids']))} source tokens, "
        f"beam {args.beams}, {args.bounds} bounds, {args.rounds} runs of each mode"
    )
    for name in args.engines.split(","):
        r = time_engine(marian, name.strip(), work, args.rounds, args.beams, args.bounds == "one")
        ratio = r["on"] / r["off"]
        print(
            f"  {r['engine']}: scores off {r['off']:.2f} s, on {r['on']:.2f} s "
            f"({r['tokens'] / r['on']:.1f} tok/s) -> on/off = {ratio:.3f} ({100 * (ratio - 1):+.1f}%)"
            f"{'' if r['same_tokens'] else '  (token counts differ!)'}"
        )
        print(
            f"    CPU time: off {r['cpu_off']:.2f} s, on {r['cpu_on']:.2f} s -> on/off = "
            f"{r['cpu_on'] / r['cpu_off']:.3f}"
        )
        print(
            "    runs off: "
            + ", ".join(f"{s:.2f}" for s in r["runs"][False])
            + "; on: "
            + ", ".join(f"{s:.2f}" for s in r["runs"][True])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
