"""The transformers engine: ``model.generate`` under ``torch.inference_mode``."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from translator.engines import batching
from translator.engines.base import GenerateOptions, ScoredIds, mean_score
from translator.engines.batching import budget_for_memory, plan_batches
from translator.options import DEFAULT_BEAMS

logger = logging.getLogger("translator")

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
CPU_BATCH_TOKENS = 2048
GPU_BATCH_TOKENS = (2048, 65536)  # the smallest and largest call sized from a GPU's free memory
GPU_MEMORY_SHARE = batching.GPU_MEMORY_SHARE  # of the free memory at load (see translator.engines.batching)
OUTPUT_RATIO = 3  # decoder positions per source token: the bound is 2 × source + 16, plus the source
WARM_UP_SHAPES = ((1, 8), (16, 32), (64, 48))  # (rows, source tokens) of the warm-up batches
WARM_UP_TOKENS = 16


def torch_dtype(dtype: str, device: str) -> torch.dtype:
    """``auto`` is float32 on CPU/MPS and float16 on CUDA (bfloat16 where the GPU has it)."""
    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if dtype not in _DTYPES:
        raise ValueError(f"dtype {dtype!r} is not available with the hf engine: use {', '.join(_DTYPES)} or auto")
    if dtype != "float32" and device == "cpu":
        raise ValueError(f"dtype {dtype!r} needs a GPU; on CPU use float32 (or engine ct2 for int8)")
    return _DTYPES[dtype]


def bytes_per_source_token(config: Any, dtype: torch.dtype, beams: int = DEFAULT_BEAMS) -> int:
    """GPU memory one padded source token of a call costs during beam search: the keys and
    values each of ``beams`` hypotheses caches, in every decoder layer, for the source (cross
    attention) and the output (self attention, up to :data:`OUTPUT_RATIO` positions per source
    token), plus the float32 scores over the vocabulary a row's beams hold while choosing (spread
    over a row of 16 tokens; a few copies are alive at once)."""
    width = int(getattr(config, "d_model", 0) or getattr(config, "hidden_size", 1024))
    layers = int(getattr(config, "decoder_layers", 0) or getattr(config, "num_hidden_layers", 6))
    vocabulary = int(getattr(config, "vocab_size", 0) or 32000)
    element = torch.finfo(dtype).bits // 8
    cache = beams * OUTPUT_RATIO * 2 * layers * width * element
    scores = beams * vocabulary * 4 * 4 // 16
    return cache + scores


def batch_tokens_for_memory(
    free_bytes: int, per_token: int, *, share: float = GPU_MEMORY_SHARE, limits: tuple[int, int] = GPU_BATCH_TOKENS
) -> int:
    """Padded source tokens per ``generate`` call that ``share`` of ``free_bytes`` holds at
    ``per_token`` bytes each (:func:`bytes_per_source_token`), within ``limits``
    (:func:`translator.engines.batching.budget_for_memory`)."""
    return budget_for_memory(free_bytes, per_token, share=share, limits=limits)


def _load_model(path: Path, dtype: torch.dtype) -> Any:
    """The model in ``path`` with SDPA attention (fused kernels on a GPU), or the model's own
    attention where it has no SDPA version."""
    from transformers import AutoModelForSeq2SeqLM

    try:
        return AutoModelForSeq2SeqLM.from_pretrained(path, dtype=dtype, attn_implementation="sdpa")
    except (ValueError, ImportError) as exc:
        logger.info("%s: no SDPA attention (%s); using the model's own", path.name, str(exc).splitlines()[0][:120])
        return AutoModelForSeq2SeqLM.from_pretrained(path, dtype=dtype)


class HFEngine:
    """Seq2seq generation with a transformers model (MarianMT, BART, ...).

    On CUDA: bfloat16 (float16 where the GPU lacks it), SDPA attention, calls cut to what the
    device's free memory holds (:func:`batch_tokens_for_memory`), and a warm-up at load so that
    the first request does not pay for CUDA's start-up.
    """

    name = "hf"

    max_batch_tokens = CPU_BATCH_TOKENS
    """Padded source tokens per ``model.generate`` call: a larger batch from the caller is run in
    length-sorted pieces, so memory stays bounded whatever batch size suits the other engines."""

    def __init__(self, path: Path, *, device: str, dtype: str = "auto") -> None:
        self.device = device
        self.dtype = torch_dtype(dtype, device)
        self.model = _load_model(path, self.dtype).to(device).eval()
        config = self.model.config
        self.pad_id = config.pad_token_id if config.pad_token_id is not None else 0
        self.eos_id = config.eos_token_id
        # BART-style models force <s> as the first generated token; it carries no text
        self.forced_bos_id = getattr(self.model.generation_config, "forced_bos_token_id", None)
        self.description = f"hf {str(self.dtype).removeprefix('torch.')} on {device}"
        if device.startswith("cuda"):
            free, _total = torch.cuda.mem_get_info(torch.device(device))
            self.max_batch_tokens = batch_tokens_for_memory(free, bytes_per_source_token(config, self.dtype))
            self.description += f", {self.max_batch_tokens} tokens a call"
            self.warm_up()

    def warm_up(self) -> None:
        """Run a few small batches of the shapes real requests have, so that CUDA's kernel
        choices and memory pools are made before the first request, not during it."""
        started = time.perf_counter()
        token = self.eos_id if isinstance(self.eos_id, int) else 0
        for rows, width in WARM_UP_SHAPES:
            batch = [[(i % 7) + 3 for i in range(width - 1)] + [token]] * rows
            self.generate(batch, max_new_tokens=[WARM_UP_TOKENS] * rows, num_beams=4)
        torch.cuda.synchronize(torch.device(self.device))
        logger.info("hf engine warmed up on %s in %.1f s", self.device, time.perf_counter() - started)

    def generate(self, batch: list[list[int]], *, max_new_tokens: list[int], **options: Any) -> list[list[int]]:
        """See :class:`~translator.engines.base.Engine` (``options``: a
        :class:`~translator.engines.base.GenerateOptions`' fields): the rows are run in
        length-sorted calls of at most :attr:`max_batch_tokens` padded source tokens."""
        opts = GenerateOptions(**options)
        results: list[list[int]] = [[] for _ in batch]
        for chunk in plan_batches([len(ids) for ids in batch], self.max_batch_tokens):
            outputs = self._generate([batch[i] for i in chunk], [max_new_tokens[i] for i in chunk], opts)
            for i, out in zip(chunk, outputs):
                results[i] = out
        return results

    def express_generate(self, batch: list[list[int]], *, max_new_tokens: list[int], **options: Any) -> list[list[int]]:
        """:meth:`generate`, meant to run beside a call already running (the shared batcher's
        express lane, :mod:`translator.engines.shared`): torch runs both at once, so a few rows
        need not wait for a long batch to end."""
        return self.generate(batch, max_new_tokens=max_new_tokens, **options)

    def n_best(
        self,
        batch: list[list[int]],
        *,
        max_new_tokens: list[int],
        count: int,
        num_beams: int = 1,
        length_penalty: float = 1.0,
    ) -> list[list[list[int]]]:
        """See :class:`~translator.engines.base.Engine`: ``num_return_sequences`` of a beam search
        at least ``count`` wide, in length-sorted calls of :attr:`max_batch_tokens` padded source
        tokens shared by the beams."""
        if len(max_new_tokens) != len(batch):
            raise ValueError(f"{len(batch)} inputs but {len(max_new_tokens)} max_new_tokens")
        count = max(1, count)
        beams = max(num_beams, count)
        results: list[list[list[int]]] = [[] for _ in batch]
        budget = max(1, self.max_batch_tokens * max(1, num_beams) // beams)
        for chunk in plan_batches([len(ids) for ids in batch], budget):
            input_ids, attention = self._padded([batch[i] for i in chunk])
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=input_ids.to(self.device),
                    attention_mask=attention.to(self.device),
                    max_new_tokens=max(max_new_tokens[i] for i in chunk),
                    num_beams=beams,
                    num_return_sequences=count,
                    do_sample=False,
                    length_penalty=length_penalty,
                    early_stopping=beams > 1,
                    max_length=None,
                    min_length=None,
                    forced_eos_token_id=None,
                )
            rows = output.tolist()  # count rows per input, best first
            for k, i in enumerate(chunk):
                results[i] = [self._keep(row, max_new_tokens[i])[0] for row in rows[k * count : (k + 1) * count]]
        return results

    def _padded(self, batch: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows right-padded to the widest, and their attention mask."""
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention[row, : len(ids)] = 1
        return input_ids, attention

    def _generate(self, batch: list[list[int]], max_new_tokens: list[int], opts: GenerateOptions) -> list[list[int]]:
        input_ids, attention = self._padded(batch)
        # One bound for the batch; each row is cut to its own bound below, which with greedy
        # decoding gives exactly what the row would get alone.
        limit = max(max_new_tokens)
        recorder = StepLogProbs(self._candidates(opts.num_beams)) if opts.return_scores else None
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention.to(self.device),
                max_new_tokens=limit,
                min_new_tokens=min(opts.min_new_tokens, limit),
                num_beams=opts.num_beams,
                do_sample=False,
                repetition_penalty=opts.repetition_penalty,
                no_repeat_ngram_size=opts.no_repeat_ngram_size,
                length_penalty=opts.length_penalty,
                early_stopping=True if opts.num_beams > 1 else False,
                max_length=None,
                min_length=None,
                # a forced EOS on the last allowed step would make a row's output depend on
                # the batch's longest bound; rows are cut to their own bound below instead
                forced_eos_token_id=None,
                logits_processor=LogitsProcessorList([recorder]) if recorder else None,
                return_dict_in_generate=recorder is not None,
            )
        if recorder is None:
            return [self._keep(row, bound)[0] for row, bound in zip(output.tolist(), max_new_tokens)]
        per_token = recorder.per_token(output.sequences, getattr(output, "beam_indices", None)).tolist()
        results: list[list[int]] = []
        for row, bound, logprobs in zip(output.sequences.tolist(), max_new_tokens, per_token):
            tokens, total, count = self._keep(row, bound, logprobs)
            results.append(ScoredIds(tokens, mean_score(total, count)))
        return results

    def _keep(self, row: list[int], bound: int, logprobs: list[float] | None = None) -> tuple[list[int], float, int]:
        """The text ids of one generated ``row`` (decoder start, a forced first token, EOS and
        padding left out) cut to ``bound`` generated tokens (a forced first token counts, as
        ``model.generate`` and CTranslate2 count it); with ``logprobs`` (one per position after the
        decoder start) also the sum and count of the log-probabilities of the tokens the model
        generated up to there: the kept ones, and EOS when it came within the bound."""
        tokens: list[int] = []
        total, count = 0.0, 0
        start = 2 if self.forced_bos_id is not None and len(row) > 1 and row[1] == self.forced_bos_id else 1
        room = bound - (start - 1)
        for position in range(start, len(row)):  # row[0] is the decoder start token
            if len(tokens) >= room:
                break  # alone, the row would have stopped here: what follows is not its output
            token = row[position]
            if logprobs is not None:
                total += logprobs[position - 1]
                count += 1
            if token == self.eos_id:
                break
            if token != self.pad_id:
                tokens.append(token)
        return tokens, total, count

    def _candidates(self, num_beams: int) -> int:
        """How many continuations of each row a search step looks at: 1 for greedy search; for
        beam search, transformers keeps the best ``max(2, 1 + EOS ids) × beams`` of all beams."""
        if num_beams <= 1:
            return 1
        eos = self.model.generation_config.eos_token_id
        count = len(eos) if isinstance(eos, (list, tuple)) else 1
        return max(2, 1 + count) * num_beams


class StepLogProbs(LogitsProcessor):
    """The model's own scores, at the cost of a few numbers per row and step.

    Put last in ``generate``'s logits processors, it leaves the scores as they are and keeps the
    log-probabilities the search chooses from (the log-softmax of the scores after every
    constraint): the best one per row for greedy search; the best ``candidates`` with their ids per
    beam for beam search, where every continuation transformers keeps is among its own beam's best
    ``candidates``. ``output_scores=True`` would keep the whole vocabulary for every row and step
    (about 60 MB a step for 64 sentences × 4 beams with a 57k vocabulary).
    """

    def __init__(self, candidates: int = 1) -> None:
        self.candidates = candidates
        self.values: list[torch.Tensor] = []
        self.ids: list[torch.Tensor] = []

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        normaliser = torch.logsumexp(scores, dim=-1, keepdim=True)
        if self.candidates == 1:
            self.values.append(scores.max(dim=-1, keepdim=True).values - normaliser)
        else:
            values, ids = scores.topk(min(self.candidates, scores.shape[-1]), dim=-1)
            self.values.append(values - normaliser)
            self.ids.append(ids)
        return scores

    def per_token(self, sequences: torch.Tensor, beam_indices: torch.Tensor | None = None) -> torch.Tensor:
        """``(rows, positions)``: the log-probability of each token of ``sequences`` after the
        decoder start; NaN where it is not known (past a beam hypothesis' end)."""
        rows, width = sequences.shape[0], sequences.shape[1] - 1
        result = torch.full((rows, width), float("nan"))
        positions = min(width, len(self.values))
        if positions == 0:
            return result
        values = torch.stack(self.values[:positions])  # (positions, search rows, kept)
        if not self.ids:  # greedy: the chosen token is the best one, on the row's own search row
            result[:, :positions] = values[:, :, 0].T.float().cpu()
            return result
        if beam_indices is None:  # beam search returns them: generate() asks for them with the scores
            raise ValueError("per_token needs beam_indices when the search kept several candidates")
        ids = torch.stack(self.ids[:positions])
        origin = beam_indices[:, :positions].long().to(values.device)
        steps = torch.arange(positions, device=values.device)[None, :]
        chosen = sequences[:, 1 : positions + 1].to(values.device)[..., None]
        match = ids[steps, origin.clamp(min=0)] == chosen  # (rows, positions, kept)
        found = match.any(dim=-1) & (origin >= 0)
        picked = values[steps, origin.clamp(min=0)].masked_fill(~match, 0.0).sum(dim=-1)
        result[:, :positions] = picked.masked_fill(~found, float("nan")).float().cpu()
        return result
