"""The CTranslate2 engine: a converted copy of the Hugging Face model run by ``ctranslate2.Translator``.

CTranslate2 runs MarianMT and BART (both encoder-decoder) several times faster than transformers on
a CPU, mostly from int8 weights and a leaner decoding loop. The converted copy comes from
:mod:`translator.engines.ct2_convert`. On a GPU the engine checks, when it is created, that
CTranslate2 really runs there (one short translation): a CUDA library, driver, memory or
compute-type error, then or later, is raised as :class:`Ct2Unavailable` with one line naming the
problem and the fix, so that ``engine="auto"`` can switch to transformers.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from translator.engines.base import Ct2Unavailable, GenerateOptions, ScoredIds, mean_score
from translator.engines.batching import (
    GPU_MEMORY_SHARE,
    GPU_POSITIONS,
    budget_for_memory,
    plan_batches,
    sub_batch_budget,
)
from translator.engines.ct2_convert import convert, quantization_for, read_vocabulary
from translator.engines.ct2_lanes import Lanes
from translator.engines.ct2_settings import (
    available_cores,
    bytes_per_position,
    compute_type,
    ct2_device,
    cuda_free_bytes,
    thread_split,
)
from translator.engines.cuda_libs import cuda_errors, cuda_failure, preload_cublas_once
from translator.engines.tokenizer import read_json
from translator.options import ENV_CT2_MAX_POSITIONS, env_int
from translator.system.allocator import share_one_arena

logger = logging.getLogger("translator")

__all__ = [
    "CT2Engine",
    "Ct2Unavailable",
    "available_cores",
    "bytes_per_position",
    "compute_type",
    "ct2_device",
    "cuda_free_bytes",
    "quantization_for",
    "thread_split",
]

SCORE_SHARE = 32
"""A scoring batch (see CT2Engine._rescore) holds 1/SCORE_SHARE of a sub-batch's positions."""


# ----------------------------------------------------------------------------- the engine


class CT2Engine:
    """Seq2seq generation with ``ctranslate2.Translator`` (MarianMT, BART, ...).

    A call's rows are sorted by length and cut into sub-batches (see :meth:`sub_batches`), each
    with its own decoding bound, and queued together, longest work first, so the
    ``inter_threads`` workers decode them side by side and finish together. Token
    ids map one to one onto the converted vocabulary (checked at conversion). A model whose
    generation config forces a first token (BART's ``<s>``) gets it as the target prefix; it
    counts towards the bound and is left out of the result, as in the hf engine.

    The express lane: CTranslate2 runs one worker more than ``inter_threads``, kept free for
    :meth:`express_generate` (:mod:`translator.engines.ct2_lanes`).

    Raises Ct2Unavailable when CTranslate2 cannot run the model here; on CUDA that includes a
    failed one-sentence probe (a missing ``libcublas.so.12``, an old driver, no memory).
    """

    name = "ct2"

    def __init__(
        self,
        path: Path,
        *,
        device: str = "cpu",
        dtype: str = "auto",
        kind: str = "translation",
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        max_positions: int | None = None,
    ) -> None:
        try:
            import ctranslate2
        except ImportError as exc:
            raise Ct2Unavailable(f"ctranslate2 is not installed ({exc}); fix: pip install ctranslate2") from exc
        backend, index = ct2_device(device)
        self.backend = backend
        if backend == "cuda":
            if ctranslate2.get_cuda_device_count() == 0:
                raise Ct2Unavailable("this CTranslate2 build sees no CUDA device")
            preload_cublas_once()  # before CTranslate2 first opens libcublas.so.12
        self.device = device
        self.compute_type = compute_type(dtype, device)
        self.path = convert(path, quantization_for(self.compute_type))
        if backend == "cpu":
            self.inter_threads, self.intra_threads = thread_split(kind=kind, inter=inter_threads, intra=intra_threads)
            share_one_arena()  # before the workers start: translator/system/allocator.py says why
        else:
            self.inter_threads, self.intra_threads = inter_threads or 1, intra_threads or min(4, available_cores())
        given_positions = max_positions or env_int(ENV_CT2_MAX_POSITIONS, 0)
        try:
            self.translator = ctranslate2.Translator(
                str(self.path),
                device=backend,
                device_index=index,
                compute_type=self.compute_type,
                inter_threads=self.inter_threads + 1,  # the spare one: the express lane
                intra_threads=self.intra_threads,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            reason = (cuda_failure(exc) if backend == "cuda" else None) or " ".join(str(exc).split())
            raise Ct2Unavailable(f"CTranslate2 cannot load {self.path.name} on {device}: {reason}") from exc
        # at most inter_threads sub-batches in CTranslate2's queue: the spare worker stays free
        self._lanes = Lanes(self.inter_threads)
        self._read_generation_settings(Path(path))
        # see sub_batches(): per intra thread on CPU, from the free memory on a GPU
        self.max_positions = given_positions or self._positions_budget(index)
        threads = (
            f"{self.inter_threads}x{self.intra_threads} threads"
            if backend == "cpu"
            else f"device {index}, {self.max_positions:,} positions a sub-batch"
        )
        self.description = f"ct2 {self.compute_type} on {device} ({threads})"
        if backend == "cuda":
            self.probe()

    def _positions_budget(self, index: int) -> int:
        """Decoder positions a sub-batch may hold (:func:`translator.engines.batching.sub_batch_budget`):
        on a GPU, what :data:`GPU_MEMORY_SHARE` of its free memory holds once the model is loaded
        (:func:`bytes_per_position`), or the fixed default where the free memory cannot be asked."""
        if self.backend == "cpu":
            return sub_batch_budget("cpu", self.intra_threads)
        free = cuda_free_bytes(index)
        if free is None:
            return sub_batch_budget(self.backend)
        return budget_for_memory(
            free, bytes_per_position(self.config, self.compute_type), share=GPU_MEMORY_SHARE, limits=GPU_POSITIONS
        )

    def _read_generation_settings(self, source: Path) -> None:
        self.vocabulary = read_vocabulary(self.path)
        self.token_id = {token: i for i, token in enumerate(self.vocabulary)}
        config = self.config = read_json(source / "config.json")
        generation = read_json(source / "generation_config.json")

        def setting(key: str) -> Any:
            return generation.get(key, config.get(key))

        size = len(self.vocabulary)
        self.pad_id = setting("pad_token_id")
        self.eos_id = setting("eos_token_id")
        forced_bos = setting("forced_bos_token_id")
        self.prefix = [self.vocabulary[forced_bos]] if isinstance(forced_bos, int) and forced_bos < size else None
        bad = setting("bad_words_ids") or []
        self.suppress = [
            [self.vocabulary[i] for i in seq]
            for seq in bad
            if seq and all(isinstance(i, int) and i < size for i in seq)
        ] or None

    def probe(self) -> None:
        """Translate one short sentence, so that a GPU that cannot run CTranslate2 (a missing
        CUDA library, an old driver, no memory) shows now rather than on the first request.
        Raises Ct2Unavailable with the reason and the fix."""
        special = {self.pad_id, self.eos_id}
        ids = [i for i in range(min(len(self.vocabulary), 16)) if i not in special][-4:]
        if isinstance(self.eos_id, int):
            ids.append(self.eos_id)
        self.generate([ids], max_new_tokens=[2])

    def generate(self, batch: list[list[int]], *, max_new_tokens: list[int], **options: Any) -> list[list[int]]:
        """See :class:`~translator.engines.base.Engine` (``options``: a
        :class:`~translator.engines.base.GenerateOptions`' fields), on the ``inter_threads``
        workers. On CUDA, raises Ct2Unavailable for a CUDA library, driver, memory or
        compute-type error (one line: the reason and the fix).

        With ``return_scores``, a row that reached its own bound inside a sub-batch decoded to a
        larger one is scored again on exactly the ids returned (CTranslate2 gives one score per
        hypothesis, not one per token), with one forward pass (``score_batch``)."""
        return self._generate(batch, max_new_tokens, GenerateOptions(**options), express=False)

    def express_generate(self, batch: list[list[int]], *, max_new_tokens: list[int], **options: Any) -> list[list[int]]:
        """:meth:`generate` on the spare worker, in the caller's thread: it starts at once, whatever
        the other workers decode (see the class docstring). Meant for a few rows (one sub-batch's
        :attr:`max_positions`); more are decoded in turn on that one worker."""
        return self._generate(batch, max_new_tokens, GenerateOptions(**options), express=True)

    def saturated(self) -> bool:
        """Whether every worker but the spare one has a sub-batch (running or next in line)."""
        return self._lanes.saturated()

    def n_best(
        self,
        batch: list[list[int]],
        *,
        max_new_tokens: list[int],
        count: int,
        num_beams: int = 1,
        length_penalty: float = 1.0,
    ) -> list[list[list[int]]]:
        """See :class:`~translator.engines.base.Engine`: ``num_hypotheses`` of a beam search at
        least ``count`` wide, in the same length-sorted sub-batches as :meth:`generate` (sized
        for the wider beam)."""
        if not batch:
            return []
        if len(max_new_tokens) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(max_new_tokens)} max_new_tokens")
        count = max(1, count)
        beams = max(num_beams, count)
        with cuda_errors(self.backend, self.device):
            sources = self._tokens(batch)
            results: list[list[list[int]]] = [[] for _ in batch]
            for group in self.sub_batches([len(ids) for ids in batch], max_new_tokens, beams):
                found = self._lanes.run(
                    False,
                    partial(
                        self.translator.translate_batch,
                        [sources[i] for i in group],
                        target_prefix=[self.prefix] * len(group) if self.prefix else None,
                        beam_size=beams,
                        num_hypotheses=count,
                        suppress_sequences=self.suppress,
                        max_input_length=0,
                        max_decoding_length=max(max_new_tokens[i] for i in group),
                        length_penalty=length_penalty,
                        return_end_token=True,
                    ),
                ).result()
                for i, result in zip(group, found):
                    results[i] = [self._ids(tokens, max_new_tokens[i]) for tokens in result.hypotheses]
            return results

    def _tokens(self, batch: list[list[int]]) -> list[list[str]]:
        """The rows of ids as CTranslate2's tokens. Raises ValueError for an id out of range."""
        vocabulary = self.vocabulary
        try:
            return [[vocabulary[i] for i in ids] for ids in batch]
        except IndexError:
            raise ValueError(f"token id out of range for a vocabulary of {len(vocabulary)}") from None

    def _ids(self, tokens: list[str], bound: int) -> list[int]:
        """A hypothesis' text ids: the forced prefix, padding and EOS left out, cut to ``bound``
        (the forced prefix counts towards it, as in the hf engine)."""
        skip = 1 if self.prefix else 0
        ids = [self.token_id[t] for t in tokens[skip:] if t in self.token_id]
        return [t for t in ids if t != self.pad_id and t != self.eos_id][: bound - skip]

    def _generate(
        self, batch: list[list[int]], max_new_tokens: list[int], opts: GenerateOptions, *, express: bool
    ) -> list[list[int]]:
        if not batch:
            return []
        if len(max_new_tokens) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(max_new_tokens)} max_new_tokens")
        beams = max(1, opts.num_beams)
        with cuda_errors(self.backend, self.device):
            sources = self._tokens(batch)
            lengths = [len(ids) for ids in batch]
            groups = (
                plan_batches(lengths, self.max_positions, bounds=max_new_tokens, beams=beams)  # one worker
                if express
                else self.sub_batches(lengths, max_new_tokens, beams)
            )
            return self._decode(
                sources,
                groups,
                max_new_tokens,
                express=express,
                beam_size=beams,
                length_penalty=opts.length_penalty,
                repetition_penalty=opts.repetition_penalty,
                no_repeat_ngram_size=opts.no_repeat_ngram_size,
                min_new_tokens=opts.min_new_tokens,
                return_scores=opts.return_scores,
            )

    def _rescore(
        self, sources: list[list[str]], results: list[list[int]], rows: list[int], *, express: bool
    ) -> list[tuple]:
        """Submit the scoring of the ``rows`` cut at their own bound, on exactly the ids kept: one
        forward pass (``score_batch``) instead of decoding them again; :meth:`_rescored` collects
        the scores. The mean is over the kept tokens' model log-probabilities (no EOS: the row was
        cut).

        A forward pass holds the scores over the whole vocabulary for every target position
        (240 kB a position for a 60k vocabulary: 5 times a decoding position's attention cache),
        so the rows are scored in length-sorted batches of 1/:data:`SCORE_SHARE` of the decoding
        budget (:func:`~translator.engines.batching.plan_batches`), which the workers run side by side;
        in one batch, the 25 cut rows of a 2,000-token request took 1.5 GB."""
        prefix = list(self.prefix or [])
        targets = [prefix + [self.vocabulary[t] for t in results[i]] for i in rows]
        budget = max(1, self.max_positions // SCORE_SHARE)
        pending = []
        for group in plan_batches([len(t) for t in targets], budget, parts=self.inter_threads):
            score = partial(
                self.translator.score_batch,
                [sources[rows[k]] for k in group],
                [targets[k] for k in group],
                max_input_length=0,
                offset=len(prefix),
            )
            pending.append(([rows[k] for k in group], self._lanes.run(express, score)))
        return pending

    @staticmethod
    def _rescored(results: list[list[int]], pending: list[tuple]) -> None:
        """Put the scores of :meth:`_rescore` on their rows."""
        for rows, future in pending:
            for i, scored in zip(rows, future.result()):
                log_probs = list(scored.log_probs)[:-1]  # the last one is the EOS it appends
                results[i] = ScoredIds(results[i], mean_score(sum(log_probs), len(log_probs)))

    def _decode(
        self,
        sources: list[list[str]],
        groups: list[list[int]],
        max_new_tokens: list[int],
        *,
        express: bool,
        beam_size: int,
        min_new_tokens: int,
        length_penalty: float,
        return_scores: bool,
        **options: Any,
    ) -> list[list[int]]:
        """Decode each group of ``sources`` to its largest bound; return every row's ids, cut to its
        own bound (:class:`ScoredIds` with ``return_scores``: a row that reached its own bound
        below its group's is scored again, see :meth:`_rescore`, as soon as its group is done)."""
        pending = []
        # longest work first: the workers take groups in turn, so the small ones fill the gaps
        # at the end instead of one long group running alone while the other workers idle
        groups = sorted(groups, key=lambda g: len(g) * max(max_new_tokens[i] for i in g), reverse=True)
        for group in groups:
            limit = max(max_new_tokens[i] for i in group)
            decode = partial(
                self.translator.translate_batch,
                [sources[i] for i in group],
                target_prefix=[self.prefix] * len(group) if self.prefix else None,
                beam_size=beam_size,
                suppress_sequences=self.suppress,
                max_input_length=0,  # never truncate: the pipeline bounds inputs itself
                max_decoding_length=limit,
                min_decoding_length=min(min_new_tokens, limit),
                length_penalty=length_penalty,
                # EOS in the hypothesis: beams are ranked by a length that counts it, as
                # transformers ranks them, and the score's length is known exactly
                return_end_token=True,
                return_scores=return_scores,
                **options,
            )
            pending.append((group, self._lanes.run(express, decode)))
        results: list[list[int]] = [[] for _ in sources]
        scoring: list[tuple] = []
        skip = 1 if self.prefix else 0  # the forced <s> carries no text (as in the hf engine)
        while pending:  # popped: CTranslate2's results (every hypothesis) are released as they are read
            group, future = pending.pop(0)
            past_bound: list[int] = []
            for i, result in zip(group, future.result()):
                tokens = result.hypotheses[0]
                ids = self._ids(tokens, max_new_tokens[i])
                if not return_scores:
                    results[i] = ids
                    continue
                results[i] = ScoredIds(ids, self._score(result.scores[0], len(tokens), skip, length_penalty))
                if len(tokens) > max_new_tokens[i]:
                    past_bound.append(i)  # alone, it would have stopped at its own bound
            if past_bound:  # scored while the workers still decode the groups after this one
                scoring += self._rescore(sources, results, past_bound, express=express)
        self._rescored(results, scoring)
        return results

    @staticmethod
    def _score(score: float, length: int, skip: int, length_penalty: float) -> float | None:
        """The mean log-probability (see :class:`ScoredIds`) of a hypothesis of ``length`` tokens
        (the forced prefix and EOS included) that CTranslate2 scored ``score``: the sum of the
        log-probabilities of its decoding steps (the forced prefix adding 0) divided by
        ``length ** length_penalty``."""
        return mean_score(score * length**length_penalty, length - skip)

    def sub_batches(self, lengths: list[int], bounds: list[int], beams: int = 1) -> list[list[int]]:
        """Indices sorted by length, cut into contiguous groups (little padding, tight decoding
        bounds) of at most :attr:`max_positions` decoder positions, ``rows × beams × (source +
        bound)`` (:func:`~translator.engines.batching.plan_batches`), and at least one per worker. Each
        worker holds one group at a time, so the budget also bounds memory: the attention caches
        are about 48 kB a position for a transformer-big."""
        return plan_batches(lengths, self.max_positions, bounds=bounds, beams=beams, parts=self.inter_threads)
