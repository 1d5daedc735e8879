"""Model names and where their files are; which device runs them.

``resolve(name)`` turns a name into a local folder: a folder path given directly, then
``models/<name>`` (:func:`translator.paths.models_dir`), then the Hugging Face cache, then a
download (unless ``HF_HUB_OFFLINE=1``). Loading a model for generation is
:func:`translator.engines.load`, one layer up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import Literal

from translator.errors import InvalidInputError, TranslatorError, current_surface
from translator.options import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL, check_device, hf_offline
from translator.paths import models_dir, translator_command

logger = logging.getLogger("translator")

__all__ = [
    "ALIASES",
    "DEFAULT_SUMMARY_MODEL",
    "DEFAULT_TRANSLATION_MODEL",
    "Kind",
    "ModelNotFoundError",
    "download",
    "local_name",
    "resolve",
    "resolve_device",
]

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


class ModelNotFoundError(TranslatorError, RuntimeError):
    """A model is neither on disk nor downloadable. The message says what was tried and the fix;
    ``model`` is the name looked for, ``reason`` the message without its "model X is not
    available: " opening (for callers that name the model themselves, as the page does)."""

    def __init__(self, message: str, *, model: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.model = model
        self.reason = reason or message


def local_name(name: str) -> str:
    """The folder name a Hub id gets under ``models/`` (``org/name`` → ``org--name``)."""
    return ALIASES.get(name, name).replace("/", "--")


def _is_model_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _offline() -> bool:
    return hf_offline()


def _looks_like_path(name: str) -> bool:
    # A Hub id is "name" or "org/name"; anything else with a separator is meant as a folder.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name or name.endswith("/")


def resolve(name: str) -> Path:
    """Return the local folder holding model ``name`` (a Hub id, an alias or a folder path).

    Raises ModelNotFoundError naming what was tried and how to fix it.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"model name must be a non-empty string, got {name!r}")
    name = name.strip()
    tried: list[str] = []
    given = Path(name).expanduser()
    if given.is_dir():
        if _is_model_folder(given):
            return given.resolve()
        raise ModelNotFoundError(
            f"folder {given} exists but holds no config.json: it is not a saved model "
            f"(expected the output of save_pretrained or `{translator_command()} download`)",
            model=name,
        )
    if _looks_like_path(name):
        raise ModelNotFoundError(
            f"model folder {given} does not exist: pass a folder made by save_pretrained or "
            f"`{translator_command()} download`, or a Hugging Face model id",
            model=name,
        )
    tried.append("not a local folder")

    hub_id = ALIASES.get(name, name)
    for candidate in (models_dir() / local_name(hub_id), models_dir() / name):
        if _is_model_folder(candidate):
            return candidate.resolve()
    tried.append(f"not in {models_dir() / local_name(hub_id)}")

    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
    )

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
    reason = "; ".join(tried) + ". " + _fix(hub_id)
    raise ModelNotFoundError(f"model {hub_id!r} is not available: {reason}", model=hub_id, reason=reason)


def _fix(hub_id: str) -> str:
    """What to do about a model that is not here, as commands that run as written in this shell."""
    command = translator_command()
    folder = "--translation-model/--summary-model PATH" if current_surface() == "cli" else "model=PATH"
    return (
        f"Fix: run `{command} download {hub_id}` (on a machine with internet, then copy "
        f"{models_dir() / local_name(hub_id)} here), set TRANSLATOR_MODELS_DIR to a folder that holds it, "
        f"or pass a local model folder ({folder}). To try every feature offline with tiny random-weight "
        f"stand-ins (nonsense output): `{command} tiny-models models/tiny`, then "
        "TRANSLATOR_TRANSLATION_MODEL=models/tiny/marian TRANSLATOR_SUMMARY_MODEL=models/tiny/bart."
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


def resolve_device(device: str | None, engine: str = "auto") -> str:
    """Map ``auto`` (or None) to ``cuda``, ``mps`` or ``cpu``; return any other device as given.

    For ``engine`` ``auto`` or ``ct2``, CTranslate2 is asked first (it counts CUDA devices without
    PyTorch), and PyTorch is imported only where there may be a device CTranslate2 cannot see: an
    NVIDIA or AMD driver on the machine, or macOS (MPS). On a plain CPU machine that keeps torch
    (~250 MB) out of a process that runs CTranslate2 alone. Raises ValueError naming the valid
    devices for an unknown one (``gpu``), and for a CUDA device on a machine without CUDA.
    """
    device = check_device(device)
    if device in ("cpu", "mps"):
        return device
    if engine != "hf" and not _torch_loaded():
        if _ct2_cuda_devices() > 0:
            return device if device != "auto" else "cuda"
        if device == "auto" and not _maybe_torch_gpu():
            return "cpu"
    import torch

    if device != "auto":
        if not torch.cuda.is_available():
            raise InvalidInputError(
                f"device {device!r} was asked for but CUDA is not available here: use --device cpu (or auto)"
            )
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _torch_loaded() -> bool:
    """Whether torch is imported already (asking it then costs nothing)."""
    return "torch" in sys.modules


def _ct2_cuda_devices() -> int:
    """CUDA devices CTranslate2 sees (0 without CTranslate2 or without a driver)."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except (ImportError, RuntimeError, OSError):
        return 0


_GPU_DRIVER_PATHS = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd", "/dev/dxg")


def _maybe_torch_gpu() -> bool:
    """Whether PyTorch might see a GPU that CTranslate2 does not: macOS (MPS), or a GPU driver's
    files (NVIDIA, AMD ROCm, WSL) — e.g. a CPU-only CTranslate2 build beside a CUDA PyTorch."""
    return sys.platform == "darwin" or any(os.path.exists(path) for path in _GPU_DRIVER_PATHS)


# -- a model folder's fingerprint (part of every translation cache key) -------------------------

_WEIGHTS = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".ckpt")
_HASHED = (".json", ".spm", ".model", ".txt", ".vocab")
_CONTENT_LIMIT = 64 * 2**20  # weights up to this size are hashed; larger ones by size and mtime
_BLOB = re.compile(r"^[0-9a-f]{64}$")  # a Hugging Face cache blob: named by its content's sha256


def _file_identity(path: Path) -> str:
    if path.suffix not in _WEIGHTS:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    target = path.resolve()
    if _BLOB.match(target.name):
        return target.name
    stat = target.stat()
    if stat.st_size <= _CONTENT_LIMIT:
        return hashlib.sha256(target.read_bytes()).hexdigest()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def model_identity(folder: Path) -> str:
    """A sha256 of the files of the model folder that decide its output: the content of its
    configuration and tokenizer files and of weights up to 64 MiB; larger weights by their Hugging
    Face cache blob name (itself a content hash) or else by size and modification time. Cheap
    enough to compute once per loaded model. Raises OSError when the folder cannot be read."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).iterdir()):
        if path.is_file() and path.suffix in _WEIGHTS + _HASHED:
            digest.update(f"{path.name}\0{_file_identity(path)}\n".encode())
    return digest.hexdigest()
