"""Generation engines: token ids in, token ids out. Segmentation, batching, guards and
reassembly live above them (translate.py, summarize.py) and are shared by every engine.

``hf`` (transformers, :mod:`.hf`), ``ct2`` (CTranslate2, :mod:`.ct2`, converted by
:mod:`.ct2_convert`), the ``auto`` choice (:mod:`.choose`) and one loaded copy per model
(:mod:`.loaded`).

Layer: imports text, system and the base modules (options, results, paths, errors); never formats,
testing, core or above.
"""

from translator.engines.base import Ct2Unavailable, Engine, EngineUnavailable, GenerateOptions, ScoredIds
from translator.engines.choose import FallbackEngine, create_engine
from translator.engines.loaded import LoadedModel, clear_cache, load
from translator.options import ENGINES

__all__ = [
    "ENGINES",
    "Ct2Unavailable",
    "Engine",
    "EngineUnavailable",
    "FallbackEngine",
    "GenerateOptions",
    "LoadedModel",
    "ScoredIds",
    "clear_cache",
    "create_engine",
    "load",
]
