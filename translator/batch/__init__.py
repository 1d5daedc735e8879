"""The folder batch, ``translator batch IN_DIR OUT_DIR`` (see command.py for the steps of a run).

config.py checks the arguments, plan.py walks the tree and shares the files out, manifest.py keeps
the record of what is done, distributed.py is the process group (accelerate), runner.py
translates, tidy.py removes what a run no longer produces, report.py writes the report.

Layer: entry point: imports core, formats, engines, text, system and the base modules; never cli,
server or evaluation.
"""

from translator.batch.command import main
from translator.batch.config import UsageError

__all__ = ["UsageError", "main"]
