"""Generation engines: token ids in, token ids out. Segmentation, batching, guards and
reassembly live above them (translate.py, summarize.py) and are shared by every engine.

``hf`` (transformers, :mod:`.hf`), ``ct2`` (CTranslate2, :mod:`.ct2`, converted by
:mod:`.ct2_convert`), the ``auto`` choice (:mod:`.choose`) and one loaded copy per model
(:mod:`.loaded`).
"""

from ..options import ENGINES
from .base import Ct2Unavailable, Engine, EngineUnavailable, ScoredIds
from .choose import FallbackEngine, create_engine
from .loaded import LoadedModel, clear_cache, load

__all__ = [
    "ENGINES",
    "Ct2Unavailable",
    "Engine",
    "EngineUnavailable",
    "FallbackEngine",
    "LoadedModel",
    "ScoredIds",
    "clear_cache",
    "create_engine",
    "load",
]
