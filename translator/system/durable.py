"""Durable writes: a file or a folder is either the old one or the complete new one.

Every writer in the project goes through here: the folder batch's outputs, manifest compaction and
report, the page's downloads, the CTranslate2 conversion cache and the tiny-model builder.
A temporary sibling is written (and fsynced), then renamed into place; a run killed at any moment
leaves at most a hidden temporary that :func:`clean_temp_files` removes.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger("translator")

TMP_SUFFIX = ".translator-tmp"


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where folders cannot be opened)."""
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
    """A hidden temporary sibling of ``path`` that :func:`clean_temp_files` recognises."""
    return path.with_name(f".{path.name[:120]}.{os.getpid()}-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (str is written as UTF-8) to ``path`` so that ``path`` is either the old
    file or the complete new one; return ``path``."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def clean_temp_files(folder: Path) -> int:
    """Delete the temporaries an interrupted writer left under ``folder``; return how many."""
    removed = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                try:
                    os.unlink(os.path.join(root, name))
                    removed += 1
                except OSError:
                    pass
    if removed:
        logger.info("removed %d temporary files left by an interrupted run", removed)
    return removed


def build_folder(
    target: Path, make: Callable[[Path], None], *, is_complete: Callable[[Path], bool], replace: bool = False
) -> Path:
    """Build a folder with ``make(tmp)`` in a hidden temporary sibling and rename it to ``target``.

    When another process installs a complete ``target`` first (``is_complete(target)``), its copy
    is kept and ours dropped; an incomplete or (with ``replace``) outdated one is swapped out.
    A half-built folder is never visible under ``target``. Returns ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; built folders are meant to be shared
        make(tmp)
        try:
            os.rename(tmp, target)  # atomic; also replaces an empty folder on POSIX
            return target
        except OSError:
            if not target.exists():
                raise
        if is_complete(target) and not replace:  # another process won the race: use its copy
            return target
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.exists():
                os.rename(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return target
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_stale_builds(target: Path) -> None:
    """Temporary folders of ``target`` left by a killed build. Call it holding the build's lock."""
    for leftover in target.parent.glob(f".{target.name}.building-*"):
        logger.info("removing %s, left over by an interrupted build", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
