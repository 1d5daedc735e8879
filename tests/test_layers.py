"""The layering of DESIGN.md holds: import-linter's contracts (pyproject.toml) are kept, and
every module of the package sits in one of the layers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

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
