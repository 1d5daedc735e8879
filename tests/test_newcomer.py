"""Rough edges a newcomer hit, each fixed: a busy port named with --port before the models load,
`summarize` warning on text that is not English, `batch --device cuda` failing once and before
any output, and Ctrl-C in a batch saying how to resume."""

from __future__ import annotations

import socket

import pytest

from translator import cli


def test_a_busy_port_is_named_with_port_before_the_models_load(monkeypatch, capsys):
    import translator.server.page.page as page

    def never(_settings):
        raise AssertionError("the models were loaded before the port was checked")

    monkeypatch.setattr(page, "build_app", never)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err and "GRADIO_SERVER_PORT" not in err


def test_summarize_warns_when_the_text_is_not_english(tiny_env, capsys, monkeypatch, tmp_path):
    article = tmp_path / "clanek.txt"
    article.write_text(
        "Vlada je v četrtek sprejela predlog proračuna za prihodnje leto. Minister za finance "
        "je dejal, da bodo izdatki višji.",
        encoding="utf-8",
    )
    assert cli.main(["summarize", str(article), "--beams", "1"]) == 0
    err = capsys.readouterr().err
    assert "looks Slovenian (sl)" in err and "translator translate --summary" in err
    english = tmp_path / "english.txt"
    english.write_text(
        "The government adopted the draft budget on Thursday. The minister said spending would rise.", encoding="utf-8"
    )
    assert cli.main(["summarize", str(english), "--beams", "1"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_batch_device_cuda_fails_once_before_any_output(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    source = tmp_path / "in"
    source.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (source / name).write_text("Dober dan.", encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["batch", str(source), str(out), "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("CUDA is not available") == 1 and "--device cpu" in err
    assert not out.exists()


def test_ctrl_c_in_a_batch_says_how_to_resume(tiny_env, tmp_path, capsys, monkeypatch):
    from translator.batch import runner

    def interrupted(self, groups):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.Runner, "translate", interrupted)
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Dober dan.", encoding="utf-8")
    assert cli.main(["batch", str(source), str(tmp_path / "out"), "--beams", "1"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "run the same command again to resume" in err
