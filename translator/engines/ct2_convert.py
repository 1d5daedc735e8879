"""The CTranslate2 conversion cache: a Hugging Face model folder → a converted copy, made once.

CTranslate2 needs its own model format, so the Hugging Face folder is converted on first use (or
ahead of time with ``translator download --ct2``) into a cache folder:

* ``$TRANSLATOR_CT2_DIR`` when set;
* else ``.ct2/`` beside the model folder (``models/.ct2/`` for models in ``models/``), or
  ``<models_dir>/.ct2/`` for a model inside the Hugging Face cache (never written into);
* else, when that place is not writable, ``$XDG_CACHE_HOME/translator/ct2`` (``~/.cache/...``).

Each converted copy is ``<name>-<quantization>-<key>``, where the key hashes the source folder's
resolved path and the name, size and mtime of each of its files (plus the CTranslate2 version), so
two models, or two versions of one model, never share a copy. Conversion builds a hidden temporary
folder and renames it into place (:func:`translator.system.durable.build_folder`), so a half-converted folder
is never used; a file lock makes a second process wait for the first instead of converting twice
(and the rename keeps the first complete copy where locks are not available). A large model
converts in a child process: loading the transformers model takes about twice the memory of the
converted one, and none of that stays in the process that serves translations.

Token ids go in and out unchanged: the converted vocabulary is the tokenizer's, in id order (the
Marian ``<pad>`` token, last, is dropped by the converter; it is never generated anyway), which
:func:`convert` checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from translator.engines.base import Ct2Unavailable
from translator.paths import ct2_dir, models_dir, user_cache_dir
from translator.system.durable import build_folder, remove_stale_builds

logger = logging.getLogger("translator")

RECIPE_VERSION = 1
"""Bump when the conversion recipe changes so that older copies are converted again."""

MARKER = "translator-ct2.json"
"""Written last into every converted folder: source, quantization, vocabulary check."""

QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
# dtype names users may give (RuntimeOptions.dtype) → CTranslate2 compute types
DTYPE_ALIASES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "int8_float32": "int8"}
_CONVERSION_TIMEOUT_S = 3600
IN_PROCESS_LIMIT = 64 * 1024 * 1024
"""Models with more bytes of weights than this convert in a child process (see _run_converter)."""
_CHILD_ERROR = "CT2-CONVERT-ERROR "
_MODULE = "translator.engines.ct2_convert"  # run as a child: python -m _MODULE


def quantization_for(compute: str) -> str:
    """Weights stored on disk for a compute type (int8 weights serve every int8_* type)."""
    return "int8" if compute.startswith("int8") else compute


# ----------------------------------------------------------------------------- where copies go


def _source_files(source: Path) -> list[Path]:
    return sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))


def source_key(source: Path) -> str:
    """A short hash of the source folder's path and the name, size and mtime of its files."""
    import ctranslate2

    digest = hashlib.sha256()
    digest.update(f"recipe {RECIPE_VERSION} ct2 {ctranslate2.__version__}\n".encode())
    digest.update(str(source.resolve()).encode("utf-8", "surrogateescape") + b"\n")
    for path in _source_files(source):
        stat = path.stat()  # follows the symlinks of the Hugging Face cache
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


def _display_name(source: Path) -> str:
    """``Helsinki-NLP--opus-mt-tc-big-zls-en`` for a Hugging Face cache snapshot, else the folder name."""
    parts = source.resolve().parts
    if "snapshots" in parts:
        index = len(parts) - 1 - parts[::-1].index("snapshots")
        if index >= 1 and parts[index - 1].startswith("models--"):
            return parts[index - 1].removeprefix("models--")
    name = source.resolve().name or "model"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]


def _in_hf_cache(source: Path) -> bool:
    parts = source.resolve().parts
    return "snapshots" in parts and any(p.startswith("models--") for p in parts)


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def cache_root(source: Path) -> Path:
    """Where converted copies of ``source`` go (see the module docstring)."""
    configured = ct2_dir()
    if configured is not None:
        return configured
    candidate = models_dir() / ".ct2" if _in_hf_cache(source) else source.resolve().parent / ".ct2"
    if _writable_dir(candidate):
        return candidate
    fallback = user_cache_dir() / "ct2"
    logger.info("%s is not writable: converted models go to %s", candidate, fallback)
    return fallback


def converted_path(source: str | Path, quantization: str = "int8") -> Path:
    """The folder a converted copy of ``source`` with ``quantization`` has (whether or not it exists)."""
    source = Path(source).expanduser()
    return cache_root(source) / f"{_display_name(source)}-{quantization}-{source_key(source)}"


def is_model_dir(folder: Path) -> bool:
    """True for a folder holding a CTranslate2 model (``model.bin`` and ``config.json``)."""
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def is_converted(folder: Path) -> bool:
    """True for a complete converted folder (the marker is written before the folder is renamed
    into place, so a folder with a marker is complete)."""
    return (folder / MARKER).is_file() and is_model_dir(folder)


# ------------------------------------------------------------------------------- conversion


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    """An exclusive lock on ``path`` between processes (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: the rename in build_folder still keeps the cache consistent
        yield False
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def default_quantization() -> str:
    """What ``engine="auto"`` converts to here: float16 where CTranslate2 sees a CUDA device,
    else int8. Raises Ct2Unavailable without CTranslate2."""
    try:
        import ctranslate2
    except ImportError as exc:
        raise Ct2Unavailable(f"ctranslate2 is not installed ({exc}); fix: pip install ctranslate2") from exc
    return "float16" if ctranslate2.get_cuda_device_count() > 0 else "int8"


def convert(folder: str | Path, quantization: str | None = None, *, force: bool = False) -> Path:
    """Convert the Hugging Face model in ``folder`` for CTranslate2 (once); return the copy's folder.

    ``quantization`` is one of :data:`QUANTIZATIONS`; None is :func:`default_quantization`. An
    existing complete copy is returned as is unless ``force``. Raises Ct2Unavailable when
    CTranslate2 cannot convert this model (the message says why), FileNotFoundError when
    ``folder`` holds no model, ValueError for an unknown quantization.
    """
    source = Path(folder).expanduser().resolve()
    if not (source / "config.json").is_file():
        raise FileNotFoundError(f"{source} holds no config.json: not a Hugging Face model folder")
    quantization = default_quantization() if quantization is None else quantization
    quantization = DTYPE_ALIASES.get(quantization, quantization)
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization {quantization!r} is not one of {', '.join(QUANTIZATIONS)}")
    target = converted_path(source, quantization)
    if is_converted(target) and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.parent / f".{target.name}.lock") as locked:
        if is_converted(target) and not force:  # another process converted it while we waited
            return target
        if locked:  # no live conversion of this target owns a temporary folder now
            remove_stale_builds(target)
        started = time.perf_counter()
        logger.info("converting %s for CTranslate2 (%s) into %s", source, quantization, target)

        def make(tmp: Path) -> None:
            _run_converter(source, tmp, quantization)
            _write_marker(tmp, source, quantization)

        build_folder(target, make, is_complete=is_converted, replace=force)
    logger.info("converted %s in %.1f s", source.name, time.perf_counter() - started)
    return target


def _write_marker(tmp: Path, source: Path, quantization: str) -> None:
    import ctranslate2

    vocabulary = read_vocabulary(tmp)
    check = _vocabulary_check(source, vocabulary)
    marker = {
        "source": str(source),
        "quantization": quantization,
        "ctranslate2": ctranslate2.__version__,
        "recipe": RECIPE_VERSION,
        "vocabulary_size": len(vocabulary),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **check,
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _vocabulary_check(source: Path, vocabulary: list[str]) -> dict[str, Any]:
    """The engine passes token ids through as vocabulary indices: make sure they agree."""
    from translator.engines.tokenizer import load_tokenizer

    tokenizer = load_tokenizer(source)
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(vocabulary))))
    mismatches = [i for i, (a, b) in enumerate(zip(tokens, vocabulary)) if a != b]
    if mismatches:
        first = mismatches[0]
        raise Ct2Unavailable(
            f"the converted vocabulary does not follow the tokenizer's ids ({len(mismatches)} "
            f"differ, first id {first}: {tokens[first]!r} vs {vocabulary[first]!r})"
        )
    return {"vocabulary_matches_tokenizer": True}


def read_vocabulary(folder: Path) -> list[str]:
    """The target vocabulary of a converted model, in index order. Raises Ct2Unavailable."""
    for name in ("shared_vocabulary", "target_vocabulary"):
        if (folder / f"{name}.json").is_file():
            return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if (folder / f"{name}.txt").is_file():
            return (folder / f"{name}.txt").read_text(encoding="utf-8").split("\n")[:-1]
    raise Ct2Unavailable(f"{folder} holds no CTranslate2 vocabulary file")


# ------------------------------------------------------------------- the converter, here or apart

# The converter's ways of saying "not this model": no loader for the architecture (ValueError),
# no spec (NotImplementedError), an activation or option it does not know (KeyError,
# AttributeError), files it cannot read (OSError), a failed check (RuntimeError).
_CONVERTER_ERRORS = (
    ValueError,
    NotImplementedError,
    KeyError,
    AttributeError,
    TypeError,
    RuntimeError,
    OSError,
    ImportError,
)


def _weights_bytes(source: Path) -> int:
    return sum(
        p.stat().st_size
        for p in _source_files(source)
        if p.suffix in (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack")
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:500] if text else repr(error)


def _run_converter(source: Path, out: Path, quantization: str) -> None:
    """Convert ``source`` into ``out``. Models above :data:`IN_PROCESS_LIMIT` bytes of weights
    convert in a child process: loading the transformers model takes about twice the memory of
    the converted one, and a child gives it all back. Small ones convert here (no interpreter to
    start). Raises Ct2Unavailable with the converter's own error message.
    """
    if _weights_bytes(source) <= IN_PROCESS_LIMIT:
        try:
            _convert_here(str(source), str(out), quantization)
        except _CONVERTER_ERRORS as exc:
            raise Ct2Unavailable(
                f"CTranslate2 cannot convert {source.name}: {type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        return
    command = [sys.executable, "-m", _MODULE, str(source), str(out), quantization]
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=_CONVERSION_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Ct2Unavailable(f"the CTranslate2 converter could not run: {exc}") from exc
    if done.returncode == 0 and is_model_dir(out):
        return
    reason = _child_error(done.stderr) or f"exit code {done.returncode}"
    if done.returncode < 0:
        reason = f"the converter was killed by signal {-done.returncode} (out of memory?)"
    raise Ct2Unavailable(f"CTranslate2 cannot convert {source.name}: {reason}")


def _child_error(stderr: str) -> str | None:
    for line in reversed(stderr.strip().splitlines()):
        if line.startswith(_CHILD_ERROR):
            try:
                data = json.loads(line.removeprefix(_CHILD_ERROR))
                return f"{data['type']}: {data['message']}"
            except (ValueError, KeyError):
                break
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else None


def _convert_here(source: str, out: str, quantization: str) -> None:
    """Run CTranslate2's converter in this process (what the child process does)."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            config = kwargs.get("config")
            if config is not None and config.__class__.__name__ == "BartConfig":
                # CTranslate2's BartLoader reads these; configs saved by recent transformers
                # versions may lack them (BART is post-norm with an embedding layer norm).
                if not hasattr(config, "normalize_before"):
                    config.normalize_before = False
                if not hasattr(config, "normalize_embedding"):
                    config.normalize_embedding = True
            return super().load_model(model_class, model_name_or_path, **kwargs)

    Converter(source).convert(out, quantization=quantization, force=True)


def _main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: python -m {_MODULE} SOURCE_DIR OUT_DIR QUANTIZATION", file=sys.stderr)
        return 2
    try:
        _convert_here(*argv)
    except Exception as exc:  # reported to the parent process, which decides what to do
        print(_CHILD_ERROR + json.dumps({"type": type(exc).__name__, "message": _first_line(exc)}), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
