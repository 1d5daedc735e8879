"""Durable writes: a file or a folder is either the old one or the complete new one.

Every writer in the project goes through here: the folder batch's outputs, manifest compaction and
report, the page's downloads, the CTranslate2 conversion cache and the tiny-model builder.
A temporary sibling is written (and fsynced), then renamed into place; a run killed at any moment
leaves at most a hidden temporary that :func:`clean_temp_files` removes.

And the progress a long run shows on stderr (:class:`ProgressBars`, the folder batch's and
``translator follow``'s): drawn on a terminal only, never as escape codes in a log file.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

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


# -- a port to listen on ------------------------------------------------------------------------


def check_port(host: str, port: int) -> None:
    """OSError naming ``--port`` when ``host``:``port`` cannot be listened on. Here, away from the
    page (gradio) and the models, so that ``python app.py`` on a busy port says so at once, before
    seconds of imports and model loading."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(
                f"cannot listen on {host}:{port} ({exc.strerror}): the port is busy or not "
                "allowed; choose another with --port"
            ) from None


# -- progress on a terminal --------------------------------------------------------------------


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: stderr) is a terminal: only there is a progress bar drawn.
    In a pipe, a file, cron's mail or systemd's journal a bar is escape codes and carriage returns."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class ProgressBars:
    """Two tqdm bars on stderr, ``total`` things (files, articles) and the sentences within them;
    drawn only when ``enabled`` and stderr is a terminal (:func:`is_terminal`), otherwise every
    method is a no-op (a run's summary line says what happened)."""

    def __init__(self, total: int, enabled: bool, *, unit: str, desc: str, label: str = "") -> None:
        self.outer: Any = None
        self.sentences: Any = None
        self._base = 0  # sentences of the parts already finished
        if enabled and total > 0 and is_terminal():
            from tqdm import tqdm

            common = dict(file=sys.stderr, dynamic_ncols=True)
            self.outer = tqdm(total=total, unit=unit, desc=f"{label}{desc}", position=0, **common)
            self.sentences = tqdm(total=0, unit="sent", desc=f"{label}sentences", position=1, **common)

    @property
    def drawn(self) -> bool:
        """Whether the bars are on screen."""
        return self.outer is not None

    def part(self) -> tuple[Callable[[int, int], None], Callable[[], int]]:
        """A ``progress(done, total)`` callback for one part of the work (a work group, an
        article), and a ``finish()`` to call after it, which returns the part's sentences."""
        base = self._base
        state = {"done": 0, "total": 0}

        def progress(done: int, total: int) -> None:
            state["total"] = total
            if self.sentences is not None:
                self.sentences.total = base + total
                self.sentences.update(done - state["done"])
            state["done"] = done

        def finish() -> int:
            self._base = base + state["total"]
            if self.sentences is not None:
                self.sentences.total = self.sentences.n = self._base
                self.sentences.refresh()
            return state["total"]

        return progress, finish

    def step(self) -> None:
        """One more of the ``total`` things finished (done or failed)."""
        if self.outer is not None:
            self.outer.update(1)

    def close(self) -> None:
        """Close the bars (leaves them on screen)."""
        for bar in (self.sentences, self.outer):
            if bar is not None:
                bar.close()
