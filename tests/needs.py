"""What a test needs from the machine, said exactly: the programs missing, and the one command that
installs just those (a skip that names a program that is there sends a newcomer on a chase)."""

from __future__ import annotations


def missing_programs(programs: dict[str, tuple[str | None, str]]) -> str | None:
    """``programs``: name → (its path, None when not found; the Debian package that brings it).
    None when every one is there; else e.g. ``"nginx is missing: apt-get install -y nginx-light"``,
    naming only the missing ones and only their packages."""
    gone = [name for name, (path, _package) in programs.items() if not path]
    if not gone:
        return None
    packages = " ".join(dict.fromkeys(programs[name][1] for name in gone))
    names = gone[0] if len(gone) == 1 else ", ".join(gone[:-1]) + " and " + gone[-1]
    return f"{names} {'is' if len(gone) == 1 else 'are'} missing: apt-get install -y {packages}"
