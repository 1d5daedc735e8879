"""Shared fixtures: tiny random-weight models built with the real classes and real tokenizers
trained on the repo's example texts. No network: HF_HUB_OFFLINE is set before anything imports
huggingface_hub."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import atexit
import shutil
import tempfile

# The translation cache (on by default for servers) goes to a folder of this run, never the user's:
# servers started here, in process or as subprocesses, share it and it is removed at the end.
os.environ["TRANSLATOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="tc-test-cache-")
atexit.register(shutil.rmtree, os.environ["TRANSLATOR_CACHE_DIR"], ignore_errors=True)

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO / "examples" / "article-sl.txt"


@dataclass(frozen=True)
class TinyModels:
    marian: Path
    bart: Path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    from translator.testing import build_all

    marian, bart = build_all(tmp_path_factory.mktemp("tiny-models"))
    return TinyModels(marian=marian, bart=bart)


@pytest.fixture
def tiny_env(tiny_models: TinyModels, monkeypatch: pytest.MonkeyPatch) -> TinyModels:
    """Point the default models at the tiny ones, as a user would with environment variables."""
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", str(tiny_models.marian))
    monkeypatch.setenv("TRANSLATOR_SUMMARY_MODEL", str(tiny_models.bart))
    return tiny_models


@pytest.fixture(scope="session")
def seed_article() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def looping_marian(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MarianMT biased to say one English word forever: the classic degenerate loop."""
    import shutil

    import torch
    from transformers import MarianMTModel, MarianTokenizer

    # a folder of its own: converted copies go beside it (.ct2/), away from other tests' folders
    folder = tmp_path_factory.mktemp("looping") / "marian"
    shutil.copytree(tiny_models.marian, folder)
    vocab = MarianTokenizer.from_pretrained(folder).get_vocab()
    word = next(piece for piece in sorted(vocab) if piece.startswith("▁") and piece[1:].isalpha() and len(piece) > 3)
    model = MarianMTModel.from_pretrained(folder)
    with torch.no_grad():
        model.final_logits_bias[0, vocab[word]] = 1e4
    model.save_pretrained(folder)
    return folder


class GenerateCall(NamedTuple):
    """One engine.generate call (``lane`` "express": ``express_generate``): its batch, keyword
    arguments and outputs."""

    batch: list[list[int]]
    kwargs: dict
    outputs: list[list[int]]
    lane: str = "generate"


@pytest.fixture
def generate_spy(monkeypatch: pytest.MonkeyPatch):
    """``spy(engine)`` records every ``engine.generate`` call, and ``express_generate`` call where
    the engine has one (the real ones run), until the test ends; returns the list the calls are
    appended to."""

    def spy(engine) -> list[GenerateCall]:
        calls: list[GenerateCall] = []
        for lane in ("generate", "express_generate"):
            real = getattr(engine, lane, None)
            if real is None:
                continue

            def recording(batch, real=real, lane=lane, **kwargs):
                outputs = real(batch, **kwargs)
                calls.append(GenerateCall(batch, kwargs, outputs, "express" if lane != "generate" else lane))
                return outputs

            monkeypatch.setattr(engine, lane, recording)
        return calls

    return spy
