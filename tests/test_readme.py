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
