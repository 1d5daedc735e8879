"""The import graph of translator's layers: which folder (or base module) imports which.

    .venv/bin/python scripts/import_graph.py          # writes docs/import-graph.dot and, with
                                                     # Graphviz's dot, docs/import-graph.svg

grimp (import-linter's graph library) reads the imports; each edge is one layer importing
another, drawn top (entry points) to bottom (errors). tests/test_layers.py checks that the
committed .dot is the graph of the code as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent
DOT = REPO / "docs" / "import-graph.dot"


def layer_of(module: str) -> str:
    """``translator.core.cache.sqlite`` → ``core``; ``translator.options`` → ``options``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "translator"


def layer_edges() -> set[tuple[str, str]]:
    """(importer, imported) pairs of distinct layers of the translator package."""
    graph = grimp.build_graph("translator")
    edges = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            pair = (layer_of(module), layer_of(imported))
            if pair[0] != pair[1] and "translator" not in pair:
                edges.add(pair)
    return edges


def dot_source() -> str:
    lines = ["// made by scripts/import_graph.py: which layer of translator/ imports which", "digraph layers {"]
    lines.append('  rankdir=TB; node [shape=box, fontname="sans-serif"];')
    lines += [f'  "{a}" -> "{b}";' for a, b in sorted(layer_edges())]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    DOT.write_text(dot_source(), encoding="utf-8")
    print(f"wrote {DOT.relative_to(REPO)}")
    if shutil.which("dot"):
        svg = DOT.with_suffix(".svg")
        subprocess.run(["dot", "-Tsvg", str(DOT), "-o", str(svg)], check=True)
        print(f"wrote {svg.relative_to(REPO)}")
    else:
        print("Graphviz's dot is not installed (apt-get install -y graphviz): no SVG", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
