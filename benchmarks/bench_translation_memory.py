"""What the translation memory costs: one sentence's lookup (exact, and the near-match search)
against a memory of 10,000 and 100,000 pairs, and translating the seed article with an empty
memory, a 10,000-pair memory without a hit, and none.

    python benchmarks/bench_translation_memory.py                # tiny model, ~2 minutes on 2 cores
    python benchmarks/bench_translation_memory.py --shape opus-mt-tc-big --quick   # the real shape
    python benchmarks/bench_translation_memory.py --redis redis://127.0.0.1:6379/9  # Redis too

The pairs are made from the seed article's few hundred words (6 to 30 words each, a number in each
so no two are equal): a worst case for the near-match index (word pairs, base.grams), whose lists
are far longer than with a newsroom's vocabulary. Lookups are asked as the
translator asks them: one exact lookup per document for all its sentences, then a near-match
search for each sentence the memory does not hold. Translation timings alternate the
configurations over ``--rounds`` rounds and report medians; the memory costs the same absolute
time whatever the model, so the tiny model (fast) shows its largest relative cost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_common import CACHE, REPO

from translator.core.memory import Pair, RedisMemory, SqliteMemory, TranslationMemory
from translator.core.translate import Translator
from translator.paths import SEED_ARTICLE
from translator.testing import build_marian
from translator.text.segment import split_sentences

SIZES = (10_000, 100_000)
QUERIES = 200


def made_pairs(count: int, words: list[str], seed: int = 7) -> list[Pair]:
    """``count`` distinct Slovenian-looking sentences with a stand-in English each."""
    rng = random.Random(seed)
    pairs = []
    for n in range(count):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 30)))
        pairs.append(Pair("sl", f"{sentence[0].upper()}{sentence[1:]} {n}.", f"English sentence {n}."))
    return pairs


def per_sentence_ms(memory: TranslationMemory, queries: list[str], near: bool) -> float:
    started = time.perf_counter()
    if near:
        for query in queries:
            memory.near("sl", query)
    else:
        for start in range(0, len(queries), 20):  # a document of 20 sentences per lookup
            memory.exact("sl", queries[start : start + 20])
    return (time.perf_counter() - started) / len(queries) * 1000


def lookups(memory_for, words: list[str]) -> list[tuple[str, int, float, float, int]]:
    """(store, pairs, exact ms, near ms, near matches found) for each size."""
    rows = []
    for size in SIZES:
        memory = memory_for(size)
        pairs = made_pairs(size, words)
        for start in range(0, size, 5000):
            memory.add(pairs[start : start + 5000])
        rng = random.Random(size)
        held = [p.source for p in rng.sample(pairs, QUERIES // 2)]
        # unheld: a held sentence with one word changed (a near match) or new words (none)
        unheld = []
        for n, pair in enumerate(rng.sample(pairs, QUERIES // 2)):
            parts = pair.source.split()
            parts[len(parts) // 2] = rng.choice(words) if n % 2 else "sprememba"
            unheld.append(" ".join(parts))
        exact = per_sentence_ms(memory, held + unheld, near=False)
        near = per_sentence_ms(memory, unheld, near=True)
        found = sum(bool(memory.near("sl", query)) for query in unheld)
        rows.append((type(memory).__name__, size, exact, near, found))
        memory.clear()
    return rows


def translate_seconds(marian: Path, article: str, memories: dict[str, TranslationMemory | None], rounds: int):
    common = dict(retry_repetitions=False, num_beams=4, source="sl")
    translators = {name: Translator(str(marian), memory=memory, **common) for name, memory in memories.items()}
    next(iter(translators.values())).translate_document("Dober dan.")  # load outside the timings
    times: dict[str, list[float]] = {name: [] for name in translators}
    texts: dict[str, str] = {}
    for round_ in range(rounds):
        order = list(translators) if round_ % 2 == 0 else list(reversed(translators))
        for name in order:
            started = time.perf_counter()
            texts[name] = translators[name].translate_document(article).text
            times[name].append(time.perf_counter() - started)
    assert len(set(texts.values())) == 1, "a memory without a hit changed the English"
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="tiny", help="the MarianMT shape: tiny or opus-mt-tc-big")
    parser.add_argument("--quick", action="store_true", help="the article's first 4 paragraphs only")
    parser.add_argument("--rounds", type=int, default=5, help="translations per configuration (medians)")
    parser.add_argument("--redis", default=None, metavar="URL", help="also time a Redis memory (its keys are cleared)")
    args = parser.parse_args()
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    if args.quick:
        article = "\n\n".join(article.split("\n\n")[:4])
    words = sorted({w.strip(".,:;!?()\"'„“") for w in article.split() if w.strip(".,:;!?()\"'„“").isalpha()})
    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))

    rows = lookups(lambda size: SqliteMemory(folder / f"lookups-{size}.sqlite"), words)
    if args.redis:
        rows += lookups(lambda size: RedisMemory(args.redis), words)
    print(f"\nLookup per sentence ({QUERIES} sentences; half held, half not; near: the ones not held)\n")
    print("| store | pairs | exact lookup, ms/sentence | near-match search, ms/sentence | near matches found |")
    print("|---|---:|---:|---:|---:|")
    for store, size, exact, near, found in rows:
        print(f"| {store} | {size:,} | {exact:.3f} | {near:.2f} | {found}/{QUERIES // 2} |")

    marian = build_marian(CACHE / ("marian-opus-mt-tc-big" if args.shape != "tiny" else "tiny"), shape=args.shape)
    full = SqliteMemory(folder / "translate-10k.sqlite")
    full.add(made_pairs(10_000, words))
    memories = {"none": None, "empty": SqliteMemory(folder / "empty.sqlite"), "10,000 pairs, no hit": full}
    sentences = len([s for s in split_sentences(article) if s.strip()])
    seconds = translate_seconds(marian, article, memories, args.rounds)
    base = seconds["none"]
    print(
        f"\nTranslating the seed article ({sentences} sentences, {args.shape} MarianMT, beam 4, "
        f"median of {args.rounds})\n"
    )
    print("| memory | seconds | × none |")
    print("|---|---:|---:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.3f} | {value / base:.3f} |")
    print(f"\n{sys.platform}, Python {sys.version.split()[0]}; repository {REPO.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
