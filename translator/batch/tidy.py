"""What a run removes from OUT_DIR, and nothing else: temporaries of an interrupted run, and the
outputs it once wrote that the current sources and options no longer produce. A file the
manifest does not name as the tool's own output is never touched."""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable
from pathlib import Path, PurePosixPath

from translator.batch.config import inside
from translator.system.durable import TMP_SUFFIX, clean_temp_files

logger = logging.getLogger("translator")


def clean_run_temp_files(out_dir: Path, report: Path) -> int:
    """Delete the temporaries a killed run left in ``out_dir`` and beside ``report`` (which may
    lie elsewhere); return how many."""
    removed = 0
    if not inside(report, out_dir) and report.parent.is_dir():
        for stale in report.parent.glob(f".{report.name[:120]}.*{TMP_SUFFIX}"):
            stale.unlink(missing_ok=True)
            removed += 1
    return removed + (clean_temp_files(out_dir) if out_dir.is_dir() else 0)


def _own_path(out_dir: Path, rel: str) -> Path | None:
    """``out_dir/rel`` when ``rel`` is a plain relative path inside ``out_dir``; else None."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or ".." in pure.parts or pure.parts[:1] == (".",):
        return None
    path = out_dir.joinpath(*pure.parts)
    return path if inside(Path(os.path.realpath(path.parent)), out_dir) else None


def remove_stale_outputs(
    out_dir: Path, written: Iterable[str], keep: Collection[str], protected: Collection[str] = ()
) -> list[str]:
    """Delete each ``written`` output (relative to ``out_dir``) that is not in ``keep`` or
    ``protected``, then the folders this leaves empty; return the paths removed, sorted."""
    removed: list[str] = []
    folders: set[Path] = set()
    for rel in sorted(set(written) - set(keep) - set(protected)):
        path = _own_path(out_dir, rel)
        if path is None or not (path.is_file() or path.is_symlink()):
            continue
        try:
            path.unlink()
        except OSError as exc:
            logger.warning("could not remove %s, which the current options no longer produce: %s", path, exc)
            continue
        removed.append(rel)
        folders.update(p for p in path.parents if p != out_dir and inside(p, out_dir))
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only when empty: whatever else lives there stays
        except OSError:
            pass
    if removed:
        logger.info("removed %d outputs the current sources and options no longer produce", len(removed))
    return removed
