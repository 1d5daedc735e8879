"""What the sentence-level translation cache saves and costs: the seed article cold, again, with two
sentences edited, and cold with the cache off.

    python benchmarks/bench_cache.py              # the seed article (14 sentences), beam 4, ~3 minutes on 2 cores
    python benchmarks/bench_cache.py --quick      # its first 4 paragraphs
    python benchmarks/bench_cache.py --rounds 3   # cold off/on alternated 3 times: medians

Builds (once, into ``.bench-cache/``) a random-weight MarianMT with the exact
``opus-mt-tc-big-zls-en`` shape, loads it once (engine auto: CTranslate2 int8 on CPU), then, in one
process, with ``retry_repetitions=False`` and beam 4 like the other benchmarks:

1. the article with the cache off, and with a fresh SQLite cache (cold): the overhead, both as wall
   time (noisy on a shared machine) and as the cache's own time (lookups, stores, the model's
   fingerprint), which is what the cache adds;
2. the same article again (every sentence a hit): seconds and identical output;
3. the article with 2 sentences edited: only those 2 reach the model.

Random weights never end a sentence, so every sentence runs to its bound (2 × source + 16 tokens):
a worst case for absolute times, the same work for cache off and on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from translator.core.cache import SqliteCache  # noqa: E402
from translator.core.translate import Translator  # noqa: E402
from translator.engines.models import model_identity  # noqa: E402
from translator.paths import SEED_ARTICLE  # noqa: E402
from translator.testing import build_marian  # noqa: E402


class Timed:
    """A cache that adds up the seconds spent in it."""

    def __init__(self, cache: SqliteCache) -> None:
        self.cache = cache
        self.seconds = 0.0

    @property
    def hits(self) -> int:
        return self.cache.hits

    @property
    def misses(self) -> int:
        return self.cache.misses

    def get_many(self, keys):
        started = time.perf_counter()
        try:
            return self.cache.get_many(keys)
        finally:
            self.seconds += time.perf_counter() - started

    def put_many(self, items):
        started = time.perf_counter()
        try:
            return self.cache.put_many(items)
        finally:
            self.seconds += time.perf_counter() - started

    def stats(self):
        return self.cache.stats()

    def clear(self):
        return self.cache.clear()


def edit_two(article: str, sources: list[str]) -> tuple[str, list[str]]:
    """The article with two of its sentences (a third and two thirds in) changed by a word added
    in front; the two sentences as edited."""
    edited = []
    for source in (sources[len(sources) // 3], sources[2 * len(sources) // 3]):
        edited.append(f"Danes {source[0].lower()}{source[1:]}")
        article = article.replace(source, edited[-1], 1)
    return article, edited


def timed(translator: Translator, text: str):
    started = time.perf_counter()
    doc = translator.translate_document(text)
    return time.perf_counter() - started, doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first 4 paragraphs only")
    parser.add_argument("--rounds", type=int, default=1, help="cold runs with the cache off and on, alternated")
    args = parser.parse_args()
    marian = build_marian(REPO / ".bench-cache" / "marian-opus-mt-tc-big", shape="opus-mt-tc-big")
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    if args.quick:
        article = "\n\n".join(article.split("\n\n")[:4])
    common = dict(retry_repetitions=False, num_beams=4, source="sl")
    off = Translator(str(marian), **common)
    off.translate_document("Dober dan.")  # load and convert outside the timings
    folder = Path(tempfile.mkdtemp(prefix=f"bench-cache-{os.getpid()}-"))

    cold_off, cold_on, own = [], [], []
    for round_ in range(args.rounds):
        cache = Timed(SqliteCache(folder / f"round{round_}.sqlite"))
        on = Translator(str(marian), cache=cache, **common)
        order = [("off", off), ("on", on)] if round_ % 2 == 0 else [("on", on), ("off", off)]
        for name, translator in order:
            seconds, doc = timed(translator, article)
            (cold_off if name == "off" else cold_on).append(seconds)
            if name == "on":
                first, first_cache = doc, cache
                own.append(cache.seconds)
            else:
                plain = doc
    identity_started = time.perf_counter()
    model_identity(marian)  # what the first cached call of a loaded model pays once, beside the lookups
    identity = time.perf_counter() - identity_started

    sources = list(dict.fromkeys(s.source for s in first.segments if s.translated))
    translator = Translator(str(marian), cache=first_cache, **common)
    hits, misses = first_cache.hits, first_cache.misses
    again_s, again = timed(translator, article)
    again_hits = first_cache.hits - hits
    hits, misses = first_cache.hits, first_cache.misses
    edited_article, edited = edit_two(article, sources)
    edited_s, _edited = timed(translator, edited_article)
    edited_hits, edited_misses = first_cache.hits - hits, first_cache.misses - misses

    t_off, t_on = statistics.median(cold_off), statistics.median(cold_on)
    same = again.text == first.text and again.segments == first.segments and again.warnings == first.warnings
    cold_same = first.text == plain.text and first.segments == plain.segments
    n = len(sources)
    print(
        f"engine: {off.model.engine.description}; article: {len(article)} characters, {n} unique sentences; "
        f"beam 4; {args.rounds} round(s)"
    )
    print("| run | seconds | sentences to the model | hit rate | vs first (cold, cache on) |")
    print("|---|---|---|---|---|")
    print(f"| cold, cache off | {t_off:.2f} | {n} | – | {t_off / t_on:.2f} |")
    print(f"| cold, cache on (first) | {t_on:.2f} | {n} | 0% | 1.00 |")
    print(f"| again | {again_s:.3f} | 0 | {again_hits / n:.0%} | {again_s / t_on:.4f} |")
    print(
        f"| 2 sentences edited | {edited_s:.2f} | {edited_misses} | {edited_hits / (edited_hits + edited_misses):.0%} "
        f"| {edited_s / t_on:.2f} |"
    )
    wall = t_on / t_off - 1
    own_s = statistics.median(own) + identity
    own_share = own_s / t_on
    print(
        f"overhead on a cold article: wall {wall:+.1%} (cache on vs off, run-to-run noise included); the cache's "
        f"own time {own_s * 1000:.1f} ms = {own_share:.2%} (lookups and stores {statistics.median(own) * 1000:.1f} "
        f"ms, the model's fingerprint {identity * 1000:.1f} ms, once per loaded model)"
    )
    tokens = [off.model.count_tokens(source) for source in sources]
    print(
        f"edited sentences: {[off.model.count_tokens(e) for e in edited]} source tokens (the article's: "
        f"{min(tokens)} to {max(tokens)}, {sum(tokens)} in all)"
    )
    print(f"cold output with the cache the same as without: {cold_same}")
    print(
        f"targets: again ≤ 1/5 of first and identical: {again_s <= t_on / 5 and same}; "
        f"edited ≤ 1/3: {edited_s <= t_on / 3}; overhead ≤ 3%: {own_share <= 0.03} (own time), "
        f"{wall <= 0.03} (wall)"
    )
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        for leftover in Path(tempfile.gettempdir()).glob(f"bench-cache-{os.getpid()}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
