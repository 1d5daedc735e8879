"""translator/system/allocator.py: the glibc allocator knobs, and that they stay out of the way elsewhere."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from translator.system import allocator as memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" and ctypes.util.find_library("c")


def test_a_user_set_arena_limit_is_kept(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.share_one_arena() is False


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_one_arena_is_set_on_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memory.share_one_arena() is True


def test_without_glibc_both_knobs_do_nothing(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert memory.share_one_arena() is False
    assert memory.malloc_trim() is False


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc_trim only")
def test_trim_gives_freed_memory_back():
    # ~128 MiB in 64 KiB blocks, each followed by a small one that stays: the freed blocks are
    # holes inside the heap that free() cannot give back by itself, only malloc_trim can
    pairs = [(bytearray(64 * 1024), bytearray(1024)) for _ in range(2000)]
    kept = [small for _, small in pairs]
    del pairs
    assert memory.malloc_trim() is True
    assert len(kept) == 2000
