"""What every engine is: token ids in, token ids out (the :class:`Engine` protocol), the scored
ids it returns when asked (:class:`ScoredIds`), and the error an engine raises when it cannot run
here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from translator.errors import TranslatorError


class EngineUnavailable(TranslatorError, RuntimeError):
    """An engine cannot run this model on this machine. The message is one line: the reason and
    the fix."""


class Ct2Unavailable(EngineUnavailable):
    """CTranslate2 cannot run this model here (not installed, no converter for the architecture,
    conversion or loading failed, a CUDA library, driver or memory error). ``engine="auto"`` then
    falls back to transformers."""


@dataclass(frozen=True)
class GenerateOptions:
    """How rows are decoded, besides each row's bound: the keywords every engine's
    :meth:`Engine.generate` takes, declared once here. Frozen and hashable, so calls with equal
    options can share a batch (engines/shared.py); an unknown keyword is a TypeError naming it.
    ``return_scores``: each row comes back as :class:`ScoredIds`."""

    num_beams: int = 1
    min_new_tokens: int = 0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0
    return_scores: bool = False


class ScoredIds(list[int]):
    """Generated token ids (a plain ``list`` of ints to every reader) with the model's own score.

    ``score`` is the mean log-probability of the tokens the model generated for this row: the sum
    of each token's log-probability, under the distribution the search chose it from (the model's
    softmax after the decoding constraints: suppressed tokens, ``min_new_tokens``, repetition
    penalties), divided by the number of those tokens. The tokens are exactly those kept (each row
    is cut to its own bound) plus the end-of-sentence token when the model produced it within the
    bound; a token the model was forced to start with (BART's ``<s>``) counts in neither. 0 means
    certain, lower is less sure; ``exp(score)`` is the geometric mean of the token probabilities.
    None where the engine could not tell.
    """

    __slots__ = ("score",)

    def __init__(self, ids: Iterable[int] = (), score: float | None = None) -> None:
        super().__init__(ids)
        self.score = score

    def __repr__(self) -> str:
        return f"ScoredIds({list.__repr__(self)}, score={self.score!r})"


def mean_score(total: float, count: int) -> float | None:
    """``total / count`` (a :class:`ScoredIds` score), None when there is nothing to average or
    the total is not a finite number."""
    if count <= 0 or not math.isfinite(total):
        return None
    return total / count


class Engine(Protocol):
    """What translate.py and summarize.py need from a backend. An engine may also offer
    ``express_generate`` (same arguments and result as :meth:`generate`), started at once on
    capacity kept for it: the shared batcher's express lane (:mod:`translator.engines.shared`)."""

    name: str  # "hf" | "ct2"
    description: str  # e.g. "hf float32 on cpu" (shown in logs and the web page)

    def generate(self, batch: list[list[int]], *, max_new_tokens: list[int], **options: Any) -> list[list[int]]:
        """Return, for each input (token ids ending in EOS), the generated ids without the
        decoder start token, EOS or padding, at most ``max_new_tokens[i]`` long. ``options``: the
        fields of :class:`GenerateOptions` (``num_beams=4``, ``return_scores=True``); with
        ``return_scores`` each row is a :class:`ScoredIds` carrying the model's score for exactly
        those ids."""
        ...

    def n_best(
        self,
        batch: list[list[int]],
        *,
        max_new_tokens: list[int],
        count: int,
        num_beams: int = 1,
        length_penalty: float = 1.0,
    ) -> list[list[list[int]]]:
        """Return, for each input, up to ``count`` hypotheses of a beam search at least ``count``
        wide (``max(num_beams, count)``), best first, each as :meth:`generate` returns a row (no
        decoder start, forced first token, EOS or padding; at most ``max_new_tokens[i]`` long)."""
        ...
