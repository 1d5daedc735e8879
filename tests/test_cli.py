"""The `translator` command line, run as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest


def run_cli(args, tiny_models=None, stdin=None, env_extra=None):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if tiny_models:
        env["TRANSLATOR_TRANSLATION_MODEL"] = str(tiny_models.marian)
        env["TRANSLATOR_SUMMARY_MODEL"] = str(tiny_models.bart)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "translator", *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow  # a fresh interpreter importing torch
def test_translate_stdin(tiny_models):
    result = run_cli(["translate", "-"], tiny_models, stdin="Dober dan.\n\nKako ste?\n")
    assert result.returncode == 0, result.stderr
    assert len([p for p in result.stdout.split("\n\n") if p.strip()]) == 2


@pytest.mark.slow  # a fresh interpreter importing torch
def test_translate_file_with_summary_as_json(tiny_models, seed_article, tmp_path):
    source = tmp_path / "članek.txt"
    source.write_text(seed_article, encoding="utf-8")
    before = source.read_bytes()
    result = run_cli(["translate", str(source), "--summary", "--json", "--length", "short"], tiny_models)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"].strip()
    assert payload["translation"].count("\n\n") == seed_article.count("\n\n")
    joined = "".join(segment["source"] for segment in payload["segments"])
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", seed_article)
    assert source.read_bytes() == before


@pytest.mark.slow  # a fresh interpreter importing torch
def test_summarize_stdin(tiny_models):
    result = run_cli(
        ["summarize", "-", "--length", "short"],
        tiny_models,
        stdin="The minister spoke about the budget. Prices rose in October.",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.slow  # a fresh interpreter importing torch
def test_missing_file_is_an_error_on_stderr(tiny_models, tmp_path):
    result = run_cli(["translate", str(tmp_path / "nope.txt")], tiny_models)
    assert result.returncode == 1
    assert "nope.txt: no such file" in result.stderr and result.stdout == ""


@pytest.mark.slow  # a fresh interpreter importing torch
def test_missing_model_is_an_error_with_the_fix(tmp_path):
    result = run_cli(
        ["translate", "-", "--translation-model", "nobody/no-such-model"],
        stdin="Dober dan.",
        env_extra={"TRANSLATOR_MODELS_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "nobody/no-such-model" in result.stderr and "translator download" in result.stderr


@pytest.mark.slow  # a fresh interpreter importing torch
def test_usage_error_exit_code():
    result = run_cli(["frobnicate"])
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.slow  # a fresh interpreter importing torch
def test_download_offline_fails_clearly(tmp_path):
    result = run_cli(
        ["download", "Helsinki-NLP/opus-mt-tc-big-zls-en"], env_extra={"TRANSLATOR_MODELS_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert "could not download 'Helsinki-NLP/opus-mt-tc-big-zls-en'" in result.stderr


@pytest.mark.skipif(
    not os.path.exists(os.path.join(os.path.dirname(sys.executable), "translator")),
    reason="console script not installed (pip install -e .)",
)
def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "translator")
    result = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "translate" in result.stdout


# -- in-process: the rough edges a new user hit ------------------------------------------------


def main_of(args, capsys):
    from translator.cli import main

    try:
        code = main(args)
    except SystemExit as exc:  # argparse exits for --help, --version and usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    from translator import __version__

    code, out, _err = main_of(["--version"], capsys)
    assert code == 0 and out.strip() == f"translator {__version__}"


def test_unknown_device_is_one_line_listing_the_valid_ones(capsys):
    code, out, err = main_of(["translate", "-", "--device", "gpu"], capsys)
    assert code == 2 and out == ""
    assert "Traceback" not in err and "'gpu'" in err and "cpu, cuda, cuda:N or mps" in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and err.strip().endswith("cpu, cuda, cuda:N or mps")  # usage, then one error line


def test_a_folder_points_to_batch(tmp_path, capsys):
    code, _out, err = main_of(["translate", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in err and "translator batch" in err


def test_summarize_help_has_no_translation_model(capsys):
    code, out, _err = main_of(["summarize", "--help"], capsys)
    assert code == 0 and "--summary-model" in out and "--translation-model" not in out
    code, out, _err = main_of(["translate", "--help"], capsys)
    assert "--beams" in out and "--quiet" in out and "--output" in out


def test_json_without_summary_says_null_and_names_both_models(tiny_env, capsys):
    import sys as _sys
    from io import StringIO

    _sys.stdin = StringIO("Dober dan. Kako ste?")
    try:
        code, out, err = main_of(["translate", "-", "--json", "--beams", "1"], capsys)
    finally:
        _sys.stdin = _sys.__stdin__
    assert code == 0, err
    payload = json.loads(out)
    assert payload["summary"] is None
    assert payload["models"] == {"translation": str(tiny_env.marian), "summary": None}
    assert set(payload) >= {"translation", "segments", "warnings", "language", "notes"}

    _sys.stdin = StringIO("Dober dan. Kako ste?")
    try:
        code, out, err = main_of(["translate", "-", "--json", "--summary", "--beams", "1"], capsys)
    finally:
        _sys.stdin = _sys.__stdin__
    payload = json.loads(out)
    assert isinstance(payload["summary"], str)
    assert payload["models"] == {"translation": str(tiny_env.marian), "summary": str(tiny_env.bart)}


def test_markdown_keeps_its_structure_on_stdout_and_with_o(tiny_env, tmp_path, capsys):
    source = tmp_path / "clanek.md"
    text = (
        "# Naslov članka\n\nPrvi odstavek z [povezavo](https://example.com) in **poudarkom**.\n\n"
        "- prva točka\n- druga točka\n\n```\nkoda ostane\n```\n"
    )
    source.write_text(text, encoding="utf-8")
    code, out, err = main_of(["translate", str(source), "--beams", "1", "--quiet"], capsys)
    assert code == 0, err
    assert out.startswith("# ") and "](https://example.com)" in out and "```\nkoda ostane\n```" in out
    assert out.count("\n- ") == 2
    target = tmp_path / "article.md"
    code, out2, err = main_of(["translate", str(source), "-o", str(target), "--beams", "1", "--quiet"], capsys)
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8") == out
    assert source.read_text(encoding="utf-8") == text
    code, _out, err = main_of(["translate", str(source), "-o", str(tmp_path / "x.txt")], capsys)
    assert code == 2 and "must end in .md" in err


def test_subtitles_keep_numbers_and_timings(tiny_env, tmp_path, capsys):
    source = tmp_path / "film.srt"
    source.write_text(
        "1\n00:00:01,000 --> 00:00:02,500\nDober dan.\n\n2\n00:00:03,000 --> 00:00:04,000\nKako ste?\n",
        encoding="utf-8",
    )
    code, out, err = main_of(["translate", str(source), "--beams", "1", "--quiet"], capsys)
    assert code == 0, err
    assert "00:00:01,000 --> 00:00:02,500" in out and "00:00:03,000 --> 00:00:04,000" in out
    assert out.startswith("1\n") and "\n2\n" in out


def test_warnings_are_summarised_and_quiet_hides_them(tiny_env, tmp_path, capsys):
    source = tmp_path / "dolgo.txt"
    source.write_text(" ".join(f"Stavek številka {i} je tukaj." for i in range(12)), encoding="utf-8")
    code, _out, err = main_of(["translate", str(source), "--beams", "1"], capsys)
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("warning:")]
    # random weights run every sentence to its length limit: one warning per sentence, shown as 3 + a count
    assert len(lines) == 4 and "more" in lines[-1] and "--quiet" in lines[-1]
    code, _out, err = main_of(["translate", str(source), "--beams", "1", "--quiet"], capsys)
    assert code == 0 and "warning:" not in err


def test_stdout_streams_the_same_text_as_json(tiny_env, seed_article, capsys, monkeypatch):
    from io import StringIO

    monkeypatch.setattr("sys.stdin", StringIO(seed_article))
    code, streamed, _ = main_of(["translate", "-", "--beams", "1", "--quiet"], capsys)
    monkeypatch.setattr("sys.stdin", StringIO(seed_article))
    code, out, _ = main_of(["translate", "-", "--beams", "1", "--json"], capsys)
    assert streamed.rstrip("\n") == json.loads(out)["translation"].rstrip("\n")


def test_a_file_past_the_size_limit_names_the_flag(tmp_path, capsys):
    source = tmp_path / "big.txt"
    source.write_text("Dober dan. " * 200_000, encoding="utf-8")  # about 2 MiB
    code, out, err = main_of(["translate", str(source), "--max-file-mb", "1"], capsys)
    assert code == 1 and out == ""
    assert "more than the limit of 1.0 MiB" in err and "--max-file-mb" in err


def test_summarize_goes_through_the_pipeline(tiny_env, capsys, monkeypatch):
    from io import StringIO

    from translator.core import pipeline

    calls = []
    real = pipeline.summarize
    monkeypatch.setattr(pipeline, "summarize", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    monkeypatch.setattr("sys.stdin", StringIO("The minister spoke about the budget. Prices rose."))
    code, out, _err = main_of(["summarize", "-", "--length", "short", "--beams", "1"], capsys)
    assert code == 0 and out.strip() and calls == ["The minister spoke about the budget. Prices rose."]
