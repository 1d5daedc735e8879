"""Which engine runs a model: ``hf``, ``ct2``, or ``auto`` — CTranslate2 where it works, else
transformers, decided at load and again at the first CUDA failure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from translator.engines.base import Ct2Unavailable, Engine
from translator.options import check_engine

logger = logging.getLogger("translator")

_HF_DTYPES = ("auto", "float32", "float16", "bfloat16")


def _hf_dtype(dtype: str, device: str) -> str:
    """The transformers dtype that stands in for ``dtype`` when CTranslate2 is not used."""
    if dtype not in _HF_DTYPES or (device == "cpu" and dtype != "float32"):
        return "auto"  # e.g. int8: a CTranslate2 type; transformers gets its own default
    return dtype


def _transformers(path: Path, *, kind: str, device: str, dtype: str, reason: str) -> Engine:
    from translator.engines.hf import HFEngine

    logger.warning("engine auto: using transformers for %s model %s because %s", kind, path.name, reason)
    engine = HFEngine(path, device=device, dtype=_hf_dtype(dtype, device))
    engine.description += f" (auto: CTranslate2 unavailable: {reason})"
    return engine


class FallbackEngine:
    """CTranslate2 on a GPU that turns into transformers the first time CTranslate2 fails with a
    CUDA library, driver, memory or compute-type error (:class:`Ct2Unavailable` from
    ``generate``): the failed batch is run again by transformers, and so is everything after it.
    Other attributes are those of the engine in use."""

    def __init__(self, engine: Engine, fallback: Callable[[str], Engine]) -> None:
        self._engine = engine
        self._fallback = fallback
        self._lock = threading.Lock()

    # name and description: settable, as an Engine's are; they are those of the engine in use

    @property
    def name(self) -> str:
        return self._engine.name

    @name.setter
    def name(self, value: str) -> None:
        self._engine.name = value

    @property
    def description(self) -> str:
        return self._engine.description

    @description.setter
    def description(self, value: str) -> None:
        self._engine.description = value

    @property
    def engine(self) -> Engine:
        """The engine in use now."""
        return self._engine

    def generate(self, batch: list[list[int]], **options: Any) -> list[list[int]]:
        """See :class:`~translator.engines.base.Engine`; every option (``return_scores``
        included) goes to the engine in use, and to transformers when it retries the batch."""
        return self._call("generate", batch, options)

    def n_best(self, batch: list[list[int]], **options: Any) -> list[list[list[int]]]:
        """See :class:`~translator.engines.base.Engine`, with the same fallback as :meth:`generate`."""
        return self._call("n_best", batch, options)

    def _call(self, method: str, batch: list[list[int]], options: dict[str, Any]) -> Any:
        engine = self._engine
        try:
            return getattr(engine, method)(batch, **options)
        except Ct2Unavailable as exc:
            if engine.name != "ct2":
                raise
            with self._lock:
                if self._engine is engine:  # one switch, whichever thread failed first
                    self._engine = self._fallback(str(exc))
            return getattr(self._engine, method)(batch, **options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._engine, name)


def create_engine(
    path: Path,
    *,
    kind: str,
    engine: str,
    device: str,
    dtype: str,
    inter_threads: int | None = None,
    intra_threads: int | None = None,
) -> Engine:
    """Build the engine named ``engine`` (``auto`` picks one) for the model folder ``path``.

    ``auto`` takes CTranslate2 wherever it can run the model: int8 on CPU (measured several times
    faster than transformers there) and float16 on CUDA (CTranslate2's float16 decoding is the
    faster of the two in its published benchmarks). When CTranslate2 cannot convert, load or run
    the model (an architecture it has no converter for, an MPS device, a CUDA library, driver or
    memory error at load, in the probe or later), transformers takes over; the choice and the
    reason are logged and end up in the engine's ``description``. ``hf`` and ``ct2`` never fall
    back: their errors propagate (Ct2Unavailable says what is missing and the fix in one line).
    ``inter_threads``/``intra_threads`` set CTranslate2's threads (None: from the cores).
    """
    engine = check_engine(engine)
    if engine == "hf":
        from translator.engines.hf import HFEngine

        return HFEngine(path, device=device, dtype=dtype)
    from translator.engines.ct2 import CT2Engine

    def ct2() -> CT2Engine:
        return CT2Engine(
            path, device=device, dtype=dtype, kind=kind, inter_threads=inter_threads, intra_threads=intra_threads
        )

    if engine == "ct2":
        return ct2()
    try:
        chosen = ct2()
    except Ct2Unavailable as exc:
        return _transformers(path, kind=kind, device=device, dtype=dtype, reason=str(exc))
    why = "fastest on CPU" if device == "cpu" else "CTranslate2 on GPU, probed"
    chosen.description += f" (auto: {why})"
    logger.info("engine auto: %s model %s runs on %s", kind, path.name, chosen.description)
    if chosen.backend != "cuda":
        return chosen
    return FallbackEngine(
        chosen, lambda reason: _transformers(path, kind=kind, device=device, dtype=dtype, reason=reason)
    )
