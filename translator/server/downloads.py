"""Translated files waiting to be fetched: the REST API's ``/download_file/{name}`` and the page's
download buttons.

Two stores behind one small interface, :class:`DownloadStore` (``save``, ``read``, ``close``),
each keeping a file under a name nobody can guess (``<32 hex digits>.<the upload's name>``) for
:data:`KEEP_S`:

- :class:`Downloads`: a private temporary folder; each file is written whole
  (:func:`translator.system.durable.atomic_write`), files older than :data:`KEEP_S` are removed as new ones
  arrive, and the folder when the server stops. The page's downloads always live here.
- :class:`RedisDownloads`: keys ``translator:dl:<stored name>`` with a :data:`KEEP_S` expiry on
  the Redis server of ``--shared-storage``, so that a ``translatedFileUrl`` answered by one
  replica downloads from any other.
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
from typing import Protocol, cast

from translator.formats import FileTooLargeError
from translator.system.durable import atomic_write

logger = logging.getLogger("translator")

TIMEOUT_S = 2.0  # socket and connect timeout of each Redis call
KEEP_S = 30 * 60  # LibreTranslate keeps translated files for 30 minutes too
_STORED = re.compile(r"[0-9a-f]{32}\.[^/\\]+")
_UNSAFE = re.compile(r"[^\w.\- ]+")


MAX_NAME_BYTES = 120  # UTF-8 bytes: with the 33-byte prefix and a temp suffix, far below 255


def _cut(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[: max(max_bytes, 0)].decode("utf-8", "ignore")


def safe_name(name: str) -> str:
    """The last part of an uploaded file's name, without characters a path or a header could
    misread, at most :data:`MAX_NAME_BYTES` bytes of UTF-8 (file systems count bytes, not
    characters); its suffix is kept (the format follows it)."""
    name = Path(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .") or "document"
    stem, dot, suffix = name.rpartition(".")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        suffix = _cut(suffix, 16)
        name = (
            f"{_cut(stem, MAX_NAME_BYTES - 1 - len(suffix.encode()))}.{suffix}" if dot else _cut(name, MAX_NAME_BYTES)
        )
    return name.strip(" .") or "document"


def download_name(stored: str) -> str:
    """The name a stored file is downloaded as: the upload's own."""
    return stored.split(".", 1)[1]


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is one :func:`new_stored_name` could have made (so a name with a path,
    or characters an upload's name never keeps, is not)."""
    return bool(_STORED.fullmatch(name)) and safe_name(download_name(name)) == download_name(name)


def new_stored_name(name: str) -> str:
    """An unguessable stored name for an upload called ``name`` (made safe)."""
    return f"{uuid.uuid4().hex}.{safe_name(name)}"


class StorageUnavailable(OSError):
    """The shared storage (Redis) did not answer; the message says which and why."""


class DownloadStore(Protocol):
    """Where translated files wait to be downloaded."""

    def save(self, name: str, data: bytes) -> str:
        """Keep ``data`` for download as ``name`` (made safe); return its stored name. Raises
        StorageUnavailable, FileTooLargeError (a store with a size bound)."""
        ...

    def read(self, stored: str) -> bytes | None:
        """The file stored as ``stored``, or None (unknown, expired or not a stored name).
        Raises StorageUnavailable."""
        ...

    def close(self) -> None:
        """Release the store (the folder store removes its files)."""
        ...


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
        stored = new_stored_name(name)
        atomic_write(folder / stored, data)
        return stored

    def read(self, stored: str) -> bytes | None:
        """The bytes of the file stored as ``stored``, or None (see :meth:`find`)."""
        path = self.find(stored)
        try:
            return None if path is None else path.read_bytes()
        except OSError:  # pruned meanwhile
            return None

    def find(self, stored: str) -> Path | None:
        """The file stored as ``stored``, or None (unknown, expired or not a stored name)."""
        if self._folder is None or not _STORED.fullmatch(stored):
            return None
        path = self._folder / stored
        return path if path.is_file() else None

    download_name = staticmethod(download_name)

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


class RedisDownloads:
    """Translated files on a Redis server (the ``redis`` client): one key per file, expiring after
    ``keep_s``; a file over ``max_bytes`` is refused (FileTooLargeError). The keys outlive this
    process (another replica may serve them), so :meth:`close` only disconnects."""

    PREFIX = "translator:dl:"

    def __init__(self, url: str, max_bytes: int, keep_s: int = KEEP_S) -> None:
        import redis

        self.max_bytes = max_bytes
        self.keep_s = keep_s
        self._errors = (redis.RedisError, OSError)
        # short: a stalled Redis answers 503 within seconds (a call waits in a worker thread, never on the loop)
        self._client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)

    def save(self, name: str, data: bytes) -> str:
        """See :class:`DownloadStore`."""
        if len(data) > self.max_bytes:
            raise FileTooLargeError(
                f"the translated file is {len(data):,} bytes, more than the {self.max_bytes:,} "
                "the shared storage keeps",
                len(data),
                self.max_bytes,
            )
        stored = new_stored_name(name)
        try:
            self._client.set(self.PREFIX + stored, data, ex=self.keep_s)
        except self._errors as exc:
            raise StorageUnavailable(f"the shared storage could not keep the translated file: {exc}") from exc
        return stored

    def read(self, stored: str) -> bytes | None:
        """See :class:`DownloadStore`."""
        if not _STORED.fullmatch(stored):
            return None
        try:
            # bytes: the client is made without decode_responses, so values are never decoded to str
            return cast("bytes | None", self._client.get(self.PREFIX + stored))
        except self._errors as exc:
            raise StorageUnavailable(f"the shared storage could not be read: {exc}") from exc

    def close(self) -> None:
        """Disconnect (the files stay until they expire)."""
        self._client.close()


def is_redis(uri: str) -> bool:
    """Whether a ``--shared-storage`` URI names a Redis server (``redis://``, ``rediss://``, ``unix://``)."""
    return uri.split("://", 1)[0].lower() in ("redis", "rediss", "unix") and "://" in uri


def open_downloads(shared_storage: str, max_bytes: int, prefix: str = "translator-rest-") -> DownloadStore:
    """The store of translated files for ``--shared-storage``: Redis for a Redis URI (files up to
    ``max_bytes``), else a temporary folder named ``<prefix>…``."""
    if is_redis(shared_storage):
        return RedisDownloads(shared_storage, max_bytes)
    return Downloads(prefix=prefix)
