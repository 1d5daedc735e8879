#!/usr/bin/env python
"""Where the memory of translate + summarise goes, stage by stage, in one process.

    python benchmarks/bench_memory.py           # the full workload of bench_translate.py (35 sentences)
    python benchmarks/bench_memory.py --quick   # --quick's 2 in 3 sentences

For each stage (import, loading each model, translating, summarising) prints the resident memory
after it (``VmRSS``), the process's peak so far (``VmHWM``), and the peak of the Python heap during
the stage (``tracemalloc``: what Python objects took, as against the engines' own C++ buffers),
and whether torch has been imported (the CTranslate2 path should not need it). The models and the
workload are those of ``bench_translate.py`` (built once, in a child process, into ``.bench-cache/``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_common import proc_status  # noqa: E402  (imports neither torch nor translator)


def _status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in MiB."""
    return {key: value // 2**20 for key, value in proc_status("VmRSS", "VmHWM").items()}


def _workload(quick: bool) -> dict:
    """bench_translate.py's workload, written by its own :func:`write_workload` in a child process
    (building the models imports torch, which this process must not do before it is measured)."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench_translate as b; "
        "m, s = b.build_models(b.CACHE); print(b.write_workload(b.CACHE, m, s, 2000, sys.argv[2] == '1'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "benchmarks"), "1" if quick else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(Path(done.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bench_translate.py --quick's workload")
    args = parser.parse_args()
    workload = _workload(args.quick)
    marian, bart = Path(workload["marian"]), Path(workload["bart"])
    sentences = workload["translation"]["sentences"]
    summary_text = workload["summary"]["text"]
    rows: list[tuple[str, float, dict[str, int], int]] = []
    tracemalloc.start()

    def stage(name: str, work) -> object:
        tracemalloc.reset_peak()
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        rows.append((name, seconds, _status(), tracemalloc.get_traced_memory()[1] // 2**20))
        return result

    stage("start", lambda: None)
    translator_module = stage("import translator", lambda: __import__("translator"))
    translator = translator_module.Translator(str(marian), retry_repetitions=False, source="sl")
    stage("load the translation model", lambda: translator.model)
    torch_after_translation = "torch" in sys.modules
    stage(f"translate {len(sentences)} sentences", lambda: translator.translate(sentences))
    summarizer = translator_module.Summarizer(str(bart))
    stage("load the summary model", lambda: summarizer.model)
    stage("summarise 700 tokens", lambda: summarizer.summarize(summary_text, length="short"))
    print(f"engines: {translator.model.engine.description} + {summarizer.model.engine.description}")
    print(f"torch imported by the translation model: {'yes' if torch_after_translation else 'no'}")
    print(f"torch imported by the end (the summary model too): {'yes' if 'torch' in sys.modules else 'no'}")
    print("| stage | seconds | RSS after, MiB | peak so far, MiB | Python heap peak, MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, status, heap in rows:
        print(f"| {name} | {seconds:.1f} | {status['VmRSS']} | {status['VmHWM']} | {heap} |")
    print(json.dumps({"peak_mib": rows[-1][2]["VmHWM"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
