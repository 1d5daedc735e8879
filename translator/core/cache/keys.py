"""Cache keys: a sha256 of all that decides a piece's English. :func:`context_key` covers what
one translation call shares (the model's files, the engine and precision, the options that change
output); :func:`piece_key` adds the route language and the piece's text."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

KEY_VERSION = 1  # bump when a cached value of the same key would change (decoding, warnings)
# TranslationOptions fields that cannot change one piece's English: how pieces are batched and cut
# (the piece's own text is in the key) and which languages are accepted (the route language is).
OPTIONS_NOT_IN_KEY = frozenset({"batch_tokens", "max_batch_sentences", "max_piece_tokens", "sources"})


def context_key(model: str, engine: str, options: Any) -> str:
    """A sha256 of what every piece of one translation call shares: the model's identity
    (:func:`translator.engines.models.model_identity`), the engine and precision
    (``"ct2 int8 cpu"``) and the fields of the options dataclass that change a piece's output
    (all but :data:`OPTIONS_NOT_IN_KEY`)."""
    fields = {name: value for name, value in asdict(options).items() if name not in OPTIONS_NOT_IN_KEY}
    blob = json.dumps(
        {"v": KEY_VERSION, "model": model, "engine": engine, "options": fields}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def piece_key(context: str, language: str | None, text: str) -> str:
    """The cache key of the source piece ``text`` routed as ``language`` under ``context``."""
    return hashlib.sha256(f"{context}\0{language or ''}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
