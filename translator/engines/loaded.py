"""One loaded copy of each model per process: tokenizer + engine, ready to generate.

``load(...)`` returns a :class:`LoadedModel` cached per ``(folder, kind, engine, device, dtype,
threads)`` so a web page or a batch job never loads a model twice.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from translator.engines.base import Engine
from translator.engines.choose import create_engine
from translator.engines.models import Kind, model_identity, resolve, resolve_device
from translator.engines.observed import ObservedEngine
from translator.engines.shared import SharedBatcher
from translator.engines.tokenizer import load_tokenizer, read_json
from translator.options import RuntimeOptions, model_name

logger = logging.getLogger("translator")

# C0 controls (but tab and line breaks) and two non-characters: byte-fallback tokens can decode to
# them, and no document (XML in .docx/.html, subtitles, text) can hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class LoadedModel:
    """A tokenizer and an engine ready to generate, plus what the pipeline must know."""

    name: str
    path: Path
    kind: Kind
    tokenizer: Any
    engine: Engine
    max_input_tokens: int

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes as model input, end-of-sentence mark included."""
        # verbose=False: measuring an over-long sentence before splitting it is the point
        return len(self.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, special tokens included."""
        return self.tokenizer(texts, add_special_tokens=True)["input_ids"]

    def decode(self, ids: list[int]) -> str:
        """Text of generated ids, special tokens left out."""
        extra = {}
        if hasattr(self.tokenizer, "spm_target"):
            # transformers 5's MarianTokenizer decodes with the *source* SentencePiece model
            # when the vocabulary is joint; output is target language
            extra["use_source_tokenizer"] = False
        text = self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False, **extra)
        return _CONTROL.sub("", text).strip()

    @cached_property
    def identity(self) -> str:
        """A fingerprint of the model folder's files (:func:`translator.engines.models.model_identity`),
        computed on first use; part of every translation cache key. Raises OSError."""
        return model_identity(self.path)

    @property
    def engine_identity(self) -> str:
        """What of the engine in use can change its output (``"ct2 int8 cpu"``, ``"hf float32
        cuda"``): its name, the precision it computes in and the kind of device; not threads or
        batch sizes. Read at each call: ``engine="auto"`` may have fallen back to transformers."""
        engine = self.engine
        precision = getattr(engine, "compute_type", None) or str(getattr(engine, "dtype", "")).removeprefix("torch.")
        device = str(getattr(engine, "backend", None) or getattr(engine, "device", "")).split(":")[0]
        return f"{engine.name} {precision} {device}"


_cache: dict[tuple, LoadedModel] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}


def load(name: str | None, kind: Kind, runtime: RuntimeOptions = RuntimeOptions()) -> LoadedModel:
    """Load (once per process) model ``name`` (None: :func:`translator.options.model_name`) for
    ``kind`` with the runtime options given.

    Raises ModelNotFoundError when the model is unavailable, ValueError for an unknown device,
    EngineUnavailable when the chosen engine cannot run here.
    """
    name = model_name(kind, name)
    path = resolve(name)
    device = resolve_device(runtime.device, runtime.engine)
    key = (str(path), kind, runtime.engine, device, runtime.dtype, runtime.ct2_inter_threads, runtime.ct2_intra_threads)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    # One lock per key: two threads asking for the same model wait for one load,
    # while a different model can load at the same time.
    with key_lock:
        if key in _cache:
            return _cache[key]
        logger.info("loading %s model %s from %s", kind, name, path)
        tokenizer = load_tokenizer(path)
        limit = int(read_json(path / "config.json").get("max_position_embeddings") or 512)
        # shared rounds across concurrent requests while the window is open (off by default)
        engine = SharedBatcher(
            ObservedEngine(
                create_engine(
                    path,
                    kind=kind,
                    engine=runtime.engine,
                    device=device,
                    dtype=runtime.dtype,
                    inter_threads=runtime.ct2_inter_threads,
                    intra_threads=runtime.ct2_intra_threads,
                ),
                kind,
            ),
            kind,
        )
        loaded = LoadedModel(
            name=name, path=path, kind=kind, tokenizer=tokenizer, engine=engine, max_input_tokens=limit
        )
        logger.info("%s model ready: %s", kind, engine.description)
        with _cache_lock:
            _cache[key] = loaded
        return loaded


def clear_cache() -> None:
    """Forget every loaded model (frees memory once nothing else holds them)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()


class LazyModel:
    """What the Translator and the Summarizer share: a model of ``kind`` named (or the
    environment's, else the default), the runtime options it runs with, and the model itself,
    loaded on first use (:attr:`model`), once per process (:func:`load`)."""

    kind: Kind

    def __init__(self, model: str | None, device: str | None, engine: str | None, dtype: str | None) -> None:
        self.model_name = model_name(self.kind, model)
        self.runtime = RuntimeOptions.from_env(device=device, engine=engine, dtype=dtype)
        self._loaded: LoadedModel | None = None

    @property
    def model(self) -> LoadedModel:
        """The loaded model (loads it on first access). Raises ModelNotFoundError."""
        if self._loaded is None:
            self._loaded = load(self.model_name, self.kind, self.runtime)
        return self._loaded
