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
    return subprocess.run([sys.executable, "-m", "translator", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


def test_translate_stdin(tiny_models):
    result = run_cli(["translate", "-"], tiny_models, stdin="Dober dan.\n\nKako ste?\n")
    assert result.returncode == 0, result.stderr
    assert len([p for p in result.stdout.split("\n\n") if p.strip()]) == 2


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


def test_summarize_stdin(tiny_models):
    result = run_cli(["summarize", "-", "--length", "short"], tiny_models,
                     stdin="The minister spoke about the budget. Prices rose in October.")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_missing_file_is_an_error_on_stderr(tiny_models, tmp_path):
    result = run_cli(["translate", str(tmp_path / "nope.txt")], tiny_models)
    assert result.returncode == 1
    assert "nope.txt: no such file" in result.stderr and result.stdout == ""


def test_missing_model_is_an_error_with_the_fix(tmp_path):
    result = run_cli(["translate", "-", "--translation-model", "nobody/no-such-model"], stdin="Dober dan.",
                     env_extra={"TRANSLATOR_MODELS_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "nobody/no-such-model" in result.stderr and "translator download" in result.stderr


def test_usage_error_exit_code():
    result = run_cli(["frobnicate"])
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_download_offline_fails_clearly(tmp_path):
    result = run_cli(["download", "Helsinki-NLP/opus-mt-tc-big-zls-en"],
                     env_extra={"TRANSLATOR_MODELS_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "could not download 'Helsinki-NLP/opus-mt-tc-big-zls-en'" in result.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(os.path.dirname(sys.executable), "translator")),
                    reason="console script not installed (pip install -e .)")
def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "translator")
    result = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "translate" in result.stdout
