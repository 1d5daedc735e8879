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


def libretranslate_notices(settings: Settings) -> list[str]:
    """One line for each LibreTranslate flag given that means nothing, or less, here."""
    notices = []
    if settings.ga_id:
        notices.append("--ga-id is accepted and ignored: this page sends no analytics")
    if settings.frontend_language_source not in ("auto", *settings.served_sources):
        notices.append(
            f"--frontend-language-source {settings.frontend_language_source}: not a language served here; "
            "auto is shown instead"
        )
    if settings.frontend_language.strip().lower() not in ("", "en", "auto", "locale"):
        notices.append(f"--frontend-language {settings.frontend_language}: the page is in English only")
    if settings.secondary and not settings.shared_storage.startswith(("redis", "unix")):
        notices.append("--secondary without --shared-storage redis://...: this replica shares nothing with a primary")
    return notices


def apply_process_settings(settings: Settings) -> None:
    """What LibreTranslate's ``--debug`` and ``--threads`` set for the whole process."""
    if settings.debug:
        logging.getLogger("translator").setLevel(logging.DEBUG)
    if settings.threads:
        import torch

        torch.set_num_threads(settings.threads)


def update_models(settings: Settings) -> None:
    """``--update-models``: download each model that is not here yet; ``--force-update-models``:
    each one anew (into a new folder that replaces the old one once complete). A folder given as
    a model, or ``$HF_HUB_OFFLINE``, leaves it as it is (said so); a failed download is said and
    the server starts with what it has."""
    if not (settings.update_models or settings.force_update_models):
        return
    import shutil
    import tempfile
    from pathlib import Path

    from translator.engines.models import ModelNotFoundError, download, local_name
    from translator.options import hf_offline, model_name
    from translator.paths import models_dir

    flag = "--force-update-models" if settings.force_update_models else "--update-models"
    for kind, given in (("translation", settings.translation_model), ("summary", settings.summary_model)):
        name = model_name(kind, given)
        if Path(name).expanduser().is_dir():
            logger.warning("%s: the %s model is the folder %s: nothing to download", flag, kind, name)
            continue
        if hf_offline():
            logger.warning("%s: HF_HUB_OFFLINE is set: the %s model %s is not downloaded", flag, kind, name)
            continue
        try:
            if not settings.force_update_models:
                download(name)
                continue
            target = models_dir() / local_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
            try:
                download(name, fresh / "model")
                old = target.with_name(f".{target.name}.old")
                if target.exists():
                    target.rename(old)
                (fresh / "model").rename(target)
                shutil.rmtree(old, ignore_errors=True)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
        except (ModelNotFoundError, OSError) as exc:
            logger.error("%s: %s; serving the models that are here", flag, exc)


def serve_command(args: argparse.Namespace) -> int:
    from translator.system.ports import check_port

    settings = serve_settings(args)
    for notice in libretranslate_notices(settings):
        logger.warning("%s", notice)
    apply_process_settings(settings)
    if settings.port:  # a busy port is said at once: before gradio is imported and the models load
        check_port(settings.host, settings.port)
    update_models(settings)
    from translator.server import launch

    launch(settings)
    return 0
