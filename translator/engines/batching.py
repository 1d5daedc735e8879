"""The one batching algorithm: length-sorted batches under a token budget.

Every place that groups rows for a model uses :func:`plan_batches`: translate.py (a request's
sentences into engine calls), the CTranslate2 engine (a call into sub-batches its workers decode
side by side), the transformers engine (a call into ``generate`` calls) and the summariser (its
chunks, through the engine). What changes between them is only the budget and how a batch is
costed (:func:`batch_cost`), which :func:`sub_batch_budget` and :func:`budget_for_memory` size
for the device.

Why length-sorted: a batch is padded to its widest source and decoded to its largest bound, so
neighbours in length waste the least. Why a token budget and not a row count: the work and the
memory of a batch grow with rows × width, and news sentences range from 5 to 200 tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CPU_POSITIONS_PER_THREAD",
    "GPU_DEFAULT_POSITIONS",
    "GPU_MEMORY_SHARE",
    "GPU_POSITIONS",
    "batch_cost",
    "budget_for_memory",
    "plan_batches",
    "sub_batch_budget",
]

CPU_POSITIONS_PER_THREAD = 4096
"""Decoder positions (rows × beams × (source + bound), see :func:`batch_cost`) in one CTranslate2
sub-batch per intra thread of a worker, on CPU.

Measured on the tc-big shape (benchmarks/bench_translate.py's workload, beam 4, 2 cores, 2 workers
× 1 thread), each sub-batch's CPU time taken alone and the two workers' queue replayed: raw
CTranslate2 was fastest with sub-batches of 256 padded source tokens (128: too few rows for the
int8 matrix products to amortise reading the weights at every step; 512: the last, longest
sub-batch ran alone while the other worker idled). Here the longest work is submitted first, so
the tail is a short sub-batch and larger ones pay: 4,096 positions (5 sentences of ~57 tokens, 20
hypotheses decoded together) came out 2-12 % faster than raw's 256-token split on the full and
the half workload, 3,072 (the old default) 7 % slower, 5,120-6,144 at times faster, at times
slower (3 sub-batches for 2 workers). Counted in positions, the budget holds for greedy search
(4× the sentences) and long rows (fewer of them), and it bounds memory: the attention caches of a
transformer-big cost about 48 kB a position (float32, 6 layers × 1024 × keys and values), so
~200 MB per worker. A worker with more intra threads wants proportionally more rows per matrix
product to keep its threads busy, hence "per thread"."""

GPU_POSITIONS = (16_384, 262_144)
"""The smallest and largest sub-batch, in decoder positions, that :func:`budget_for_memory`
gives a GPU: below, the GPU idles between kernel launches; above, a call only waits longer for
its longest row."""
GPU_DEFAULT_POSITIONS = 65_536
"""A GPU sub-batch where the free memory cannot be asked: ~3 GB of float16 attention caches for a
transformer-big."""
GPU_MEMORY_SHARE = 0.5
"""The share of a GPU's free memory (measured once the model is loaded) that batches may fill:
the rest is for the other model and the allocators' pools."""


def batch_cost(rows: int, width: int, bound: int = 0, beams: int = 1) -> int:
    """What a batch of ``rows`` costs: ``rows × beams × (width + bound)``, the decoder positions its
    search holds at its last step (``bound=0``, ``beams=1``: the padded source tokens)."""
    return rows * beams * (width + bound)


def plan_batches(
    lengths: Sequence[int],
    budget: int,
    *,
    max_rows: int | None = None,
    bounds: Sequence[int] | None = None,
    beams: int = 1,
    parts: int = 1,
) -> list[list[int]]:
    """Indices of ``lengths`` sorted by length (then bound), cut into contiguous batches.

    Each batch's :func:`batch_cost` (its widest source, its largest bound in ``bounds``, ``beams``)
    stays within ``budget`` and it holds at most ``max_rows`` rows; a single row over the budget
    gets a batch of its own. With ``parts`` > 1 (the workers that will run the batches side by
    side) there are at least that many batches, of near-equal cost, as long as there are rows
    enough. Every index appears exactly once; callers restore the input order themselves.
    """
    count = len(lengths)
    if count == 0:
        return []
    if bounds is None:
        bounds = [0] * count
    if len(bounds) != count:
        raise ValueError(f"{count} lengths but {len(bounds)} bounds")
    order = sorted(range(count), key=lambda i: (lengths[i], bounds[i]))
    batches = _cut(order, lengths, bounds, beams, budget, max_rows or count)
    wanted = min(max(1, parts), count)
    if len(batches) < wanted:
        batches = _cut_even(order, lengths, bounds, beams, wanted)
    return batches


def _cut(
    order: list[int], lengths: Sequence[int], bounds: Sequence[int], beams: int, budget: int, max_rows: int
) -> list[list[int]]:
    """Greedy: add rows in length order while the batch stays within ``budget`` and ``max_rows``."""
    batches: list[list[int]] = []
    current: list[int] = []
    bound = 0
    for index in order:
        width = lengths[index]  # sorted by length: the widest row so far
        wider = max(bound, bounds[index])
        if current and (len(current) >= max_rows or batch_cost(len(current) + 1, width, wider, beams) > budget):
            batches.append(current)
            current, wider = [], bounds[index]
        current.append(index)
        bound = wider
    batches.append(current)
    return batches


def _cut_even(
    order: list[int], lengths: Sequence[int], bounds: Sequence[int], beams: int, parts: int
) -> list[list[int]]:
    """``parts`` contiguous batches of near-equal cost (each row costed on its own)."""
    costs = [batch_cost(1, lengths[i], bounds[i], beams) for i in order]
    total = sum(costs)
    batches: list[list[int]] = [[]]
    done = 0
    for position, (index, cost) in enumerate(zip(order, costs)):
        left = len(order) - position  # rows not placed yet, this one included
        due = done >= total * len(batches) / parts
        if batches[-1] and len(batches) < parts and (due or left <= parts - len(batches)):
            batches.append([])
        batches[-1].append(index)
        done += cost
    return batches


def sub_batch_budget(
    device: str, intra_threads: int = 1, *, positions_per_thread: int = CPU_POSITIONS_PER_THREAD
) -> int:
    """The decoder positions one CTranslate2 sub-batch may hold on ``device`` (``cpu`` or
    ``cuda``) for a worker of ``intra_threads`` threads: :data:`CPU_POSITIONS_PER_THREAD` per
    thread on CPU, :data:`GPU_DEFAULT_POSITIONS` on a GPU (the engine sizes it from the free
    memory with :func:`budget_for_memory` where it can ask)."""
    if device == "cpu":
        return positions_per_thread * max(1, intra_threads)
    return GPU_DEFAULT_POSITIONS


def budget_for_memory(free_bytes: int, per_unit: int, *, share: float, limits: tuple[int, int]) -> int:
    """The units (padded source tokens, decoder positions) that ``share`` of ``free_bytes``
    holds at ``per_unit`` bytes each, within ``limits`` (smallest, largest)."""
    low, high = limits
    return max(low, min(high, int(free_bytes * share) // max(1, per_unit)))
