"""Shared fixtures: tiny random-weight models built with the real classes and real tokenizers
trained on the repo's example texts. No network: HF_HUB_OFFLINE is set before anything imports
huggingface_hub."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO / "examples" / "article-sl.txt"


@dataclass(frozen=True)
class TinyModels:
    marian: Path
    bart: Path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    from translator.tiny import build_all

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
