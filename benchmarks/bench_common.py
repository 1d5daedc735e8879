"""What several benchmarks share: the repository's paths, the real-shape models and the
translation workload (bench_translate.py, bench_gpu.py, bench_scores.py), CPU and memory readings
(bench_memory.py), and running a benchmark's configuration in its own process (:func:`spawn`).

Importing it puts the repository on ``sys.path`` and sets ``HF_HUB_OFFLINE=1`` (unless set), so
import it before anything imports transformers. It imports no benchmark: the benchmarks import it,
never one another in a circle (tests/test_benchmarks_imports.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CACHE = REPO / ".bench-cache"
RESULT_MARK = "BENCH-RESULT "
BEAMS = 4


def build_models(cache: Path) -> tuple[Path, Path]:
    """Random-weight MarianMT (opus-mt-tc-big shape) and BART (distilbart-cnn-12-6 shape) in
    ``cache``, built on the first call; their paths."""
    from translator.testing import build_bart, build_marian

    marian = build_marian(cache / "marian-opus-mt-tc-big", shape="opus-mt-tc-big")
    bart = build_bart(cache / "bart-distilbart-cnn-12-6", shape="distilbart-cnn-12-6")
    return marian, bart


def _rotate(sentence: str, k: int) -> str:
    """``sentence`` with its words rotated by ``k`` (end punctuation kept at the end)."""
    body = sentence.rstrip('.!?"«» ')
    end = sentence[len(body) :]
    words = body.split()
    if len(words) < 2:
        return sentence
    k %= len(words)
    return " ".join(words[k:] + words[:k]) + end


def translation_workload(marian: Path, source_tokens: int) -> dict:
    """Unique single-sentence documents totalling about ``source_tokens`` tokens, and their bounds."""
    from transformers import AutoTokenizer

    from translator.options import TranslationOptions
    from translator.text.segment import split_sentences

    tokenizer = AutoTokenizer.from_pretrained(marian)
    article = (REPO / "examples" / "article-sl.txt").read_text(encoding="utf-8")
    base = [s.strip() for s in split_sentences(article) if any(c.isalpha() for c in s)]
    sentences: list[str] = []
    seen: set[str] = set()
    total = 0
    copy = 0
    while total < source_tokens and copy < 1000:
        for sentence in base:
            candidate = _rotate(sentence, copy)
            if candidate in seen or split_sentences(candidate) != [candidate]:
                continue
            seen.add(candidate)
            sentences.append(candidate)
            total += len(tokenizer(candidate)["input_ids"])
            if total >= source_tokens:
                break
        copy += 1
    ids = tokenizer(sentences)["input_ids"]
    options = TranslationOptions()
    bounds = [min(512, int(options.max_length_ratio * len(x)) + options.max_length_offset) for x in ids]
    return {"sentences": sentences, "ids": ids, "bounds": bounds}


def cpu_seconds() -> float:
    """CPU seconds this process has used (all its threads)."""
    times = os.times()
    return times.user + times.system


def proc_status(*keys: str) -> dict[str, int]:
    """Bytes of this process's memory lines ``keys`` (``VmRSS``, ``VmHWM``) in /proc/self/status;
    {} off Linux."""
    found = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in keys:
                    found[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return found


def count_engine_tokens(engine) -> list[int]:
    """A list that ``engine.generate`` appends each output's length to from now on."""
    counts: list[int] = []
    real = engine.generate

    def counting(batch, **kwargs):
        out = real(batch, **kwargs)
        counts.extend(len(o) for o in out)
        return out

    engine.generate = counting
    return counts


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used (``/proc/stat``); None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spawn(name: str, workload: Path, timeout: float, script: Path) -> dict:
    """Run ``script --child name`` in its own process; its result, or {"error": ...}, with the
    share of the cores other processes used meanwhile (``others``: the machine's CPU time from
    /proc/stat less the child's own)."""
    command = [sys.executable, str(script), "--child", name, "--workload", str(workload)]
    busy, own, started = machine_busy_seconds(), _children_cpu(), time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    others = None
    if busy is not None:
        elapsed = time.perf_counter() - started
        others = max(0.0, (machine_busy_seconds() - busy) - (_children_cpu() - own)) / (elapsed * os.cpu_count())
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return {**json.loads(line[len(RESULT_MARK) :]), "others": others}
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {done.returncode}: {tail[:200]}"}
