"""The manifest: one JSON line per file and attempt, appended as each file finishes.

``OUT_DIR/.translator-manifest.jsonl`` (a multi-process run appends to one part per process,
``.translator-manifest.rank{N}.jsonl``, merged at the end) records each source's hash, options,
status and outputs. A line cut short by a kill is ignored; the newest record of a source wins.
Every output the tool ever wrote for a source stays named (``outputs`` of some line, or
``written`` of a compacted record) until it is removed, so a later run knows what it may delete.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any

from translator.system.durable import atomic_write

MANIFEST_NAME = ".translator-manifest.jsonl"
MANIFEST_PART = ".translator-manifest.rank{rank}.jsonl"
DONE_STATUSES = ("done", "skipped")
REFUSED = "refused"  # in a language the model does not translate: no outputs, nothing to redo


@dataclass(frozen=True)
class Record:
    """One manifest line: an attempt at one source file (``source``, relative to IN_DIR).

    ``status`` is ``writing`` (outputs named before they are written), ``done``, ``skipped``,
    ``failed`` or ``refused``; ``options`` what the outputs depend on (a record with other options
    is redone); ``group`` the work group's key; ``outputs`` the files this attempt writes;
    ``written`` (a compacted record only) outputs earlier attempts wrote; ``time_ns`` and ``seq``
    order the lines (the newest wins)."""

    source: str
    status: str
    sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    group: str | None = None
    outputs: tuple[str, ...] = ()
    model: str | None = None
    format: str | None = None
    encoding: str | None = None
    units: int | None = None
    language: str | None = None
    reason: str | None = None
    written: tuple[str, ...] = ()
    time_ns: int = 0
    seq: int = 0

    @classmethod
    def from_json(cls, data: object) -> Record | None:
        """The record in one parsed JSON line; None when it is not one (no source or status).
        A field of the wrong type is read as its default, unknown keys are left out."""
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            return None
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if f.name in ("outputs", "written"):
                if isinstance(value, list):
                    values[f.name] = tuple(name for name in value if isinstance(name, str))
            elif f.name in ("units", "time_ns", "seq"):
                if isinstance(value, int) and not isinstance(value, bool):
                    values[f.name] = value
            elif f.name == "options":
                if isinstance(value, dict):
                    values[f.name] = value
            elif isinstance(value, str):
                values[f.name] = value
        values.setdefault("status", "")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this record: fields that are not set are left out."""
        data = asdict(self)
        data["outputs"], data["written"] = list(self.outputs), list(self.written)
        kept = ("source", "status", "sha256", "options", "group", "outputs")
        return {k: v for k, v in data.items() if k in kept or v not in (None, [], 0)}


def manifest_files(out_dir: Path) -> list[Path]:
    """The main manifest and every per-process part in ``out_dir``."""
    parts = sorted(out_dir.glob(".translator-manifest.rank*.jsonl"))
    main = out_dir / MANIFEST_NAME
    return ([main] if main.is_file() else []) + [p for p in parts if p.is_file()]


def _records(out_dir: Path) -> Iterator[Record]:
    for path in manifest_files(out_dir):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                record = Record.from_json(json.loads(line))
            except ValueError:  # a line cut short by a kill
                continue
            if record is not None:
                yield record


def _order(record: Record) -> tuple[int, int]:
    return record.time_ns, record.seq


def read_manifest(out_dir: Path) -> dict[str, Record]:
    """Merge every manifest file of ``out_dir``: the newest record per source path wins."""
    records: dict[str, Record] = {}
    for record in _records(out_dir):
        old = records.get(record.source)
        if old is None or _order(record) >= _order(old):
            records[record.source] = record
    return records


def written_outputs(out_dir: Path) -> dict[str, set[str]]:
    """Every output path (relative to ``out_dir``) that some record names, by source."""
    written: dict[str, set[str]] = {}
    for record in _records(out_dir):
        written.setdefault(record.source, set()).update(record.outputs, record.written)
    return written


def _line(record: Record) -> bytes:
    # ASCII JSON: any file name (even one with undecodable bytes) survives the round trip
    return json.dumps(record.to_json(), ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"


def compact_manifest(
    out_dir: Path, keep: Collection[str] | None = None, removed: Collection[str] = ()
) -> dict[str, Record]:
    """Rewrite the manifest as one record per source (atomically) and delete the parts.

    Only the sources in ``keep`` stay (all when None). A record keeps, under ``written``, the
    outputs earlier records named that are not among its own and not in ``removed``. Returns
    the records kept.
    """
    files = manifest_files(out_dir)
    if not files:
        return {}
    records = read_manifest(out_dir)
    written = written_outputs(out_dir)
    kept: dict[str, Record] = {}
    for source in sorted(records):
        if keep is not None and source not in keep:
            continue
        record = records[source]
        extra = written[source] - set(record.outputs) - set(removed)
        kept[source] = replace(record, written=tuple(sorted(extra)))
    atomic_write(out_dir / MANIFEST_NAME, b"".join(_line(r) for r in kept.values()))
    for part in files:
        if part.name != MANIFEST_NAME:
            part.unlink(missing_ok=True)
    return kept


class ManifestWriter:
    """Appends one JSON line per record, flushed and fsynced before ``append`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seq = 0
        self._handle: IO[bytes] | None = None

    def append(self, record: Record) -> None:
        """Add ``record`` (with a timestamp and sequence number) durably."""
        if self._handle is None:
            self._handle = open(self.path, "ab")
            if self._handle.tell() > 0:  # a line cut short by a kill must not swallow ours
                with open(self.path, "rb") as check:
                    check.seek(-1, os.SEEK_END)
                    if check.read(1) != b"\n":
                        self._handle.write(b"\n")
        self.seq += 1
        self._handle.write(_line(replace(record, time_ns=time.time_ns(), seq=self.seq)))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file (appending again reopens it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
