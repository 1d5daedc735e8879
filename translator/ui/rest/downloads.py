"""Translated files waiting to be fetched from ``/download_file/{name}``.

Each is written whole (:func:`translator.io.atomic_write`) into a private temporary folder
under a name nobody can guess (``<32 hex digits>.<the upload's name>``); files older than
:data:`KEEP_S` are removed as new ones arrive, and the folder when the server stops.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

from ...io import atomic_write

logger = logging.getLogger("translator")

KEEP_S = 30 * 60  # LibreTranslate keeps translated files for 30 minutes too
_STORED = re.compile(r"[0-9a-f]{32}\.[^/\\]+")
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str) -> str:
    """The last part of an uploaded file's name, without characters a path or a header could
    misread; its suffix is kept (the format follows it)."""
    name = Path(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .") or "document"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(name) > 120:
        name = f"{stem[: 119 - len(suffix)]}.{suffix}"
    return name[:120]


class Downloads:
    """The folder of translated files (made on first use)."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self.keep_s = keep_s
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def _ensure_folder(self) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="translator-rest-"))
            return self._folder

    def save(self, name: str, data: bytes) -> str:
        """Keep ``data`` for download as ``name`` (made safe); return its stored name."""
        folder = self._ensure_folder()
        self._prune(folder)
        stored = f"{uuid.uuid4().hex}.{safe_name(name)}"
        atomic_write(folder / stored, data)
        return stored

    def find(self, stored: str) -> Path | None:
        """The file stored as ``stored``, or None (unknown, expired or not a stored name)."""
        if self._folder is None or not _STORED.fullmatch(stored):
            return None
        path = self._folder / stored
        return path if path.is_file() else None

    @staticmethod
    def download_name(stored: str) -> str:
        """The name the file is downloaded as: the upload's own."""
        return stored.split(".", 1)[1]

    def _prune(self, folder: Path) -> None:
        cutoff = time.time() - self.keep_s
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:  # removed by another request meanwhile
                continue

    def close(self) -> None:
        """Remove the folder and everything in it."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            logger.debug("rest: removed %s", folder)
