"""``translator serve`` (``python app.py``): the server's flags, its Settings, and starting it.

Every flag is made from a field of :class:`~translator.server.settings.Settings` (and of
ServerLimits, its ``limits``), where each is declared once: name, help, group, check,
environment variable. Those other commands share come from their helpers (common.py), named
here; they map onto the fields by name."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

from translator.cli.common import UsageError, add_file_limit, add_model_options
from translator.declare import add_arguments
from translator.options import DEFAULT_BEAMS
from translator.server.settings import FILE_LIMIT_FLAG, MODEL_FLAGS, Settings, parse_auth

__all__ = ["add_serve_arguments", "parse_auth", "serve_settings"]

logger = logging.getLogger("translator")

# The flags of Settings' fields that other commands share, by the name the fields give (`shared`)
SHARED_FLAGS: dict[str, Callable[[Any], None]] = {
    MODEL_FLAGS: lambda parser: add_model_options(parser, length=False, beams=DEFAULT_BEAMS),
    FILE_LIMIT_FLAG: add_file_limit,
}


def add_serve_arguments(
    parser: argparse.ArgumentParser, settings: type[Settings] = Settings
) -> argparse.ArgumentParser:
    """The server's flags (``python app.py`` and ``translator serve``), made from the fields of
    ``settings`` (a subclass adds its own)."""
    add_arguments(parser, settings, SHARED_FLAGS)
    # `python app.py -v` is `translator serve -v`; SUPPRESS keeps `translator -v serve` working
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    return parser


def serve_settings(args: argparse.Namespace, settings: type[Settings] = Settings) -> Settings:
    """The server's ``Settings`` from ``translator serve``'s flags (else the environment, else the
    defaults); UsageError for a bad value, a bad ``--api-keys`` file too (before the models load)."""
    try:
        result = settings.from_args(args)
        if result.api_keys_file:
            from translator.server.rest import load_api_keys

            load_api_keys(result.api_keys_file)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return result


def serve_command(args: argparse.Namespace) -> int:
    from translator.system.ports import check_port

    settings = serve_settings(args)
    if settings.port:  # a busy port is said at once: before gradio is imported and the models load
        check_port(settings.host, settings.port)
    from translator.server import launch

    launch(settings)
    return 0
