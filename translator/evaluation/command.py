"""``translator evaluate``: from parsed arguments (translator/cli/parser.py builds the parser) to a printed report."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from translator.errors import InvalidInputError
from translator.evaluation.configs import RunConfig, check_config, parse_config
from translator.evaluation.data import EvalData, from_files, from_table, from_testset
from translator.evaluation.report import Report, render_text
from translator.evaluation.runner import evaluate


def load_data(args: argparse.Namespace) -> EvalData:
    """The lines ``args`` name: ``--testset``/``--langpair``, ``--data`` or ``--src``/``--ref``."""
    if args.testset:
        from translator.options import hf_offline

        data = from_testset(args.testset, args.langpair, offline=hf_offline())
    elif args.data:
        data = from_table(args.data, args.src_field, args.ref_field)
    else:
        data = from_files(args.src, args.ref)
    return data.first(args.limit)


def base_config(args: argparse.Namespace) -> RunConfig:
    """The configuration the model flags describe; ``--compare`` entries change it."""
    translation = args.task == "translation"
    options: dict[str, object] = {}
    if args.beams is not None:
        options["num_beams"] = args.beams
    if not translation and args.length:
        options["length"] = args.length
    source_lang = args.langpair.split("-")[0] if args.testset else ""
    config = RunConfig(
        label="",
        model=args.translation_model if translation else args.summary_model,
        engine=args.engine,
        device=args.device,
        dtype=args.dtype,
        lang=source_lang if translation and len(source_lang) == 2 else None,
        options=options,
    )
    return check_config(dataclasses.replace(config, label=config.describe()), args.task)


def hypotheses_path(path: Path, index: int, count: int) -> Path:
    """``path`` itself for one configuration; ``NAME.2.txt`` for the second of several."""
    return path if count == 1 else path.with_name(f"{path.stem}.{index + 1}{path.suffix}")


def write_hypotheses(report: Report, path: Path) -> Report:
    """Write each run's hypotheses, one per line (atomically); return the report naming the files."""
    from translator.system.durable import atomic_write

    runs = []
    for index, run in enumerate(report.runs):
        target = hypotheses_path(path, index, len(report.runs))
        atomic_write(target, "".join(line + "\n" for line in run.hypotheses))
        runs.append(dataclasses.replace(run, hypotheses_file=str(target)))
    return dataclasses.replace(report, runs=runs)


def _check_output(path: Path, args: argparse.Namespace) -> None:
    inputs = [p for p in (args.src, *(args.ref or []), args.data) if p]
    if path.is_dir():
        raise InvalidInputError(f"--hyp-out {path} is a folder: give a file name")
    if any(Path(p).resolve() == path.resolve() for p in inputs):
        raise InvalidInputError(f"--hyp-out {path} is an input file: give another name (inputs are never overwritten)")


def _notes(data: EvalData) -> list[str]:
    orphans = sum(
        1
        for index, line in enumerate(data.sources)
        if not line.strip() and any(stream[index].strip() for stream in data.references)
    )
    if not orphans:
        return []
    return [
        f"{orphans} lines have an empty source but a non-empty reference (misaligned files?): "
        "their empty hypotheses score 0"
    ]


def main(args: argparse.Namespace) -> int:
    """Run ``translator evaluate``; print the report (text or ``--json``); return the exit code.

    Raises ValueError, FileNotFoundError, DatasetUnavailable (an OSError), ModelNotFoundError; the
    CLI turns them into one-line errors.
    """
    hyp_out = Path(args.hyp_out) if args.hyp_out else None
    if hyp_out is not None:
        _check_output(hyp_out, args)
    if args.worst < 0:
        raise InvalidInputError(f"--worst must be 0 or more, got {args.worst}")
    if args.limit is not None and args.limit < 1:
        raise InvalidInputError(f"--limit must be 1 or more, got {args.limit}")
    base = base_config(args)
    configs = [parse_config(spec, args.task, base) for spec in args.compare] if args.compare else [base]
    data = load_data(args)
    for note in _notes(data):
        print(f"note: {note}", file=sys.stderr)
    report = evaluate(
        data,
        configs,
        task=args.task,
        worst=args.worst,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    if hyp_out is not None:
        report = write_hypotheses(report, hyp_out)
    sys.stdout.write(report.to_json(indent=2) + "\n" if args.json else render_text(report))
    return 0
