"""Generation engines: token ids in, token ids out. Segmentation, batching, guards and
reassembly live above them (translate.py, summarize.py) and are shared by every engine."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

logger = logging.getLogger("translator")

ENGINES = ("auto", "hf", "ct2")


class Engine(Protocol):
    """What translate.py and summarize.py need from a backend."""

    name: str  # "hf" | "ct2"
    description: str  # e.g. "hf float32 on cpu" (shown in logs and the web page)

    def generate(
        self,
        batch: list[list[int]],
        *,
        max_new_tokens: list[int],
        num_beams: int = 1,
        min_new_tokens: int = 0,
        repetition_penalty: float = 1.0,
        no_repeat_ngram_size: int = 0,
        length_penalty: float = 1.0,
    ) -> list[list[int]]:
        """Return, for each input (token ids ending in EOS), the generated ids without the
        decoder start token, EOS or padding, at most ``max_new_tokens[i]`` long."""
        ...


def create_engine(path: Path, *, kind: str, engine: str, device: str, dtype: str) -> Engine:
    """Build the engine named ``engine`` (``auto`` picks one) for the model folder ``path``.

    ``auto`` takes CTranslate2 wherever it can run the model: int8 on CPU (measured several times
    faster than transformers there) and float16 on CUDA (not measured here: CTranslate2's float16
    decoding is the faster of the two in its published benchmarks). When CTranslate2 cannot
    convert or load the model (an architecture it has no converter for, no CUDA in its build, an
    MPS device...), it falls back to transformers; the choice and the reason are logged and end up
    in the engine's ``description``. ``hf`` and ``ct2`` never fall back: their errors propagate.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "hf":
        from .hf import HFEngine

        return HFEngine(path, device=device, dtype=dtype)
    from .ct2 import CT2Engine, Ct2Unavailable

    if engine == "ct2":
        return CT2Engine(path, device=device, dtype=dtype, kind=kind)
    try:
        chosen = CT2Engine(path, device=device, dtype=dtype, kind=kind)
    except Ct2Unavailable as exc:
        from .hf import HFEngine

        reason = str(exc)
        hf_dtype = dtype
        if dtype not in ("auto", "float32", "float16", "bfloat16") or (device == "cpu" and dtype != "float32"):
            hf_dtype = "auto"  # e.g. int8: a CTranslate2 type; transformers gets its own default
        logger.warning("engine auto: using transformers for %s model %s because %s", kind, path.name, reason)
        fallback = HFEngine(path, device=device, dtype=hf_dtype)
        fallback.description += f" (auto: CTranslate2 unavailable: {reason})"
        return fallback
    why = "fastest on CPU" if device == "cpu" else "CTranslate2 float16 on GPU"
    chosen.description += f" (auto: {why})"
    logger.info("engine auto: %s model %s runs on %s", kind, path.name, chosen.description)
    return chosen
