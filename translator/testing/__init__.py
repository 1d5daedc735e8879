"""Tooling for tests, demos and benchmarks: tiny random-weight models with real tokenizers,
built locally (``translator tiny-models``)."""

from .shapes import BART_SHAPES, MARIAN_SHAPES, ModelShape
from .tiny import MARKER, build_all, build_bart, build_marian, read_marker

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
