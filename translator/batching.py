"""Length-sorted batches within a token budget, shared by translation and summaries."""

from __future__ import annotations


def plan_batches(lengths: list[int], batch_tokens: int, max_sentences: int) -> list[list[int]]:
    """Group indices into batches sorted by length, each within ``batch_tokens`` padded tokens
    and ``max_sentences`` rows; a row longer than the budget gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[index]  # sorted ascending, so this is the batch's widest row
        if current and ((len(current) + 1) * width > batch_tokens or len(current) >= max_sentences):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
