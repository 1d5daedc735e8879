"""One base for every error a user can see (TranslatorError, all exported), and a CLI that shows
those as one line (with the traceback under -v) while a real bug is never dressed as one."""

from __future__ import annotations

import pytest

import translator
from translator import cli
from translator.errors import TranslatorError

USER_ERRORS = [
    "CacheUnavailable",
    "EngineUnavailable",
    "FileFormatError",
    "FileTooLargeError",
    "InvalidInputError",
    "InvalidTextError",
    "InvalidTypeError",
    "MarkupTooComplexError",
    "ModelNotFoundError",
    "UnsupportedLanguageError",
]


@pytest.mark.parametrize("name", USER_ERRORS)
def test_every_user_error_is_exported_and_a_translator_error(name):
    assert name in translator.__all__
    assert issubclass(getattr(translator, name), TranslatorError)


def test_bad_options_raise_translator_errors_that_are_still_value_errors():
    with pytest.raises(TranslatorError) as caught:
        translator.Translator(source="xx")
    assert isinstance(caught.value, ValueError) and "xx" in str(caught.value)
    with pytest.raises(TranslatorError):
        translator.Translator(num_beams=0)
    with pytest.raises(translator.InvalidTypeError):
        translator.translate(42)


def test_the_cli_gives_one_line_and_a_traceback_with_v(capsys, tmp_path):
    missing = str(tmp_path / "nothing.txt")
    assert cli.main(["translate", missing]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing.txt" in err and "Traceback" not in err
    assert cli.main(["-v", "translate", missing]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_bug_is_not_dressed_as_a_usage_error(monkeypatch):
    def broken(_args):
        raise ValueError("a bug inside the project")

    monkeypatch.setitem(cli.COMMANDS, "translate", broken)
    with pytest.raises(ValueError, match="a bug inside"):
        cli.main(["translate", "-"])
