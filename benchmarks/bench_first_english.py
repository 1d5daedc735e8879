"""How soon the first English appears: the seed article streamed as the page and the CLI stream it.

    python benchmarks/bench_first_english.py            # default engine, beam 4

Builds (once, into ``.bench-cache/``) a random-weight MarianMT with the exact
``opus-mt-tc-big-zls-en`` shape, then, in one process and on the same article:

1. ``Translator.translate_document`` — the whole article in one call (no streaming);
2. ``Translator.iter_translate_document`` — what the page and ``translator translate`` stream
   (``pipeline.stream``): seconds to the first partial result, and to the last; by default (the
   next group submitted while one is decoded) and with ``overlap=False`` (one group at a time).

Random weights never end a sentence, so every sentence runs to its bound (2 × source + 16 tokens):
a worst case for absolute times, the same work for both rows. Each way runs twice, alternating;
prints the best times and the ratio of the streamed total to the one-call total (the cost of
streaming).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from translator.core.translate import Translator  # noqa: E402
from translator.paths import SEED_ARTICLE  # noqa: E402
from translator.testing import build_marian  # noqa: E402

ROUNDS = 2  # each way, alternating; the best of each is compared


def main() -> int:
    marian = build_marian(REPO / ".bench-cache" / "marian-opus-mt-tc-big", shape="opus-mt-tc-big")
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    translator = Translator(str(marian), retry_repetitions=False, source="sl")
    translator.translate_document("Dober dan.")  # load and convert outside the timings
    print(f"engine: {translator.model.engine.description}; article: {len(article)} characters")

    def streamed(overlap: bool | None) -> tuple[float, float, str]:
        started = time.perf_counter()
        first = None
        for partial in translator.iter_translate_document(article, overlap=overlap):
            first = first or time.perf_counter() - started
            last = partial
        return first, time.perf_counter() - started, last.text

    one_calls: list[float] = []
    runs: dict[str, list[tuple[float, float, str]]] = {"default": [], "no overlap": []}
    for _ in range(ROUNDS):  # alternating, so that a busy moment does not favour one side
        started = time.perf_counter()
        whole = translator.translate_document(article)
        one_calls.append(time.perf_counter() - started)
        runs["default"].append(streamed(None))
        runs["no overlap"].append(streamed(False))
    one_call = min(one_calls)
    print(
        f"one call:  {one_call:6.1f} s for {len(whole.segments)} segments (best of {ROUNDS}: "
        + ", ".join(f"{t:.1f}" for t in one_calls)
        + ")"
    )
    for label, results in runs.items():
        first, total = min(r[0] for r in results), min(r[1] for r in results)
        same = "the same English" if all(r[2] == whole.text for r in results) else "English that differs"
        print(
            f"streamed ({label}): first English after {first:.1f} s, all after {total:.1f} s "
            f"({total / one_call:.2f}x the one-call time; totals "
            + ", ".join(f"{r[1]:.1f}" for r in results)
            + f"), {same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
