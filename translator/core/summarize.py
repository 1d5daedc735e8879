"""English text of any length → a summary, within the summariser's input limit (map-reduce).

Text that fits the model (1024 tokens for BART) is summarised in one pass. Longer text is cut on
sentence boundaries into balanced chunks that fit, each chunk is summarised (map, batched), and
the joined partial summaries are summarised again until they fit (reduce). No input is truncated.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from translator.engines import LoadedModel
from translator.engines.loaded import LazyModel
from translator.engines.models import Kind
from translator.options import SummaryOptions, check_length
from translator.text.inputs import check_text
from translator.text.pieces import segment_document

logger = logging.getLogger("translator")


def chunk_sentences(sentences: list[str], counts: list[int], budget: int) -> list[str]:
    """Join sentences into the fewest chunks of at most ``budget`` tokens, balanced in size so
    that no chunk is a short tail (a short chunk would barely shrink when summarised)."""
    total = sum(counts)
    pieces = max(1, math.ceil(total / budget))
    target = total / pieces
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence, count in zip(sentences, counts):
        if current and (size + count > budget or size >= target):
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += count
    if current:
        chunks.append(" ".join(current))
    return chunks


class Summarizer(LazyModel):
    """Summarise English text with a BART-family model; loads it on first use.

    Args:
        model: a Hub id or a local folder (default: ``$TRANSLATOR_SUMMARY_MODEL``, else
            ``sshleifer/distilbart-cnn-12-6``).
        device, engine, dtype: as :class:`~translator.options.RuntimeOptions` (None: the
            environment, else ``auto``).
        options: :class:`~translator.options.SummaryOptions`; ``option_overrides`` replace its
            fields (``num_beams=2``, ``length="short"``).

    Raises:
        InvalidInputError: a bad option (beams outside 1-6, an unknown length, device or engine).
    """

    kind: Kind = "summary"

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        engine: str | None = None,
        dtype: str | None = None,
        options: SummaryOptions | None = None,
        **option_overrides: Any,
    ) -> None:
        super().__init__(model, device, engine, dtype)
        self.options = replace(options or SummaryOptions(), **option_overrides)

    def summarize(
        self, text: str, *, length: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> str:
        """Return a summary of English ``text`` (``""`` for empty text).

        English longer than the summariser's input is cut into chunks on sentence boundaries (the
        translator's piece splitter), each chunk summarised, and the partial summaries summarised
        again until they fit (map-reduce, at most ``max_rounds`` rounds).

        Args:
            text: English text of any length.
            length: ``short``, ``medium`` or ``long`` (default: this summariser's option).
            progress: called with (rounds done, rounds expected) as rounds finish.

        Returns:
            The summary, ``""`` for blank text.

        Raises:
            InvalidTypeError: ``text`` is not a str.
            InvalidTextError: ``text`` is not valid Unicode.
            InvalidInputError: an unknown ``length``.
            ModelNotFoundError: the model is neither local nor downloadable.
        """
        check_text(text, "summarize()")
        length = check_length(length or self.options.length)
        if not text.strip():
            return ""
        model = self.model
        budget = min(self.options.max_input_tokens or model.max_input_tokens, model.max_input_tokens) - 2
        current = text
        for round_index in range(self.options.max_rounds):
            chunks = self._chunks(model, current, budget)
            partials = self._summarize_chunks(model, chunks, length)
            if progress:
                progress(round_index + 1, round_index + 1 + (len(chunks) > 1))
            if len(chunks) == 1:
                return partials[0]
            logger.info("summary round %d: %d chunks", round_index + 1, len(chunks))
            joined = " ".join(p for p in partials if p)
            if model.count_tokens(joined) >= model.count_tokens(current):
                # cannot happen with a working model; stop rather than loop on a broken one
                logger.warning("partial summaries did not shrink the text; returning them joined")
                return joined
            current = joined
        return current

    def _chunks(self, model: LoadedModel, text: str, budget: int) -> list[str]:
        # the translator's piece splitter: sentences, and a sentence over the budget cut at its
        # clauses (never truncated); each text is tokenised once
        counts: dict[str, int] = {}

        def count(part: str) -> int:
            if part not in counts:
                counts[part] = model.count_tokens(part)
            return counts[part]

        pieces = [
            text[p.start : p.end] for p in segment_document(text, lang="en", count_tokens=count, max_tokens=budget)
        ]
        return chunk_sentences(pieces, [count(piece) for piece in pieces], budget)

    def _summarize_chunks(self, model: LoadedModel, chunks: list[str], length: str) -> list[str]:
        """One engine call for every chunk of a round: the engine cuts it into length-sorted
        batches within its own budget (translator.engines.batching), as it does the translator's."""
        opts = self.options
        low, high = opts.bounds(length)
        encoded = model.encode(chunks)
        # a summary is never longer than its chunk: that is what makes the reduce rounds converge
        bounds = [max(1, min(high, len(ids))) for ids in encoded]
        outputs = model.engine.generate(
            encoded,
            max_new_tokens=bounds,
            min_new_tokens=min(low, min(bounds) // 2),
            num_beams=opts.num_beams,
            no_repeat_ngram_size=opts.no_repeat_ngram_size,
            length_penalty=opts.length_penalty,
        )
        return [model.decode(ids) for ids in outputs]
