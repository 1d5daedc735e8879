"""CTranslate2's settings for this machine: threads, device, compute type and the memory a
decoder position costs (what :class:`~translator.engines.ct2.CT2Engine` is built with)."""

from __future__ import annotations

import os
from typing import Any

from translator.engines.base import Ct2Unavailable
from translator.engines.ct2_convert import DTYPE_ALIASES, QUANTIZATIONS
from translator.engines.cuda_libs import cuda_failure

__all__ = ["available_cores", "bytes_per_position", "compute_type", "ct2_device", "cuda_free_bytes", "thread_split"]


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_split(
    cores: int | None = None, kind: str = "translation", *, inter: int | None = None, intra: int | None = None
) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for a CPU translator; ``inter``/``intra`` given (from
    RuntimeOptions' ``ct2_inter_threads``/``ct2_intra_threads``) win over the defaults.

    Translation decodes many short sentences: running independent sub-batches side by side (inter)
    beats splitting each matrix product (intra), as beam search over small batches does not keep
    several cores busy inside one product: on 2 cores, 2 workers × 1 thread translated about 1.4×
    faster than 1 × 2. Above 4 cores each worker gets several threads, which keeps the per-worker
    batches (and memory) reasonable. A summary is one long input (or a few chunks in one batch),
    which only intra threads can speed up: 1 worker × all cores.
    """
    cores = cores or available_cores()
    default_inter = 1 if kind == "summary" else min(cores, 4)
    return inter or default_inter, intra or max(1, cores // default_inter)


def ct2_device(device: str) -> tuple[str, int]:
    """``cpu`` → ("cpu", 0); ``cuda``/``cuda:N`` → ("cuda", N). Raises Ct2Unavailable otherwise."""
    if device == "cpu":
        return "cpu", 0
    if device == "cuda" or device.startswith("cuda:"):
        index = int(device.partition(":")[2] or 0)
        return "cuda", index
    raise Ct2Unavailable(f"CTranslate2 runs on CPU or CUDA, not on {device!r}")


def compute_type(dtype: str, device: str) -> str:
    """The CTranslate2 compute type for RuntimeOptions.dtype on ``device``.

    ``auto`` is int8 on CPU (int8 weights and matrix products, float32 elsewhere) and float16 on
    CUDA (float32 on a GPU without float16); ``float32``, ``int8``, ``float16``, ``bfloat16``,
    ``int16`` and CTranslate2's mixed names (``int8_float16``...) are taken as they are. Raises
    ValueError for a type this device cannot run, Ct2Unavailable when CUDA cannot be asked.
    """
    kind, _index = ct2_device(device)
    dtype = (dtype or "auto").strip().lower()
    dtype = DTYPE_ALIASES.get(dtype, dtype)
    if dtype not in QUANTIZATIONS + ("auto",):
        raise ValueError(f"dtype {dtype!r} is not available with the ct2 engine: use auto, " + ", ".join(QUANTIZATIONS))
    import ctranslate2

    try:
        supported = ctranslate2.get_supported_compute_types(kind)
    except RuntimeError as exc:
        raise Ct2Unavailable(f"CTranslate2 cannot use {device}: {cuda_failure(exc) or exc}") from exc
    if dtype == "auto":
        dtype = "int8" if kind == "cpu" else ("float16" if "float16" in supported else "float32")
    if dtype not in supported:
        raise ValueError(
            f"dtype {dtype!r} cannot run on {device} with CTranslate2 here (supported: {', '.join(sorted(supported))})"
        )
    return dtype


def bytes_per_position(config: dict[str, Any], compute: str) -> int:
    """Device memory one decoder position of a sub-batch costs (see :meth:`CT2Engine.sub_batches`):
    the keys and values every decoder layer caches for it (half precision for the ``*float16``
    types, float32 otherwise), plus the float32 scores over the vocabulary each hypothesis holds
    while choosing, spread over a hypothesis of 16 positions."""
    layers = int(config.get("decoder_layers") or config.get("num_hidden_layers") or 6)
    width = int(config.get("d_model") or config.get("hidden_size") or 1024)
    vocabulary = int(config.get("vocab_size") or 32000)
    element = 2 if compute.endswith("16") and compute != "int16" else 4
    return 2 * layers * width * element + vocabulary * 4 // 16


def cuda_free_bytes(index: int) -> int | None:
    """Free memory of CUDA device ``index`` (PyTorch asked: CTranslate2 cannot tell); None when
    it cannot be asked."""
    try:
        import torch

        free, _total = torch.cuda.mem_get_info(index)
    except (ImportError, RuntimeError, AssertionError, ValueError):
        return None
    return int(free)
