"""The architectures the tiny-model builder can make (a few hundred thousand parameters for tests
and demos, or the exact shape of the real models for speed and memory benchmarks), and the
random-weight models of a shape, saved as a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BART_SHAPES",
    "MARIAN_SHAPES",
    "SHAPE_ALIASES",
    "ModelShape",
    "architecture",
    "mask_dummies",
    "save_model",
    "save_random_model",
]


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
SHAPE_ALIASES = {
    "opus-mt-tc-big-zls-en": "opus-mt-tc-big",
    "Helsinki-NLP/opus-mt-tc-big-zls-en": "opus-mt-tc-big",
    "distilbart": "distilbart-cnn-12-6",
    "sshleifer/distilbart-cnn-12-6": "distilbart-cnn-12-6",
}


def mask_dummies(model: Any, vocab: dict[str, int], trained: int, size: int) -> None:
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


def save_random_model(
    model_class: Any, config: Any, generation: Any, seed: int, vocab: dict[str, int], trained: int, out: Path
) -> None:
    """Initialise ``model_class(config)`` from ``seed``, keep it off the ``<dummy_N>`` ids, give it
    the ``generation`` config (generation_config.json in transformers 5, not config.json) and
    save it into ``out``."""
    import torch

    torch.manual_seed(seed)
    model = model_class(config).eval()
    mask_dummies(model, vocab, trained, len(vocab))
    model.generation_config = generation
    save_model(model, out)


def save_model(model: Any, out: Path) -> None:
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


def architecture(spec: ModelShape, size: int) -> dict[str, Any]:
    """The config fields a shape sets, for MarianConfig and BartConfig alike."""
    return dict(
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
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
    )
