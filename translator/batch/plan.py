"""What a run works on: the folder walk (with its skip rules), each file's output names, and how
the files are shared out among processes and work groups."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from translator.batch.config import inside

SUMMARY_SUFFIX = ".summary.txt"


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
        """The outputs a successful translation writes, relative to OUT_DIR."""
        return [self.output] + ([self.summary] if self.summary else [])


@dataclass
class Walk:
    """The files to translate, the unsupported ones and what was left out (with the reason)."""

    files: list[SourceFile] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)


def _symlink_problem(path: Path, in_dir: Path, out_dir: Path) -> str | None:
    target = Path(os.path.realpath(path))
    if not inside(target, in_dir):
        return "symlink pointing outside IN_DIR"
    if inside(target, out_dir):
        return "symlink into the output folder"
    if not target.exists():
        return "broken symlink"
    if target.is_dir():
        return "symlink to a folder inside IN_DIR (its files are translated where they lie)"
    return None


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
                problem = _symlink_problem(path, in_dir, out_dir) if entry.is_symlink() else None
                if problem:
                    result.ignored.append({"path": rel, "reason": problem})
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if Path(os.path.realpath(path)) == out_dir:
                        result.ignored.append({"path": rel, "reason": "the output folder"})
                    else:
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


def assign_outputs(files: list[SourceFile], output_suffix: Callable[[Path], str], summary: bool) -> None:
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
    names = [sibling(f.rel, Path(f.rel).stem + SUMMARY_SUFFIX) for f in files]
    wanted: dict[str, int] = {}
    for name in names:
        wanted[name] = wanted.get(name, 0) + 1
    for f, name in zip(files, names):
        f.summary = sibling(f.rel, Path(f.rel).name + SUMMARY_SUFFIX) if name in taken or wanted[name] > 1 else name


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


GROUP_EDGE_ODDS = 16  # one file in this many (picked by its path) ends a work group


def _ends_group(rel: str) -> bool:
    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:4], "big") % GROUP_EDGE_ODDS == 0


def group_files(files: list[SourceFile], limit: int) -> list[list[int]]:
    """Split the walk (indices into ``files``, in order) into work groups: consecutive files
    whose sentences share translate calls, so many small files still fill big batches.

    A group ends before a file that would take it over ``limit`` source bytes (a bigger file is a
    group alone; ``limit`` 1: every file alone) and after a file its path picks (one in
    GROUP_EDGE_ODDS), so adding, removing or resizing a file moves group edges only up to the
    next picked file. The groups depend on the tree only, never on processes or earlier runs.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, f in enumerate(files):
        if current and size + f.size > limit:
            groups.append(current)
            current, size = [], 0
        current.append(index)
        size += f.size
        if _ends_group(f.rel):
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups


@dataclass
class FileState:
    """What the process that hashed a file learned about it before the work is shared out."""

    index: int
    sha256: str | None  # None: it could not be read (already recorded as failed)
    current: bool = False  # its record proves its outputs up to date
    group: str | None = None  # the key of the work group its outputs came from
    failed: bool = False  # the last run failed on this very content with these options


@dataclass
class WorkGroup:
    """Files translated together; ``key`` names the group and every member's content."""

    key: str
    files: list[SourceFile]
    hashes: list[str]
    current: bool
    done: list[bool] = field(default_factory=list)  # per member: up to date from this same group

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def parts(self) -> tuple[WorkGroup, WorkGroup]:
        """(the members already done, the members to translate), both under this group's key.
        ``done`` marks every member done except the ones to translate again: all of them when
        the group changed or lost an output (its batches must be a clean run's), only the files
        that failed last time when nothing else is missing (they never shared a batch anyway)."""

        def part(wanted: bool) -> WorkGroup:
            chosen = [i for i, done in enumerate(self.done or [self.current] * len(self.files)) if done == wanted]
            return WorkGroup(
                self.key,
                [self.files[i] for i in chosen],
                [self.hashes[i] for i in chosen],
                wanted,
                [wanted] * len(chosen),
            )

        return part(True), part(False)


def group_key(files: list[SourceFile], hashes: list[str]) -> str:
    """A digest of the group's members and their contents, recorded with each output: a file's
    English is up to date only while every member of its group is unchanged."""
    joined = "\n".join(f"{f.rel}\t{sha}" for f, sha in zip(files, hashes))
    return hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()


def work_groups(
    files: list[SourceFile], states: dict[int, FileState], limit: int, force: bool = False
) -> list[WorkGroup]:
    """The work groups of the walk with their keys; a group is current (nothing to do) when every
    member is up to date and came from a group with the same key. Unreadable files are left out."""
    result = []
    for indices in group_files(files, limit):
        members = [i for i in indices if states[i].sha256 is not None]
        if not members:
            continue
        hashes = [states[i].sha256 or "" for i in members]
        key = group_key([files[i] for i in members], hashes)
        done = [not force and states[i].current and states[i].group == key for i in members]
        # files that failed on this same group last time do not make their neighbours redo
        only_failures = all(done[k] or (states[i].failed and states[i].group == key) for k, i in enumerate(members))
        if not only_failures:
            done = [all(done)] * len(members)
        result.append(WorkGroup(key, [files[i] for i in members], hashes, all(done), done))
    return result


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``. Raises OSError."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
