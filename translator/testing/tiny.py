"""Random-weight stand-ins for the real models, built locally (no download).

The real translation and summary models (``Helsinki-NLP/opus-mt-tc-big-zls-en``,
``sshleifer/distilbart-cnn-12-6``) cannot be fetched where tests, demos and benchmarks run,
so this module builds look-alikes with the *real* model classes and *real* tokenizers
(:mod:`translator.testing.tokenizers`), trained on the example articles shipped in ``examples/``:

* :func:`build_marian` — a random :class:`~transformers.MarianMTModel` with SentencePiece
  tokenizers for Slovenian and English;
* :func:`build_bart` — a random :class:`~transformers.BartForConditionalGeneration` with a
  byte-level BPE.

Special-token ids follow the originals: Marian ``</s>`` = 0, ``<unk>`` = 1, ``<pad>`` = the
last id (also the decoder start token); BART ``<s>`` = 0, ``<pad>`` = 1, ``</s>`` = 2,
``<unk>`` = 3, ``<mask>`` = 4.

``shape`` picks the architecture: ``"tiny"`` (a few hundred thousand parameters, builds in
about a second, generates instantly on CPU) or the exact shape of the real model
(``"opus-mt-tc-big"`` / ``"distilbart-cnn-12-6"``) for speed and memory benchmarks; a big shape's
vocabulary is padded with ``<dummy_N>`` ids that the model is biased never to choose. Random
models never choose end-of-sentence on their own: always bound generation with ``max_new_tokens``.

Builds are deterministic (same arguments, same files) and idempotent: a folder that already
holds a complete build with the same arguments (see ``tiny-build.json``, written last) is
returned untouched. A build goes to a temporary sibling folder first and is renamed into place
(:func:`translator.system.durable.build_folder`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from translator.paths import EXAMPLES
from translator.system.durable import build_folder
from translator.testing.shapes import (
    BART_SHAPES,
    MARIAN_SHAPES,
    SHAPE_ALIASES,
    ModelShape,
    architecture,
    save_random_model,
)
from translator.testing.tokenizers import (
    BART_BOS_ID,
    BART_EOS_ID,
    BART_MASK_ID,
    BART_PAD_ID,
    BART_UNK_ID,
    MARIAN_EOS_ID,
    MARIAN_UNK_ID,
    check_marian_tokenizer,
    write_bart_tokenizer,
    write_marian_tokenizer,
)

logger = logging.getLogger("translator")

MARKER = "tiny-build.json"
"""File written last into every build; holds the arguments the build was made with."""

BUILDER_VERSION = 1
"""Bump when the build recipe changes so that older builds are rebuilt."""

_DEFAULT_SOURCE_CORPUS = EXAMPLES / "article-sl.txt"
_DEFAULT_TARGET_CORPUS = EXAMPLES / "article-en.txt"


_MARIAN_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "source.spm",
    "target.spm",
    "vocab.json",
    "tokenizer_config.json",
)
_BART_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "vocab.json",
    "merges.txt",
    "tokenizer.json",
    "tokenizer_config.json",
)


# ----------------------------------------------------------------------------------- public


def build_marian(
    out_dir: str | Path,
    *,
    source_corpus: str | Path | None = None,
    target_corpus: str | Path | None = None,
    shape: str = "tiny",
    vocab_size: int = 800,
    seed: int = 0,
) -> Path:
    """Build a random-weight MarianMT Slovenian→English model with real tokenizers in ``out_dir``.

    ``source_corpus``/``target_corpus`` are a file path or the text itself (default: the repo's
    ``examples/article-sl.txt`` / ``article-en.txt``). ``vocab_size`` bounds each SentencePiece
    model (byte pieces included; small corpora give fewer pieces). ``shape`` is ``"tiny"`` or
    ``"opus-mt-tc-big"``. Returns ``out_dir`` as a resolved Path; an existing complete build with
    the same arguments is returned without rebuilding. Raises ValueError for a bad shape or
    size, FileNotFoundError for a missing corpus, FileExistsError for a folder it did not make.
    """
    shape_name, spec = _pick_shape(shape, MARIAN_SHAPES, "Marian")
    if vocab_size < 320:
        raise ValueError(f"vocab_size must be at least 320 (256 byte pieces + letters), got {vocab_size}")
    source_text = _read_corpus(source_corpus, _DEFAULT_SOURCE_CORPUS)
    target_text = _read_corpus(target_corpus, _DEFAULT_TARGET_CORPUS)
    params = {
        "kind": "marian",
        "shape": shape_name,
        "seed": seed,
        "vocab_size": vocab_size,
        "source_sha256": _sha256(source_text),
        "target_sha256": _sha256(target_text),
    }
    return _build(
        Path(out_dir),
        params,
        _MARIAN_FILES,
        lambda tmp: _make_marian(tmp, spec, source_text, target_text, vocab_size, seed),
    )


def build_bart(
    out_dir: str | Path,
    *,
    corpus: str | Path | None = None,
    shape: str = "tiny",
    vocab_size: int = 1000,
    seed: int = 0,
) -> Path:
    """Build a random-weight BART summariser with a real byte-level BPE tokenizer in ``out_dir``.

    ``corpus`` is a file path or English text (default: the repo's ``examples/article-en.txt``);
    ``vocab_size`` bounds the BPE vocabulary (small corpora give fewer tokens). ``shape`` is
    ``"tiny"`` or ``"distilbart-cnn-12-6"``. Returns ``out_dir`` as a resolved Path; an existing
    complete build with the same arguments is returned without rebuilding. Raises as
    :func:`build_marian`.
    """
    shape_name, spec = _pick_shape(shape, BART_SHAPES, "BART")
    if vocab_size < 300:
        raise ValueError(f"vocab_size must be at least 300 (5 special + 256 byte tokens), got {vocab_size}")
    text = _read_corpus(corpus, _DEFAULT_TARGET_CORPUS)
    params = {
        "kind": "bart",
        "shape": shape_name,
        "seed": seed,
        "vocab_size": vocab_size,
        "corpus_sha256": _sha256(text),
    }
    return _build(Path(out_dir), params, _BART_FILES, lambda tmp: _make_bart(tmp, spec, text, vocab_size, seed))


def build_all(
    out_dir: str | Path,
    *,
    marian_shape: str = "tiny",
    bart_shape: str = "tiny",
    seed: int = 0,
) -> tuple[Path, Path]:
    """Build (or reuse) ``out_dir/"marian"`` and ``out_dir/"bart"`` with default corpora."""
    out_dir = Path(out_dir)
    return (
        build_marian(out_dir / "marian", shape=marian_shape, seed=seed),
        build_bart(out_dir / "bart", shape=bart_shape, seed=seed),
    )


def read_marker(path: str | Path) -> dict[str, Any] | None:
    """The contents of ``path``'s build marker, or None when it is not a complete build."""
    try:
        data = json.loads((Path(path) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------------- helpers


def _pick_shape(shape: str, shapes: dict[str, ModelShape], what: str) -> tuple[str, ModelShape]:
    name = SHAPE_ALIASES.get(shape, shape)
    if name not in shapes:
        raise ValueError(f"unknown {what} shape {shape!r}: choose one of {', '.join(shapes)}")
    return name, shapes[name]


def _read_corpus(corpus: str | Path | None, default: Path) -> str:
    """A Path or an existing file name is read; any other string is the text itself."""
    if corpus is None:
        if not default.is_file():
            raise FileNotFoundError(
                f"default corpus {default} is missing (it ships with the repository's examples/); "
                "pass the corpus text or a file path instead"
            )
        path: Path | None = default
    elif isinstance(corpus, Path):
        path = corpus.expanduser()
    elif isinstance(corpus, str):
        single_line = "\n" not in corpus and len(corpus) < 4096
        candidate = Path(corpus).expanduser() if single_line else None
        if candidate is not None and candidate.is_file():
            path = candidate
        elif (
            single_line
            and corpus.strip()
            and " " not in corpus.strip()
            and (os.sep in corpus or corpus.endswith((".txt", ".md")))
        ):
            raise FileNotFoundError(f"corpus file {corpus} does not exist")
        else:
            path = None
    else:
        raise TypeError(f"corpus must be a path or text, got {type(corpus).__name__}")
    text = path.read_text(encoding="utf-8") if path is not None else corpus
    assert isinstance(text, str)
    if not text.strip():
        raise ValueError("corpus is empty")
    return text


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_complete(path: Path, params: dict[str, Any], files: tuple[str, ...]) -> bool:
    marker = read_marker(path)
    if marker is None or marker.get("builder_version") != BUILDER_VERSION:
        return False
    if any(marker.get(key) != value for key, value in params.items()):
        return False
    return all((path / name).is_file() for name in files)


def _build(
    out_dir: Path, params: dict[str, Any], files: tuple[str, ...], make: Callable[[Path], dict[str, Any]]
) -> Path:
    """Return ``out_dir`` if it holds this build, else build into a temp folder and swap it in."""
    out_dir = out_dir.expanduser().resolve()
    if _is_complete(out_dir, params, files):
        logger.debug("reusing %s build in %s", params["kind"], out_dir)
        return out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and read_marker(out_dir) is None:
        raise FileExistsError(
            f"{out_dir} is not empty and holds no {MARKER}: refusing to replace a folder this builder did not make"
        )
    started = time.perf_counter()

    def make_with_marker(tmp: Path) -> None:
        extra = make(tmp)
        marker = {"builder": "translator.testing", "builder_version": BUILDER_VERSION, **params, **extra}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    build_folder(out_dir, make_with_marker, is_complete=lambda path: _is_complete(path, params, files))
    logger.info(
        "built %s %s model in %s (%.1f s)", params["shape"], params["kind"], out_dir, time.perf_counter() - started
    )
    return out_dir


# ---------------------------------------------------------------------------------- models


def _make_marian(
    out: Path, spec: ModelShape, source_text: str, target_text: str, vocab_size: int, seed: int
) -> dict[str, Any]:
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    vocab, trained = write_marian_tokenizer(out, source_text, target_text, vocab_size, seed, spec.vocab_size)
    size = len(vocab)
    pad_id = vocab["<pad>"]
    # the CTranslate2 attributes below are kept by the config but not in its typed signature
    config = MarianConfig(  # type: ignore[call-arg]
        **architecture(spec, size),
        decoder_vocab_size=size,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=MARIAN_EOS_ID,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=MARIAN_EOS_ID,
        # Read by CTranslate2's converter and kept by MarianConfig as plain attributes.
        normalize_embedding=False,
        static_position_embeddings=True,
        architectures=["MarianMTModel"],
    )
    generation = GenerationConfig(
        decoder_start_token_id=pad_id,
        eos_token_id=MARIAN_EOS_ID,
        pad_token_id=pad_id,
        forced_eos_token_id=MARIAN_EOS_ID,
        bad_words_ids=[[pad_id]],  # as in the real model: never generate <pad>
        num_beams=1,
    )
    save_random_model(MarianMTModel, config, generation, seed, vocab, trained, out)
    check_marian_tokenizer(out, source_text, size)
    return {
        "model_vocab_size": size,
        "trained_vocab_size": trained,
        "special_ids": {"eos": MARIAN_EOS_ID, "unk": MARIAN_UNK_ID, "pad": pad_id, "decoder_start": pad_id},
    }


def _make_bart(out: Path, spec: ModelShape, text: str, vocab_size: int, seed: int) -> dict[str, Any]:
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    vocab, trained = write_bart_tokenizer(out, text, vocab_size, spec.max_position_embeddings, spec.vocab_size)
    size = len(vocab)
    # the CTranslate2 attributes below are kept by the config but not in its typed signature
    config = BartConfig(  # type: ignore[call-arg]
        **architecture(spec, size),
        scale_embedding=False,
        bos_token_id=BART_BOS_ID,
        pad_token_id=BART_PAD_ID,
        eos_token_id=BART_EOS_ID,
        decoder_start_token_id=BART_EOS_ID,
        forced_eos_token_id=BART_EOS_ID,
        # CTranslate2's BartLoader reads config.normalize_before (AttributeError without it).
        normalize_before=False,
        normalize_embedding=True,
        add_final_layer_norm=False,
        static_position_embeddings=False,
        add_bias_logits=False,
        architectures=["BartForConditionalGeneration"],
    )
    generation = GenerationConfig(
        bos_token_id=BART_BOS_ID,
        eos_token_id=BART_EOS_ID,
        pad_token_id=BART_PAD_ID,
        decoder_start_token_id=BART_EOS_ID,
        forced_bos_token_id=BART_BOS_ID,  # as distilbart-cnn: output starts "</s> <s> ..."
        forced_eos_token_id=BART_EOS_ID,
        num_beams=1,
    )
    save_random_model(BartForConditionalGeneration, config, generation, seed, vocab, trained, out)
    return {
        "model_vocab_size": size,
        "trained_vocab_size": trained,
        "special_ids": {
            "bos": BART_BOS_ID,
            "pad": BART_PAD_ID,
            "eos": BART_EOS_ID,
            "unk": BART_UNK_ID,
            "mask": BART_MASK_ID,
            "decoder_start": BART_EOS_ID,
        },
    }
