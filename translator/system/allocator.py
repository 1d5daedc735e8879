"""The C allocator's two knobs this project turns, where the C library is glibc (elsewhere, musl or
macOS, both do nothing).

- :func:`share_one_arena`: glibc gives each thread that allocates at the same time as another its
  own malloc arena, and memory freed in one arena serves only that arena's thread. CTranslate2's
  workers (one thread each) grow their attention caches a step at a time, so each arena keeps its
  own high-water mark: translate + summarise in one process (``bench_translate.py``'s one-process
  row, tc-big and distilbart shapes, 2 workers) peaked at 1,224-1,238 MiB with an arena each
  against 1,133-1,156 MiB with one, at the same speed: the workers allocate a few large buffers a
  step, not many small ones, so they hardly contend for the one arena. (A fixed mmap threshold,
  which returns every large buffer at once, cut the peak to ~1,005 MiB but ran 2x slower from the
  page faults.) Setting ``$MALLOC_ARENA_MAX`` yourself keeps yours.
- :func:`malloc_trim`: give the freed top of the heap back to the system after a large request.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

from translator.options import ENV_MALLOC_ARENAS, env

__all__ = ["malloc_trim", "share_one_arena"]

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


@functools.cache
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):  # not glibc: nothing to call
        return None


def share_one_arena() -> bool:
    """Make threads created from now on share glibc's main arena (``mallopt(M_ARENA_MAX, 1)``),
    unless ``$MALLOC_ARENA_MAX`` is set (glibc has applied it at start). True when set here."""
    libc = _glibc()
    if libc is None or env(ENV_MALLOC_ARENAS) is not None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, 1))


def malloc_trim() -> bool:
    """Return the heap's free memory to the system (``malloc_trim(0)``). True when some was."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
