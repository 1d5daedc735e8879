"""``translator batch IN_DIR OUT_DIR``: translate a folder tree into a mirror tree, resumably.

The run, step by step (every process of a multi-process run does the same walk):

1. **Check** the arguments (exit 2 on bad usage), then join the process group when
   ``WORLD_SIZE`` > 1 (torchrun / ``accelerate launch``; gloo, used only to wait and to gather).
2. **Tidy** OUT_DIR (main process only): delete temporary files a killed run left behind and
   compact the manifest parts into ``.translator-manifest.jsonl`` (a half-written last line is
   dropped). Everyone waits for this.
3. **Walk** IN_DIR in sorted order: hidden entries, OUT_DIR (when inside IN_DIR), symlinks that
   lead outside IN_DIR (or to folders) are left out; unsupported suffixes are listed, not read.
4. **Skip** a file when its manifest record says done/skipped with the same source sha256, the
   same options (models, beams, summary on/off and length) and the same output paths, and those
   outputs exist; ``--force`` skips nothing. The hashing is shared out among the processes.
5. **Shard** the files left by size: longest first, each into the lightest shard (ties: lowest
   rank), so that a resumed run keeps every process busy too.
6. **Translate** the rest in work groups of about ``group_chars`` source bytes: all text units of
   a group go to one ``Translator.translate`` call, so many small files still fill big batches
   and the model loads once. Each output is written to a temporary file in its folder, fsynced
   and renamed into place; only then is the file's manifest line appended (flush + fsync). A file
   that cannot be read, rendered or translated is recorded as failed with its reason.
7. **Report** (main process, after gathering every process's results): compact the manifest,
   write the JSON report atomically, print a summary line; exit 1 when some file failed.

A run killed at any moment leaves complete outputs or none, plus a manifest whose lines name
only outputs already in place, so the next run redoes exactly what is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger("translator")

MANIFEST_NAME = ".translator-manifest.jsonl"
MANIFEST_PART = ".translator-manifest.rank{rank}.jsonl"
TMP_SUFFIX = ".translator-tmp"
REPORT_NAME = "report.json"
SUMMARY_SUFFIX = ".summary.txt"
PIPELINE_VERSION = 1  # bump when outputs of the same source and options would change
DEFAULT_GROUP_CHARS = 64_000  # source bytes per Translator.translate call
GROUP_CHARS_ENV = "TRANSLATOR_BATCH_GROUP_CHARS"
TIMEOUT_ENV = "TRANSLATOR_BATCH_TIMEOUT"  # seconds a process may wait for the others
DONE_STATUSES = ("done", "skipped")


class UsageError(Exception):
    """Bad arguments: exit code 2."""


# -- the walk -----------------------------------------------------------------------------


@dataclass
class SourceFile:
    """One file to translate. Paths relative to IN_DIR / OUT_DIR are POSIX strings."""

    rel: str
    path: Path
    size: int
    output: str = ""
    summary: str | None = None

    @property
    def outputs(self) -> list[str]:
        return [self.output] + ([self.summary] if self.summary else [])


@dataclass
class Walk:
    files: list[SourceFile] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def walk_tree(in_dir: Path, out_dir: Path, suffixes: Iterable[str], supported: Iterable[str]) -> Walk:
    """List IN_DIR's files in a deterministic order (sorted by relative path).

    ``in_dir``/``out_dir`` must be resolved. Hidden entries, ``out_dir``, symlinks leading
    outside ``in_dir`` and symlinks to folders are ignored; files whose suffix is not in
    ``supported`` are unsupported; supported ones not in ``suffixes`` are ignored.
    """
    wanted = {s.lower() for s in suffixes}
    known = {s.lower() for s in supported}
    result = Walk()

    def visit(folder: Path, rel_folder: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            result.ignored.append({"path": rel_folder or ".", "reason": f"cannot list folder: {exc.strerror or exc}"})
            return
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            path = Path(entry.path)
            if entry.name.startswith("."):
                result.ignored.append({"path": rel, "reason": "hidden"})
                continue
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = Path(os.path.realpath(path))
                    if not _inside(target, in_dir):
                        result.ignored.append({"path": rel, "reason": "symlink pointing outside IN_DIR"})
                        continue
                    if _inside(target, out_dir):
                        result.ignored.append({"path": rel, "reason": "symlink into the output folder"})
                        continue
                    if not target.exists():
                        result.ignored.append({"path": rel, "reason": "broken symlink"})
                        continue
                    if target.is_dir():
                        result.ignored.append({"path": rel, "reason": "symlink to a folder inside IN_DIR "
                                                                       "(its files are translated where they lie)"})
                        continue
                if entry.is_dir(follow_symlinks=False):
                    if Path(os.path.realpath(path)) == out_dir:
                        result.ignored.append({"path": rel, "reason": "the output folder"})
                        continue
                    visit(path, rel)
                    continue
                if not entry.is_file(follow_symlinks=True):
                    result.ignored.append({"path": rel, "reason": "not a regular file"})
                    continue
                size = entry.stat(follow_symlinks=True).st_size
            except OSError as exc:
                result.ignored.append({"path": rel, "reason": f"cannot read: {exc.strerror or exc}"})
                continue
            suffix = path.suffix.lower()
            if suffix in wanted:
                result.files.append(SourceFile(rel=rel, path=path, size=size))
            elif suffix in known:
                result.ignored.append({"path": rel, "reason": "format not selected by --formats"})
            else:
                result.unsupported.append(rel)

    visit(in_dir, "")
    return result


def assign_outputs(files: list[SourceFile], output_suffix, summary: bool) -> None:
    """Set each file's output paths: ``a/x.txt`` → ``a/x<output suffix>`` (+ ``a/x.summary.txt``).

    Names that two sources would share fall back to the full source name (``a/x.htm.html``,
    ``a/x.md.summary.txt``), so no output is ever written twice.
    """

    def sibling(rel: str, name: str) -> str:
        parent = rel.rpartition("/")[0]
        return f"{parent}/{name}" if parent else name

    claims: dict[str, int] = {}
    for f in files:
        f.output = sibling(f.rel, Path(f.rel).stem + output_suffix(f.path))
        claims[f.output] = claims.get(f.output, 0) + 1
    for f in files:
        if claims[f.output] > 1:
            f.output = sibling(f.rel, Path(f.rel).name + output_suffix(f.path))
    if not summary:
        return
    taken = {f.output for f in files}
    wanted: dict[str, int] = {}
    for f in files:
        f.summary = sibling(f.rel, Path(f.rel).stem + SUMMARY_SUFFIX)
        wanted[f.summary] = wanted.get(f.summary, 0) + 1
    for f in files:
        if f.summary in taken or wanted[f.summary] > 1:
            f.summary = sibling(f.rel, Path(f.rel).name + SUMMARY_SUFFIX)


def shard_files(sizes: list[int], world: int) -> list[list[int]]:
    """Split indices into ``world`` shards of similar total size: longest first, each into the
    lightest shard (ties to the lowest rank). Deterministic; each shard keeps index order."""
    shards: list[list[int]] = [[] for _ in range(world)]
    loads = [0] * world
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        rank = min(range(world), key=lambda r: (loads[r], r))
        shards[rank].append(index)
        loads[rank] += max(1, sizes[index])
    return [sorted(shard) for shard in shards]


def group_files(files: list[SourceFile], limit: int) -> list[list[SourceFile]]:
    """Consecutive work groups of about ``limit`` source bytes (a bigger file is a group alone)."""
    groups: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    size = 0
    for f in files:
        if current and size + f.size > limit:
            groups.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        groups.append(current)
    return groups


# -- durable files ------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_name(path: Path) -> Path:
    """A hidden temporary sibling of ``path`` that ``clean_temp_files`` recognises."""
    stem = path.name[:120]
    return path.with_name(f".{stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the complete new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def clean_temp_files(out_dir: Path, report: Path | None = None) -> int:
    """Delete the temporary files a killed run left in ``out_dir`` (and beside ``report``);
    return how many."""
    removed = 0
    if report is not None and not _inside(report, out_dir) and report.parent.is_dir():
        for stale in report.parent.glob(f".{report.name[:120]}.*{TMP_SUFFIX}"):
            stale.unlink(missing_ok=True)
            removed += 1
    for folder, dirs, names in os.walk(out_dir):
        for name in names:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except OSError:
                    pass
    if removed:
        logger.info("removed %d temporary files left by an interrupted run", removed)
    return removed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the manifest -------------------------------------------------------------------------


def manifest_files(out_dir: Path) -> list[Path]:
    """The main manifest and every per-process part in ``out_dir``."""
    parts = sorted(out_dir.glob(".translator-manifest.rank*.jsonl"))
    main = out_dir / MANIFEST_NAME
    return ([main] if main.is_file() else []) + [p for p in parts if p.is_file()]


def read_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Merge every manifest file of ``out_dir``: the newest record per source path wins.
    Lines that do not parse (a line cut short by a kill) are ignored."""
    records: dict[str, dict[str, Any]] = {}
    for path in manifest_files(out_dir):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("source"), str):
                continue
            old = records.get(record["source"])
            if old is None or _order(record) >= _order(old):
                records[record["source"]] = record
    return records


def _order(record: dict[str, Any]) -> tuple[int, int]:
    return int(record.get("time_ns", 0) or 0), int(record.get("seq", 0) or 0)


def _manifest_line(record: dict[str, Any]) -> bytes:
    # ASCII JSON: any file name (even one with undecodable bytes) survives the round trip
    return json.dumps(record, ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"


def compact_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Rewrite the manifest as one record per source (atomically) and remove the parts."""
    records = read_manifest(out_dir)
    files = manifest_files(out_dir)
    if not files:
        return records
    atomic_write(out_dir / MANIFEST_NAME, b"".join(_manifest_line(records[k]) for k in sorted(records)))
    for part in files:
        if part.name != MANIFEST_NAME:
            part.unlink(missing_ok=True)
    return records


class ManifestWriter:
    """Appends one JSON line per finished file, flushed and fsynced before returning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seq = 0
        self._fh = None

    def append(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = open(self.path, "ab")
            if self._fh.tell() > 0:  # a line cut short by a kill must not swallow ours
                with open(self.path, "rb") as check:
                    check.seek(-1, os.SEEK_END)
                    if check.read(1) != b"\n":
                        self._fh.write(b"\n")
        self.seq += 1
        record = dict(record, time_ns=time.time_ns(), seq=self.seq)
        self._fh.write(_manifest_line(record))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


# -- processes ----------------------------------------------------------------------------


class Processes:
    """This process's place in a torchrun / ``accelerate launch`` run (or a run of one).

    RANK, WORLD_SIZE and LOCAL_RANK come from the environment; with more than one process a
    gloo group is joined, used only to wait for one another and to gather results."""

    def __init__(self) -> None:
        self.world = max(1, int(os.environ.get("WORLD_SIZE", "1") or 1))
        self.rank = int(os.environ.get("RANK", "0") or 0)
        self.local_rank = int(os.environ.get("LOCAL_RANK", str(self.rank)) or 0)
        self._owned = False
        if self.world > 1:
            import torch.distributed as dist

            if not dist.is_initialized():
                timeout = float(os.environ.get(TIMEOUT_ENV, str(7 * 24 * 3600)))
                dist.init_process_group("gloo", timeout=timedelta(seconds=timeout),
                                        rank=self.rank, world_size=self.world)
                self._owned = True

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()

    def gather(self, obj: Any) -> list[Any]:
        """Every process's ``obj`` on the main process (others get ``[]``)."""
        if self.world == 1:
            return [obj]
        import torch.distributed as dist

        out: list[Any] | None = [None] * self.world if self.main else None
        dist.gather_object(obj, out, dst=0)
        return out or []

    def all_gather(self, obj: Any) -> list[Any]:
        """Every process's ``obj``, in rank order, on every process."""
        if self.world == 1:
            return [obj]
        import torch.distributed as dist

        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast(self, obj: Any) -> Any:
        if self.world == 1:
            return obj
        import torch.distributed as dist

        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self) -> None:
        if self._owned:
            import torch.distributed as dist

            dist.destroy_process_group()
            self._owned = False


def pick_device(requested: str | None, procs: Processes) -> str | None:
    """``--device`` wins; otherwise, with several processes and GPUs, ``cuda:{LOCAL_RANK}``."""
    if requested:
        return requested
    env = (os.environ.get("TRANSLATOR_DEVICE") or "").strip().lower()
    if procs.world > 1 and env in ("", "auto", "cuda"):
        import torch

        if torch.cuda.is_available():
            return f"cuda:{procs.local_rank % torch.cuda.device_count()}"
    return None


# -- the run ------------------------------------------------------------------------------


@dataclass
class Config:
    in_dir: Path
    out_dir: Path
    report: Path
    suffixes: list[str]
    summary: bool
    force: bool
    quiet: bool
    length: str
    beams: int | None
    group_chars: int


def parse_formats(value: str | list[str] | None, supported: Iterable[str]) -> list[str]:
    """``"txt,md"`` (or a list, dots optional) → ``[".txt", ".md"]``; UsageError on an unknown one."""
    supported = sorted({s.lower() for s in supported})
    if value is None:
        return supported
    items = value if isinstance(value, list) else [value]
    chosen: list[str] = []
    for item in items:
        for token in str(item).replace(",", " ").split():
            suffix = "." + token.strip().lstrip(".").lower()
            if suffix not in supported:
                raise UsageError(f"unknown format {token!r} in --formats: choose from "
                                 + ", ".join(s.lstrip(".") for s in supported))
            if suffix not in chosen:
                chosen.append(suffix)
    if not chosen:
        raise UsageError("--formats names no format")
    return chosen


def configure(args: argparse.Namespace) -> Config:
    """Check the arguments; raise UsageError for anything a user must fix."""
    from .files import SUPPORTED_SUFFIXES

    in_dir = Path(args.in_dir).expanduser()
    if not in_dir.exists():
        raise UsageError(f"input folder {args.in_dir} does not exist")
    if not in_dir.is_dir():
        raise UsageError(f"input {args.in_dir} is not a folder")
    in_dir = in_dir.resolve()
    out_dir = Path(args.out_dir).expanduser().resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output {args.out_dir} exists and is not a folder")
    if out_dir == in_dir:
        raise UsageError("OUT_DIR must differ from IN_DIR (sources are never overwritten)")
    if _inside(in_dir, out_dir):
        raise UsageError("IN_DIR must not lie inside OUT_DIR")
    report = Path(args.report).expanduser().resolve() if getattr(args, "report", None) else out_dir / REPORT_NAME
    if _inside(report, in_dir) and not _inside(report, out_dir):
        raise UsageError("--report must not be written inside IN_DIR (sources are never modified)")
    if report.is_dir():
        raise UsageError(f"--report {report} is a folder")
    suffixes = parse_formats(getattr(args, "formats", None), SUPPORTED_SUFFIXES)
    beams = getattr(args, "beams", None)
    if beams is not None and beams < 1:
        raise UsageError("--beams must be at least 1")
    group_chars = getattr(args, "group_chars", None) or int(os.environ.get(GROUP_CHARS_ENV) or DEFAULT_GROUP_CHARS)
    return Config(in_dir=in_dir, out_dir=out_dir, report=report, suffixes=suffixes,
                  summary=bool(getattr(args, "summary", False)), force=bool(getattr(args, "force", False)),
                  quiet=bool(getattr(args, "quiet", False)), length=getattr(args, "length", None) or "medium",
                  beams=beams, group_chars=max(1, group_chars))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def english_text(rendered: bytes, name: str, translations: list[str]) -> str:
    """The plain English text of a translated document (what the summary is made from): the
    rendered output read back like a source, so markup, cue timings and the like stay out."""
    from .files import document_text, read_bytes

    try:
        return document_text(read_bytes(rendered, name))
    except Exception:  # cannot happen for our own output; plain paragraphs will do
        return "\n\n".join(t for t in translations if t.strip())


class _Bars:
    """tqdm bars over files and sentences (stderr); no-ops when disabled."""

    def __init__(self, files: int, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.files = self.sentences = None
        self._sent_base = 0
        if enabled:
            from tqdm import tqdm

            self.files = tqdm(total=files, unit="file", desc=f"{label}files", position=0,
                              file=sys.stderr, dynamic_ncols=True)
            self.sentences = tqdm(total=0, unit="sent", desc=f"{label}sentences", position=1,
                                  file=sys.stderr, dynamic_ncols=True)

    def group_progress(self):
        base = self._sent_base
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:
            state["total"] = total
            if self.sentences is not None:
                self.sentences.total = base + total
                self.sentences.update(done - state["done"])
            state["done"] = done

        def finish() -> int:
            self._sent_base = base + state["total"]
            if self.sentences is not None:
                self.sentences.total = self._sent_base
                self.sentences.n = self._sent_base
                self.sentences.refresh()
            return state["total"]

        return progress, finish

    def file_done(self, n: int = 1) -> None:
        if self.files is not None:
            self.files.update(n)

    def close(self) -> None:
        for bar in (self.sentences, self.files):
            if bar is not None:
                bar.close()


class Runner:
    """Translate one process's share of the files."""

    def __init__(self, cfg: Config, args: argparse.Namespace, procs: Processes) -> None:
        from .summarize import Summarizer
        from .translate import Translator

        self.cfg = cfg
        self.procs = procs
        device = pick_device(getattr(args, "device", None), procs)
        overrides = {"num_beams": cfg.beams} if cfg.beams else {}
        self.translator = Translator(getattr(args, "translation_model", None), device=device,
                                     engine=getattr(args, "engine", None), **overrides)
        self.summarizer = (Summarizer(getattr(args, "summary_model", None), device=device,
                                      engine=getattr(args, "engine", None), **overrides)
                           if cfg.summary else None)
        self.options: dict[str, Any] = {
            "pipeline": PIPELINE_VERSION,
            "translation_model": self.translator.model_name,
            "num_beams": self.translator.options.num_beams,
            "summary": cfg.summary,
        }
        if self.summarizer is not None:
            self.options.update(summary_model=self.summarizer.model_name, length=cfg.length,
                                summary_num_beams=self.summarizer.options.num_beams)
        part = MANIFEST_NAME if procs.world == 1 else MANIFEST_PART.format(rank=procs.rank)
        self.writer = ManifestWriter(cfg.out_dir / part)
        self.results: list[dict[str, Any]] = []
        self.sentences = 0

    # one result per file, also what the report lists
    def _result(self, f: SourceFile, status: str, **extra: Any) -> dict[str, Any]:
        result = {"path": f.rel, "status": status, "rank": self.procs.rank, **extra}
        self.results.append(result)
        return result

    def _record(self, f: SourceFile, status: str, sha: str | None, outputs: list[str], **extra: Any) -> None:
        self.writer.append({"source": f.rel, "sha256": sha, "options": self.options, "status": status,
                            "outputs": outputs, "model": self.translator.model_name, **extra})

    def is_current(self, f: SourceFile, sha: str, record: dict[str, Any] | None) -> bool:
        """True when ``record`` proves that ``f``'s outputs are up to date."""
        return bool(
            record
            and record.get("status") in DONE_STATUSES
            and record.get("sha256") == sha
            and record.get("options") == self.options
            and record.get("outputs") == f.outputs
            and all((self.cfg.out_dir / out).is_file() for out in f.outputs)
        )

    def check(self, files: list[tuple[int, SourceFile]], manifest: dict[str, dict[str, Any]]) -> list[tuple[int, str]]:
        """Hash ``files`` (index, file); record the up-to-date ones as skipped and return the
        others as (index, sha256)."""
        pending: list[tuple[int, str]] = []
        for index, f in files:
            try:
                sha = sha256_file(f.path)
            except OSError as exc:
                self._fail(f, None, exc)
                continue
            record = manifest.get(f.rel)
            if not self.cfg.force and self.is_current(f, sha, record):
                self._record(f, "skipped", sha, f.outputs, format=record.get("format"),
                             encoding=record.get("encoding"), units=record.get("units"))
                self._result(f, "skipped", reason="unchanged since the last run", outputs=f.outputs)
                continue
            pending.append((index, sha))
        return pending

    def translate(self, work: list[tuple[SourceFile, str]]) -> None:
        """Translate ``work`` (file, sha256) in work groups, writing outputs and manifest lines."""
        label = f"[rank {self.procs.rank}] " if self.procs.world > 1 else ""
        show = not self.cfg.quiet and self.procs.local_rank == 0 and sys.stderr.isatty()
        bars = _Bars(len(work), show and bool(work), label)
        hashes = {f.rel: sha for f, sha in work}
        try:
            for group in group_files([f for f, _ in work], self.cfg.group_chars):
                self._run_group(group, hashes, bars)
        finally:
            bars.close()
            self.writer.close()

    def _run_group(self, group: list[SourceFile], hashes: dict[str, str], bars: _Bars) -> None:
        from .files import read_document
        from .models import ModelNotFoundError

        docs: list[tuple[SourceFile, Any]] = []
        for f in group:
            try:
                docs.append((f, read_document(f.path)))
            except Exception as exc:  # binary, undecodable, corrupt: this file only
                self._fail(f, hashes[f.rel], exc)
                bars.file_done()
        if not docs:
            return
        units = [unit for _, doc in docs for unit in doc.units]
        progress, finish = bars.group_progress()
        try:
            translations = self.translator.translate(units, progress=progress) if units else []
            per_file = []
            start = 0
            for _, doc in docs:
                per_file.append(translations[start : start + len(doc.units)])
                start += len(doc.units)
        except ModelNotFoundError:
            raise
        except Exception as exc:
            if len(docs) == 1:
                self._fail(docs[0][0], hashes[docs[0][0].rel], exc)
                bars.file_done()
                self.sentences += finish()
                return
            # one file broke the group (or memory ran out): translate them one by one
            logger.warning("a work group of %d files failed (%s); retrying file by file", len(docs), _reason(exc))
            per_file = []
            for f, doc in docs:
                try:
                    per_file.append(self.translator.translate(list(doc.units)) if doc.units else [])
                except ModelNotFoundError:
                    raise
                except Exception as exc_one:
                    per_file.append(exc_one)
        self.sentences += finish()
        for (f, doc), translations in zip(docs, per_file):
            if isinstance(translations, BaseException):
                self._fail(f, hashes[f.rel], translations)
            else:
                self._finish_file(f, hashes[f.rel], doc, translations)
            bars.file_done()

    def _finish_file(self, f: SourceFile, sha: str, doc: Any, translations: list[str]) -> None:
        from .files import render_document
        from .models import ModelNotFoundError

        try:
            data = render_document(doc, translations)
            atomic_write(self.cfg.out_dir / f.output, data)
            if self.summarizer is not None:
                text = english_text(data, f.output, translations)
                summary = self.summarizer.summarize(text, length=self.cfg.length) if text.strip() else ""
                atomic_write(self.cfg.out_dir / f.summary, (summary.strip() + "\n").encode("utf-8"))
        except ModelNotFoundError:
            raise
        except Exception as exc:
            self._fail(f, sha, exc)
            return
        info = {"format": getattr(doc, "format", None), "encoding": getattr(doc, "encoding", None),
                "units": len(doc.units)}
        self._record(f, "done", sha, f.outputs, **info)
        warnings = list(getattr(doc, "warnings", None) or [])
        self._result(f, "done", outputs=f.outputs, **info, **({"warnings": warnings} if warnings else {}))

    def _fail(self, f: SourceFile, sha: str | None, exc: BaseException) -> None:
        reason = _reason(exc)
        logger.info("%s failed: %s", f.rel, reason)
        self._record(f, "failed", sha, [], reason=reason)
        self._result(f, "failed", reason=reason)


def _write_report(cfg: Config, walk: Walk, results: list[dict[str, Any]], options: dict[str, Any],
                  sentences: int, seconds: float, world: int) -> dict[str, Any]:
    files = sorted(results + [{"path": rel, "status": "unsupported", "reason": "unsupported file type"}
                              for rel in walk.unsupported], key=lambda r: r["path"])
    counts = {status: sum(r["status"] == status for r in files)
              for status in ("done", "skipped", "failed", "unsupported")}
    report = {
        "in_dir": str(cfg.in_dir),
        "out_dir": str(cfg.out_dir),
        "options": options,
        "processes": world,
        "counts": counts,
        "sentences": sentences,
        "seconds": round(seconds, 3),
        "files": files,
        "ignored": walk.ignored,
    }
    try:
        data = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
    except UnicodeEncodeError:  # a file name with undecodable bytes
        data = json.dumps(report, ensure_ascii=True, indent=2).encode("ascii")
    atomic_write(cfg.report, data + b"\n")
    return report


def main(args: argparse.Namespace) -> int:
    """Run ``translator batch``; return the exit code (0 all done, 1 some failed, 2 bad usage)."""
    started = time.monotonic()
    try:
        cfg = configure(args)
    except UsageError as exc:
        print(f"translator batch: error: {exc}", file=sys.stderr)
        return 2
    from .files import SUPPORTED_SUFFIXES, output_suffix

    procs = Processes()
    try:
        if procs.main:
            cfg.out_dir.mkdir(parents=True, exist_ok=True)
            clean_temp_files(cfg.out_dir, cfg.report)
            compact_manifest(cfg.out_dir)
        procs.barrier()
        walk = walk_tree(cfg.in_dir, cfg.out_dir, cfg.suffixes, SUPPORTED_SUFFIXES)
        assign_outputs(walk.files, output_suffix, cfg.summary)
        runner = Runner(cfg, args, procs)
        # hashing is shared out by size; then the files left to translate are shared out again,
        # so that a resumed run (most files skipped) still keeps every process busy
        mine = shard_files([f.size for f in walk.files], procs.world)[procs.rank]
        pending = runner.check([(i, walk.files[i]) for i in mine], read_manifest(cfg.out_dir))
        pending = sorted(p for part in procs.all_gather(pending) for p in part)
        share = shard_files([walk.files[i].size for i, _ in pending], procs.world)[procs.rank]
        runner.translate([(walk.files[pending[k][0]], pending[k][1]) for k in share])
        gathered = procs.gather({"results": runner.results, "sentences": runner.sentences})
        code = 0
        if procs.main:
            results = [r for part in gathered for r in part["results"]]
            sentences = sum(part["sentences"] for part in gathered)
            compact_manifest(cfg.out_dir)
            report = _write_report(cfg, walk, results, runner.options, sentences,
                                   time.monotonic() - started, procs.world)
            counts = report["counts"]
            print(f"translator batch: {counts['done']} files done, {counts['skipped']} skipped, "
                  f"{counts['failed']} failed, {counts['unsupported']} unsupported; {sentences} sentences; "
                  f"{time.monotonic() - started:.1f} s; report: {cfg.report}", file=sys.stderr)
            failed = [r for r in report["files"] if r["status"] == "failed"]
            for r in failed:
                print(f"  failed: {r['path']}: {r['reason']}", file=sys.stderr)
            code = 1 if failed else 0
        code = procs.broadcast(code)
        return code
    finally:
        procs.close()
