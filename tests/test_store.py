"""The server's durable records (translator/system/records.py): API keys and translation suggestions in
SQLite, ``translator keys`` and ``translator suggestions export`` (JSON lines and TMX 1.4), all
without the web page."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from translator import cli
from translator.errors import InvalidInputError, TranslatorError
from translator.system.records import ApiKey, KeyStore, StoreError, Suggestion, SuggestionStore, export_suggestions

REPO = Path(__file__).resolve().parent.parent
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_keys_are_added_updated_listed_and_removed(tmp_path):
    path = tmp_path / "keys" / "api_keys.sqlite"  # its folder is made
    store = KeyStore(path)
    assert store.keys() == {}
    assert store.add(ApiKey("newsroom", 120, 20000)) is True
    assert store.add(ApiKey("trial", 2)) is True
    assert store.add(ApiKey("trial", 5, 300)) is False  # its limits are replaced
    assert KeyStore(path).keys() == {"newsroom": ApiKey("newsroom", 120, 20000), "trial": ApiKey("trial", 5, 300)}
    assert store.remove("trial") is True and store.remove("trial") is False
    assert list(KeyStore(path).keys()) == ["newsroom"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "key", [ApiKey("two words"), ApiKey(""), ApiKey("#comment"), ApiKey("k", -1), ApiKey("k", 1, 0), ApiKey("š")]
)
def test_a_bad_key_or_limit_is_refused(tmp_path, key):
    with pytest.raises(InvalidInputError):
        KeyStore(tmp_path / "k.sqlite").add(key)


def test_a_store_that_cannot_be_opened_names_its_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="api_keys.sqlite") as caught:
        KeyStore(blocker / "api_keys.sqlite").keys()
    assert isinstance(caught.value, TranslatorError)


def sample(tmp_path: Path) -> SuggestionStore:
    store = SuggestionStore(tmp_path / "suggestions.sqlite")
    store.add(Suggestion("Dober dan.", "Good afternoon.", "sl", "en", None, 1_790_000_000.0))
    store.add(
        Suggestion("<b>\"R&D\" je 'v teku'</b>\x0b", 'R&D <is> "running"\x01', "sl", "en", "newsroom", 1_790_000_100.0)
    )
    return store


def test_suggestions_are_kept_in_order_and_exported_as_json_lines(tmp_path):
    import io

    store = sample(tmp_path)
    assert store.count() == 2
    out = io.StringIO()
    assert export_suggestions(store, out, "jsonl") == 2
    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    assert first == {
        "q": "Dober dan.",
        "s": "Good afternoon.",
        "source": "sl",
        "target": "en",
        "api_key": None,
        "time": "2026-09-21T14:13:20Z",
    }
    assert second["s"] == 'R&D <is> "running"\x01' and second["api_key"] == "newsroom"


def test_tmx_is_well_formed_escaped_and_names_its_languages(tmp_path):
    import io

    store = sample(tmp_path)
    out = io.StringIO()
    assert export_suggestions(store, out, "tmx") == 2
    root = ElementTree.fromstring(out.getvalue().encode("utf-8"))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header.get("srclang") == "sl" and header.get("datatype") == "plaintext"
    units = root.findall("body/tu")
    assert len(units) == 2 and units[0].get("creationdate") == "20260921T141320Z"
    segments = [[(tuv.get(XML_LANG), tuv.find("seg").text) for tuv in unit.findall("tuv")] for unit in units]
    assert segments[0] == [("sl", "Dober dan."), ("en", "Good afternoon.")]
    assert segments[1] == [("sl", "<b>\"R&D\" je 'v teku'</b>\ufffd"), ("en", 'R&D <is> "running"\ufffd')]
    store.add(Suggestion("Dobar dan.", "Good day.", "hr", "en"))
    out = io.StringIO()
    export_suggestions(store, out, "tmx")
    assert ElementTree.fromstring(out.getvalue()).find("header").get("srclang") == "*all*"
    with pytest.raises(InvalidInputError):
        export_suggestions(store, out, "csv")


def test_the_keys_command(tmp_path, capsys):
    db = str(tmp_path / "keys.sqlite")
    assert (
        cli.main(["keys", "add", "newsroom", "--req-limit", "60", "--char-limit", "5000", "--api-keys-db-path", db])
        == 0
    )
    assert capsys.readouterr().out == "added: newsroom\n"
    assert cli.main(["keys", "add", "--api-keys-db-path", db]) == 0
    generated = capsys.readouterr().out.split(": ")[1].strip()
    assert len(generated) == 36  # a random uuid
    assert cli.main(["keys", "list", "--api-keys-db-path", db]) == 0
    assert capsys.readouterr().out.splitlines() == ["newsroom\t60\t5000", f"{generated}\t-\t-"]
    assert cli.main(["keys", "remove", "newsroom", "--api-keys-db-path", db]) == 0
    assert cli.main(["keys", "remove", "newsroom", "--api-keys-db-path", db]) == 1
    assert "no such key" in capsys.readouterr().err
    assert cli.main(["keys", "add", "two words", "--api-keys-db-path", db]) == 1
    assert "printable ASCII" in capsys.readouterr().err


def test_the_suggestions_command_writes_a_file(tmp_path, capsys):
    sample(tmp_path)
    output = tmp_path / "out" / "suggestions.tmx"
    output.parent.mkdir()
    assert (
        cli.main(
            [
                "suggestions",
                "export",
                "--format",
                "tmx",
                "--output",
                str(output),
                "--suggestions-db-path",
                str(tmp_path / "suggestions.sqlite"),
            ]
        )
        == 0
    )
    assert "2 suggestions exported" in capsys.readouterr().err
    assert len(ElementTree.parse(output).getroot().findall("body/tu")) == 2
    assert cli.main(["suggestions", "export", "--suggestions-db-path", str(tmp_path / "suggestions.sqlite")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_the_commands_do_not_import_the_page(tmp_path):
    code = (
        "import sys\nfrom translator.cli import main\n"
        f"assert main(['keys', 'list', '--api-keys-db-path', {str(tmp_path / 'k.sqlite')!r}]) == 0\n"
        f"assert main(['suggestions', 'export', '--suggestions-db-path', {str(tmp_path / 's.sqlite')!r}]) == 0\n"
        "assert 'gradio' not in sys.modules and 'fastapi' not in sys.modules, 'the page was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
