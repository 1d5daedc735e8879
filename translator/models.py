"""Model names, where their files are, and one loaded copy per process.

``resolve(name)`` turns a name into a local folder: a folder path given directly, then
``models/<name>``, then the Hugging Face cache, then a download (unless ``HF_HUB_OFFLINE=1``).
``load(...)`` returns a :class:`LoadedModel` (tokenizer + engine) cached per
``(folder, kind, engine, device, dtype)`` so a web page or a batch job never loads a model twice.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .options import RuntimeOptions

logger = logging.getLogger("translator")

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-tc-big-zls-en"
DEFAULT_SUMMARY_MODEL = "sshleifer/distilbart-cnn-12-6"

# Short names users may type instead of a Hub id.
ALIASES: dict[str, str] = {
    "zls-en": DEFAULT_TRANSLATION_MODEL,
    "opus-mt-tc-big-zls-en": DEFAULT_TRANSLATION_MODEL,
    "distilbart-cnn-12-6": DEFAULT_SUMMARY_MODEL,
    "distilbart": DEFAULT_SUMMARY_MODEL,
    "bart-large-cnn": "facebook/bart-large-cnn",
}

# What a download fetches: configs, tokenizer files and one copy of the weights.
DOWNLOAD_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "pytorch_model.bin"]

Kind = Literal["translation", "summary"]

# C0 controls (but tab and line breaks) and two non-characters: byte-fallback tokens can decode to
# them, and no document (XML in .docx/.html, subtitles, text) can hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ModelNotFoundError(RuntimeError):
    """A model is neither on disk nor downloadable. The message says what was tried and the fix."""


def default_model(kind: Kind) -> str:
    """The model name for ``kind``: the environment variable if set, else the project default."""
    if kind == "translation":
        return os.environ.get("TRANSLATOR_TRANSLATION_MODEL") or DEFAULT_TRANSLATION_MODEL
    return os.environ.get("TRANSLATOR_SUMMARY_MODEL") or DEFAULT_SUMMARY_MODEL


def models_dir() -> Path:
    """The local model folder: ``$TRANSLATOR_MODELS_DIR``, else ``models/`` of this checkout."""
    configured = os.environ.get("TRANSLATOR_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models"
    return Path.cwd() / "models"


def local_name(name: str) -> str:
    """The folder name a Hub id gets under ``models/`` (``org/name`` → ``org--name``)."""
    return ALIASES.get(name, name).replace("/", "--")


def _is_model_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _looks_like_path(name: str) -> bool:
    # A Hub id is "name" or "org/name"; anything else with a separator is meant as a folder.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name or name.endswith("/")


def resolve(name: str) -> Path:
    """Return the local folder holding model ``name`` (a Hub id, an alias or a folder path).

    Raises ModelNotFoundError naming what was tried and how to fix it.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"model name must be a non-empty string, got {name!r}")
    name = name.strip()
    tried: list[str] = []
    given = Path(name).expanduser()
    if given.is_dir():
        if _is_model_folder(given):
            return given.resolve()
        raise ModelNotFoundError(
            f"folder {given} exists but holds no config.json: it is not a saved model "
            "(expected the output of save_pretrained or `translator download`)"
        )
    if _looks_like_path(name):
        raise ModelNotFoundError(
            f"model folder {given} does not exist: pass a folder made by save_pretrained or "
            "`translator download`, or a Hugging Face model id"
        )
    tried.append(f"no folder named {name!r}")

    hub_id = ALIASES.get(name, name)
    for candidate in (models_dir() / local_name(hub_id), models_dir() / name):
        if _is_model_folder(candidate):
            return candidate.resolve()
    tried.append(f"not in {models_dir() / local_name(hub_id)}")

    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(hub_id, local_files_only=True, allow_patterns=DOWNLOAD_PATTERNS))
    except (LocalEntryNotFoundError, HFValidationError, OSError):
        tried.append("not in the Hugging Face cache")
    if _offline():
        tried.append("download skipped because HF_HUB_OFFLINE=1")
    else:
        try:
            logger.info("downloading %s from the Hugging Face Hub", hub_id)
            return Path(snapshot_download(hub_id, allow_patterns=DOWNLOAD_PATTERNS))
        except (HfHubHTTPError, LocalEntryNotFoundError, HFValidationError, OSError) as exc:
            tried.append(f"download failed ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
    raise ModelNotFoundError(
        f"model {hub_id!r} is not available: " + "; ".join(tried) + ". "
        f"Fix: run `translator download {hub_id}` on a machine with internet and copy "
        f"{models_dir() / local_name(hub_id)} here, set TRANSLATOR_MODELS_DIR to a folder that "
        "holds it, or pass a local model folder (--translation-model/--summary-model PATH)."
    )


def download(name: str, dest: Path | None = None) -> Path:
    """Download ``name`` from the Hub into ``models/<org--name>`` (or ``dest``); return the folder."""
    from huggingface_hub import snapshot_download

    hub_id = ALIASES.get(name, name)
    target = dest or models_dir() / local_name(hub_id)
    if _is_model_folder(target):
        logger.info("%s is already in %s", hub_id, target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        snapshot_download(hub_id, local_dir=target, allow_patterns=DOWNLOAD_PATTERNS)
    except Exception as exc:  # any hub/network failure becomes one clear message
        raise ModelNotFoundError(
            f"could not download {hub_id!r} into {target}: {type(exc).__name__}: {exc}. "
            "Check the name and the network (HF_HUB_OFFLINE must not be set)."
        ) from exc
    return target


def resolve_device(device: str | None) -> str:
    """Map ``auto`` (or None / ``$TRANSLATOR_DEVICE``) to ``cuda``, ``mps`` or ``cpu``."""
    device = (device or os.environ.get("TRANSLATOR_DEVICE") or "auto").strip().lower()
    if device != "auto":
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"device {device!r} was asked for but CUDA is not available here")
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


@dataclass
class LoadedModel:
    """A tokenizer and an engine ready to generate, plus what the pipeline must know."""

    name: str
    path: Path
    kind: Kind
    tokenizer: Any
    engine: Any  # translator.engines.Engine
    max_input_tokens: int

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes as model input, end-of-sentence mark included."""
        # verbose=False: measuring an over-long sentence before splitting it is the point
        return len(self.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def encode(self, texts: list[str]) -> list[list[int]]:
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


_cache: dict[tuple, LoadedModel] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}


def load(name: str | None, kind: Kind, runtime: RuntimeOptions = RuntimeOptions()) -> LoadedModel:
    """Load (once per process) model ``name`` for ``kind`` with the runtime options given.

    Raises ModelNotFoundError when the model is unavailable.
    """
    from .engines import create_engine

    name = name or default_model(kind)
    path = resolve(name)
    device = resolve_device(runtime.device)
    key = (str(path), kind, runtime.engine, device, runtime.dtype)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    # One lock per key: two threads asking for the same model wait for one load,
    # while a different model can load at the same time.
    with key_lock:
        if key in _cache:
            return _cache[key]
        from transformers import AutoConfig, AutoTokenizer

        logger.info("loading %s model %s from %s", kind, name, path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        config = AutoConfig.from_pretrained(path)
        limit = int(getattr(config, "max_position_embeddings", 0) or 512)
        engine = create_engine(path, kind=kind, engine=runtime.engine, device=device, dtype=runtime.dtype)
        loaded = LoadedModel(name=name, path=path, kind=kind, tokenizer=tokenizer, engine=engine,
                             max_input_tokens=limit)
        logger.info("%s model ready: %s", kind, engine.description)
        with _cache_lock:
            _cache[key] = loaded
        return loaded


def clear_cache() -> None:
    """Forget every loaded model (frees memory once nothing else holds them)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()
