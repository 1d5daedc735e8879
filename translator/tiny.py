"""Random-weight stand-ins for the real models, built locally (no download).

The real translation and summary models (``Helsinki-NLP/opus-mt-tc-big-zls-en``,
``sshleifer/distilbart-cnn-12-6``) cannot be fetched where tests, demos and benchmarks run,
so this module builds look-alikes with the *real* model classes and *real* tokenizers,
trained in well under a second on the example articles shipped in ``examples/``:

* :func:`build_marian` — two SentencePiece unigram models (``source.spm`` on Slovenian,
  ``target.spm`` on English, byte fallback so nothing is ever ``<unk>``), a joint
  ``vocab.json`` in the Marian layout and a random :class:`~transformers.MarianMTModel`.
* :func:`build_bart` — a byte-level BPE (``vocab.json`` + ``merges.txt`` + ``tokenizer.json``)
  and a random :class:`~transformers.BartForConditionalGeneration`.

Special-token ids follow the originals: Marian ``</s>`` = 0, ``<unk>`` = 1, ``<pad>`` = the
last id (also the decoder start token); BART ``<s>`` = 0, ``<pad>`` = 1, ``</s>`` = 2,
``<unk>`` = 3, ``<mask>`` = 4.

``shape`` picks the architecture: ``"tiny"`` (a few hundred thousand parameters, builds in
about a second, generates instantly on CPU) or the exact shape of the real model
(``"opus-mt-tc-big"`` / ``"distilbart-cnn-12-6"``) for speed and memory benchmarks. A big
shape has a larger vocabulary than the tokenizer trained here, so ``vocab.json`` is padded with
``<dummy_N>`` entries the tokenizer never produces; tokenizer and model then agree on every id
(CTranslate2's converter needs that). Random models never choose end-of-sentence on their own:
always bound generation with ``max_new_tokens``.

Builds are deterministic (same arguments, same files) and idempotent: a folder that already
holds a complete build with the same arguments (see ``tiny-build.json``, written last) is
returned untouched. A build goes to a temporary sibling folder first and is renamed into place.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

logger = logging.getLogger("translator")

MARKER = "tiny-build.json"
"""File written last into every build; holds the arguments the build was made with."""

BUILDER_VERSION = 1
"""Bump when the build recipe changes so that older builds are rebuilt."""

MARIAN_EOS_ID = 0
MARIAN_UNK_ID = 1
BART_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0..4 in this order
BART_BOS_ID, BART_PAD_ID, BART_EOS_ID, BART_UNK_ID, BART_MASK_ID = range(5)

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_DEFAULT_SOURCE_CORPUS = _EXAMPLES / "article-sl.txt"
_DEFAULT_TARGET_CORPUS = _EXAMPLES / "article-en.txt"

# Added to every training text so that letters and punctuation a short article may lack still
# get pieces of their own (byte fallback would cover them anyway, but less like a real model).
_ALPHABET_LINES = (
    "A B C Č Ć D Đ Dž E F G H I J K L M N O P Q R S Š T U V W X Y Z Ž",
    "a b c č ć d đ dž e f g h i j k l m n o p q r s š t u v w x y z ž",
    "ČŠŽĆĐ čšžćđ Čas Šola Življenje Ćevapi Đurđa čas šola življenje",
    "0 1 2 3 4 5 6 7 8 9 10 100 1992 2025 3,5 % 12.000 € $",
    '. , ; : ! ? " \' ( ) [ ] { } - – — … » « „ “ ” ‘ ’ / \\ & * + = # @ _ < >',
    "»Citat« „Narekovaj“ “Quote” ‘single’ - dash – en — em … ellipsis",
)


@dataclass(frozen=True)
class ModelShape:
    """Architecture of a built model. ``vocab_size`` None: exactly the trained vocabulary."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    attention_heads: int
    ffn_dim: int
    vocab_size: int | None
    max_position_embeddings: int
    activation_function: str


MARIAN_SHAPES: dict[str, ModelShape] = {
    "tiny": ModelShape(64, 2, 2, 4, 128, None, 512, "relu"),
    # Helsinki-NLP/opus-mt-tc-big-zls-en (transformer-big: post-norm, sinusoidal positions).
    "opus-mt-tc-big": ModelShape(1024, 6, 6, 16, 4096, 59_883, 1024, "relu"),
}
BART_SHAPES: dict[str, ModelShape] = {
    "tiny": ModelShape(64, 2, 2, 4, 128, None, 1024, "gelu"),
    # sshleifer/distilbart-cnn-12-6.
    "distilbart-cnn-12-6": ModelShape(1024, 12, 6, 16, 4096, 50_264, 1024, "gelu"),
}
_SHAPE_ALIASES = {
    "opus-mt-tc-big-zls-en": "opus-mt-tc-big",
    "Helsinki-NLP/opus-mt-tc-big-zls-en": "opus-mt-tc-big",
    "distilbart": "distilbart-cnn-12-6",
    "sshleifer/distilbart-cnn-12-6": "distilbart-cnn-12-6",
}

_MARIAN_FILES = ("config.json", "generation_config.json", "model.safetensors", "source.spm",
                 "target.spm", "vocab.json", "tokenizer_config.json")
_BART_FILES = ("config.json", "generation_config.json", "model.safetensors", "vocab.json",
               "merges.txt", "tokenizer.json", "tokenizer_config.json")


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
    the same arguments is returned without rebuilding.
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
    return _build(Path(out_dir), params, _MARIAN_FILES,
                  lambda tmp: _make_marian(tmp, spec, source_text, target_text, vocab_size, seed))


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
    complete build with the same arguments is returned without rebuilding.
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
    return _build(Path(out_dir), params, _BART_FILES,
                  lambda tmp: _make_bart(tmp, spec, text, vocab_size, seed))


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
    name = _SHAPE_ALIASES.get(shape, shape)
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
        elif single_line and corpus.strip() and " " not in corpus.strip() and (
            os.sep in corpus or corpus.endswith((".txt", ".md"))
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


def _training_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines + list(_ALPHABET_LINES)


def _is_complete(path: Path, params: dict[str, Any], files: tuple[str, ...]) -> bool:
    marker = read_marker(path)
    if marker is None or marker.get("builder_version") != BUILDER_VERSION:
        return False
    if any(marker.get(key) != value for key, value in params.items()):
        return False
    return all((path / name).is_file() for name in files)


def _build(out_dir: Path, params: dict[str, Any], files: tuple[str, ...],
           make: Callable[[Path], dict[str, Any]]) -> Path:
    """Return ``out_dir`` if it holds this build, else build into a temp folder and swap it in."""
    out_dir = out_dir.expanduser().resolve()
    if _is_complete(out_dir, params, files):
        logger.debug("reusing %s build in %s", params["kind"], out_dir)
        return out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and read_marker(out_dir) is None:
        raise FileExistsError(
            f"{out_dir} is not empty and holds no {MARKER}: refusing to replace a folder "
            "this builder did not make"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the build is meant to be shared
        extra = make(tmp)
        marker = {"builder": "translator.tiny", "builder_version": BUILDER_VERSION, **params, **extra}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _install(tmp, out_dir, params, files)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info("built %s %s model in %s (%.1f s)", params["shape"], params["kind"], out_dir,
                time.perf_counter() - started)
    return out_dir


def _install(tmp: Path, out_dir: Path, params: dict[str, Any], files: tuple[str, ...]) -> None:
    try:
        os.rename(tmp, out_dir)  # atomic; also replaces an empty folder on POSIX
        return
    except OSError:
        pass
    if _is_complete(out_dir, params, files):  # another process finished the same build first
        return
    if read_marker(out_dir) is None and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} appeared while building and is not a build: left alone")
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        if not out_dir.exists():
            os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _pad_vocab(vocab: dict[str, int], size: int, reserve: int = 0) -> None:
    """Append ``<dummy_N>`` entries until ``vocab`` has ``size - reserve`` entries."""
    while len(vocab) < size - reserve:
        vocab[f"<dummy_{len(vocab)}>"] = len(vocab)


def _mask_dummies(model: Any, vocab: dict[str, int], trained: int, size: int) -> None:
    """Make the model never choose a ``<dummy_N>`` id: ``final_logits_bias`` -1e4 there.

    The bias is part of the checkpoint (and CTranslate2 carries a non-zero one over), so a
    random big-shape model decodes to real pieces, not to ``<dummy_N>`` strings.
    """
    import torch

    dummy = [index for token, index in vocab.items() if token.startswith("<dummy_")]
    if not dummy:
        return
    assert len(dummy) == size - trained, (len(dummy), size, trained)
    with torch.no_grad():
        model.final_logits_bias[0, torch.tensor(dummy)] = -1e4


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _save_model(model: Any, out: Path) -> None:
    from transformers.utils import logging as hf_logging

    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Writing model shards" for a single file is noise
    try:
        model.save_pretrained(out, max_shard_size="50GB")
    finally:
        if bar:
            hf_logging.enable_progress_bar()
    if not (out / "model.safetensors").is_file():
        raise RuntimeError(f"save_pretrained wrote no model.safetensors into {out}")


# ----------------------------------------------------------------------------------- marian


def _train_spm(lines: list[str], vocab_size: int, seed: int) -> bytes:
    import sentencepiece as spm

    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # a short article cannot fill a large vocabulary
        character_coverage=1.0,
        byte_fallback=True,  # unseen characters become <0xNN> pieces, never <unk>
        normalization_rule_name="identity",  # exact round trips (nmt_nfkc would rewrite … etc.)
        remove_extra_whitespaces=False,
        max_sentence_length=1 << 16,
        num_threads=1,  # deterministic
        minloglevel=2,
    )
    return model.getvalue()


def _make_marian(out: Path, spec: ModelShape, source_text: str, target_text: str,
                 vocab_size: int, seed: int) -> dict[str, Any]:
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    processors = []
    for name, text in (("source.spm", source_text), ("target.spm", target_text)):
        data = _train_spm(_training_lines(text), vocab_size, seed)
        (out / name).write_bytes(data)
        processors.append(spm.SentencePieceProcessor(model_proto=data))

    # Marian layout: </s> 0, <unk> 1, source pieces, target pieces not seen yet, <pad> last.
    vocab: dict[str, int] = {"</s>": MARIAN_EOS_ID, "<unk>": MARIAN_UNK_ID}
    for processor in processors:
        for piece_id in range(processor.get_piece_size()):
            if processor.is_control(piece_id) or processor.is_unknown(piece_id):
                continue
            vocab.setdefault(processor.id_to_piece(piece_id), len(vocab))
    trained = len(vocab) + 1
    if spec.vocab_size is not None:
        if trained > spec.vocab_size:
            raise ValueError(f"trained vocabulary ({trained}) exceeds the shape's {spec.vocab_size}")
        _pad_vocab(vocab, spec.vocab_size, reserve=1)
    pad_id = len(vocab)
    vocab["<pad>"] = pad_id
    size = len(vocab)
    _write_json(out / "vocab.json", vocab)
    tokenizer_config = {
        "source_lang": "sl",
        "target_lang": "en",
        "unk_token": "<unk>",
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "model_max_length": 512,
        "sp_model_kwargs": {},
        "separate_vocabs": False,
        "clean_up_tokenization_spaces": False,
        "tokenizer_class": "MarianTokenizer",
    }
    _write_json(out / "tokenizer_config.json", tokenizer_config)
    _write_json(out / "special_tokens_map.json",
                {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})

    config = MarianConfig(
        vocab_size=size,
        decoder_vocab_size=size,
        d_model=spec.d_model,
        encoder_layers=spec.encoder_layers,
        decoder_layers=spec.decoder_layers,
        encoder_attention_heads=spec.attention_heads,
        decoder_attention_heads=spec.attention_heads,
        encoder_ffn_dim=spec.ffn_dim,
        decoder_ffn_dim=spec.ffn_dim,
        activation_function=spec.activation_function,
        max_position_embeddings=spec.max_position_embeddings,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=MARIAN_EOS_ID,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=MARIAN_EOS_ID,
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        # Read by CTranslate2's converter and kept by MarianConfig as plain attributes.
        normalize_embedding=False,
        static_position_embeddings=True,
        architectures=["MarianMTModel"],
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    _mask_dummies(model, vocab, trained, size)
    # Generation settings live in generation_config.json in transformers 5 (not config.json).
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad_id,
        eos_token_id=MARIAN_EOS_ID,
        pad_token_id=pad_id,
        forced_eos_token_id=MARIAN_EOS_ID,
        bad_words_ids=[[pad_id]],  # as in the real model: never generate <pad>
        num_beams=1,
    )
    _save_model(model, out)
    _check_marian_tokenizer(out, source_text, size)
    return {
        "model_vocab_size": size,
        "trained_vocab_size": trained,
        "special_ids": {"eos": MARIAN_EOS_ID, "unk": MARIAN_UNK_ID, "pad": pad_id,
                        "decoder_start": pad_id},
    }


def _check_marian_tokenizer(out: Path, text: str, size: int) -> None:
    from transformers import MarianTokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Recommended: pip install sacremoses." (unused in v5)
        tokenizer = MarianTokenizer.from_pretrained(out)
    sample = [line.strip() for line in text.splitlines() if line.strip()][:3]
    for line in sample:
        ids = tokenizer(line)["input_ids"]
        if MARIAN_UNK_ID in ids or max(ids) >= size:
            raise RuntimeError(f"Marian tokenizer in {out} does not cover its own corpus: {line[:60]!r}")


# ------------------------------------------------------------------------------------- bart


def _make_bart(out: Path, spec: ModelShape, text: str, vocab_size: int, seed: int) -> dict[str, Any]:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer, GenerationConfig

    bpe = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    bpe.train_from_iterator(
        _training_lines(text),
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(BART_SPECIAL_TOKENS),
        show_progress=False,
    )
    bpe.save_model(str(out))
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    if [vocab.get(token) for token in BART_SPECIAL_TOKENS] != list(range(len(BART_SPECIAL_TOKENS))):
        raise RuntimeError(f"unexpected special-token ids in trained BPE vocabulary: {vocab}")
    trained = len(vocab)
    if spec.vocab_size is not None:
        if trained > spec.vocab_size:
            raise ValueError(f"trained vocabulary ({trained}) exceeds the shape's {spec.vocab_size}")
        vocab = dict(sorted(vocab.items(), key=lambda item: item[1]))
        _pad_vocab(vocab, spec.vocab_size)
        _write_json(out / "vocab.json", vocab)
    size = len(vocab)

    tokenizer = BartTokenizer.from_pretrained(out, model_max_length=spec.max_position_embeddings)
    tokenizer.save_pretrained(out)  # adds tokenizer.json and tokenizer_config.json
    _scrub_tokenizer_config(out / "tokenizer_config.json")

    config = BartConfig(
        vocab_size=size,
        d_model=spec.d_model,
        encoder_layers=spec.encoder_layers,
        decoder_layers=spec.decoder_layers,
        encoder_attention_heads=spec.attention_heads,
        decoder_attention_heads=spec.attention_heads,
        encoder_ffn_dim=spec.ffn_dim,
        decoder_ffn_dim=spec.ffn_dim,
        activation_function=spec.activation_function,
        max_position_embeddings=spec.max_position_embeddings,
        scale_embedding=False,
        bos_token_id=BART_BOS_ID,
        pad_token_id=BART_PAD_ID,
        eos_token_id=BART_EOS_ID,
        decoder_start_token_id=BART_EOS_ID,
        forced_eos_token_id=BART_EOS_ID,
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        # CTranslate2's BartLoader reads config.normalize_before (AttributeError without it).
        normalize_before=False,
        normalize_embedding=True,
        add_final_layer_norm=False,
        static_position_embeddings=False,
        add_bias_logits=False,
        architectures=["BartForConditionalGeneration"],
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config).eval()
    _mask_dummies(model, vocab, trained, size)
    model.generation_config = GenerationConfig(
        bos_token_id=BART_BOS_ID,
        eos_token_id=BART_EOS_ID,
        pad_token_id=BART_PAD_ID,
        decoder_start_token_id=BART_EOS_ID,
        forced_bos_token_id=BART_BOS_ID,  # as distilbart-cnn: output starts "</s> <s> ..."
        forced_eos_token_id=BART_EOS_ID,
        num_beams=1,
    )
    _save_model(model, out)
    return {
        "model_vocab_size": size,
        "trained_vocab_size": trained,
        "special_ids": {"bos": BART_BOS_ID, "pad": BART_PAD_ID, "eos": BART_EOS_ID,
                        "unk": BART_UNK_ID, "mask": BART_MASK_ID, "decoder_start": BART_EOS_ID},
    }


def _scrub_tokenizer_config(path: Path) -> None:
    """Drop the loader-state keys transformers 5 writes into a saved tokenizer_config.json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only", "name_or_path", "_commit_hash"):
        data.pop(key, None)
    _write_json(path, data)


__all__ = [
    "BART_SHAPES",
    "MARIAN_SHAPES",
    "MARKER",
    "ModelShape",
    "build_all",
    "build_bart",
    "build_marian",
    "read_marker",
]
