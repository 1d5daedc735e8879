"""More rough edges a newcomer hit, each fixed (test_newcomer.py has the first ones): a missing
model named once with a fix that runs as written, hints in the words of the surface the user is
on, one exit code for a bad --source, a closed stdout ending quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from translator import cli

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

GERMAN = (
    "Die Bundesregierung hat am Mittwoch einen neuen Haushaltsentwurf vorgelegt, der deutlich höhere "
    "Ausgaben für Verteidigung und Infrastruktur vorsieht.\n\nDer Finanzminister erklärte, dass die "
    "Schuldenbremse trotzdem eingehalten werde und die Steuern nicht steigen sollen.\n"
)


def without_venv_on_path(monkeypatch) -> None:
    """A fresh shell after the README's install: the venv exists but is not activated."""
    kept = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != VENV_BIN.resolve()]
    monkeypatch.setenv("PATH", os.pathsep.join(kept) or os.defpath)


# -- 1. the missing model is named once, with the fix -------------------------------------------


def test_a_missing_model_is_said_once_at_start_and_on_the_page(tiny_models, tmp_path, monkeypatch):
    from translator.server.backend import Backend, Settings
    from translator.server.page import render

    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path / "models"))
    backend = Backend(
        Settings(
            translation_model="nobody/no-such-model",
            summary_model=str(tiny_models.bart),
            device="cpu",
            translation_cache="off",
        )
    )
    statuses = backend.model_status()
    [line] = render.startup_lines(statuses)
    assert line.startswith("error: translation model 'nobody/no-such-model' is not available: "), line
    assert line.count("not available") == 1 and line.count("'nobody/no-such-model'") == 1, line
    assert "download nobody/no-such-model" in line and "tiny-models" in line
    warning = render.model_warning(statuses)
    assert warning.count("not available") == 1 and "download nobody/no-such-model" in warning
    assert render.model_info(statuses, {}, 10, 1).count("not available") == 1


# -- 12. the fix runs as written -------------------------------------------------------------------


def test_the_download_command_in_the_fix_runs_as_written(tmp_path, monkeypatch):
    from translator.engines import models

    if not (VENV_BIN / "translator").is_file():
        pytest.skip("the package is not installed beside this interpreter (pip install -e .)")
    monkeypatch.setenv("TRANSLATOR_MODELS_DIR", str(tmp_path / "models"))
    # the venv is not activated and the current folder holds it: the path as typed from here
    without_venv_on_path(monkeypatch)
    monkeypatch.chdir(VENV_BIN.parent.parent)
    with pytest.raises(models.ModelNotFoundError) as missing:
        models.resolve("nobody/no-such-model")
    relative = (VENV_BIN / "translator").relative_to(Path.cwd()).as_posix()
    assert f"`{relative} download nobody/no-such-model`" in str(missing.value)
    assert f"`{relative} tiny-models models/tiny`" in str(missing.value)
    # from another folder: the absolute path
    monkeypatch.chdir(tmp_path)
    with pytest.raises(models.ModelNotFoundError) as missing:
        models.resolve("nobody/no-such-model")
    assert f"`{VENV_BIN / 'translator'} download nobody/no-such-model`" in str(missing.value)
    # activated (on PATH): the plain name
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(models.ModelNotFoundError) as missing:
        models.resolve("nobody/no-such-model")
    assert "`translator download nobody/no-such-model`" in str(missing.value)


def test_the_command_lines_hints_name_the_command_as_it_runs_here(tmp_path, monkeypatch, capsys):
    if not (VENV_BIN / "translator").is_file():
        pytest.skip("the package is not installed beside this interpreter (pip install -e .)")
    without_venv_on_path(monkeypatch)
    monkeypatch.chdir(VENV_BIN.parent.parent)
    relative = (VENV_BIN / "translator").relative_to(Path.cwd()).as_posix()
    with pytest.raises(SystemExit):
        cli.main(["translate", str(tmp_path)])
    assert f"`{relative} batch {tmp_path} OUT_DIR`" in capsys.readouterr().err
    assert cli.main(["tiny-models", str(tmp_path / "tiny")]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"{relative} serve")


def test_the_printed_fix_really_runs(tmp_path, monkeypatch):
    """The command the message names, run as a shell would from the same folder."""
    if not (VENV_BIN / "translator").is_file():
        pytest.skip("the package is not installed beside this interpreter (pip install -e .)")
    without_venv_on_path(monkeypatch)
    monkeypatch.chdir(VENV_BIN.parent.parent)
    env = {**os.environ, "TRANSLATOR_MODELS_DIR": str(tmp_path / "models")}
    shown = subprocess.run(
        [str(VENV_BIN / "translator"), "summarize", "-", "--summary-model", "nobody/no-such-model"],
        input="Good morning.",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert shown.returncode == 1
    command = shown.stderr.split("Fix: run `", 1)[1].split("`", 1)[0]
    assert command.endswith(" download nobody/no-such-model")
    ran = subprocess.run(
        command.replace(" download nobody/no-such-model", " --version"),
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ran.returncode == 0 and ran.stdout.startswith("translator "), ran.stderr


# -- 2. hints in the words of the surface ----------------------------------------------------------


def test_the_force_the_source_hint_fits_each_surface(tmp_path, capsys, tiny_env):
    from translator.errors import surface
    from translator.text.language import UnsupportedLanguageError, route_language

    with pytest.raises(UnsupportedLanguageError) as python:
        route_language(GERMAN)
    assert 'source="sl"' in str(python.value)
    with surface("cli"), pytest.raises(UnsupportedLanguageError) as command_line:
        route_language(GERMAN)
    assert "--source sl" in str(command_line.value) and 'source="' not in str(command_line.value)
    rest = python.value.message_for("rest")
    assert '"source": "sl"' in rest and 'source="' not in rest
    page = python.value.message_for("page")
    assert "Options → Source language" in page and "source=" not in page

    german = tmp_path / "nemsko.txt"
    german.write_text(GERMAN, encoding="utf-8")
    assert cli.main(["translate", str(german), "--beams", "1"]) == 1
    err = capsys.readouterr().err
    assert "--source sl" in err and 'source="' not in err


def test_rest_and_page_phrase_the_hint_for_their_users():
    gr = pytest.importorskip("gradio")
    from translator.server.page.page import friendly_errors
    from translator.server.rest import work
    from translator.server.rest.replies import error_response
    from translator.text.language import UnsupportedLanguageError, route_language

    with pytest.raises(UnsupportedLanguageError) as refused:
        route_language(GERMAN)
    hint = work.unsupported(refused.value).hint
    assert '"source": "sl"' in hint and 'source="' not in hint
    body = error_response(refused.value).body.decode()
    assert '\\"source\\": \\"sl\\"' in body and 'source=\\"' not in body
    with pytest.raises(gr.Error) as shown, friendly_errors():
        route_language(GERMAN)
    assert "Options → Source language" in shown.value.message and "source=" not in shown.value.message


# -- 3. one exit code and message for a bad --source ------------------------------------------------


def test_a_bad_source_is_the_same_usage_error_in_translate_and_batch(tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Dober dan.", encoding="utf-8")
    said = {}
    for command in (["translate", str(source / "a.txt")], ["batch", str(source), str(tmp_path / "out")]):
        with pytest.raises(SystemExit) as stopped:
            cli.main([*command, "--source", "xx"])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        said[command[0]] = err.splitlines()[-1].replace(f"translator {command[0]}:", "translator COMMAND:")
    assert said["translate"] == said["batch"]
    assert "--source" in said["batch"] and "'xx'" in said["batch"] and "sl" in said["batch"]
    assert not (tmp_path / "out").exists()


# -- 8. a closed stdout ends quietly ----------------------------------------------------------------


@pytest.mark.parametrize("json_out", [True, False], ids=["json", "stream"])
def test_a_closed_stdout_ends_quietly(tiny_env, json_out):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte: `| head -0`, or head already done
    try:
        done = subprocess.run(
            [sys.executable, "-m", "translator", "translate", "-", "--beams", "1", *(["--json"] if json_out else [])],
            input=b"Vlada je v \xc4\x8detrtek sprejela predlog prora\xc4\x8duna.\n",
            stdout=write,
            stderr=subprocess.PIPE,
            env={**os.environ, "TRANSLATOR_ENGINE": "hf"},
            timeout=300,
        )
    finally:
        os.close(write)
    err = done.stderr.decode()
    assert done.returncode in (0, 141), err
    assert "Traceback" not in err and "Broken pipe" not in err and "error" not in err, err


# -- 4. and 5. a batch rerun: up to date, skipped for its language, summaries no longer wanted --------

SLOVENIAN = [
    "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto.",
    "Minister za finance je dejal, da bodo izdatki višji. Opozicija je predlog kritizirala.",
    "Poslanci bodo o proračunu glasovali prihodnji teden.",
]


def batch_report(out: Path) -> dict:
    import json

    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def batch(*args: object) -> int:
    return cli.main(["batch", *map(str, args), "--beams", "1", "--quiet"])


@pytest.fixture
def news_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    (folder / "b").mkdir(parents=True)
    for i in range(5):
        where = folder / "b" if i % 2 else folder
        (where / f"clanek{i}.txt").write_text("\n\n".join(SLOVENIAN[i % 3 :]) + "\n", encoding="utf-8")
    (folder / "nemsko.txt").write_text(GERMAN, encoding="utf-8")
    return folder


def test_a_rerun_counts_up_to_date_apart_from_skipped(tiny_env, news_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")
    out = tmp_path / "out"
    assert batch(news_folder, out) == 0
    first = capsys.readouterr().err
    assert "5 translated, 0 up to date, 1 skipped (in German, which the model does not translate)" in first
    assert batch(news_folder, out) == 0
    again = capsys.readouterr().err
    assert "0 translated, 5 up to date, 1 skipped (in German, which the model does not translate)" in again
    report = batch_report(out)
    assert report["counts"] == {"done": 0, "up-to-date": 5, "skipped": 1, "failed": 0, "unsupported": 0}
    files = {f["path"]: f for f in report["files"]}
    assert files["nemsko.txt"]["status"] == "skipped" and files["nemsko.txt"]["language"] == "de"
    assert files["b/clanek1.txt"]["status"] == "up-to-date"


def test_a_rerun_without_summary_keeps_the_translations_and_removes_the_summaries(
    tiny_env, news_folder, tmp_path, monkeypatch
):
    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")
    out = tmp_path / "out"
    assert batch(news_folder, out, "--summary", "--length", "short") == 0
    summaries = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.summary.txt"))
    assert len(summaries) == 5
    english = {p: os.stat(p) for p in out.rglob("clanek?.txt")}
    (out / "mine.summary.txt").write_text("a summary of my own", encoding="utf-8")  # not the batch's

    assert batch(news_folder, out) == 0
    report = batch_report(out)
    assert report["counts"]["done"] == 0 and report["counts"]["up-to-date"] == 5  # nothing translated again
    for path, before in english.items():  # the very files, untouched
        now = os.stat(path)
        assert (now.st_ino, now.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), path
    assert sorted(report["removed"]) == summaries
    assert not [p for p in summaries if (out / p).exists()]
    assert (out / "mine.summary.txt").read_text(encoding="utf-8") == "a summary of my own"
    # what a clean run without --summary leaves, and a third run has nothing to do
    clean = tmp_path / "clean"
    assert batch(news_folder, clean) == 0
    assert {p.relative_to(clean) for p in clean.rglob("*.txt")} == {
        p.relative_to(out) for p in out.rglob("*.txt") if p.name != "mine.summary.txt"
    }
    assert all((clean / p.relative_to(out)).read_bytes() == p.read_bytes() for p in english)
    assert batch(news_folder, out) == 0
    assert batch_report(out)["removed"] == [] and batch_report(out)["counts"]["up-to-date"] == 5


# -- 6. one numbering of warnings ------------------------------------------------------------------


def test_the_same_text_gets_the_same_warnings_from_translate_and_batch(tiny_env, tmp_path, capsys, monkeypatch):
    import json

    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")
    folder = tmp_path / "in"
    folder.mkdir()
    text = "\n\n".join([*SLOVENIAN, "12. 11. 2025", SLOVENIAN[1]]) + "\n"  # a paragraph with no letter
    (folder / "clanek.txt").write_text(text, encoding="utf-8")
    assert cli.main(["translate", str(folder / "clanek.txt"), "--json", "--beams", "1"]) == 0
    translated = json.loads(capsys.readouterr().out)["warnings"]
    assert batch(folder, tmp_path / "out") == 0
    [entry] = batch_report(tmp_path / "out")["files"]
    assert translated, "the tiny model's English should run into its length limit"
    assert entry["warnings"] == translated
    # numbered in the whole document from 1, with the paragraph: the last paragraph's sentences
    # come after the four of the first three paragraphs; the date line is not counted
    numbers = [re.match(r"sentence (\d+), paragraph (\d+) \(", w).groups() for w in translated]
    assert [int(n) for n, _ in numbers] == sorted(int(n) for n, _ in numbers)
    assert {int(p) for _, p in numbers} <= {1, 2, 3, 4}
    assert ("5", "4") in numbers or ("6", "4") in numbers


# -- 7. progress bars on a terminal only -----------------------------------------------------------


class Terminal:
    """A stderr that says it is a terminal, keeping what is written."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("kind", ["batch", "follow"])
def test_the_bars_are_drawn_on_a_terminal_only(kind, monkeypatch, capsys):
    from translator.batch.progress import Bars as BatchBars
    from translator.news.report import Bars as FollowBars

    def run() -> bool:
        bars = BatchBars(3, True) if kind == "batch" else FollowBars(3, True)
        progress, finish = bars.group() if kind == "batch" else bars.item()
        progress(1, 2)
        progress(2, 2)
        finish()
        drawn = bars.drawn
        bars.close()
        return drawn

    assert not run()  # capsys: stderr is no terminal
    assert capsys.readouterr().err == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run()
    assert "sentences" in terminal.buffer.getvalue() and "\r" in terminal.buffer.getvalue()


def test_follow_writes_plain_lines_to_a_log(tmp_path, tiny_env, capsys):
    from newssite import NewsSite, publish, rss

    with NewsSite() as site:
        publish(site, "vlada")
        site.xml("/rss.xml", rss([("Vlada", site.url("/clanki/vlada.html"), "Thu, 06 Nov 2025 08:00:00 GMT")]))
        args = [
            "follow",
            site.url("/rss.xml"),
            "--out",
            str(tmp_path / "digest"),
            "--pace",
            "0",
            "--beams",
            "1",
            "--allow-private-urls",
        ]
        assert cli.main(args) == 0  # no --quiet: bars asked for, but stderr is a log here
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b[" not in err and "articles" not in err and "it/s" not in err, err
    assert "translator follow: 1 new" in err


def test_the_libraries_draw_no_bars_into_a_log(tiny_env):
    done = subprocess.run(
        [sys.executable, "-m", "translator", "translate", "-", "--beams", "1", "--quiet"],
        input="Vlada je v četrtek sprejela predlog proračuna.\n",
        capture_output=True,
        text=True,
        env={k: v for k, v in {**os.environ, "TRANSLATOR_ENGINE": "hf"}.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "Loading weights" not in done.stderr, done.stderr


# -- 9. help from the format registry; a description for every command -------------------------------


def subparsers(parser, path=()):
    """(command path, parser) for every subcommand of ``parser``, nested ones too."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subparsers(sub, (*path, name))


def test_every_subcommand_has_a_description():
    parser = cli.build_parser()
    found = dict(subparsers(parser))
    assert {("download",), ("tiny-models",), ("keys", "add"), ("translate",), ("batch",)} <= set(found)
    missing = [" ".join(path) for path, sub in found.items() if not (sub.description or "").strip()]
    assert missing == []


def test_translate_help_lists_every_format_the_files_module_reads(capsys):
    from translator.formats.files import SUPPORTED_SUFFIXES, format_for

    with pytest.raises(SystemExit):
        cli.main(["translate", "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for suffix in SUPPORTED_SUFFIXES:
        format_for(f"x{suffix}")  # each one listed is read
        assert f" {suffix} " in shown or f"({suffix} " in shown or f" {suffix})" in shown, suffix
    with pytest.raises(SystemExit):
        cli.main(["batch", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(suffix in shown for suffix in (".odt", ".pptx", ".epub"))


# -- 10. a skip names exactly what is missing ---------------------------------------------------------


def test_a_skip_names_only_the_missing_program_and_its_package():
    from needs import missing_programs

    found = ("/usr/bin/redis-server", "redis-server")
    assert missing_programs({"redis-server": found, "nginx": (None, "nginx-light")}) == (
        "nginx is missing: apt-get install -y nginx-light"
    )
    assert missing_programs({"redis-server": (None, "redis-server"), "nginx": (None, "nginx-light")}) == (
        "redis-server and nginx are missing: apt-get install -y redis-server nginx-light"
    )
    assert missing_programs({"redis-server": found}) is None


def test_the_replicas_skip_says_what_is_missing_here():
    import test_replicas

    said = test_replicas.missing_programs(test_replicas.PROGRAMS)
    for name, (path, package) in test_replicas.PROGRAMS.items():
        assert (path is None) == (said is not None and f"{name} " in said.split(":")[0]), said
        assert (path is None) == (said is not None and package in said.split(":", 1)[1]), said


# -- 11. a busy port is said before anything heavy loads ----------------------------------------------


def test_app_py_on_a_busy_port_says_so_before_loading_the_page_or_the_models(tiny_env):
    """The real path, ``python app.py`` in a fresh interpreter: test_newcomer's in-process test
    had gradio imported already, so the seconds spent importing it (and then loading the
    models) before the port was checked never showed."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-X", "importtime", str(REPO / "app.py"), "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert len(said) == 1 and said[0].startswith(f"translator serve: error: cannot listen on 127.0.0.1:{port} ")
    assert said[0].endswith("choose another with --port")
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert not imported & {"gradio", "torch", "transformers", "ctranslate2", "uvicorn"}
