"""A model's tokenizer without PyTorch: the CTranslate2 engine needs none.

``AutoTokenizer`` (transformers 5) reads the model's configuration through ``AutoConfig``, whose
module imports torch: about 250 MB of resident memory that a process running CTranslate2 alone
never uses. The tokenizer classes themselves (sentencepiece or 🤗 tokenizers backed) do not
import torch, so where the folder names its tokenizer class and that class is the one
``AutoTokenizer`` would pick, it is loaded directly; anything else goes through ``AutoTokenizer``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["load_tokenizer", "read_json", "tokenizer_class_name"]

# model_type -> the class AutoTokenizer registers for it (transformers 5's TOKENIZER_MAPPING_NAMES),
# for the families this project runs; a folder whose tokenizer_config.json names another class,
# or a model type not listed here, goes through AutoTokenizer.
KNOWN_TOKENIZERS = {
    "marian": "MarianTokenizer",
    "bart": "RobertaTokenizer",
}


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; {} when it is missing or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tokenizer_class_name(folder: Path) -> str | None:
    """The transformers tokenizer class that ``AutoTokenizer`` loads for the model in ``folder``,
    when it can be told from the folder's files alone; None otherwise."""
    model_type = read_json(folder / "config.json").get("model_type")
    registered = KNOWN_TOKENIZERS.get(model_type) if isinstance(model_type, str) else None
    if registered is None:
        return None
    tokenizer_config = read_json(folder / "tokenizer_config.json")
    declared = tokenizer_config.get("tokenizer_class") or registered
    if not isinstance(declared, str) or declared.removesuffix("Fast") != registered or "auto_map" in tokenizer_config:
        return None  # AutoTokenizer has rules for these cases: let it decide
    return registered


def load_tokenizer(folder: Path) -> Any:
    """The tokenizer of the model in ``folder``: its class loaded directly where
    :func:`tokenizer_class_name` knows it (no torch import), else ``AutoTokenizer``."""
    name = tokenizer_class_name(folder)
    if name is not None:
        import transformers

        cls = getattr(transformers, name, None)
        if cls is not None:
            return cls.from_pretrained(folder)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)
