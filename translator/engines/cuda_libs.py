"""The CUDA libraries CTranslate2 needs, found where pip puts them, and CUDA failures told apart.

CTranslate2 4.x wheels are built against CUDA 12 and open ``libcublas.so.12`` the first time a
model runs on a GPU. A machine with only CUDA 13 libraries (or none) fails there with
"Library libcublas.so.12 is not found or cannot be loaded". ``pip install nvidia-cublas-cu12``
(the ``gpu`` extra: ``pip install -e ".[gpu]"``) brings the library inside site-packages
(``nvidia/cublas/lib``), where the dynamic loader does not look: :func:`preload_cublas` loads it
from there, with ``RTLD_GLOBAL``, before CTranslate2 asks for it by name, as faster-whisper's
README suggests for the same problem.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from translator.engines.base import Ct2Unavailable

logger = logging.getLogger("translator")

# cublasLt first: libcublas.so.12 needs it, and the loader would not find it beside it either
CUBLAS_LIBRARIES = ("libcublasLt.so.12", "libcublas.so.12")
WHEEL_FOLDER = Path("nvidia") / "cublas" / "lib"
FIX = 'pip install nvidia-cublas-cu12 (or pip install -e ".[gpu]")'

Loader = Callable[..., object]

# What CTranslate2 and the CUDA runtime say when the GPU side, not the model, is the problem.
_CUDA_FAILURE = re.compile(
    r"libcu\w*|cuda|cublas|cudnn|driver|out of memory|compute type|no kernel image|"
    r"device-side|CUBLAS_STATUS|cannot be loaded",
    re.IGNORECASE,
)
_LIBRARY = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*)")

_preloaded: list[str] | None = None


def search_folders(paths: Iterable[str] | None = None) -> list[Path]:
    """The folders a pip-installed ``nvidia-cublas-cu12`` can put its libraries in: each
    site-packages folder on ``paths`` (default ``sys.path``), plus ``nvidia/cublas/lib``."""
    folders = []
    for entry in sys.path if paths is None else paths:
        candidate = Path(entry or ".") / WHEEL_FOLDER
        if candidate.is_dir() and candidate not in folders:
            folders.append(candidate)
    return folders


def find_library(name: str, paths: Iterable[str] | None = None) -> Path | None:
    """The first ``nvidia/cublas/lib/<name>`` under ``paths`` (default ``sys.path``), or None."""
    for folder in search_folders(paths):
        if (folder / name).is_file():
            return folder / name
    return None


def preload_cublas(paths: Iterable[str] | None = None, loader: Loader = ctypes.CDLL) -> list[str]:
    """Make ``libcublas.so.12`` loadable for CTranslate2; return the files loaded from a wheel.

    A library the system already provides (``loader(name)`` works) is left to the system. One
    that is missing is loaded from the ``nvidia-cublas-cu12`` wheel with ``RTLD_GLOBAL``, so that
    CTranslate2's later ``dlopen("libcublas.so.12")`` finds it already loaded. Nothing happens
    off Linux. Never raises: a library found nowhere is CTranslate2's error to report, with the fix.
    """
    if not sys.platform.startswith("linux"):
        return []
    loaded = []
    for name in CUBLAS_LIBRARIES:
        try:
            loader(name)
            continue
        except OSError:
            pass
        path = find_library(name, paths)
        if path is None:
            logger.info("%s is neither on the system nor in a pip package; fix: %s", name, FIX)
            continue
        try:
            loader(str(path), mode=os.RTLD_GLOBAL)
        except OSError as exc:
            logger.warning("could not load %s: %s", path, exc)
            continue
        logger.info("loaded %s from the nvidia-cublas-cu12 package", path)
        loaded.append(str(path))
    return loaded


def preload_cublas_once() -> list[str]:
    """:func:`preload_cublas` the first time it is called in the process; then what it loaded."""
    global _preloaded
    if _preloaded is None:
        _preloaded = preload_cublas()
    return _preloaded


def cuda_failure(error: BaseException) -> str | None:
    """One line naming what went wrong on the GPU side, with the fix, or None when ``error`` is
    not a CUDA library, driver, memory or compute-type failure."""
    message = " ".join(str(error).split())
    if not isinstance(error, (RuntimeError, OSError, ValueError)) or not _CUDA_FAILURE.search(message):
        return None
    library = _LIBRARY.search(message)
    if library and library.group(1).startswith("libcublas"):
        return f"{message[:300]} (fix: {FIX}, or use --engine hf)"
    if library:
        return f"{message[:300]} (fix: install the CUDA 12 library {library.group(1)}, or use --engine hf)"
    if "out of memory" in message.lower():
        return f"{message[:300]} (fix: free GPU memory, lower the batch size, or use --engine hf)"
    return f"{message[:300]} (fix: use --engine hf, or a dtype this GPU supports)"


@contextlib.contextmanager
def cuda_errors(backend: str, device: str) -> Iterator[None]:
    """On CUDA (``backend``), a CUDA library, driver, memory or compute-type error
    (:func:`cuda_failure`) in the block becomes Ct2Unavailable naming ``device``, one line with
    the fix."""
    try:
        yield
    except RuntimeError as exc:
        reason = cuda_failure(exc) if backend == "cuda" else None
        if reason is None:
            raise
        raise Ct2Unavailable(f"CTranslate2 failed on {device}: {reason}") from exc
