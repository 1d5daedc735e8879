#!/usr/bin/env python
"""Language detectors side by side on short news sentences: accuracy, confusions, speed, memory.

    python benchmarks/bench_language.py                 # every candidate (~2 minutes: lingua loads slowly)
    python benchmarks/bench_language.py --only py3langid-cand,project

The sentences (5-25 words, written for this benchmark) are in benchmarks/data/language/: one file
per language, "sr-Latn" and "sr-Cyrl" both Serbian. ``dev`` is the set the project's rules were
tuned on (thresholds, the ekavian word list); ``heldout/`` was written afterwards and never used to
tune anything: trust its numbers more.

Candidates (each runs in its own process, so load time and peak memory are its own; the lingua
ones need ``pip install lingua-language-detector``, no dependency of the project, else skipped):
  lingua-all     lingua-language-detector, all 75 languages, high accuracy mode
  lingua-cand    lingua restricted to translator.text.language.CANDIDATES (those it knows)
  lingua-low     the same restricted set in low accuracy mode (trigrams only)
  py3langid-all  py3langid, all its labels
  py3langid-cand py3langid restricted to CANDIDATES
  project        translator.text.language.detect/route: py3langid-cand, the model's sources weighed
                 together, Serbian Latin told apart by its ekavian forms
  project-mixed  translator.text.language.detect_paragraphs: each sentence is the last paragraph of a
                 document whose first six paragraphs are Slovenian (English for Slovenian
                 sentences), as an English quote sits in a Slovenian article

"wrong action" counts the answers that change what happens to a text (translate a source, pass
English through, refuse anything else) — the mistakes that matter. Confusions among the model's
sources (sl, hr, sr, bs, bg, mk) only change the label shown and the sentence rules. For the
project the action is route_language()'s, which also refuses or passes through only confident verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = REPO / "benchmarks" / "data" / "language"
CANDIDATE_NAMES = (
    "lingua-all",
    "lingua-cand",
    "lingua-low",
    "py3langid-all",
    "py3langid-cand",
    "project",
    "project-mixed",
)
CONTEXT = 6  # paragraphs of context in project-mixed
RESULT_MARK = "BENCH-RESULT "


def load_sets() -> dict[str, dict[str, list[str]]]:
    """{"dev": {label: sentences}, "heldout": {...}}; a label is a file name ("sr-Cyrl")."""
    sets = {}
    for name, folder in (("dev", DATA), ("heldout", DATA / "heldout")):
        sets[name] = {
            path.stem: [
                line.strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")
            ]
            for path in sorted(folder.glob("*.txt"))
        }
    return sets


def _lingua(kind: str):
    """A text -> code function for one lingua configuration."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    from translator.text.language import CANDIDATES

    if kind == "lingua-all":
        builder = LanguageDetectorBuilder.from_all_languages()
    else:
        known = [getattr(IsoCode639_1, code.upper()) for code in CANDIDATES if hasattr(IsoCode639_1, code.upper())]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*known)
        if kind == "lingua-low":
            builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()  # load time apart from call time

    def detect(text: str) -> str:
        language = detector.detect_language_of(text)
        return language.iso_code_639_1.name.lower() if language else "und"

    return detect


def _py3langid(kind: str):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from translator.text.language import CANDIDATES

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if kind == "py3langid-cand":
        identifier.set_languages(CANDIDATES)
    return lambda text: identifier.classify(text)[0]


def _action(code: str) -> str:
    from translator.text.language import PASSTHROUGH, SUPPORTED_SOURCES

    return "translate" if code in SUPPORTED_SOURCES else "passthrough" if code == PASSTHROUGH else "refuse"


def _project_route(text: str) -> str:
    from translator.text.language import UnsupportedLanguageError, route_language

    try:
        return route_language(text).action
    except UnsupportedLanguageError:
        return "refuse"


def child(kind: str) -> dict:
    """Run one candidate over both sets; its answers, timings and peak memory."""
    start = time.perf_counter()
    if kind.startswith("lingua"):
        detect = _lingua(kind)
    elif kind.startswith("py3langid"):
        detect = _py3langid(kind)
    elif kind == "project-mixed":
        from translator.text.language import detect_paragraphs

        dev = load_sets()["dev"]

        def detect(text: str, label: str = "") -> str:
            context = dev["en" if _gold(label) == "sl" else "sl"][:CONTEXT]
            return detect_paragraphs([*context, text])[-1].language
    else:
        from translator.text.language import detect as project_detect

        def detect(text: str) -> str:
            return project_detect(text).language

    first = detect("Vlada je sprejela zakon.")  # lingua loads its models on the first call
    load_s = time.perf_counter() - start
    answers, seconds, calls = {}, 0.0, 0
    for set_name, labelled in load_sets().items():
        for label, sentences in labelled.items():
            for text in sentences:
                t = time.perf_counter()
                code = detect(text, label) if kind == "project-mixed" else detect(text)
                seconds += time.perf_counter() - t
                calls += 1
                action = _project_route(text) if kind == "project" else _action(code)
                # project-mixed: the action a paragraph would get from its detected language
                answers.setdefault(set_name, {}).setdefault(label, []).append((code, action))
    del first
    return {
        "kind": kind,
        "load_s": load_s,
        "ms_per_call": 1000 * seconds / calls,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "answers": answers,
    }


def _gold(label: str) -> str:
    return label.split("-")[0]


def report(results: list[dict]) -> None:
    """The accuracy table per set, the summary rows and the confusion pairs of each candidate."""
    sets = load_sets()
    kinds = [r["kind"] for r in results]
    width = max(14, *(len(k) + 1 for k in kinds))
    for set_name, labelled in sets.items():
        print(f"\n## {set_name}: correct / sentences")
        print(f"{'language':<10}" + "".join(f"{k:>{width}}" for k in kinds))
        totals = Counter()
        wrong_action = Counter()
        for label, sentences in labelled.items():
            cells = []
            for r in results:
                answers = r["answers"][set_name][label]
                right = sum(code == _gold(label) for code, _ in answers)
                totals[r["kind"]] += right
                expected = _action(_gold(label))
                wrong_action[r["kind"]] += sum(action != expected for _, action in answers)
                cells.append(f"{right}/{len(sentences)}")
            print(f"{label:<10}" + "".join(f"{c:>{width}}" for c in cells))
        count = sum(len(s) for s in labelled.values())
        print(f"{'all':<10}" + "".join(f"{f'{totals[k]}/{count}':>{width}}" for k in kinds))
        print(f"{'accuracy':<10}" + "".join(f"{totals[k] / count:>{width}.1%}" for k in kinds))
        print(f"{'wrong act.':<10}" + "".join(f"{wrong_action[k]:>{width}}" for k in kinds))
    print(f"\n{'ms/call':<10}" + "".join(f"{r['ms_per_call']:>{width}.2f}" for r in results))
    print(f"{'load s':<10}" + "".join(f"{r['load_s']:>{width}.1f}" for r in results))
    print(f"{'peak MB':<10}" + "".join(f"{r['peak_mb']:>{width}.0f}" for r in results))
    print("\n## confusions (gold->detected: count), dev + heldout")
    for r in results:
        pairs = Counter()
        for set_name, labelled in sets.items():
            for label in labelled:
                for code, _ in r["answers"][set_name][label]:
                    if code != _gold(label):
                        pairs[f"{label}->{code}"] += 1
        print(f"{r['kind']:<15}" + (", ".join(f"{p}:{n}" for p, n in pairs.most_common()) or "none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--only", default=",".join(CANDIDATE_NAMES), help="comma-separated candidates: " + ", ".join(CANDIDATE_NAMES)
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        try:
            result = child(args.child)
        except ImportError as error:  # lingua is no dependency of the project
            result = {"kind": args.child, "skipped": f"{error} (pip install lingua-language-detector)"}
        print(RESULT_MARK + json.dumps(result))
        return 0
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in CANDIDATE_NAMES]
    if unknown:
        parser.error(f"unknown candidate(s) {', '.join(unknown)}: choose from {', '.join(CANDIDATE_NAMES)}")
    results = []
    for kind in list(kinds):
        print(f"running {kind} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
        if done.returncode or not lines:
            print(f"{kind} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        result = json.loads(lines[-1][len(RESULT_MARK) :])
        if "skipped" in result:
            print(f"{kind} skipped: {result['skipped']}", file=sys.stderr)
            kinds.remove(kind)
            continue
        results.append(result)
    if results:
        report(results)
    return 0 if len(results) == len(kinds) else 1


if __name__ == "__main__":
    sys.exit(main())
