"""Scores of hypotheses against references: BLEU, chrF and TER from sacrebleu (with its signature
strings), ROUGE-1/2/L from rouge-score, and the per-line scores the worst-sentences list ranks by.

``references`` is a list of streams (one per reference set), each line-aligned with the
hypotheses, as sacrebleu takes them.

Empty lines: a hypothesis and reference that are both empty hold no n-grams, so they change no
BLEU, chrF or TER statistic (those sum counts over the corpus); the scores equal sacrebleu's on the
same files. ROUGE is a mean over documents, so :func:`summary_scores` leaves such pairs out of the
mean rather than counting them as 0. A non-empty reference with an empty hypothesis scores 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

ROUGE_TYPES = {"ROUGE-1": "rouge1", "ROUGE-2": "rouge2", "ROUGE-L": "rougeL"}


@dataclass(frozen=True)
class MetricScore:
    """A corpus-level score (0-100; TER: lower is better) and how it was computed."""

    name: str
    score: float
    signature: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _metrics():
    from sacrebleu.metrics import BLEU, CHRF, TER

    return BLEU(), CHRF(), TER()


def translation_scores(hypotheses: list[str], references: list[list[str]]) -> list[MetricScore]:
    """BLEU, chrF and TER of the corpus, each with sacrebleu's signature string."""
    scores = []
    for metric in _metrics():
        result = metric.corpus_score(hypotheses, references)
        scores.append(MetricScore(result.name, float(result.score), str(metric.get_signature())))
    return scores


def _is_blank_pair(hypothesis: str, refs: list[str]) -> bool:
    return not hypothesis.strip() and not any(ref.strip() for ref in refs)


def sentence_chrf(hypotheses: list[str], references: list[list[str]]) -> list[float | None]:
    """chrF of each line (None where hypothesis and references are all empty: nothing to score)."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    scores: list[float | None] = []
    for index, hypothesis in enumerate(hypotheses):
        refs = [stream[index] for stream in references]
        scores.append(
            None if _is_blank_pair(hypothesis, refs) else float(metric.sentence_score(hypothesis, refs).score)
        )
    return scores


def _rouge_rows(hypotheses: list[str], references: list[list[str]]) -> list[dict[str, float] | None]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES.values()), use_stemmer=True)
    rows: list[dict[str, float] | None] = []
    for index, hypothesis in enumerate(hypotheses):
        refs = [stream[index] for stream in references]
        if _is_blank_pair(hypothesis, refs):
            rows.append(None)
            continue
        result = scorer.score_multi(refs, hypothesis) if len(refs) > 1 else scorer.score(refs[0], hypothesis)
        rows.append({name: 100 * result[key].fmeasure for name, key in ROUGE_TYPES.items()})
    return rows


def summary_scores(hypotheses: list[str], references: list[list[str]]) -> list[MetricScore]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 (×100), each the mean over the documents (rouge-score with
    the Porter stemmer; with several references, each document's best)."""
    rows = [row for row in _rouge_rows(hypotheses, references) if row is not None]
    signature = (
        f"rouge-score {version('rouge-score')}|stemmer:porter|F1 mean of {len(rows)} docs|nrefs:{len(references)}"
    )
    return [
        MetricScore(name, sum(row[name] for row in rows) / len(rows) if rows else 0.0, signature)
        for name in ROUGE_TYPES
    ]


def document_rouge_l(hypotheses: list[str], references: list[list[str]]) -> list[float | None]:
    """ROUGE-L F1 (×100) of each document (None where all is empty)."""
    return [None if row is None else row["ROUGE-L"] for row in _rouge_rows(hypotheses, references)]


def corpus_scores(task: str, hypotheses: list[str], references: list[list[str]]) -> list[MetricScore]:
    """The corpus scores of ``task`` (``translation``: BLEU/chrF/TER; ``summary``: ROUGE)."""
    return (translation_scores if task == "translation" else summary_scores)(hypotheses, references)


def line_scores(task: str, hypotheses: list[str], references: list[list[str]]) -> tuple[str, list[float | None]]:
    """The per-line score the worst list ranks by, and its name."""
    if task == "translation":
        return "chrF", sentence_chrf(hypotheses, references)
    return "ROUGE-L", document_rouge_l(hypotheses, references)
