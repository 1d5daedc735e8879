"""Real tokenizers trained in well under a second on a short corpus, for the tiny models.

* Marian: two SentencePiece unigram models (``source.spm``, ``target.spm``; byte fallback, so
  nothing is ever ``<unk>``) and a joint ``vocab.json`` in the Marian layout: ``</s>`` 0,
  ``<unk>`` 1, source pieces, target pieces not seen yet, ``<pad>`` last.
* BART: a byte-level BPE (``vocab.json`` + ``merges.txt`` + ``tokenizer.json``) with ``<s>`` 0,
  ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, ``<mask>`` 4.

A model shape with a larger vocabulary than the one trained gets ``<dummy_N>`` entries the
tokenizer never produces, so tokenizer and model agree on every id (CTranslate2's converter
needs that).
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

MARIAN_EOS_ID = 0
MARIAN_UNK_ID = 1
BART_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0..4 in this order
BART_BOS_ID, BART_PAD_ID, BART_EOS_ID, BART_UNK_ID, BART_MASK_ID = range(5)

# Added to every training text so that letters and punctuation a short article may lack still
# get pieces of their own (byte fallback would cover them anyway, but less like a real model).
_ALPHABET_LINES = (
    "A B C Č Ć D Đ Dž E F G H I J K L M N O P Q R S Š T U V W X Y Z Ž",
    "a b c č ć d đ dž e f g h i j k l m n o p q r s š t u v w x y z ž",
    "ČŠŽĆĐ čšžćđ Čas Šola Življenje Ćevapi Đurđa čas šola življenje",
    "0 1 2 3 4 5 6 7 8 9 10 100 1992 2025 3,5 % 12.000 € $",
    ". , ; : ! ? \" ' ( ) [ ] { } - – — … » « „ “ ” ‘ ’ / \\ & * + = # @ _ < >",
    "»Citat« „Narekovaj“ “Quote” ‘single’ - dash – en — em … ellipsis",
)


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented UTF-8 JSON in ``path``."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def training_lines(text: str) -> list[str]:
    """The non-blank lines of ``text`` plus lines covering the alphabet and punctuation."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines + list(_ALPHABET_LINES)


def pad_vocab(vocab: dict[str, int], size: int | None, trained: int, reserve: int = 0) -> None:
    """Append ``<dummy_N>`` entries until ``vocab`` has ``size - reserve`` entries (None: as
    trained). Raises ValueError when the trained vocabulary (``trained``) is already larger."""
    if size is None:
        return
    if trained > size:
        raise ValueError(f"trained vocabulary ({trained}) exceeds the shape's {size}")
    while len(vocab) < size - reserve:
        vocab[f"<dummy_{len(vocab)}>"] = len(vocab)


# ----------------------------------------------------------------------------------- marian


def train_spm(lines: list[str], vocab_size: int, seed: int) -> bytes:
    """A serialised SentencePiece unigram model trained on ``lines`` (deterministic)."""
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


def write_marian_tokenizer(
    out: Path, source_text: str, target_text: str, vocab_size: int, seed: int, model_vocab_size: int | None
) -> tuple[dict[str, int], int]:
    """Train and write the Marian tokenizer files into ``out``; return (vocabulary, ids trained)."""
    import sentencepiece as spm

    processors = []
    for name, text in (("source.spm", source_text), ("target.spm", target_text)):
        data = train_spm(training_lines(text), vocab_size, seed)
        (out / name).write_bytes(data)
        processors.append(spm.SentencePieceProcessor(model_proto=data))
    vocab: dict[str, int] = {"</s>": MARIAN_EOS_ID, "<unk>": MARIAN_UNK_ID}
    for processor in processors:
        for piece_id in range(processor.get_piece_size()):
            if processor.is_control(piece_id) or processor.is_unknown(piece_id):
                continue
            vocab.setdefault(processor.id_to_piece(piece_id), len(vocab))
    trained = len(vocab) + 1
    pad_vocab(vocab, model_vocab_size, trained, reserve=1)
    vocab["<pad>"] = len(vocab)
    write_json(out / "vocab.json", vocab)
    write_json(
        out / "tokenizer_config.json",
        {
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
        },
    )
    write_json(out / "special_tokens_map.json", {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})
    return vocab, trained


def check_marian_tokenizer(out: Path, text: str, size: int) -> None:
    """Raise RuntimeError unless the tokenizer in ``out`` covers the first lines of ``text``."""
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


def write_bart_tokenizer(
    out: Path, text: str, vocab_size: int, max_length: int, model_vocab_size: int | None
) -> tuple[dict[str, int], int]:
    """Train and write the BART tokenizer files into ``out``; return (vocabulary, ids trained)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartTokenizer

    bpe = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    bpe.train_from_iterator(
        training_lines(text),
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
    if model_vocab_size is not None:
        vocab = dict(sorted(vocab.items(), key=lambda item: item[1]))
        pad_vocab(vocab, model_vocab_size, trained)
        write_json(out / "vocab.json", vocab)
    tokenizer = BartTokenizer.from_pretrained(out, model_max_length=max_length)
    tokenizer.save_pretrained(out)  # adds tokenizer.json and tokenizer_config.json
    _scrub_tokenizer_config(out / "tokenizer_config.json")
    return vocab, trained


def _scrub_tokenizer_config(path: Path) -> None:
    """Drop the loader-state keys transformers 5 writes into a saved tokenizer_config.json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only", "name_or_path", "_commit_hash"):
        data.pop(key, None)
    write_json(path, data)
