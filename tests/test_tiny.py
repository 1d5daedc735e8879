"""translator.testing: random-weight Marian/BART built locally with real tokenizers."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json
import re
from pathlib import Path

import pytest

from translator.testing import MARKER, build_all, build_bart, build_marian, read_marker

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXTRA_SL = [
    "Čeprav je Đoković rekel: »Šola, žaba, ćevapčiči!« – „Da“, pravi 3,5 % (2025).",
    "ČŠŽĆĐ čšžćđ … 12.000 € #1 @x",
]
EXTRA_EN = ['Over 3.5% of "quoted" text — “curly” ‘quotes’… and čšž, 1992!']


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?\"])\s+|\n+", text) if s.strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_all(tmp_path_factory.mktemp("tiny"))


def test_marian_tokenizer_round_trip(built):
    from transformers import MarianTokenizer

    marian, _ = built
    tok = MarianTokenizer.from_pretrained(marian)
    config = json.loads((marian / "config.json").read_text())
    assert (tok.eos_token_id, tok.unk_token_id) == (0, 1)
    assert tok.pad_token_id == len(tok) - 1 == config["vocab_size"] - 1
    assert config["pad_token_id"] == config["decoder_start_token_id"] == tok.pad_token_id
    assert config["eos_token_id"] == 0
    texts = sentences((EXAMPLES / "article-sl.txt").read_text(encoding="utf-8")) + EXTRA_SL
    for text in texts:
        ids = tok(text)["input_ids"]
        assert ids[-1] == tok.eos_token_id
        assert tok.unk_token_id not in ids, text
        assert max(ids) < config["vocab_size"]
        assert tok.decode(ids, skip_special_tokens=True) == text
    # English on the target side round-trips too (decoded with the target SentencePiece model).
    for text in sentences((EXAMPLES / "article-en.txt").read_text(encoding="utf-8")) + EXTRA_EN:
        ids = tok(text_target=text)["input_ids"]
        assert tok.unk_token_id not in ids
        assert tok.decode(ids, skip_special_tokens=True, use_source_tokenizer=False) == text


def test_marian_generates(built):
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    marian, _ = built
    tok = MarianTokenizer.from_pretrained(marian)
    model = MarianMTModel.from_pretrained(marian).eval()
    batch = tok(["Dober dan.", "Regija je bogata z redkimi zemljami."], return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=8)
    assert out.shape[0] == 2 and 2 <= out.shape[1] <= 9
    assert (out[:, 0] == model.config.decoder_start_token_id).all()
    assert int(out.min()) >= 0 and int(out.max()) < model.config.vocab_size == len(tok)
    assert all(isinstance(text, str) for text in tok.batch_decode(out, skip_special_tokens=True))


def test_bart_tokenizer_round_trip(built):
    from transformers import AutoTokenizer

    _, bart = built
    tok = AutoTokenizer.from_pretrained(bart)
    config = json.loads((bart / "config.json").read_text())
    ids = (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id, tok.mask_token_id)
    assert ids == (0, 1, 2, 3, 4)
    assert (config["bos_token_id"], config["pad_token_id"], config["eos_token_id"]) == (0, 1, 2)
    assert config["decoder_start_token_id"] == 2
    assert len(tok) == config["vocab_size"]
    article = (EXAMPLES / "article-en.txt").read_text(encoding="utf-8").strip()
    for text in [article, *sentences(article), *EXTRA_EN, *EXTRA_SL]:
        encoded = tok(text)["input_ids"]
        assert encoded[0] == tok.bos_token_id and encoded[-1] == tok.eos_token_id
        assert max(encoded) < config["vocab_size"]
        assert tok.decode(encoded, skip_special_tokens=True) == text


def test_bart_generates(built):
    import torch
    from transformers import AutoTokenizer, BartForConditionalGeneration

    _, bart = built
    tok = AutoTokenizer.from_pretrained(bart)
    model = BartForConditionalGeneration.from_pretrained(bart).eval()
    article = (EXAMPLES / "article-en.txt").read_text(encoding="utf-8")
    batch = tok([article, "Short text."], return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=8)
    assert out.shape[0] == 2 and 2 <= out.shape[1] <= 9
    assert (out[:, 0] == 2).all() and (out[:, 1] == 0).all()  # </s> start, forced <s>
    assert int(out.min()) >= 0 and int(out.max()) < model.config.vocab_size


def test_build_is_idempotent_and_deterministic(built, tmp_path):
    marian, bart = built
    before = {p: (p / MARKER).stat().st_mtime_ns for p in built}
    weights = {p: (p / "model.safetensors").stat().st_mtime_ns for p in built}
    assert build_marian(marian) == marian
    assert build_bart(bart) == bart
    assert build_all(marian.parent) == (marian, bart)
    assert {p: (p / MARKER).stat().st_mtime_ns for p in built} == before
    assert {p: (p / "model.safetensors").stat().st_mtime_ns for p in built} == weights
    assert read_marker(marian)["shape"] == "tiny" and read_marker(bart)["kind"] == "bart"

    again = build_marian(tmp_path / "marian")  # same seed elsewhere: byte-identical files
    names = sorted(p.name for p in marian.iterdir())
    assert sorted(p.name for p in again.iterdir()) == names
    for name in names:
        assert (again / name).read_bytes() == (marian / name).read_bytes(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_changed_arguments_rebuild(tmp_path):
    out = build_bart(tmp_path / "bart", seed=0)
    weights = (out / "model.safetensors").read_bytes()
    assert build_bart(out, seed=1) == out
    assert read_marker(out)["seed"] == 1
    assert (out / "model.safetensors").read_bytes() != weights


def test_corpus_as_text_and_errors(tmp_path):
    text = "The quick brown fox jumps over the lazy dog.\nA second line, with 2 numbers: 3 and 4.\n"
    out = build_bart(tmp_path / "bart-text", corpus=text, vocab_size=400)
    assert read_marker(out)["vocab_size"] == 400
    with pytest.raises(ValueError):
        build_bart(tmp_path / "x", shape="huge")
    with pytest.raises(FileNotFoundError):
        build_marian(tmp_path / "x", source_corpus=tmp_path / "missing.txt")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        build_bart(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
