"""The README stays true: its links point at files of the repository, its set-up names what the
tests need."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_relative_links_exist():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert local, "the README links to the design notes at least"
    missing = [link for link in local if not (REPO / link).exists()]
    assert missing == []


def test_setup_names_chromium_and_the_quick_subset():
    setup = README.split("## ", 2)[1]
    assert "apt-get install -y chromium" in setup
    assert 'pytest -m "not slow"' in setup


def test_the_python_example_runs_as_written(tiny_env, monkeypatch, capsys):
    """The README's first Python block, run as a reader would run it from the checkout (with the
    tiny models in the environment instead of the real ones)."""
    block = README.split("## Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(REPO)
    exec(compile(block, "README.md (## Python)", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3 and all(" -> " in line for line in printed)
