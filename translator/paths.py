"""Where things live on disk: the local model folder, converted copies, caches, the examples.

The lowest layer: models.py, the engines, the page and the tests all ask here, so no module has
to import another just to find a folder.
"""

from __future__ import annotations

from pathlib import Path

from .options import ENV_CACHE_DIR, ENV_CT2_DIR, ENV_MODELS_DIR, env

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
    return Path(env("XDG_CACHE_HOME") or Path.home() / ".cache") / "translator"


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
