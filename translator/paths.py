"""Where things live on disk: the local model folder, converted copies, caches, the examples.

The lowest layer: models.py, the engines, the page and the tests all ask here, so no module has
to import another just to find a folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from translator.options import ENV_CACHE_DIR, ENV_CT2_DIR, ENV_MODELS_DIR, ENV_XDG_CACHE, env

TRANSLATION_CACHE_NAME = "translations.sqlite"

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
EXAMPLES = CHECKOUT / "examples"
SEED_ARTICLE = EXAMPLES / "article-sl.txt"


def models_dir() -> Path:
    """The local model folder: ``$TRANSLATOR_MODELS_DIR``, else ``models/`` of this checkout
    (of the current folder when the package is installed outside a checkout)."""
    configured = env(ENV_MODELS_DIR)
    if configured:
        return Path(configured).expanduser()
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / "models"
    return Path.cwd() / "models"


def ct2_dir() -> Path | None:
    """``$TRANSLATOR_CT2_DIR`` when set: every CTranslate2 copy goes there."""
    configured = env(ENV_CT2_DIR)
    return Path(configured).expanduser() if configured else None


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/translator`` (``~/.cache/translator``): for copies that cannot sit
    beside a read-only model folder."""
    return Path(env(ENV_XDG_CACHE) or Path.home() / ".cache") / "translator"


def cache_dir() -> Path:
    """The folder of the project's own files: ``$TRANSLATOR_CACHE_DIR``, else
    :func:`user_cache_dir`. The translation cache, API keys and suggestions live there by default."""
    configured = env(ENV_CACHE_DIR)
    return Path(configured).expanduser() if configured else user_cache_dir()


def translation_cache_path() -> Path:
    """The default translation cache file (``translator translate --cache``, the server's
    ``--translation-cache all``): ``translations.sqlite`` in :func:`cache_dir`."""
    return cache_dir() / TRANSLATION_CACHE_NAME


def api_keys_path() -> Path:
    """The default API keys database (``translator keys``, ``serve --api-keys-db-path``):
    ``api_keys.sqlite`` in :func:`cache_dir`."""
    return cache_dir() / "api_keys.sqlite"


def suggestions_path() -> Path:
    """The default suggestions database (``serve --suggestions``, ``translator suggestions``):
    ``suggestions.sqlite`` in :func:`cache_dir`."""
    return cache_dir() / "suggestions.sqlite"


def memory_path() -> Path:
    """The default translation memory (``--memory on``, shared by the commands and the servers
    of this machine): ``memory.sqlite`` in :func:`cache_dir`."""
    return cache_dir() / "memory.sqlite"


def shown_path(path: str | Path) -> str:
    """``path`` as a user types it in a shell here: relative to the current folder when it lies
    inside it (``.venv/bin/translator``; ``./x`` for a file right here), else absolute; quoted
    when it holds spaces or shell characters."""
    absolute = Path(os.path.abspath(path))  # abspath, not resolve: a venv's python is a symlink
    try:
        text = absolute.relative_to(Path.cwd()).as_posix()
        text = text if "/" in text else f"./{text}"  # a bare name would be looked up on PATH
    except ValueError:
        text = str(absolute)
    return shlex.quote(text)


def translator_command() -> str:
    """How to run the ``translator`` command of this installation from a shell here, as written:
    ``translator`` when that name finds it on PATH; else its script beside the running
    interpreter (``.venv/bin/translator`` in a venv that is not activated, the README's install);
    else ``PYTHON -m translator`` with this interpreter's path. For the fixes messages name."""
    script = Path(sys.executable).parent / ("translator.exe" if os.name == "nt" else "translator")
    found = shutil.which("translator")
    try:
        if found and os.path.samefile(found, script):
            return "translator"
    except OSError:  # no script beside this interpreter
        pass
    if script.is_file():
        return shown_path(script)
    return f"{shown_path(sys.executable)} -m translator"
