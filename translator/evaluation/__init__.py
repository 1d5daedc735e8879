"""``translator evaluate``: scores of the pipeline's own output against references (sacrebleu
BLEU/chrF/TER, rouge-score ROUGE), with speed, peak memory and the weakest lines; ``--compare``
runs several configurations on exactly the same lines.

Layer: entry point: imports core, formats, engines, text, system and the base modules; never cli,
server or batch.
"""

from translator.evaluation.command import main
from translator.evaluation.configs import RunConfig, parse_config, valid_keys
from translator.evaluation.data import DatasetUnavailable, EvalData, from_files, from_table, from_testset
from translator.evaluation.report import LineResult, Report, RunResult, render_text
from translator.evaluation.runner import evaluate, run_config
from translator.evaluation.scores import MetricScore, summary_scores, translation_scores

__all__ = [
    "DatasetUnavailable",
    "EvalData",
    "LineResult",
    "MetricScore",
    "Report",
    "RunConfig",
    "RunResult",
    "evaluate",
    "from_files",
    "from_table",
    "from_testset",
    "main",
    "parse_config",
    "render_text",
    "run_config",
    "summary_scores",
    "translation_scores",
    "valid_keys",
]
