"""What every engine is: token ids in, token ids out (the :class:`Engine` protocol), and the error
an engine raises when it cannot run here."""

from __future__ import annotations

from typing import Protocol


class EngineUnavailable(RuntimeError):
    """An engine cannot run this model on this machine. The message is one line: the reason and
    the fix."""


class Ct2Unavailable(EngineUnavailable):
    """CTranslate2 cannot run this model here (not installed, no converter for the architecture,
    conversion or loading failed, a CUDA library, driver or memory error). ``engine="auto"`` then
    falls back to transformers."""


class Engine(Protocol):
    """What translate.py and summarize.py need from a backend."""

    name: str  # "hf" | "ct2"
    description: str  # e.g. "hf float32 on cpu" (shown in logs and the web page)

    def generate(
        self,
        batch: list[list[int]],
        *,
        max_new_tokens: list[int],
        num_beams: int = 1,
        min_new_tokens: int = 0,
        repetition_penalty: float = 1.0,
        no_repeat_ngram_size: int = 0,
        length_penalty: float = 1.0,
    ) -> list[list[int]]:
        """Return, for each input (token ids ending in EOS), the generated ids without the
        decoder start token, EOS or padding, at most ``max_new_tokens[i]`` long."""
        ...
