"""Translated files waiting to be fetched: the REST API's ``/download_file/{name}`` and the page's
download buttons.

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

from ..io import atomic_write

logger = logging.getLogger("translator")

KEEP_S = 30 * 60  # LibreTranslate keeps translated files for 30 minutes too
_STORED = re.compile(r"[0-9a-f]{32}\.[^/\\]+")
_UNSAFE = re.compile(r"[^\w.\- ]+")


MAX_NAME_BYTES = 120  # UTF-8 bytes: with the 33-byte prefix and a temp suffix, far below 255


def _cut(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max(max_bytes, 0)].decode("utf-8", "ignore")


def safe_name(name: str) -> str:
    """The last part of an uploaded file's name, without characters a path or a header could
    misread, at most :data:`MAX_NAME_BYTES` bytes of UTF-8 (file systems count bytes, not
    characters); its suffix is kept (the format follows it)."""
    name = Path(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .") or "document"
    stem, dot, suffix = name.rpartition(".")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        suffix = _cut(suffix, 16)
        name = f"{_cut(stem, MAX_NAME_BYTES - 1 - len(suffix.encode()))}.{suffix}" if dot else _cut(name,
                                                                                                    MAX_NAME_BYTES)
    return name.strip(" .") or "document"


class Downloads:
    """The folder of translated files (made on first use, named ``<prefix>…`` in the temp
    folder); files and sub-folders older than ``keep_s`` are pruned as new ones are saved."""

    def __init__(self, keep_s: float = KEEP_S, prefix: str = "translator-rest-") -> None:
        self.keep_s = keep_s
        self.prefix = prefix
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def _ensure_folder(self) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix=self.prefix))
            return self._folder

    def new_folder(self) -> Path:
        """A fresh, empty sub-folder of its own (the page's downloads: two files each), pruned
        like the files."""
        folder = self._ensure_folder()
        self._prune(folder)
        return Path(tempfile.mkdtemp(prefix=f"{time.strftime('%Y%m%d-%H%M%S')}-", dir=folder))

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
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            except OSError:  # removed by another request meanwhile
                continue

    def close(self) -> None:
        """Remove the folder and everything in it."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            logger.debug("rest: removed %s", folder)
