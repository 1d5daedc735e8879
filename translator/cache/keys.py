"""Cache keys: a sha256 of all that decides a piece's English. :func:`context_key` covers what
one translation call shares (the model's files, the engine and precision, the options that change
output); :func:`piece_key` adds the route language and the piece's text."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

KEY_VERSION = 1  # bump when a cached value of the same key would change (decoding, warnings)
# TranslationOptions fields that cannot change one piece's English: how pieces are batched and cut
# (the piece's own text is in the key) and which languages are accepted (the route language is).
OPTIONS_NOT_IN_KEY = frozenset({"batch_tokens", "max_batch_sentences", "max_piece_tokens", "sources"})
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


def context_key(model: str, engine: str, options: Any) -> str:
    """A sha256 of what every piece of one translation call shares: the model's identity
    (:func:`model_identity`), the engine and precision (``"ct2 int8 cpu"``) and the fields of the
    options dataclass that change a piece's output (all but :data:`OPTIONS_NOT_IN_KEY`)."""
    fields = {name: value for name, value in asdict(options).items() if name not in OPTIONS_NOT_IN_KEY}
    blob = json.dumps(
        {"v": KEY_VERSION, "model": model, "engine": engine, "options": fields}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def piece_key(context: str, language: str | None, text: str) -> str:
    """The cache key of the source piece ``text`` routed as ``language`` under ``context``."""
    return hashlib.sha256(f"{context}\0{language or ''}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
