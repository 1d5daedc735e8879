"""What a glossary costs: sentences without a term (goal: at most 1.02× the time without a
glossary) and sentences with a term their English lacks (an n-best search each), side by side.

    python benchmarks/bench_glossary.py                 # opus-mt-tc-big shape, 12 sentences, beam 4
    python benchmarks/bench_glossary.py --quick         # the tiny test model, 40 sentences: seconds
    python benchmarks/bench_glossary.py --rounds 3      # each configuration 3 times, alternated: medians

Builds (once, into ``.bench-cache/``) a random-weight MarianMT of the chosen shape, loads it once
(engine auto: CTranslate2 int8 on CPU), and translates the same sentences (the seed article's,
rotated into unique ones, as bench_translate.py does) with the cache off and
``retry_repetitions=False``, under three configurations:

1. no glossary;
2. a glossary of ``--terms`` Slovenian terms, none of which occurs in the sentences, and a keep
   list of 50 strings, none present: the matcher's cost alone (the goal: ≤ 1.02×);
3. the same glossary plus one term per sentence, matched in its inflected form, whose English
   ("Zyxwvut") no hypothesis holds: every sentence pays an n-best search (8 hypotheses) and is
   warned about.

Then the translation memory's lookup time per sentence (SQLite, 10,000 pairs made from the
same words; exact and near-match lookups; benchmarks/bench_translation_memory.py has the whole
table). The matcher's own time per sentence (lemmatising the sentence and looking its words up) is
printed beside the wall and CPU times (the process's own CPU seconds: less sensitive than wall
time to other work on a shared machine). Random weights never end a sentence, so every sentence runs to
its bound: a worst case for absolute times, the same work in every configuration.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_common import CACHE, cpu_seconds, translation_workload

from translator.core.memory import SqliteMemory
from translator.core.translate import Translator
from translator.testing import build_marian
from translator.text.terms import Term, Terms


def unmatched_terms(count: int) -> list[Term]:
    """``count`` two-word Slovenian-looking terms that occur in no sentence of the workload."""
    return [Term(f"zzkolo{n} qqvlade{n}", f"term {n}", "sl") for n in range(count)]


def matched_terms(sentences: list[str]) -> list[Term]:
    """One term per sentence: its longest word, which the sentence holds (in whatever form)."""
    return [Term(max((w.strip(".,;:!?«»\"'()") for w in s.split()), key=len), "Zyxwvut", "sl") for s in sentences]


def run(translator: Translator, sentences: list[str]) -> tuple[float, float, list]:
    """(wall seconds, CPU seconds of this process, the translations)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    docs = translator.translate_documents(sentences)
    return time.perf_counter() - started, cpu_seconds() - cpu, docs


def memory_lookup_ms(sentences: list[str], size: int = 10_000) -> tuple[float, float]:
    """Milliseconds a sentence for an exact and a near-match lookup in a SQLite memory of
    ``size`` pairs made from the words of ``sentences`` (half the queries held, half not)."""
    from bench_translation_memory import made_pairs, per_sentence_ms

    words = sorted({word for sentence in sentences for word in sentence.split()})
    with tempfile.TemporaryDirectory() as folder:
        memory = SqliteMemory(Path(folder) / "memory.sqlite")
        pairs = made_pairs(size, words)
        memory.add(pairs)
        queries = [pair.source for pair in pairs[:50]] + sentences[:50]
        return per_sentence_ms(memory, queries, near=False), per_sentence_ms(memory, queries, near=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the tiny test model instead of the tc-big shape")
    parser.add_argument("--sentences", type=int, default=None, help="sentences (default: 12, --quick 40)")
    parser.add_argument("--terms", type=int, default=1000, help="glossary terms that match nothing")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each configuration, alternated")
    args = parser.parse_args()
    shape = "tiny" if args.quick else "opus-mt-tc-big"
    marian = build_marian(CACHE / f"marian-{shape}", shape=shape)
    count = args.sentences or (40 if args.quick else 12)
    sentences = translation_workload(marian, 40 * count)["sentences"][:count]
    common = dict(retry_repetitions=False, num_beams=4, source="sl")
    idle = Terms(unmatched_terms(args.terms), [f"KEEP-{n}-XQ" for n in range(50)])
    busy = idle.merged(Terms(matched_terms(sentences)))
    configs = {
        "no glossary": Translator(str(marian), **common),
        f"{args.terms} terms, none in the sentences": Translator(str(marian), terms=idle, **common),
        "one term in every sentence, English lacks it": Translator(str(marian), terms=busy, **common),
    }
    next(iter(configs.values())).translate("Dober dan.")  # load and convert outside the timings
    seconds: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    results: dict[str, list] = {}
    for round_ in range(args.rounds):
        order = list(configs) if round_ % 2 == 0 else list(reversed(configs))
        for name in order:
            took, used, docs = run(configs[name], sentences)
            seconds[name].append(took)
            cpu[name].append(used)
            results[name] = docs
    started = time.perf_counter()
    for sentence in sentences:
        idle.required(sentence, "sl")
    matcher_us = (time.perf_counter() - started) / len(sentences) * 1e6

    base = statistics.median(seconds["no glossary"])
    base_cpu = statistics.median(cpu["no glossary"])
    plain = [d.text for d in results["no glossary"]]
    print(
        f"engine: {configs['no glossary'].model.engine.description}; model shape: {shape}; "
        f"{len(sentences)} sentences; beam 4; {args.rounds} round(s); matcher: {matcher_us:.0f} µs a sentence "
        f"({args.terms} terms, 50 kept strings)"
    )
    print("| configuration | seconds | × none | CPU seconds | × none | sentences warned | English as without |")
    print("|---|---|---|---|---|---|---|")
    for name in configs:
        took, used = statistics.median(seconds[name]), statistics.median(cpu[name])
        warned = sum(any("glossary" in w for w in d.warnings) for d in results[name])
        same = sum(d.text == p for d, p in zip(results[name], plain))
        row = f"| {name} | {took:.2f} | {took / base:.3f} | {used:.2f} | {used / base_cpu:.3f} | {warned} |"
        print(f"{row} {same}/{len(sentences)} |")
    exact_ms, near_ms = memory_lookup_ms(sentences)
    print(
        f"\ntranslation memory lookup (SQLite, 10,000 pairs): exact {exact_ms:.3f} ms a sentence, "
        f"with near matches {near_ms:.2f} ms a sentence"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
