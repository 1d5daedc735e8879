"""The server's settings: each declared once (a ``Settings`` field), its flag, environment
variable, check and documentation row made from that declaration."""

from __future__ import annotations

import argparse

from translator import cli

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
