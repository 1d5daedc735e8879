"""The documentation stays true: every page builds, links, is in the navigation, states what is
(no history outside the changelog), and every code block of the README and of docs/ is run or
checked.

The convention for fenced code blocks (docs/contributing.md, "How the documentation is tested"):

1. Run. A ``bash`` or ``python`` block runs, unless it is marked. Each page runs top to bottom, as
   a reader would, in a fresh folder laid out like a checkout (``examples/``, ``app.py``, a
   ``.venv`` that points at the interpreter's), with the tiny models in
   ``TRANSLATOR_TRANSLATION_MODEL`` and ``TRANSLATOR_SUMMARY_MODEL``:
   - its ``bash`` blocks in one bash session (variables, ``cd`` and background jobs carry from
     block to block), with ``set -e -o pipefail`` and ``.venv/bin`` first on PATH;
   - its ``python`` blocks in one namespace, in the same folder, in this process;
   - a block that names ``localhost:7860`` or ``127.0.0.1:7860`` runs against a tiny server this
     module starts once (``--metrics --suggestions``, ``TRANSLATOR_METRICS_TOKEN`` set for it and
     for the blocks); port 8000 (``127.0.0.1:8000``, ``PORT=8000``) gets a free port. Only the
     port is substituted.
2. Not run. ``<!-- not run: REASON -->`` on the line before the block (needs internet, a GPU,
   Redis, an installation, serves until Ctrl-C, the set-up CI runs). Its ``translator ...`` and
   ``python app.py ...`` command lines are still parsed by the real argument parser.
3. Output or configuration: any other language (``text``, ``json``, ``yaml``, ``toml``,
   ``nginx``). ``json`` (one document or one per line), ``yaml`` and ``toml`` must parse. A
   ``json`` block after ``<!-- output -->`` is what the block before it prints: compared with
   that block's real output, same shape and values except the model's own words and
   machine-dependent strings (``VARIES``).

A block without a language fails.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from needs import missing_programs

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
BIN = Path(sys.executable).parent  # the virtual environment running the tests: its translator, mkdocs

RUN = {"bash", "python"}
CHECKED = {"json": "json", "yaml": "yaml", "toml": "toml"}
OTHER = {"text", "nginx"}
SERVER_PORT, SITE_PORT = 7860, 8000  # the ports the pages write
SERVER_PATTERN = re.compile(r"\b(?:localhost|127\.0\.0\.1):7860\b")
SITE_PATTERN = re.compile(r"\b(?:(?:localhost|127\.0\.0\.1):|PORT=)8000\b")
METRICS_TOKEN = "docs-metrics-token"
# In an output sample: the model's own words, and what depends on the machine or the moment.
VARIES = {"translatedText", "translatedTitle", "summary", "alternatives", "translatedFileUrl", "engines"}
# Phrases that tell history rather than state what is (allowed on changelog.md only).
HISTORY = [
    r"\bno longer\b",
    r"\bnow\b",
    r"\bnew flags?\b",
    r"\bearlier\b",
    r"\bthis session\b",
    r"\bpreviously\b",
    r"\bthis release\b",
    r"\bwas lent\b",
    r"\bbefore (?:these|this) changes?\b",
    r"\bdown from\b",
    r"\bwe (?:added|changed|removed|fixed)\b",
    r"\bnewly\b",
    r"\b(?:had|has) (?:a|no) GPU\b",
    r"\bused to (?:be|have|require)\b",
]


# -- the blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    marker: str | None  # "not run", "output" or None
    reason: str = ""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN and self.marker != "not run"


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^<!--\s*(?P<kind>not run|output)\s*(?::\s*(?P<reason>.*?))?\s*-->$")


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page``, dedented, with the marker on the line before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    number = 0
    while number < len(lines):
        opening = _FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = number + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[number + 1 : end]]
        before = next((lines[k].strip() for k in range(number - 1, -1, -1) if lines[k].strip()), "")
        marker = _MARKER.match(before)
        found.append(
            Block(
                page,
                number + 1,
                opening["info"].strip().split(" ")[0] if opening["info"].strip() else "",
                "\n".join(body) + "\n",
                marker["kind"] if marker else None,
                (marker["reason"] or "") if marker else "",
            )
        )
        number = end + 1
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
RUN_PAGES = [page for page in PAGES if any(block.runs for block in blocks(page))]


def prose(page: Path) -> str:
    """The page without its code blocks."""
    text = page.read_text(encoding="utf-8")
    return re.sub(r"^([ \t]*)(`{3,})[^\n]*\n.*?^\1\2[ \t]*$", "", text, flags=re.S | re.M)


# -- the convention itself ---------------------------------------------------------------------


def test_every_block_has_a_known_language_and_a_well_placed_marker():
    problems = []
    for number, block in enumerate(ALL_BLOCKS):
        if block.lang not in RUN | set(CHECKED) | OTHER:
            problems.append(f"{block.where}: language {block.lang!r} (use one of {sorted(RUN | set(CHECKED) | OTHER)})")
        if block.marker == "not run" and (block.lang not in RUN or not block.reason):
            problems.append(f"{block.where}: 'not run' needs a reason, and marks bash or python blocks only")
        if block.marker == "output":
            previous = ALL_BLOCKS[number - 1] if number else None
            if block.lang != "json" or previous is None or previous.page != block.page or not previous.runs:
                problems.append(f"{block.where}: an output sample is a json block right after a block that runs")
    assert problems == []


def test_output_and_configuration_blocks_parse():
    problems = []
    for block in ALL_BLOCKS:
        try:
            if block.lang == "json":
                json_values(block.code)
            elif block.lang == "yaml":
                yaml.safe_load(block.code)
            elif block.lang == "toml":
                tomllib.loads(block.code)
        except ValueError as exc:  # JSONDecodeError, TOMLDecodeError and YAMLError's subclasses
            problems.append(f"{block.where}: {exc}")
        except yaml.YAMLError as exc:
            problems.append(f"{block.where}: {exc}")
    assert problems == []


def json_values(text: str) -> list[object]:
    """One JSON document, or one per non-empty line; ValueError when neither parses."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def command_lines(code: str) -> list[list[str]]:
    """The commands of a shell block: continuation lines joined, comments dropped, split at
    ``&&``, ``||``, ``;`` and ``|``, leading ``VAR=value`` assignments removed."""
    commands = []
    for line in code.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        current: list[str] = []
        for word in [*words, "&&"]:
            if word in {"&&", "||", ";", "|", "&"}:
                while current and re.match(r"^[A-Z_][A-Z0-9_]*=", current[0]):
                    current.pop(0)
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(word)
    return commands


def translator_arguments(words: list[str]) -> list[str] | None:
    """The arguments of ``translator`` in a command (``translator``, ``.venv/bin/translator``,
    ``python -m translator``, ``python app.py`` = ``translator serve``, a launcher's
    ``-m translator``); None for any other command."""
    if Path(words[0]).name == "translator":
        return words[1:]
    for k, word in enumerate(words[:-1]):
        if word == "-m" and words[k + 1] == "translator":
            return words[k + 2 :]
    if Path(words[0]).name.startswith("python") and len(words) > 1 and words[1] == "app.py":
        return ["serve", *words[2:]]
    return None


def test_the_commands_of_blocks_not_run_exist_with_their_flags():
    from translator.cli.parser import build_parser

    parsed, problems = 0, []
    for block in ALL_BLOCKS:
        if block.marker != "not run" or block.lang != "bash":
            continue
        for words in command_lines(block.code):
            arguments = translator_arguments(words)
            if arguments is None:
                continue
            stderr = io.StringIO()
            try:
                with contextlib.redirect_stderr(stderr):
                    build_parser().parse_args(arguments)
                parsed += 1
            except SystemExit:
                problems.append(f"{block.where}: {shlex.join(words)}: {stderr.getvalue().strip().splitlines()[-1:]}")
    assert problems == []
    assert parsed >= 10


# -- running the pages -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TinyServer:
    """``translator serve`` with the tiny models, started on first use."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process, self.port = env, log, None, free_port()

    def ensure(self) -> int:
        if self.process is None:
            command = [str(BIN / "translator"), "serve", "--port", str(self.port), "--metrics", "--suggestions"]
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(
                    command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.log.read_text(errors="replace")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail(f"the tiny server did not get ready: {self.log.read_text(errors='replace')}")
        return self.port

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class BashSession:
    """One bash for a page's blocks, as one terminal: each block is sourced under ``set -e``, so
    a failing command ends the session and fails the page."""

    def __init__(self, cwd: Path, env: dict[str, str], scripts: Path) -> None:
        self.scripts, self.count = scripts, 0
        self.stderr_path = scripts / "stderr.log"
        self.stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, code: str, where: str, timeout: float = 300) -> str:
        self.count += 1
        script = self.scripts / f"block{self.count}.sh"
        script.write_text(code, encoding="utf-8")
        marker = f"__docs_block_done_{uuid.uuid4().hex}__"
        errors_before = self.stderr_path.stat().st_size
        self.process.stdin.write(
            f"set -e -o pipefail\nsource {shlex.quote(str(script))}\nset +e +o pipefail\necho\necho {marker}\n".encode()
        )
        self.process.stdin.flush()
        out: list[bytes] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                pytest.fail(f"{where}: still running after {timeout} s; output so far:\n{b''.join(out).decode()}")
            if line is None:
                self.process.wait()
                errors = self.stderr_path.read_bytes()[errors_before:].decode(errors="replace")
                pytest.fail(
                    f"{where}: a command failed (exit {self.process.returncode})\n--- block ---\n{code}"
                    f"--- stdout ---\n{b''.join(out).decode(errors='replace')}--- stderr ---\n{errors[-4000:]}"
                )
            if line.decode(errors="replace").strip() == marker:
                break
            out.append(line)
        text = b"".join(out).decode(errors="replace")
        return text[:-1] if text.endswith("\n") else text  # the echo before the marker

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)  # background jobs the blocks started
        if self.process.poll() is None:
            self.process.kill()
        self.stderr.close()


@pytest.fixture(scope="module")
def docs_env(tiny_models, tmp_path_factory):
    """The environment of every block, and the tiny server (started when a block needs it)."""
    root = tmp_path_factory.mktemp("docs")
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TRANSLATOR_TRANSLATION_MODEL=str(tiny_models.marian),
        TRANSLATOR_SUMMARY_MODEL=str(tiny_models.bart),
        TRANSLATOR_CACHE_DIR=str(root / "cache"),
        TRANSLATOR_METRICS_TOKEN=METRICS_TOKEN,
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        NO_MKDOCS_2_WARNING="1",
    )
    env.pop("VIRTUAL_ENV", None)
    server = TinyServer(env, root / "server.log")
    yield root, env, server
    server.stop()


def checkout_like(folder: Path) -> Path:
    """A fresh folder laid out like the checkout, as far as the pages need it."""
    folder.mkdir(parents=True)
    shutil.copytree(REPO / "examples", folder / "examples")
    shutil.copy(REPO / "app.py", folder / "app.py")
    (folder / ".venv").symlink_to(BIN.parent, target_is_directory=True)
    return folder


def localize(code: str, ports: dict[int, int]) -> str:
    code = SERVER_PATTERN.sub(lambda m: m[0].replace(str(SERVER_PORT), str(ports[SERVER_PORT])), code)
    return SITE_PATTERN.sub(lambda m: m[0].replace(str(SITE_PORT), str(ports[SITE_PORT])), code)


def delocalize(text: str, ports: dict[int, int]) -> str:
    for written, used in ports.items():
        text = re.sub(rf":{used}\b", f":{written}", text)
    return text


def same_shape(sample: object, real: object, path: str = "$") -> list[str]:
    """Where ``real`` differs from the ``sample`` (VARIES: only the type, or a dict's keys)."""
    if isinstance(sample, dict):
        if not isinstance(real, dict) or set(sample) != set(real):
            return [f"{path}: keys {sorted(sample)} in the sample, got {real!r}"]
        problems = []
        for key, value in sample.items():
            if key in VARIES:
                same = type(value) is type(real[key]) and (not isinstance(value, dict) or set(value) == set(real[key]))
                problems += [] if same else [f"{path}.{key}: a {type(value).__name__}, got {real[key]!r}"]
            else:
                problems += same_shape(value, real[key], f"{path}.{key}")
        return problems
    if isinstance(sample, list):
        if not isinstance(real, list) or len(real) != len(sample):
            return [f"{path}: {len(sample)} items in the sample, got {real!r}"]
        return [p for k, (a, b) in enumerate(zip(sample, real)) for p in same_shape(a, b, f"{path}[{k}]")]
    return [] if sample == real else [f"{path}: {sample!r} in the sample, the code gives {real!r}"]


@pytest.mark.slow  # every runnable block of the page: translator commands, a server, a local site
@pytest.mark.parametrize("page", RUN_PAGES, ids=[page.name for page in RUN_PAGES])
def test_the_page_runs_as_written(page, docs_env, monkeypatch, capsys):
    root, env, server = docs_env
    if any(block.runs and block.lang == "bash" and "curl " in block.code for block in blocks(page)):
        reason = missing_programs({"curl": (shutil.which("curl"), "curl")})
        if reason:
            pytest.skip(f"the page's commands call curl, and {reason}")
    folder = checkout_like(root / page.stem)
    scripts = root / f"{page.stem}-blocks"
    scripts.mkdir()
    ports = {SERVER_PORT: server.port, SITE_PORT: free_port()}
    for name in ("TRANSLATOR_TRANSLATION_MODEL", "TRANSLATOR_SUMMARY_MODEL", "TRANSLATOR_CACHE_DIR"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.chdir(folder)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    shell: BashSession | None = None
    printed = ""
    page_blocks = blocks(page)
    try:
        for block in page_blocks:
            if block.marker == "output":
                expected = [json.loads(json.dumps(value)) for value in json_values(block.code)]
                try:
                    real = json_values(delocalize(printed, ports))
                except ValueError:
                    pytest.fail(f"{block.where}: the block before printed no JSON but {printed!r}")
                problems = same_shape(expected, real)
                assert problems == [], f"{block.where}: the sample is not what the code gives: {problems}"
                continue
            if not block.runs:
                continue
            if SERVER_PATTERN.search(block.code):
                server.ensure()
            code = localize(block.code, ports)
            if block.lang == "bash":
                shell = shell or BashSession(folder, env, scripts)
                printed = shell.run(code, block.where)
            else:
                capsys.readouterr()
                exec(compile(code, block.where, "exec"), namespace)
                printed = capsys.readouterr().out
    finally:
        if shell is not None:
            shell.close()


def test_every_block_that_is_not_marked_runs():
    """What the page test runs is exactly what is not marked: bash and python blocks."""
    unmarked = [b.where for b in ALL_BLOCKS if b.lang in RUN and b.marker is None]
    assert unmarked and all(b.runs for b in ALL_BLOCKS if b.lang in RUN and b.marker is None)
    assert {Path(b.where.split(":")[0]).name for b in ALL_BLOCKS if b.runs} <= {p.name for p in RUN_PAGES}


# -- links, navigation, history, the build -----------------------------------------------------

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_relative_links_lead_to_files(page):
    missing = []
    for target in _LINK.findall(prose(page)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            missing.append(target)
    assert missing == []


def nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return [page for item in nav for page in nav_pages(item)]


def test_every_page_is_in_the_navigation():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    assert sorted(listed) == sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert len(listed) == len(set(listed))


NOT_HISTORY = [page for page in PAGES if page.name != "changelog.md"]  # the changelog is the history


@pytest.mark.parametrize("page", NOT_HISTORY, ids=[page.name for page in NOT_HISTORY])
def test_no_page_but_the_changelog_narrates_history(page):
    text = prose(page)
    found = [m.group(0) for pattern in HISTORY for m in re.finditer(pattern, text, flags=re.I)]
    assert found == []


def test_the_site_builds_strictly(tmp_path):
    """mkdocs build --strict: a broken link or anchor, a page out of the navigation, a docstring
    that does not parse, or a variable the configuration hook cannot describe fails it."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    configuration = (tmp_path / "site" / "configuration" / "index.html").read_text(encoding="utf-8")
    assert "TRANSLATOR_BATCH_GROUP_CHARS" in configuration and "--header-timeout" in configuration
    reference = (tmp_path / "site" / "python" / "index.html").read_text(encoding="utf-8")
    assert "translate_and_summarize" in reference and "Raises" in reference


def configuration_hook():
    spec = importlib.util.spec_from_file_location("docs_configuration_hook", DOCS / "hooks" / "configuration.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_configuration_table_is_built_from_the_code():
    import argparse

    from translator.cli.parser import build_parser
    from translator.options import DEFAULT_PORT

    hook = configuration_hook()
    table = hook.configuration_markdown()
    for variable in (
        "TRANSLATOR_TRANSLATION_MODEL",
        "TRANSLATOR_CACHE_DIR",
        "TRANSLATOR_BATCH_GROUP_CHARS",
        "TRANSLATOR_CT2_MAX_POSITIONS",
        "HF_HUB_OFFLINE",
    ):
        assert f"| `{variable}` |" in table
    assert "| `TRANSLATOR_BATCH_GROUP_CHARS` | `64,000` |" in table  # its default, read from the code
    assert f"| `--port` | {DEFAULT_PORT} |" in table
    assert "| `--header-timeout` `SECONDS` | 10.0 |" in table
    serve = next(
        action.choices["serve"] for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    flags = [s for a in serve._actions for s in a.option_strings if s.startswith("--") and s != "--help"]
    section = table.split("### `translator serve`", 1)[1].split("### ", 1)[0]
    assert [flag for flag in flags if f"`{flag}`" not in section] == []
    for command in ("translate", "batch", "follow", "evaluate", "keys add", "cache"):
        assert f"### `translator {command}`" in table


def test_the_configuration_hook_refuses_an_undocumented_variable(monkeypatch):
    hook = configuration_hook()
    monkeypatch.delitem(hook.WHAT, "TRANSLATOR_BATCH_TIMEOUT")
    with pytest.raises(RuntimeError, match="TRANSLATOR_BATCH_TIMEOUT"):
        hook.environment_table()


def test_every_public_name_has_its_reference_entry():
    import translator

    python_page = (DOCS / "python.md").read_text(encoding="utf-8")
    missing = [
        name for name in translator.__all__ if name != "__version__" and f"::: translator.{name}\n" not in python_page
    ]
    assert missing == []
