"""The CTranslate2 engine: a converted copy of the Hugging Face model run by ``ctranslate2.Translator``.

CTranslate2 runs MarianMT and BART (both encoder-decoder) several times faster than transformers on
a CPU, mostly from int8 weights and a leaner decoding loop. It needs its own model format, so the
Hugging Face folder is converted once, on first use (or ahead of time with
``translator download --ct2``), into a cache folder:

* ``$TRANSLATOR_CT2_DIR`` when set;
* else ``.ct2/`` beside the model folder (``models/.ct2/`` for models in ``models/``), or
  ``<models_dir>/.ct2/`` for a model inside the Hugging Face cache (never written into);
* else, when that place is not writable, ``$XDG_CACHE_HOME/translator/ct2`` (``~/.cache/...``).

Each converted copy is ``<name>-<quantization>-<key>``, where the key hashes the source folder's
resolved path and the name, size and mtime of each of its files (plus the CTranslate2 version), so
two models, or two versions of one model, never share a copy. Conversion writes a temporary folder
and renames it into place, so a half-converted folder is never used; a file lock makes a second
process wait for the first instead of converting twice (and the rename is ignore-if-exists where
locks are not available). A large model converts in a child process: loading the transformers
model takes about twice the memory of the converted one, and none of that stays in the process
that serves translations.

Token ids go in and out unchanged: the converted vocabulary is the tokenizer's, in id order (the
Marian ``<pad>`` token, last, is dropped by the converter; it is never generated anyway), which
:func:`convert` checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

logger = logging.getLogger("translator")

RECIPE_VERSION = 1
"""Bump when the conversion recipe changes so that older copies are converted again."""

MARKER = "translator-ct2.json"
"""Written last into every converted folder: source, quantization, vocabulary check."""

QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
                 "float16", "bfloat16", "float32")
# dtype names users may give (RuntimeOptions.dtype) → CTranslate2 compute types
_DTYPE_ALIASES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "int8_float32": "int8"}
_CONVERSION_TIMEOUT_S = 3600
DEFAULT_MAX_POSITIONS = {"cpu": 3072, "cuda": 65536}
"""Decoder positions (rows × beams × (source + bound)) one sub-batch may hold; see sub_batches().
On CPU, 3072 kept translate + summarise under 1.5 GB with the real model shapes and was as fast
as 4096-8192 (a few sentences per sub-batch already fill a core); a GPU wants large batches."""
IN_PROCESS_LIMIT = 64 * 1024 * 1024
"""Models with more bytes of weights than this convert in a child process (see _run_converter)."""


class Ct2Unavailable(RuntimeError):
    """CTranslate2 cannot run this model here (not installed, no converter for the architecture,
    conversion or loading failed). The message gives the reason; ``engine="auto"`` then falls back
    to transformers."""


# ------------------------------------------------------------------------------ settings


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_split(cores: int | None = None, kind: str = "translation") -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for a CPU translator.

    Translation decodes many short sentences: running independent sub-batches side by side (inter)
    beats splitting each matrix product (intra), as beam search over small batches does not keep
    several cores busy inside one product: on 2 cores, 2 workers × 1 thread translated about 1.4×
    faster than 1 × 2. Above 4 cores each worker gets several threads, which keeps the per-worker
    batches (and memory) reasonable. A summary is one long input (or a few chunks in one batch),
    which only intra threads can speed up: 1 worker × all cores.
    ``$TRANSLATOR_CT2_INTER_THREADS`` / ``$TRANSLATOR_CT2_INTRA_THREADS`` override.
    """
    cores = cores or available_cores()
    inter = 1 if kind == "summary" else min(cores, 4)
    intra = max(1, cores // inter)
    inter = _env_int("TRANSLATOR_CT2_INTER_THREADS", inter)
    intra = _env_int("TRANSLATOR_CT2_INTRA_THREADS", intra)
    return inter, intra


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"${name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"${name} must be at least 1, got {number}")
    return number


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
    CUDA; ``float32``, ``int8``, ``float16``, ``bfloat16``, ``int16`` and CTranslate2's mixed
    names (``int8_float16``...) are taken as they are. Raises ValueError for a type this device
    cannot run.
    """
    kind, _index = ct2_device(device)
    dtype = (dtype or "auto").strip().lower()
    dtype = _DTYPE_ALIASES.get(dtype, dtype)
    if dtype == "auto":
        dtype = "float16" if kind == "cuda" else "int8"
    if dtype not in QUANTIZATIONS:
        raise ValueError(f"dtype {dtype!r} is not available with the ct2 engine: use auto, "
                         + ", ".join(QUANTIZATIONS))
    import ctranslate2

    supported = ctranslate2.get_supported_compute_types(kind)
    if dtype not in supported:
        raise ValueError(f"dtype {dtype!r} cannot run on {device} with CTranslate2 here "
                         f"(supported: {', '.join(sorted(supported))})")
    return dtype


def quantization_for(compute: str) -> str:
    """Weights stored on disk for a compute type (int8 weights serve every int8_* type)."""
    return "int8" if compute.startswith("int8") else compute


# ----------------------------------------------------------------------------- the cache


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
    configured = os.environ.get("TRANSLATOR_CT2_DIR")
    if configured:
        return Path(configured).expanduser()
    if _in_hf_cache(source):
        from ..models import models_dir

        candidate = models_dir() / ".ct2"
    else:
        candidate = source.resolve().parent / ".ct2"
    if _writable_dir(candidate):
        return candidate
    fallback = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "translator" / "ct2"
    logger.info("%s is not writable: converted models go to %s", candidate, fallback)
    return fallback


def converted_path(source: str | Path, quantization: str = "int8") -> Path:
    """The folder a converted copy of ``source`` with ``quantization`` has (whether or not it exists)."""
    source = Path(source).expanduser()
    return cache_root(source) / f"{_display_name(source)}-{quantization}-{source_key(source)}"


def is_converted(folder: Path) -> bool:
    """True for a complete converted folder (the marker is written before the folder is renamed
    into place, so a folder with a marker is complete)."""
    return (folder / MARKER).is_file() and (folder / "model.bin").is_file() and (folder / "config.json").is_file()


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock on ``path`` between processes (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: the rename below still keeps the cache consistent
        yield False
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def convert(folder: str | Path, quantization: str | None = None, *, force: bool = False) -> Path:
    """Convert the Hugging Face model in ``folder`` for CTranslate2 (once); return the copy's folder.

    ``quantization`` is one of :data:`QUANTIZATIONS`; None is what ``engine="auto"`` uses here
    (float16 where CTranslate2 sees a CUDA device, else int8). An existing complete copy is
    returned as is unless ``force``. Raises Ct2Unavailable when CTranslate2 cannot convert this
    model (the message says why), FileNotFoundError when ``folder`` holds no model.
    """
    source = Path(folder).expanduser().resolve()
    if not (source / "config.json").is_file():
        raise FileNotFoundError(f"{source} holds no config.json: not a Hugging Face model folder")
    try:
        import ctranslate2
    except ImportError as exc:
        raise Ct2Unavailable(f"ctranslate2 is not installed ({exc})") from exc
    if quantization is None:
        quantization = "float16" if ctranslate2.get_cuda_device_count() > 0 else "int8"
    quantization = _DTYPE_ALIASES.get(quantization, quantization)
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization {quantization!r} is not one of {', '.join(QUANTIZATIONS)}")
    target = converted_path(source, quantization)
    if is_converted(target) and not force:
        return target
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{target.name}.lock") as locked:
        if is_converted(target) and not force:  # another process converted it while we waited
            return target
        if locked:
            _remove_stale_temps(root, target.name)
        tmp = root / f".tmp-{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        logger.info("converting %s for CTranslate2 (%s) into %s", source, quantization, target)
        try:
            _run_converter(source, tmp, quantization)
            _write_marker(tmp, source, quantization)
            _install(tmp, target, force=force)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    logger.info("converted %s in %.1f s", source.name, time.perf_counter() - started)
    return target


def _remove_stale_temps(root: Path, name: str) -> None:
    """Temp folders of this target left by a crashed or killed conversion. Called with the lock
    held, so no live conversion of the same target owns one."""
    for leftover in root.glob(f".tmp-{name}-*"):
        logger.info("removing %s, left over by an interrupted conversion", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def _install(tmp: Path, target: Path, *, force: bool) -> None:
    try:
        os.rename(tmp, target)  # atomic; fails when target exists and is not empty
        return
    except OSError:
        if not target.exists():
            raise
    if is_converted(target) and not force:  # another process won the race: use its copy
        return
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _write_marker(tmp: Path, source: Path, quantization: str) -> None:
    import ctranslate2

    vocabulary = _read_vocabulary(tmp)
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
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(vocabulary))))
    mismatches = [i for i, (a, b) in enumerate(zip(tokens, vocabulary)) if a != b]
    if mismatches:
        first = mismatches[0]
        raise Ct2Unavailable(
            f"the converted vocabulary does not follow the tokenizer's ids ({len(mismatches)} "
            f"differ, first id {first}: {tokens[first]!r} vs {vocabulary[first]!r})"
        )
    return {"vocabulary_matches_tokenizer": True}


def _read_vocabulary(folder: Path) -> list[str]:
    """The target vocabulary of a converted model, in index order."""
    for name in ("shared_vocabulary", "target_vocabulary"):
        if (folder / f"{name}.json").is_file():
            return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if (folder / f"{name}.txt").is_file():
            return (folder / f"{name}.txt").read_text(encoding="utf-8").split("\n")[:-1]
    raise Ct2Unavailable(f"{folder} holds no CTranslate2 vocabulary file")


# The converter's ways of saying "not this model": no loader for the architecture (ValueError),
# no spec (NotImplementedError), an activation or option it does not know (KeyError,
# AttributeError), files it cannot read (OSError), a failed check (RuntimeError).
_CONVERTER_ERRORS = (ValueError, NotImplementedError, KeyError, AttributeError, TypeError,
                     RuntimeError, OSError, ImportError)


def _weights_bytes(source: Path) -> int:
    return sum(p.stat().st_size for p in _source_files(source)
               if p.suffix in (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack"))


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
            message = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else repr(exc)
            raise Ct2Unavailable(f"CTranslate2 cannot convert {source.name}: "
                                 f"{type(exc).__name__}: {message}") from exc
        return
    command = [sys.executable, "-m", "translator.engines.ct2", str(source), str(out), quantization]
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
        if line.startswith("CT2-CONVERT-ERROR "):
            try:
                data = json.loads(line.removeprefix("CT2-CONVERT-ERROR "))
                return f"{data['type']}: {data['message']}"
            except (ValueError, KeyError):
                break
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else None


def is_model_dir(folder: Path) -> bool:
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def _convert_here(source: str, out: str, quantization: str) -> None:
    """What the child process does."""
    import ctranslate2
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

    del ctranslate2
    Converter(source).convert(out, quantization=quantization, force=True)


# ----------------------------------------------------------------------------- the engine


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class CT2Engine:
    """Seq2seq generation with ``ctranslate2.Translator`` (MarianMT, BART, ...).

    A call's rows are sorted by length and cut into sub-batches (see :meth:`sub_batches`), each
    with its own decoding bound, and submitted together (``asynchronous=True``), longest work
    first, so the ``inter_threads`` workers decode them side by side and finish together. Token
    ids map one to one onto the converted vocabulary (checked at conversion). A model whose
    generation config forces a first token (BART's ``<s>``) gets it as the target prefix; it
    counts towards the bound and is left out of the result, as in the hf engine.
    """

    name = "ct2"

    def __init__(self, path: Path, *, device: str = "cpu", dtype: str = "auto", kind: str = "translation",
                 inter_threads: int | None = None, intra_threads: int | None = None,
                 max_positions: int | None = None) -> None:
        try:
            import ctranslate2
        except ImportError as exc:
            raise Ct2Unavailable(f"ctranslate2 is not installed ({exc})") from exc
        backend, index = ct2_device(device)
        if backend == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise Ct2Unavailable("this CTranslate2 build sees no CUDA device")
        self.device = device
        self.compute_type = compute_type(dtype, device)
        self.path = convert(path, quantization_for(self.compute_type))
        if backend == "cpu":
            default_inter, default_intra = thread_split(kind=kind)
        else:
            default_inter, default_intra = 1, min(4, available_cores())
        self.inter_threads = inter_threads or default_inter
        self.intra_threads = intra_threads or default_intra
        # see sub_batches(): bounds each worker's memory; large enough that the matrix products
        # still have rows to work on
        self.max_positions = max_positions or _env_int("TRANSLATOR_CT2_MAX_POSITIONS",
                                                       DEFAULT_MAX_POSITIONS[backend])
        try:
            self.translator = ctranslate2.Translator(
                str(self.path), device=backend, device_index=index, compute_type=self.compute_type,
                inter_threads=self.inter_threads, intra_threads=self.intra_threads,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise Ct2Unavailable(f"CTranslate2 cannot load {self.path}: {exc}") from exc
        self.vocabulary = _read_vocabulary(self.path)
        self.token_id = {token: i for i, token in enumerate(self.vocabulary)}
        config = _read_json(Path(path) / "config.json")
        generation = _read_json(Path(path) / "generation_config.json")
        setting = lambda key: generation.get(key, config.get(key))  # noqa: E731
        self.pad_id = setting("pad_token_id")
        self.eos_id = setting("eos_token_id")
        forced_bos = setting("forced_bos_token_id")
        self.prefix = [self.vocabulary[forced_bos]] if isinstance(forced_bos, int) and forced_bos < len(self.vocabulary) else None
        bad = setting("bad_words_ids") or []
        self.suppress = [[self.vocabulary[i] for i in seq] for seq in bad
                         if seq and all(isinstance(i, int) and i < len(self.vocabulary) for i in seq)] or None
        threads = f"{self.inter_threads}x{self.intra_threads} threads" if backend == "cpu" else f"device {index}"
        self.description = f"ct2 {self.compute_type} on {device} ({threads})"

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
        if not batch:
            return []
        if len(max_new_tokens) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(max_new_tokens)} max_new_tokens")
        vocabulary = self.vocabulary
        try:
            sources = [[vocabulary[i] for i in ids] for ids in batch]
        except IndexError:
            raise ValueError(f"token id out of range for a vocabulary of {len(vocabulary)}") from None
        pending = []
        groups = self.sub_batches([len(ids) for ids in batch], max_new_tokens, max(1, num_beams))
        # longest work first: the workers take groups in turn, so the small ones fill the gaps
        # at the end instead of one long group running alone while the other workers idle
        groups.sort(key=lambda g: len(g) * max(max_new_tokens[i] for i in g), reverse=True)
        for group in groups:
            limit = max(max_new_tokens[i] for i in group)
            futures = self.translator.translate_batch(
                [sources[i] for i in group],
                target_prefix=[self.prefix] * len(group) if self.prefix else None,
                asynchronous=True,
                beam_size=max(1, num_beams),
                length_penalty=length_penalty,
                repetition_penalty=repetition_penalty,
                no_repeat_ngram_size=no_repeat_ngram_size,
                suppress_sequences=self.suppress,
                max_input_length=0,  # never truncate: the pipeline bounds inputs itself
                max_decoding_length=limit,
                min_decoding_length=min(min_new_tokens, limit),
                return_scores=False,
            )
            pending.append((group, futures))
        results: list[list[int]] = [[] for _ in batch]
        skip = 1 if self.prefix else 0  # the forced <s> carries no text (as in the hf engine)
        for group, futures in pending:
            for i, future in zip(group, futures):
                tokens = future.result().hypotheses[0]
                ids = [self.token_id[t] for t in tokens[skip:] if t in self.token_id]
                ids = [t for t in ids if t != self.pad_id and t != self.eos_id]
                results[i] = ids[: max_new_tokens[i]]
        return results

    def sub_batches(self, lengths: list[int], bounds: list[int], beams: int = 1) -> list[list[int]]:
        """Indices sorted by length, cut into contiguous groups (little padding, tight decoding
        bounds), at least one per worker and, below the budget, of near-equal work.

        A group's size is bounded by the positions its search holds at the end,
        ``rows × beams × (source + bound)``, at most ``max_positions``: the attention caches
        (about 50 kB a position for a transformer-big) are what costs memory, and every worker
        holds one group at a time.
        """
        order = sorted(range(len(lengths)), key=lambda i: (lengths[i], bounds[i]))
        cost = [beams * (lengths[i] + bounds[i]) for i in range(len(lengths))]
        total = sum(cost)
        parts = max(self.inter_threads, math.ceil(total / self.max_positions))
        parts = min(len(order), math.ceil(parts / self.inter_threads) * self.inter_threads)
        groups: list[list[int]] = []
        current: list[int] = []
        done = 0.0
        bound = 0  # the current group's decoding bound
        for index in order:
            if current:
                # sorted by length, so ``index`` is the group's widest source
                width = beams * (lengths[index] + max(bound, bounds[index]))
                full = width * (len(current) + 1) > self.max_positions
                due = done >= total * (len(groups) + 1) / parts and len(groups) < parts - 1
                if full or due:
                    groups.append(current)
                    current, bound = [], 0
            current.append(index)
            bound = max(bound, bounds[index])
            done += cost[index]
        groups.append(current)
        return groups


def _main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m translator.engines.ct2 SOURCE_DIR OUT_DIR QUANTIZATION", file=sys.stderr)
        return 2
    try:
        _convert_here(*argv)
    except Exception as exc:  # reported to the parent process, which decides what to do
        message = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else repr(exc)
        print("CT2-CONVERT-ERROR " + json.dumps({"type": type(exc).__name__, "message": message}),
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
