"""Many requests at once: shared engine batches (``--batch-window-ms``) against one request at a time.

    python benchmarks/bench_concurrency.py                 # tc-big shape, beam 4: N = 4, 16, 64; 1, 8, 32 clients
    python benchmarks/bench_concurrency.py --quick         # beam 1, N = 4, 16; 1, 4, 8 clients; a shorter long text
    python benchmarks/bench_concurrency.py --quick --plot docs/img/concurrency.svg

Builds (once, into ``.bench-cache/``) a random-weight MarianMT with the exact opus-mt-tc-big shape
and runs, in one process on the default engine, what the server's handlers run (``Translator``
from worker threads, one thread per request; HTTP is left out). Two ways side by side:

- **shared**: every request at once, the batch window open (:mod:`translator.engines.shared`);
- **one at a time**: the window closed and one request per model at a time (a semaphore of 1: the
  server's default ``--concurrency`` on CPU before shared batches).

Three workloads: N one-sentence requests at once against one request of the same N sentences;
one request of 100,000 characters with a few one-sentence requests sent from a second after it,
one after another, then together (their latency against their own time alone; a third way,
shared rounds without the express lane, shows what the lane does); and C clients each sending
one-sentence requests back to back (sentences per second and mean latency). The long request
is dropped (:func:`shared.cancel_when`) once the short ones are answered, or, one at a time, once
they have waited 10 times their time alone: its own time is not what this measures, and it
would take half an hour. Random weights never end a sentence, so every sentence runs to its
bound: a worst case for absolute times, the same work for every row. The cache is off.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import bench_common  # noqa: F401  (puts the repository on sys.path first)

from translator.core.translate import Translator
from translator.engines import shared

FULL = dict(beams=4, sizes=(4, 16, 64), clients=(1, 8, 32), per_client=2, long_chars=100_000, short=4, repeat=1)
QUICK = dict(beams=1, sizes=(4, 16), clients=(1, 4, 8), per_client=2, long_chars=20_000, short=3, repeat=2)
PATIENCE = 10  # one at a time, the short requests wait at most this many times their time alone


class Way:
    """Shared batches (``window_ms`` > 0, requests at once; ``express``: with the express lane) or
    one request at a time (window 0)."""

    def __init__(self, name: str, window_ms: float, engine: shared.SharedBatcher, express: bool = True) -> None:
        self.name, self.window_ms, self.engine, self.express = name, window_ms, engine, express
        self.gate = threading.Semaphore(1) if window_ms == 0 else None

    def __enter__(self) -> Way:
        shared.set_window(self.window_ms)
        self.engine.express = self.express
        return self

    def __exit__(self, *_exc: object) -> None:
        shared.set_window(0)
        self.engine.express = True

    def call(self, work: Callable[[], object]) -> float:
        """Seconds ``work`` took, its wait for the gate included (a request's latency)."""
        started = time.perf_counter()
        with self.gate or nullcontext():
            work()
        return time.perf_counter() - started


def at_once(
    way: Way, works: list[Callable[[], object]], delays: list[float] | None = None
) -> tuple[float, list[float]]:
    """Wall seconds until every work is done, and each one's latency (``delays``: seconds after
    the start at which each is sent)."""
    delays = delays or [0.0] * len(works)
    started = time.perf_counter()

    def send(index: int) -> float:
        time.sleep(max(0.0, started + delays[index] - time.perf_counter()))
        return way.call(works[index])

    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        latencies = list(pool.map(send, range(len(works))))
    return time.perf_counter() - started, latencies


def long_request(sentences: list[str], chars: int) -> str:
    """Paragraphs of five distinct sentences, ``chars`` characters or just over: the workload's
    sentences, then again with a number in brackets (``(2)``, ``(3)`` ...) so that no sentence is
    repeated (a request translates a repeated sentence once)."""
    taken: list[str] = []
    total = 0
    for copy in range(1, 1000):
        for sentence in sentences:
            if total >= chars:
                return "\n\n".join(" ".join(taken[i : i + 5]) for i in range(0, len(taken), 5))
            varied = sentence if copy == 1 else f"{sentence.rstrip('.!?')} ({copy})."
            taken.append(varied)
            total += len(varied) + 1
    raise SystemExit(f"the workload has {total} characters, not {chars}")


def behind_a_long_one(
    way: Way, translator: Translator, long_text: str, shorts: list[str], patience: float, together: bool = False
) -> list[float]:
    """The latency of each of ``shorts``, sent from 1 s after ``long_text``: one after another
    (each once the one before is answered), or ``together``. The long request is dropped once
    they are answered, or (one at a time) once they have waited ``patience`` s."""
    stop = threading.Event()
    latencies: list[float] = []

    def long_one() -> None:
        with contextlib.suppress(shared.Cancelled), shared.cancel_when(stop.is_set):
            translator.translate(long_text)

    def referee() -> None:
        stop.wait(1 + patience)
        stop.set()

    def the_short_ones() -> None:
        time.sleep(1)
        if together:
            latencies.extend(at_once(way, [lambda text=text: translator.translate(text) for text in shorts])[1])
        else:
            latencies.extend(way.call(lambda text=text: translator.translate(text)) for text in shorts)
        stop.set()

    threads = [threading.Thread(target=work) for work in (referee, the_short_ones)]
    for thread in threads:
        thread.start()
    way.call(long_one)
    for thread in threads:
        thread.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="beam 1, fewer and smaller workloads")
    parser.add_argument("--window-ms", type=float, default=5.0, help="the batch window of the shared way")
    parser.add_argument("--plot", type=Path, help="write an SVG of latency and throughput against clients")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument(
        "--parts",
        type=lambda text: set(text.split(",")),
        default={"sizes", "mix", "clients"},
        help="which workloads to run, comma-separated: sizes, mix, clients (default: all)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    marian, _bart = bench_common.build_models(bench_common.CACHE)
    translator = Translator(str(marian), retry_repetitions=False, source="sl", num_beams=plan["beams"], cache=None)
    reserved = max(plan["sizes"]) + plan["short"] + max(plan["clients"]) * plan["per_client"]
    workload = bench_common.translation_workload(marian, 40 * reserved + plan["long_chars"] // 2)
    sentences: list[str] = workload["sentences"]
    translator.translate("Dober dan.")  # load (and convert) outside the timings
    engine = translator.model.engine
    shared_way = Way(f"shared ({args.window_ms:g} ms)", args.window_ms, engine)
    rounds_only = Way("shared, no express lane", args.window_ms, engine, express=False)
    serial = Way("one at a time", 0, engine)
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{started_at}; engine: {translator.model.engine.description}; beam {plan['beams']}; cache off")
    results: dict = {"when": started_at, "engine": translator.model.engine.description, "plan": plan}

    if "sizes" in args.parts:
        print("\nN one-sentence requests at once against one request of N sentences")
        print(f"{'N':>4} {'one request':>12} {'shared':>16} {'one at a time':>18}")
        rows = []
        for n in plan["sizes"]:
            batch = sentences[:n]
            works = [lambda s=s: translator.translate(s) for s in batch]
            one = together = alone = float("inf")
            for _ in range(plan["repeat"]):  # alternating; the best of each is kept
                with serial:
                    one = min(one, serial.call(lambda batch=batch: translator.translate(batch)))
                with shared_way:
                    together = min(together, at_once(shared_way, works)[0])
                with serial:
                    alone = min(alone, at_once(serial, works)[0])
            rows.append({"n": n, "one_request": one, "shared": together, "one_at_a_time": alone})
            print(
                f"{n:>4} {one:>10.1f} s {together:>8.1f} s {together / one:>5.2f}x {alone:>9.1f} s {alone / one:>5.2f}x"
            )
        results["sizes"] = rows

    if "mix" in args.parts:
        long_text = long_request(sentences[reserved:], plan["long_chars"])
        shorts = sentences[max(plan["sizes"]) : max(plan["sizes"]) + plan["short"]]
        print(
            f"\nOne request of {len(long_text):,} characters; {plan['short']} one-sentence requests sent 1 s after it"
        )
        with serial:
            alone = [serial.call(lambda s=s: translator.translate(s)) for s in shorts]
        mix: dict = {"alone": alone, "long_chars": len(long_text)}
        patience = PATIENCE * max(alone)
        runs = [(way, False) for way in (shared_way, rounds_only, serial)] + [(shared_way, True)]
        for way, together in runs * plan["repeat"]:  # alternating; the best of each is kept
            with way:
                latencies = behind_a_long_one(way, translator, long_text, shorts, patience, together)
            name = way.name + (", sent together" if together else "")
            ratio = statistics.mean(latency / own for latency, own in zip(latencies, alone))
            if ratio < mix.get(name, {"ratio": float("inf")})["ratio"]:
                worst = max(latency / own for latency, own in zip(latencies, alone))
                mix[name] = {"ratio": ratio, "worst": worst, "latencies": latencies}
        print(f"alone: {', '.join(f'{t:.1f} s' for t in alone)}")
        for name, found in mix.items():
            if isinstance(found, dict):
                print(
                    f"{name:>40}: {', '.join(f'{t:.1f} s' for t in found['latencies'])}; "
                    f"{found['ratio']:.2f}x their time alone (worst {found['worst']:.2f}x)"
                )
        results["mix"] = mix

    if "clients" in args.parts:
        print("\nC clients, each sending one-sentence requests back to back")
        print(f"{'clients':>7} {'way':>16} {'sentences/s':>12} {'mean latency':>13}")
        throughput = []
        pool_of = iter(sentences * 4)
        for clients in plan["clients"]:
            mine = [[next(pool_of) for _ in range(plan["per_client"])] for _ in range(clients)]
            for way in [shared_way, serial] * plan["repeat"]:  # the same sentences both ways, alternating
                latencies: list[float] = []

                def client(texts: list[str], way: Way = way, latencies: list[float] = latencies) -> None:
                    for text in texts:
                        latencies.append(way.call(lambda text=text: translator.translate(text)))

                with way:
                    wall, _ = at_once(Way("outer", 1, engine), [lambda texts=texts: client(texts) for texts in mine])
                rate = clients * plan["per_client"] / wall
                throughput.append(
                    {"clients": clients, "way": way.name, "rate": rate, "latency": statistics.mean(latencies)}
                )
                print(f"{clients:>7} {way.name:>16} {rate:>12.2f} {statistics.mean(latencies):>11.1f} s")
        best_of: dict[tuple[int, str], dict] = {}
        for row in throughput:  # the best of each (clients, way)
            key = (row["clients"], row["way"])
            if key not in best_of or row["rate"] > best_of[key]["rate"]:
                best_of[key] = row
        throughput = list(best_of.values())
        print(
            "best of each:",
            ", ".join(f"{r['clients']} {r['way']}: {r['rate']:.2f}/s {r['latency']:.1f} s" for r in throughput),
        )
        results["throughput"] = throughput
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.plot and "throughput" in results:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        args.plot.write_text(
            svg(throughput, f"{started_at}, {results['engine']}, beam {plan['beams']}"), encoding="utf-8"
        )
        print(f"\nplot: {args.plot}")
    return 0


def svg(throughput: list[dict], caption: str) -> str:
    """Two small line charts (mean latency, sentences per second, against clients), by hand."""
    ways = list(dict.fromkeys(row["way"] for row in throughput))
    clients = sorted({row["clients"] for row in throughput})
    colours = ["#1f77b4", "#d62728"]
    width, height, pad, top = 300, 200, 40, 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width + 40}" height="{height + 70}" font-size="11">']
    for panel, (key, title) in enumerate((("latency", "mean latency (s)"), ("rate", "sentences per second"))):
        left = 10 + panel * (width + 20)
        highest = max(row[key] for row in throughput) * 1.1 or 1

        def x(c: int, left: int = left) -> float:
            return left + pad + (clients.index(c) / max(1, len(clients) - 1)) * (width - pad - 10)

        def y(value: float, highest: float = highest) -> float:
            return top + (height - pad) * (1 - value / highest)

        parts.append(f'<text x="{left + pad}" y="{top - 6}" font-weight="bold">{title}</text>')
        parts.append(
            f'<line x1="{left + pad}" y1="{top}" x2="{left + pad}" y2="{top + height - pad}" stroke="black"/>'
            f'<line x1="{left + pad}" y1="{top + height - pad}" x2="{left + width - 10}" '
            f'y2="{top + height - pad}" stroke="black"/>'
        )
        for c in clients:
            parts.append(f'<text x="{x(c) - 4}" y="{top + height - pad + 14}">{c}</text>')
        parts.append(f'<text x="{left + width / 2 - 10}" y="{top + height - pad + 28}">clients</text>')
        for tick in (0, highest / 2, highest / 1.1):
            parts.append(f'<text x="{left}" y="{y(tick) + 4}">{tick:.1f}</text>')
        for colour, way in zip(colours, ways):
            points = [(x(r["clients"]), y(r[key])) for r in throughput if r["way"] == way]
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points)
    for index, (colour, way) in enumerate(zip(colours, ways)):
        parts.append(f'<text x="{50 + index * 200}" y="{height + 40}" fill="{colour}">&#9632; {way}</text>')
    parts.append(f'<text x="10" y="{height + 60}" fill="#555">{caption}</text></svg>')
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
