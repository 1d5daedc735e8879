"""The server's settings: each declared once (a ``Settings`` field), its flag, environment
variable, check and documentation row made from that declaration."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re

import pytest
from test_docs import configuration_hook

from translator import cli
from translator.cli.common import UsageError
from translator.cli.serve import serve_settings
from translator.declare import at_least, setting
from translator.options import ServerLimits
from translator.server.settings import REST, Settings

# `translator serve --help` as it was before the flags were generated from the Settings fields:
# flag → (metavar, nargs, choices). Every one must stay, spelled and shaped the same.
TODAY_FLAGS = {
    "--host": (None, None, None),
    "--port": (None, None, None),
    "--share": (None, 0, None),
    "--translation-model": (None, None, None),
    "--source": ("LANG", None, None),
    "--summary-model": (None, None, None),
    "--device": (None, None, None),
    "--engine": (None, None, ("auto", "hf", "ct2")),
    "--beams": ("1-6", None, None),
    "--max-chars": (None, None, None),
    "--concurrency": (None, None, None),
    "--auth": ("USER:PASSWORD", None, None),
    "--api-keys": ("FILE", "?", None),
    "--api-keys-db-path": ("PATH", None, None),
    "--require-api-key": (None, 0, None),
    "--req-limit": ("N", None, None),
    "--char-limit": ("N", None, None),
    "--batch-limit": ("N", None, None),
    "--alternatives-limit": ("N", None, None),
    "--suggestions": (None, 0, None),
    "--suggestions-db-path": ("PATH", None, None),
    "--disable-files-translation": (None, 0, None),
    "--disable-web-ui": (None, 0, None),
    "--url-prefix": ("/PATH", None, None),
    "--allow-private-urls": (None, 0, None),
    "--trust-forwarded-for": (None, 0, None),
    "--max-file-mb": ("MB", None, None),
    "--translation-cache": ("off|all|SPEC", None, None),
    "--translation-cache-mb": ("MB", None, None),
    "--shared-storage": ("URI", None, None),
    "--metrics": (None, 0, None),
    "--metrics-auth-token": ("TOKEN", None, None),
    "--log-format": (None, None, ("text", "json")),
    "--access-log": (None, 0, None),
    "--header-timeout": ("SECONDS", None, None),
    "--body-timeout": ("SECONDS", None, None),
    "--keep-alive": ("SECONDS", None, None),
    "--max-connections": ("N", None, None),
    "--max-json-depth": ("N", None, None),
    "--work-budget-mb": ("N", None, None),
    "--max-waiting": ("N", None, None),
    "--max-waiting-chars": ("N", None, None),
    "--grace": ("SECONDS", None, None),
}


def serve_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or cli.build_parser()
    return next(a.choices["serve"] for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_flag_of_today_is_still_there_in_the_same_shape():
    actions = {flag: action for action in serve_parser()._actions for flag in action.option_strings}
    missing = sorted(set(TODAY_FLAGS) - set(actions))
    assert missing == []
    shapes = {
        flag: (action.metavar, action.nargs, action.choices and tuple(action.choices))
        for flag, action in actions.items()
        if flag in TODAY_FLAGS
    }
    assert shapes == TODAY_FLAGS
    assert "--no-access-log" in actions and {"-v", "--verbose"} <= set(actions)


# Settings() before the flags were generated: with no flag and no variable, the same must come back.
TODAY_DEFAULTS = {
    "translation_model": None,
    "summary_model": None,
    "device": None,
    "engine": None,
    "num_beams": 4,
    "source": "auto",
    "max_chars": 100000,
    "concurrency": None,
    "batch_window_ms": 5.0,
    "host": "127.0.0.1",
    "port": 7860,
    "share": False,
    "auth": None,
    "preload": True,
    "api_keys_file": None,
    "api_keys": False,
    "api_keys_db": None,
    "require_api_key": False,
    "req_limit": 0,
    "char_limit": 0,
    "batch_limit": 0,
    "alternatives_limit": 3,
    "suggestions": False,
    "suggestions_db": None,
    "suggestions_per_client": 1000,
    "suggestions_mb_per_client": 10.0,
    "suggestions_approve": "",
    "memory": "on",
    "memory_near": 0.9,
    "url_prefix": "",
    "disable_web_ui": False,
    "disable_files_translation": False,
    "trust_forwarded_for": False,
    "allow_private_urls": False,
    "max_file_bytes": 67108864,
    "limits": ServerLimits(),
    "translation_cache": "all",
    "translation_cache_mb": 256,
    "glossary": None,
    "keep_file": None,
    "shared_storage": "memory://",
    "shared_storage_down": "open",
    "metrics": False,
    "metrics_auth_token": None,
    "log_format": "text",
    "access_log": True,
}
TODAY_LIMITS = {
    "header_timeout_s": 10.0,
    "body_timeout_s": 60.0,
    "keep_alive_s": 5.0,
    "max_connections": 256,
    "max_json_depth": 32,
    "work_budget_mb": 1024,
    "max_waiting": 64,
    "max_waiting_chars": 1000000,
    "grace_s": 20.0,
    "retry_after_s": 5,
}


@pytest.fixture
def no_variables(monkeypatch):
    """No TRANSLATOR_* or LT_* variable of the machine's reaches the settings."""
    for name in [name for name in os.environ if name.startswith(("TRANSLATOR_", "LT_"))]:
        monkeypatch.delenv(name)


def parse(*argv: str, settings: type[Settings] = Settings) -> argparse.Namespace:
    return cli.build_parser(settings).parse_args(["serve", *argv])


def test_no_flag_and_no_variable_give_today_s_defaults(no_variables):
    settings = Settings.from_args(parse())
    assert settings == Settings()
    values = {item.name: getattr(settings, item.name) for item in dataclasses.fields(settings)}
    # LibreTranslate's flags have their own test (test_libretranslate_flags.py)
    assert {name: values[name] for name in TODAY_DEFAULTS} == TODAY_DEFAULTS
    assert dataclasses.asdict(settings.limits) == TODAY_LIMITS


def test_today_s_flags_keep_their_meaning(no_variables, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("k\n")
    cases = {
        ("--host", "0.0.0.0", "--port", "9000", "--share", "--max-chars", "500"): dict(
            host="0.0.0.0", port=9000, share=True, max_chars=500
        ),
        ("--translation-model", "m", "--summary-model", "s", "--device", "cpu", "--beams", "2"): dict(
            translation_model="m", summary_model="s", device="cpu", num_beams=2
        ),
        ("--concurrency", "3", "--auth", "u:p:q", "--source", "hr"): dict(
            concurrency=3, auth=("u", "p:q"), source="hr"
        ),
        ("--api-keys", str(keys), "--req-limit", "30", "--char-limit", "5000", "--max-file-mb", "2"): dict(
            api_keys=True, api_keys_file=str(keys), req_limit=30, char_limit=5000, max_file_bytes=2 * 2**20
        ),
        ("--api-keys", "--api-keys-db-path", "k.db", "--require-api-key", "--batch-limit", "20"): dict(
            api_keys=True, api_keys_db="k.db", require_api_key=True, batch_limit=20
        ),
        ("--alternatives-limit", "5", "--suggestions", "--suggestions-db-path", "s.db"): dict(
            alternatives_limit=5, suggestions=True, suggestions_db="s.db"
        ),
        ("--disable-files-translation", "--disable-web-ui", "--url-prefix", "/translator"): dict(
            disable_files_translation=True, disable_web_ui=True, url_prefix="/translator"
        ),
        ("--trust-forwarded-for", "--allow-private-urls", "--translation-cache", "k1,k2"): dict(
            trust_forwarded_for=True, allow_private_urls=True, translation_cache="k1,k2"
        ),
        ("--translation-cache-mb", "8", "--shared-storage", "redis://127.0.0.1:1/0"): dict(
            translation_cache_mb=8, shared_storage="redis://127.0.0.1:1/0"
        ),
        ("--metrics", "--metrics-auth-token", "t", "--log-format", "json", "--no-access-log"): dict(
            metrics=True, metrics_auth_token="t", log_format="json", access_log=False
        ),
        ("--header-timeout", "2", "--grace", "3.5", "--max-waiting", "5", "--max-waiting-chars", "9"): dict(
            limits=ServerLimits(header_timeout_s=2, grace_s=3.5, max_waiting=5, max_waiting_chars=9)
        ),
    }
    for argv, fields in cases.items():
        assert serve_settings(parse(*argv)) == dataclasses.replace(Settings(), **fields), argv
    assert parse("-v").verbose and cli.build_parser().parse_args(["-v", "serve"]).verbose


def test_a_variable_stands_in_for_a_flag_not_given(no_variables, monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSLATOR_PORT", "9000")
    monkeypatch.setenv("TRANSLATOR_ACCESS_LOG", "off")
    monkeypatch.setenv("TRANSLATOR_AUTH", "ana:geslo")  # the names of before stay
    monkeypatch.setenv("TRANSLATOR_METRICS_TOKEN", "from-env")
    monkeypatch.setenv("TRANSLATOR_GRACE_S", "3")  # a ServerLimits field's
    monkeypatch.setenv("TRANSLATOR_API_KEYS", "1")
    settings = Settings.from_args(parse())
    assert (settings.port, settings.access_log, settings.auth, settings.metrics_auth_token) == (
        9000,
        False,
        ("ana", "geslo"),
        "from-env",
    )
    assert settings.limits.grace_s == 3 and settings.api_keys and settings.api_keys_file is None
    assert "geslo" not in repr(settings) and "from-env" not in repr(settings)
    flagged = Settings.from_args(parse("--port", "9001", "--access-log", "--auth", "u:p", "--grace", "4"))
    assert (flagged.port, flagged.access_log, flagged.auth, flagged.limits.grace_s) == (9001, True, ("u", "p"), 4)
    keys = tmp_path / "keys.txt"
    keys.write_text("k\n")
    monkeypatch.setenv("TRANSLATOR_API_KEYS", str(keys))  # --api-keys FILE
    assert Settings.from_args(parse()).api_keys_file == str(keys)


def test_a_bad_variable_is_a_usage_error_naming_it(no_variables, monkeypatch, capsys):
    for name, value, said in (
        ("TRANSLATOR_PORT", "many", "$TRANSLATOR_PORT (for --port): expected a whole number, got 'many'"),
        ("TRANSLATOR_SHARE", "perhaps", "$TRANSLATOR_SHARE (for --share): expected one of 1, true"),
        ("TRANSLATOR_LOG_FORMAT", "xml", "$TRANSLATOR_LOG_FORMAT (for --log-format): expected one of text, json"),
        ("TRANSLATOR_AUTH", "nocolon", "$TRANSLATOR_AUTH (for --auth): --auth expects USER:PASSWORD"),
        (
            "TRANSLATOR_REQ_LIMIT",
            "-2",
            "req_limit (--req-limit) must be at least 0 (-1: none, as in LibreTranslate), got -2",
        ),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit) as exit_:
            cli.main(["serve"])
        assert exit_.value.code == 2
        assert said in capsys.readouterr().err
        monkeypatch.delenv(name)


def test_each_rule_names_the_setting_its_flag_and_a_good_value():
    for bad, said in (
        (dict(max_chars=0), "max_chars (--max-chars) must be at least 1, got 0"),
        (dict(concurrency=0), "concurrency (--concurrency) must be at least 1"),
        (dict(num_beams=9), "beams must be a whole number from 1 to 6"),
        (dict(device="gpu"), "unknown device 'gpu'"),
        (dict(engine="fast"), "unknown engine 'fast'"),
        (dict(source="xx"), "xx"),
        (dict(req_limit=-2), "req_limit (--req-limit) must be at least 0 (-1: none, as in LibreTranslate), got -2"),
        (dict(char_limit=-5), "char_limit (--char-limit)"),
        (dict(batch_limit=-2), "batch_limit (--batch-limit)"),
        (dict(alternatives_limit=17), "alternatives_limit (--alternatives-limit) must be from 0 to 16, got 17"),
        (dict(alternatives_limit=-2), "alternatives_limit (--alternatives-limit)"),
        (dict(max_file_bytes=0), "max_file_bytes (--max-file-mb) must be at least 1"),
        (dict(url_prefix="translator"), "url_prefix (--url-prefix) must look like /translator"),
        (dict(url_prefix="/translator/"), "url_prefix"),
        (dict(url_prefix="/a b"), "url_prefix"),
        (dict(translation_cache_mb=0), "translation_cache_mb (--translation-cache-mb) must be at least 1"),
        (dict(shared_storage="ftp://x"), "ftp://x"),  # with translation_cache: the one cross-field check
        (dict(log_format="xml"), "log_format (--log-format) must be text or json, got 'xml'"),
    ):
        with pytest.raises(ValueError, match=re.escape(said)):
            Settings(**bad)
    for secret in (dict(auth=("ana", "")), dict(metrics_auth_token="  ")):
        with pytest.raises(ValueError) as refused:
            Settings(**secret)
        assert "ana" not in str(refused.value) and "got" not in str(refused.value)
    with pytest.raises(ValueError, match=re.escape("grace_s (--grace) must be more than 0, got 0")):
        ServerLimits(grace_s=0)
    with pytest.raises(ValueError, match=re.escape("retry_after_s must be at least 1")):  # no flag of its own
        ServerLimits(retry_after_s=0)
    assert Settings(num_beams=2.0).num_beams == 2 and type(Settings(num_beams=2.0).num_beams) is int


def test_bad_flags_are_usage_errors(no_variables):
    for bad in (["--auth", "nocolon"], ["--auth", ":geslo"], ["--beams", "9"], ["--device", "gpu"], ["--port", "x"]):
        with pytest.raises(SystemExit) as exit_:
            parse(*bad)
        assert exit_.value.code == 2
    for bad in (["--max-chars", "0"], ["--url-prefix", "x"], ["--grace", "0"], ["--api-keys", "/nonexistent/keys"]):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["serve", *bad])
        assert exit_.value.code == 2, bad


# -- one more setting, declared once ----------------------------------------------------------------


@pytest.fixture
def greeting_settings():
    """Settings with one more field, declared as every server setting is."""
    return dataclasses.make_dataclass(
        "GreetingSettings",
        [
            (
                "greeting_limit",
                int,
                setting(
                    5,
                    "greetings a client may ask for",
                    check=at_least(1),
                    metavar="N",
                    group=REST,
                    aliases=("LT_GREETING_LIMIT",),
                ),
            )
        ],
        bases=(Settings,),
        frozen=True,
    )


def test_a_setting_declared_once_is_a_flag_a_variable_a_check_and_a_docs_row(
    greeting_settings, no_variables, monkeypatch
):
    parser = serve_parser(cli.build_parser(greeting_settings))
    rest = next(group for group in parser._action_groups if group.title == REST)
    assert "--greeting-limit" in [flag for action in rest._group_actions for flag in action.option_strings]
    assert "(default: $TRANSLATOR_GREETING_LIMIT or 5)" in " ".join(parser.format_help().split())
    assert greeting_settings.from_args(parse(settings=greeting_settings)).greeting_limit == 5
    assert greeting_settings.from_args(parse("--greeting-limit", "7", settings=greeting_settings)).greeting_limit == 7

    monkeypatch.setenv("LT_GREETING_LIMIT", "8")  # an alias, read when its own variable is unset
    assert greeting_settings.from_args(parse(settings=greeting_settings)).greeting_limit == 8
    monkeypatch.setenv("TRANSLATOR_GREETING_LIMIT", "9")
    assert greeting_settings.from_args(parse(settings=greeting_settings)).greeting_limit == 9
    assert greeting_settings.from_args(parse("--greeting-limit", "7", settings=greeting_settings)).greeting_limit == 7

    with pytest.raises(ValueError, match=re.escape("greeting_limit (--greeting-limit) must be at least 1, got 0")):
        greeting_settings(greeting_limit=0)
    monkeypatch.setenv("TRANSLATOR_GREETING_LIMIT", "0")
    with pytest.raises(UsageError, match="greeting_limit"):
        serve_settings(parse(settings=greeting_settings), greeting_settings)

    hook = configuration_hook()
    table = hook.configuration_markdown(greeting_settings)
    serve = table.split("### `translator serve`", 1)[1].split("### ", 1)[0]
    assert (
        "| `--greeting-limit` `N` | 5 | `TRANSLATOR_GREETING_LIMIT`, `LT_GREETING_LIMIT` | "
        "greetings a client may ask for |" in serve
    )
    assert (
        "| `TRANSLATOR_GREETING_LIMIT` | `5` | greetings a client may ask for | `translator serve --greeting-limit` |"
        in table
    )
    assert "greeting" not in hook.configuration_markdown()  # the real Settings have no such field


def test_the_declaration_gives_the_docs_their_server_rows(no_variables):
    table = configuration_hook().configuration_markdown()
    serve = table.split("### `translator serve`", 1)[1].split("### ", 1)[0]
    for row in (
        "| `--req-limit` `N` | 0 | `TRANSLATOR_REQ_LIMIT` | requests per minute per client",
        "| `--access-log`, `--no-access-log` | on | `TRANSLATOR_ACCESS_LOG` |",
        "| `--auth` `USER:PASSWORD` | – | `TRANSLATOR_AUTH` | require this login for the page |",
        "| `--metrics-auth-token` `TOKEN` | – | `TRANSLATOR_METRICS_TOKEN` |",
        "| `--grace` `SECONDS` | 20.0 | `TRANSLATOR_GRACE_S` |",
        "| `--beams` `1-6` | 4 | – | beam size",  # a flag shared with other commands: its helper's
    ):
        assert row in serve, row
    assert "| `TRANSLATOR_METRICS_TOKEN` | unset | serve /metrics only with Authorization: Bearer TOKEN |" in table
