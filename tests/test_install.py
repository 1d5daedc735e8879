"""The install a newcomer runs: the README's two commands (the ones CI runs), the lock file they
install from, and what `pip install .` without extras gives."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from translator.errors import EXTRAS, MissingExtraError, needs_extra

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LOCKED_EXTRAS = ("all", "dev", "docs")  # scripts/lock.sh: every extra but gpu


def _readme_commands() -> list[str]:
    spec = importlib.util.spec_from_file_location("readme_commands", REPO / ".ci" / "readme_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.setup_commands((REPO / "README.md").read_text(encoding="utf-8"))


def _declared(extras: tuple[str, ...]) -> list[Requirement]:
    """The project's requirements: its dependencies and those of ``extras``, self-references
    (translator[server,...]) followed."""
    project = PYPROJECT["project"]
    found = [Requirement(line) for line in project["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for line in project["optional-dependencies"][extra]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == "translator":
                todo.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def _locked() -> dict[str, tuple[str, int]]:
    """requirements.txt as {name: (version, number of hashes)}."""
    text = (REPO / "requirements.txt").read_text(encoding="utf-8")
    pins = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            pins[canonicalize_name(match[1])] = (match[2], block.count("--hash=sha256:"))
    return pins


def test_the_readme_gives_two_commands_install_from_the_lock_and_test():
    install, tests = _readme_commands()
    assert "pip install --require-hashes -r requirements.txt" in install
    assert install.startswith("python3 -m venv .venv && ") and install.endswith(".venv/bin/python app.py")
    assert tests == ".venv/bin/python -m pytest"


def test_ci_runs_the_readme_commands_as_written():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/readme_commands.py 1" in ci and ".ci/readme_commands.py 2" in ci
    # no install of its own for the venv the tests run in: what the README installs is what is tested
    assert not re.search(r"^\s*\.venv/bin/(python -m )?pip install", ci, re.M)


def test_the_lock_pins_every_declared_dependency_with_hashes():
    locked = _locked()
    problems = []
    for requirement in _declared(LOCKED_EXTRAS):
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is not in requirements.txt")
            continue
        version, hashes = locked[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: requirements.txt has {version}")
        if hashes == 0:
            problems.append(f"{name} has no hash")
    assert problems == [], "run scripts/lock.sh: " + "; ".join(problems)
    assert "lxml-html-clean" in locked  # named directly: an old pip does not match lxml[html_clean]
    assert "nvidia-cublas-cu12" not in locked  # the gpu extra is for GPU machines only


def test_every_extra_is_declared_and_named_in_the_error_table():
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    assert set(EXTRAS) <= declared
    assert {"server", "news", "office", "evaluate", "gpu", "dev", "docs", "all"} <= declared


def _closure(extras: set[str]) -> set[str]:
    """Installed distributions needed by translator with ``extras`` (no extra: the core)."""
    wanted, todo = set(), [("translator", set(extras))]
    while todo:
        name, its_extras = todo.pop()
        for line in requires(name) or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in its_extras or {""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            dist = canonicalize_name(requirement.name)
            if dist == "translator":
                todo.append((dist, set(requirement.extras)))
            elif dist not in wanted:
                wanted.add(dist)
                todo.append((dist, set(requirement.extras)))
    return wanted


@pytest.fixture(scope="module")
def without_extras(tiny_models, tmp_path_factory):
    """The command line as `pip install .` (no extras) gives it: a copy of site-packages (links)
    without the distributions that only the extras bring, the interpreter run with -S on it."""
    extra_only = _closure(set(EXTRAS)) - _closure(set())
    assert {"gradio", "fastapi", "trafilatura", "feedparser", "python-docx", "sacrebleu"} <= extra_only
    hidden = {
        Path(str(path)).parts[0]
        for dist in distributions()
        if canonicalize_name(dist.metadata["Name"]) in extra_only
        for path in dist.files or []
    }
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    farm = tmp_path_factory.mktemp("site-packages-without-extras")
    for entry in site_packages.iterdir():
        if entry.name not in hidden:
            (farm / entry.name).symlink_to(entry)
    code = f"import site, sys; site.addsitedir({str(farm)!r}); from translator.cli import main; sys.exit(main())"
    env = {
        **os.environ,
        "TRANSLATOR_TRANSLATION_MODEL": str(tiny_models.marian),
        "TRANSLATOR_SUMMARY_MODEL": str(tiny_models.bart),
    }

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-S", "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
        )

    return run


def test_the_core_install_translates_text_files_without_any_extra(without_extras, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Vlada je sprejela proračun.\n\nDober dan.\n", encoding="utf-8")
    (tmp_path / "in" / "b.md").write_text("# Naslov\n\nVlada je sprejela proračun.\n", encoding="utf-8")
    done = without_extras("translate", "in/a.txt", "--source", "sl", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["translation"].strip()
    batch = without_extras("batch", "in", "out", "--source", "sl", cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir() if path.suffix in {".txt", ".md"}) == [
        "a.txt",
        "b.md",
    ]


@pytest.mark.parametrize(
    "args, extra",
    [
        (("serve", "--port", "0"), "server"),
        (("follow", "http://127.0.0.1:9/feed.xml", "--out", "digest"), "news"),
        (("translate", "http://127.0.0.1:9/article.html"), "news"),
    ],
)
def test_a_command_without_its_extra_names_the_extra_and_the_install(without_extras, tmp_path, args, extra):
    done = without_extras(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert f"needs the '{extra}' extra" in done.stderr
    assert f"pip install 'translator[{extra}]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_word_file_without_the_office_extra_names_it(without_extras, tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("Vlada je sprejela proračun.")
    document.save(tmp_path / "a.docx")
    done = without_extras("translate", "a.docx", "--source", "sl", cwd=tmp_path)
    assert done.returncode == 1
    assert "a.docx: reading .docx files needs the 'office' extra" in done.stderr
    assert "pip install 'translator[office]'" in done.stderr


def test_a_missing_extra_keeps_the_libraries_whole_message():
    """jusText's ImportError says how to fix it on its second line: the message keeps every line."""
    cause = ImportError("lxml.html.clean module is now a separate project lxml_html_clean.\nInstall lxml[html_clean]")
    with pytest.raises(MissingExtraError) as raised:
        with needs_extra("news", "translator follow"):
            raise cause
    message = str(raised.value)
    assert "lxml.html.clean module is now a separate project" in message
    assert "Install lxml[html_clean]" in message
    assert "pip install 'translator[news]'" in message
    assert raised.value.__cause__ is cause
