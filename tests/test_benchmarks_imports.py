"""The benchmarks import one another one way only: what several of them need lives in
benchmarks/bench_common.py, which imports no benchmark. The graph is read with ``ast`` (every
``import`` statement, at any depth, whose module is a script of benchmarks/), nothing is run."""

from __future__ import annotations

import ast
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def import_graph(folder: Path) -> dict[str, set[str]]:
    """Each ``folder/*.py`` module's name -> the modules of ``folder`` it imports."""
    modules = {path.stem: path for path in folder.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
        graph[name] = imported & modules.keys()
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (``[a, b, a]``), or None."""
    state: dict[str, str] = {}  # "open" while on the path, "done" after

    def visit(node: str, path: list[str]) -> list[str] | None:  # path: from the start to node
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target, path + [target])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_benchmarks_import_each_other_without_a_cycle():
    graph = import_graph(BENCHMARKS)
    assert "bench_translate" in graph and "bench_gpu" in graph
    assert find_cycle(graph) is None, f"import cycle among benchmarks/: {' -> '.join(find_cycle(graph))}"


def test_what_benchmarks_share_imports_no_benchmark():
    graph = import_graph(BENCHMARKS)
    assert graph["bench_common"] == set()
    assert "bench_common" in graph["bench_gpu"] and "bench_translate" not in graph["bench_gpu"]


def test_a_cycle_is_found(tmp_path):
    (tmp_path / "a.py").write_text("import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from c import x\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("import os\nimport a as first\n", encoding="utf-8")
    (tmp_path / "d.py").write_text("import c\n", encoding="utf-8")
    graph = import_graph(tmp_path)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"c"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
