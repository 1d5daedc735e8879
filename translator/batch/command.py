"""``translator batch IN_DIR OUT_DIR``: translate a folder tree into a mirror tree, resumably.

The run, step by step (every process of a multi-process run does the same walk):

1. **Check** the arguments (exit 2 on bad usage), then join the processes of a ``torchrun`` /
   ``accelerate launch`` run (distributed.py).
2. **Tidy** OUT_DIR (main process): delete temporaries a killed run left behind and compact the
   manifest parts (manifest.py). Everyone waits for this.
3. **Walk** IN_DIR in sorted order and name each file's outputs (plan.py).
4. **Group** the files into work groups, consecutive files of about 64 kB whose sentences share
   translate calls (plan.py). The groups depend on the tree only, so a file's English is the
   same whatever the number of processes and whichever earlier run did part of the work.
5. **Skip** the members of a group whose manifest record says done/skipped with the same source
   sha256, options, outputs and group key, and those outputs exist; ``--force`` skips nothing.
   Summaries aside: a record with summaries is up to date for a run without ``--summary`` (its
   translations are, and the summaries it wrote go at step 8). The hashing is shared out among
   the processes.
6. **Shard** the groups left by size: largest first, each into the lightest shard, so that a
   resumed run keeps every process busy too.
7. **Translate** each group through the pipeline (runner.py). Outputs are written to temporaries
   and renamed into place; the manifest names them before and records them after.
8. **Finish** (main process, with every process's results): remove the outputs an earlier run
   wrote that the current sources and options no longer produce (the summaries of a run with
   ``--summary`` when this one has none), compact the manifest, write the report, print a summary
   (translated, up to date, skipped for their language, failed, unsupported); exit 1 when some
   file failed.

A run killed at any moment leaves complete outputs or none, and a manifest that names every
output written, so the next run redoes exactly what is missing and leaves OUT_DIR as a clean run
with the same options would.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from translator.batch.config import Config, UsageError, configure, inside
from translator.batch.distributed import Processes
from translator.batch.manifest import MANIFEST_NAME, compact_manifest, manifest_files, read_manifest, written_outputs
from translator.batch.plan import Walk, assign_outputs, shard_files, walk_tree, work_groups
from translator.batch.report import KEPT_STATUSES, FileResult, print_summary, write_report
from translator.batch.tidy import clean_run_temp_files, remove_stale_outputs


def _finish(
    cfg: Config,
    walk: Walk,
    results: list[FileResult],
    options: dict[str, Any],
    sentences: int,
    seconds: float,
    processes: int,
) -> dict[str, Any]:
    out_dir = cfg.out_dir
    keep = {out for r in results if r.status in KEPT_STATUSES for out in r.outputs}
    written = set().union(*written_outputs(out_dir).values())
    protected = {MANIFEST_NAME} | {p.name for p in manifest_files(out_dir)}
    if inside(cfg.report, out_dir):
        protected.add(cfg.report.relative_to(out_dir).as_posix())
    removed = remove_stale_outputs(out_dir, written, keep, protected)
    compact_manifest(out_dir, keep={f.rel for f in walk.files}, removed=removed)
    return write_report(
        cfg, walk, results, options, sentences=sentences, seconds=seconds, processes=processes, removed=removed
    )


def main(args: argparse.Namespace) -> int:
    """Run ``translator batch``; return the exit code (0 all done, 1 some failed, 2 bad usage)."""
    started = time.monotonic()
    try:
        cfg = configure(args)
    except UsageError as exc:
        print(f"translator batch: error: {exc}", file=sys.stderr)
        return 2
    from translator.batch.runner import Runner
    from translator.formats.files import SUPPORTED_SUFFIXES, output_suffix

    procs = Processes()
    try:
        if procs.main:
            cfg.out_dir.mkdir(parents=True, exist_ok=True)
            clean_run_temp_files(cfg.out_dir, cfg.report)
            compact_manifest(cfg.out_dir)
        procs.barrier()
        walk = walk_tree(cfg.in_dir, cfg.out_dir, cfg.suffixes, SUPPORTED_SUFFIXES)
        assign_outputs(walk.files, output_suffix, cfg.summary)
        runner = Runner(cfg, procs)
        # hashing is shared out by size; then the work groups left are shared out again, so that
        # a resumed run (most files skipped) still keeps every process busy
        mine = shard_files([f.size for f in walk.files], procs.world)[procs.rank]
        manifest = read_manifest(cfg.out_dir)
        checked = runner.check([(i, walk.files[i]) for i in mine], manifest)
        states = {state.index: state for part in procs.all_gather(checked) for state in part}
        groups = work_groups(walk.files, states, cfg.group_chars, cfg.force)
        hashed_here = {walk.files[i].rel for i in mine}
        pending = []
        for group in groups:
            finished, todo = group.parts()
            if finished.files:
                runner.skip(finished, hashed_here, manifest)
            if todo.files:
                pending.append(todo)
        share = shard_files([group.size for group in pending], procs.world)[procs.rank]
        runner.translate([pending[k] for k in share])
        gathered = procs.all_gather({"results": runner.results, "sentences": runner.sentences})
        results = [r for part in gathered for r in part["results"]]
        if procs.main:
            report = _finish(
                cfg,
                walk,
                results,
                runner.options,
                sum(p["sentences"] for p in gathered),
                time.monotonic() - started,
                procs.world,
            )
            print_summary(report, cfg)
        procs.barrier()  # the report is written when any process returns
        return 1 if any(r.status == "failed" for r in results) else 0
    except KeyboardInterrupt:
        print(
            f"translator batch: interrupted. Finished files are kept: run the same command again to "
            f"resume ({cfg.out_dir}); only what is missing is translated.",
            file=sys.stderr,
        )
        return 130
    finally:
        procs.close()
