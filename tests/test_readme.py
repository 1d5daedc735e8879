"""The README stays short and true: at most 15,000 bytes, the exact set-up block CI takes its two
commands from, links to files of the repository, and a Python example that runs as written. Every
other code block of the README is run or checked by tests/test_docs.py."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README_PATH = REPO / "README.md"
README = README_PATH.read_text(encoding="utf-8")

INSTALL = (
    "python3 -m venv .venv && .venv/bin/pip install --require-hashes -r requirements.txt && "
    ".venv/bin/pip install --no-deps -e . && .venv/bin/python app.py"
)
SETUP = f"""```bash
# 1. install (pinned versions from requirements.txt) and start the page and the REST API on
#    http://127.0.0.1:7860; it keeps serving until you press Ctrl-C
{INSTALL}

# 2. in a second terminal, in the same folder: run the tests (no network; they build tiny models)
.venv/bin/python -m pytest
```
"""


def test_the_readme_is_at_most_15_kb():
    assert len(README_PATH.read_bytes()) <= 15_000


def test_the_setup_block_is_exactly_the_two_commands():
    assert SETUP in README
    setup = README.split("## ", 2)[1]
    assert SETUP in setup, "the set-up block is the README's first section"
    # what CI extracts: the first and second lines of the block that do not start with #
    block = setup.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == [INSTALL, ".venv/bin/python -m pytest"]


def test_relative_links_exist():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert local, "the README links to the documentation pages"
    missing = [link for link in local if not (REPO / link).exists()]
    assert missing == []


def test_setup_names_what_the_tests_need_and_the_quick_subset():
    setup = README.split("## ", 2)[1]
    assert "apt-get install -y chromium" in setup
    assert "redis-server" in setup and "nginx" in setup
    assert 'pytest -m "not slow"' in setup
    assert "Helsinki-NLP/opus-mt-tc-big-zls-en" in setup and "sshleifer/distilbart-cnn-12-6" in setup
    assert "docs/install.md#models-and-offline-use" in setup
    for extra in ("server", "news", "office", "evaluate", "gpu", "dev", "docs", "all"):
        assert f"`[{extra}]`" in setup


def test_every_way_of_use_has_an_example_and_a_page():
    for page in ("page", "python", "batch", "cli", "rest", "news"):
        assert f"(docs/{page}.md)" in README
    for example in (
        "translator serve",
        "```python",
        "translator batch",
        "translator translate",
        "curl -s",
        "translator follow",
    ):
        assert example in README


def test_the_python_example_runs_as_written(tiny_env, monkeypatch, capsys):
    """The README's Python block, run as a reader would run it from the checkout (with the tiny
    models in the environment instead of the real ones)."""
    block = README.split("### Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(REPO)
    exec(compile(block, "README.md (### Python)", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 4 and printed[1].startswith("sl ") and all(" -> " in line for line in printed[2:])
