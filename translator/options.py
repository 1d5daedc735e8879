"""Frozen option sets. Change them with ``dataclasses.replace(options, field=value)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Engine = Literal["auto", "hf", "ct2"]
SummaryLength = Literal["short", "medium", "long"]


@dataclass(frozen=True)
class TranslationOptions:
    """How sentences are batched and decoded.

    ``max_piece_tokens`` is the largest source piece sent to the model; longer sentences are
    split at clause boundaries, then by token windows (never truncated). MarianMT accepts 512
    positions, but quality drops well before that, so pieces are kept shorter by default.
    """

    num_beams: int = 4
    batch_tokens: int = 2048
    max_batch_sentences: int = 64
    max_piece_tokens: int = 200
    # max_new_tokens = min(ratio * source_tokens + offset, model limit)
    max_length_ratio: float = 2.0
    max_length_offset: int = 16
    retry_repetitions: bool = True
    retry_repetition_penalty: float = 1.3
    retry_no_repeat_ngram_size: int = 4


@dataclass(frozen=True)
class SummaryOptions:
    """Summary length and decoding. ``length`` picks a preset of min/max new tokens."""

    length: SummaryLength = "medium"
    num_beams: int = 4
    max_input_tokens: int | None = None  # None: the model's own limit (1024 for BART)
    max_rounds: int = 8
    no_repeat_ngram_size: int = 3
    length_penalty: float = 2.0


SUMMARY_LENGTHS: dict[str, tuple[int, int]] = {
    "short": (20, 60),
    "medium": (56, 142),
    "long": (100, 256),
}


@dataclass(frozen=True)
class RuntimeOptions:
    """Where and how models run. ``device``/``dtype``/``engine`` ``"auto"`` pick per machine."""

    device: str = "auto"
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16 | int8 (ct2)
    engine: Engine = "auto"
