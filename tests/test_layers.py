"""The layering of docs/architecture.md holds: import-linter's contracts (pyproject.toml) are
kept, every module of the package sits in one of the layers, each folder is one layer that says
what it may import, and the picture of the graph in the docs is the code's."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _layers() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return contract["layers"]


def test_import_contracts_are_kept():
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.skip("import-linter is not installed (pip install -r requirements.txt)")
    result = subprocess.run([linter, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_every_module_has_a_layer():
    named = {name for layer in _layers() for name in re.findall(r"translator\.[\w.]+", layer)}
    package = REPO / "translator"
    modules = {f"translator.{p.stem}" for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")}
    modules |= {f"translator.{p.name}" for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert modules - named == set(), "add these modules to a layer in pyproject.toml [tool.importlinter]"


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _sources() -> list[Path]:
    return sorted((REPO / "translator").rglob("*.py"))


def test_no_module_over_400_lines():
    long = {
        p.relative_to(REPO).as_posix(): n
        for p in _sources()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, "split these modules (one job per module)"


def test_no_function_over_80_lines():
    import ast

    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(REPO).as_posix()}:{node.name}"] = size
    assert long == {}, "split these functions"


def test_the_package_top_holds_at_most_eight_modules():
    top = sorted(p.name for p in (REPO / "translator").glob("*.py"))
    assert len(top) <= 8, top


def test_every_folder_says_what_it_may_import():
    import ast

    for init in sorted((REPO / "translator").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Layer:" in doc, f"{init.relative_to(REPO)}: its docstring names no layer"


def test_the_import_graph_in_the_docs_is_the_codes():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import import_graph
    finally:
        sys.path.pop(0)
    committed = (REPO / "docs" / "import-graph.dot").read_text(encoding="utf-8")
    assert committed == import_graph.dot_source(), "run scripts/import_graph.py and commit docs/import-graph.*"
    edges = import_graph.layer_edges()
    assert ("cli", "core") in edges and ("core", "cli") not in edges


def test_no_private_name_is_imported_across_modules():
    """A name with a leading underscore stays in its module: what another module needs is public."""
    import ast

    crossing = []
    for path in sorted((REPO / "translator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("translator"):
                crossing += [
                    f"{path.relative_to(REPO)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert crossing == []
