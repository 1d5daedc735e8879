"""Tooling for tests, demos and benchmarks: tiny random-weight models with real tokenizers,
built locally (``translator tiny-models``).

Layer: imports text, system and the base modules; never engines, formats, core or above.
"""

from translator.testing.shapes import BART_SHAPES, MARIAN_SHAPES, ModelShape
from translator.testing.tiny import MARKER, build_all, build_bart, build_marian, read_marker

__all__ = [
    "BART_SHAPES",
    "MARIAN_SHAPES",
    "MARKER",
    "ModelShape",
    "build_all",
    "build_bart",
    "build_marian",
    "read_marker",
]
