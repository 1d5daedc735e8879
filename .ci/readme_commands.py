"""Print the README's set-up command N (1: install and start, 2: run the tests), exactly as written.

The commands are the lines of the first fenced block under the README's "## Set-up" heading that
are neither blank nor comments, in order. .ci/run runs what this prints, so CI runs what a
newcomer copies; tests/test_install.py checks there are exactly two.
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def setup_commands(readme: str) -> list[str]:
    """The set-up block's commands, in order; raises ValueError when the README has none."""
    _, found, rest = readme.partition("\n## Set-up")
    if not found or "```" not in rest:
        raise ValueError("README.md has no '## Set-up' section with a fenced block")
    block = rest.split("```", 2)[1].split("\n", 1)[1]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


if __name__ == "__main__":
    commands = setup_commands(README.read_text(encoding="utf-8"))
    number = int(sys.argv[1])
    if not 1 <= number <= len(commands):
        sys.exit(f"the README's set-up block has {len(commands)} commands, not {number}")
    print(commands[number - 1])
