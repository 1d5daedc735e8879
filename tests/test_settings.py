"""Every setting has one home: the package reads its environment in translator/options.py only."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "translator"
# reads that are not settings: the whole environment handed to a child process
ALLOWED = {("engines/ct2_convert.py", "environ")}


def environment_reads(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            if node.attr in ("environ", "getenv", "environb"):
                found.append((node.lineno, node.attr))
    return found


def test_only_options_reads_the_environment():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "options.py":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, attr in environment_reads(path):
            source = lines[line - 1].strip()
            # a write for a library (gradio's analytics) is not a setting read
            if (relative, attr) in ALLOWED or ".setdefault(" in source:
                continue
            offenders.append(f"translator/{relative}:{line}: {source}")
    assert not offenders, "read the environment in translator/options.py (env()):\n" + "\n".join(offenders)
