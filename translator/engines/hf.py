"""The transformers engine: ``model.generate`` under ``torch.inference_mode``."""

from __future__ import annotations

from pathlib import Path

import torch

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


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


class HFEngine:
    """Seq2seq generation with a transformers model (MarianMT, BART, ...)."""

    name = "hf"

    def __init__(self, path: Path, *, device: str, dtype: str = "auto") -> None:
        from transformers import AutoModelForSeq2SeqLM

        self.device = device
        self.dtype = torch_dtype(dtype, device)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(path, dtype=self.dtype).to(device).eval()
        config = self.model.config
        self.pad_id = config.pad_token_id if config.pad_token_id is not None else 0
        self.eos_id = config.eos_token_id
        # BART-style models force <s> as the first generated token; it carries no text
        self.forced_bos_id = getattr(self.model.generation_config, "forced_bos_token_id", None)
        self.description = f"hf {str(self.dtype).removeprefix('torch.')} on {device}"

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
        if not batch:
            return []
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention[row, : len(ids)] = 1
        # One bound for the batch; each row is cut to its own bound below, which with greedy
        # decoding gives exactly what the row would get alone.
        limit = max(max_new_tokens)
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention.to(self.device),
                max_new_tokens=limit,
                min_new_tokens=min(min_new_tokens, limit),
                num_beams=num_beams,
                do_sample=False,
                repetition_penalty=repetition_penalty,
                no_repeat_ngram_size=no_repeat_ngram_size,
                length_penalty=length_penalty,
                early_stopping=True if num_beams > 1 else False,
                max_length=None,
                min_length=None,
                # a forced EOS on the last allowed step would make a row's output depend on
                # the batch's longest bound; rows are cut to their own bound below instead
                forced_eos_token_id=None,
            )
        results = []
        for row, bound in zip(output.tolist(), max_new_tokens):
            tokens = []
            start = 2 if self.forced_bos_id is not None and len(row) > 1 and row[1] == self.forced_bos_id else 1
            for token in row[start:]:  # row[0] is the decoder start token
                if token == self.eos_id:
                    break
                if token != self.pad_id:
                    tokens.append(token)
            results.append(tokens[:bound])
        return results
