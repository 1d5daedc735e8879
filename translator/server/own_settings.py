"""The server's own settings (:class:`OwnSettings`): the flags of ``translator serve`` /
``python app.py`` that are not LibreTranslate's other flags; :class:`~translator.server.settings.Settings`
adds those. Each declared once (translator.declare)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from translator.core.cache import DEFAULT_CACHE_MB
from translator.core.memory import DEFAULT_NEAR
from translator.declare import Normalised, Rule, Unmet, at_least, between, one_of, setting
from translator.formats.glossary import read_glossary, read_keep_file
from translator.options import (
    DEFAULT_BEAMS,
    DEFAULT_HOST,
    DEFAULT_MAX_CHARS,
    DEFAULT_PORT,
    ENV_AUTH,
    ENV_MEMORY,
    ENV_METRICS_TOKEN,
    MAX_ALTERNATIVES,
    MAX_FILE_BYTES,
    ServerLimits,
    check_beams,
    check_device,
    check_engine,
)
from translator.text.language import route_language

__all__ = ["FILE_LIMIT_FLAG", "MODEL_FLAGS", "OwnSettings", "REST", "no_limit_or_more", "none_below_zero", "parse_auth"]

# The argument groups of `translator serve --help` (and of docs/configuration.md)
REST = "REST API (LibreTranslate-compatible, on the same port; docs at /docs)"
OPERATING = "operating it (docs: operating.md)"
LIMITS = "limits for a public server (docs: rest.md)"
# Flags other commands share, made by their helpers (translator/cli/common.py, named in cli/serve.py)
MODEL_FLAGS, FILE_LIMIT_FLAG = "model", "max-file-mb"
LOG_FORMATS = ("text", "json")
STORAGE_DOWN_MODES = ("open", "closed")


def parse_auth(value: str) -> tuple[str, str] | None:
    """``USER:PASSWORD`` → ``(user, password)``; ``""`` → None (no login). ArgumentTypeError
    otherwise (for ``--auth`` and ``$TRANSLATOR_AUTH`` alike)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth expects USER:PASSWORD (both non-empty)")
    return user, password


def _known_source(value: str) -> None:
    route_language("", value)  # ValueError naming the valid source languages


def _glossary_file(value: str) -> None:
    read_glossary(value)  # FileFormatError (a ValueError) naming the file and what is wrong


def _keep_file(value: str) -> None:
    read_keep_file(value)


def _is_login(value: tuple[str, ...]) -> bool:
    return len(value) == 2 and all(value)


def _is_prefix(prefix: str) -> bool:
    return not prefix or (
        prefix.startswith("/")
        and not prefix.endswith("/")
        and "//" not in prefix
        and all(c.isalnum() or c in "/-_.~" for c in prefix)
    )


def _keys_file(value: object) -> str | None:
    return value if isinstance(value, str) else None  # --api-keys FILE (bare --api-keys: True)


def _megabytes(value: float) -> int:
    return int(value * 2**20)


def none_below_zero(value: int) -> int:
    """LibreTranslate's -1 ("no limit") is 0 here."""
    return max(0, int(value))


def no_limit_or_more(low: int) -> Normalised:
    """At least ``low``, with LibreTranslate's -1 ("no limit") taken as 0."""

    def rule(value: int) -> int:
        if value < -1 or (value != -1 and value < low):
            raise Unmet(f"must be at least {low} (-1: none, as in LibreTranslate)")
        return none_below_zero(value)

    return Normalised(rule)


def _alternatives(value: int) -> int:
    """From 0 to MAX_ALTERNATIVES; LibreTranslate's -1 (no limit) is the most."""
    return int(between(0, MAX_ALTERNATIVES)(MAX_ALTERNATIVES if value == -1 else value))


@dataclass(frozen=True)
class OwnSettings:
    """The server's own settings; :class:`~translator.server.settings.Settings` (what a server is
    started with) adds LibreTranslate's other flags to them and holds the checks of the whole."""

    host: str = setting(DEFAULT_HOST, "address to listen on (0.0.0.0 for every network interface)")
    port: int | None = setting(DEFAULT_PORT, "port to listen on")
    share: bool = setting(False, "also open a temporary public gradio.live link (needs internet)")
    translation_model: str | None = setting(None, shared=MODEL_FLAGS)
    source: str = setting("auto", shared=MODEL_FLAGS, check=_known_source)
    summary_model: str | None = setting(None, shared=MODEL_FLAGS)
    device: str | None = setting(None, shared=MODEL_FLAGS, check=check_device)
    engine: str | None = setting(None, shared=MODEL_FLAGS, check=check_engine)
    num_beams: int = setting(DEFAULT_BEAMS, shared=MODEL_FLAGS, dest="beams", check=Normalised(check_beams))
    max_chars: int = setting(DEFAULT_MAX_CHARS, "longest input accepted, in characters", check=at_least(1))
    concurrency: int | None = setting(
        None,
        "requests each model serves at once",
        default_text="8 with a batch window (their sentences share engine batches), else 1 on CPU, 2 on a GPU",
        check=at_least(1),
    )
    batch_window_ms: float = setting(
        5.0,
        "gather the sentences of requests served at once into shared engine batches until no request "
        "has come for this many milliseconds, shared fairly between clients, short requests beside long "
        "ones (0: each request calls the model alone; docs: performance.md)",
        check=between(0, 1000),
    )
    auth: tuple[str, str] | None = setting(
        None,
        "require this login for the page",
        type=parse_auth,
        metavar="USER:PASSWORD",
        env=ENV_AUTH,
        secret=True,
        check=Rule(_is_login, "must be a (user, password) pair, both non-empty"),
    )
    preload: bool = True
    api_keys: bool = setting(
        False,
        "give the API keys: the keys database (translator keys add KEY) and, with FILE, one key per line, "
        "optionally followed by its requests per minute and characters per text (# starts a comment); "
        "callers without a key get the server's limits",
        nargs="?",
        const=True,
        metavar="FILE",
        group=REST,
        from_flag=bool,
    )
    api_keys_file: str | None = setting(None, flag="", dest="api_keys", from_flag=_keys_file)
    api_keys_db: str | None = setting(
        None,
        "the keys database",
        flag="--api-keys-db-path",
        metavar="PATH",
        default_text="api_keys.sqlite in $TRANSLATOR_CACHE_DIR or ~/.cache/translator",
        group=REST,
    )
    require_api_key: bool = setting(False, "refuse calls without a key (403); implies --api-keys", group=REST)
    req_limit: int = setting(
        0,
        "requests per minute per client without a limit of its own (0 or -1: no limit)",
        metavar="N",
        group=REST,
        check=no_limit_or_more(0),
    )
    char_limit: int = setting(
        0,
        "characters per text for callers without a limit of their own (0: --max-chars, which bounds every "
        "request in all; -1 as 0)",
        metavar="N",
        group=REST,
        check=no_limit_or_more(0),
    )
    batch_limit: int = setting(
        0,
        "texts in one /translate call (0 or -1: at most 1000)",
        metavar="N",
        group=REST,
        check=no_limit_or_more(0),
    )
    alternatives_limit: int = setting(
        3,
        "the most alternative translations a call may ask for (-1: the most, 16)",
        metavar="N",
        group=REST,
        check=Normalised(_alternatives),
    )
    suggestions: bool = setting(
        False, "keep the translations users suggest (POST /suggest); translator suggestions export", group=REST
    )
    suggestions_db: str | None = setting(
        None,
        "where suggestions are kept",
        flag="--suggestions-db-path",
        metavar="PATH",
        default_text="suggestions.sqlite beside the keys database",
        group=REST,
    )
    suggestions_per_client: int = setting(
        1000,
        "most suggestions kept from one API key, or from one address without a key; past it: 429",
        metavar="N",
        group=REST,
        check=at_least(1),
    )
    suggestions_mb_per_client: float = setting(
        10.0,
        "most megabytes of suggestions kept from one API key, or one address without a key; past it: 429",
        metavar="MB",
        group=REST,
        check=at_least(0.001),
    )
    suggestions_approve: str = setting(
        "",
        "API keys (comma-separated) whose suggestions go straight into the translation memory, approved; "
        "the others' wait for translator suggestions approve",
        metavar="KEY,KEY",
        secret=True,
        group=REST,
    )
    memory: str = setting(
        "on",
        "the translation memory: approved sentences answered as they are, before the cache and the model: on "
        "(memory.sqlite in the cache folder, shared with the commands on this machine; Redis with "
        "--shared-storage redis://...), off, FILE, or redis://host:port/db",
        metavar="SPEC",
        env=ENV_MEMORY,
        group=REST,
    )
    memory_near: float = setting(
        DEFAULT_NEAR,
        "the translation memory's near matches (shown, not applied) from this fuzzy ratio (above 1: none)",
        metavar="RATIO",
        group=REST,
        check=between(0, 1.01),
    )
    disable_files_translation: bool = setting(False, "refuse /translate_file (403)", group=REST)
    disable_web_ui: bool = setting(False, "serve the API only, no web page", group=REST)
    url_prefix: str = setting(
        "",
        "serve everything (API, docs, page) under this path, e.g. /translator",
        metavar="/PATH",
        group=REST,
        check=Rule(_is_prefix, "must look like /translator (a leading /, no trailing /)"),
    )
    allow_private_urls: bool = setting(
        False,
        "let /translate_url and the page fetch loopback, private, link-local and other non-public addresses",
        default_text="public addresses only",
        group=REST,
    )
    trust_forwarded_for: bool = setting(
        False,
        "take a client's address (for --req-limit) from X-Forwarded-For, as a trusted proxy sets it "
        "($FORWARDED_ALLOW_IPS: the proxies' addresses, default 127.0.0.1)",
        group=REST,
    )
    max_file_bytes: int = setting(
        MAX_FILE_BYTES, shared=FILE_LIMIT_FLAG, dest="max_file_mb", from_flag=_megabytes, group=REST, check=at_least(1)
    )
    translation_cache: str = setting(
        "all",
        "keep each sentence's English: all (the default SQLite file, or Redis with --shared-storage "
        "redis://...), FILE.sqlite, redis://host:port/db, or off; LibreTranslate's list of API keys is accepted "
        "and means all. A call with an API key reads and writes entries of that key's own; calls without one "
        "share theirs",
        metavar="off|all|SPEC",
        group=REST,
    )
    translation_cache_mb: int = setting(
        DEFAULT_CACHE_MB,
        "largest SQLite translation cache; past it the least recently used sentences go",
        metavar="MB",
        group=REST,
        check=at_least(1),
    )
    glossary: str | None = setting(
        None,
        "glossary terms the English of every request honours: CSV (source,target[,language]) or TBX; "
        "a request's own glossary adds to it (docs: own-words.md)",
        metavar="FILE",
        group=REST,
        check=_glossary_file,
    )
    keep_file: str | None = setting(
        None,
        "strings (names, brands, codes) every request keeps verbatim in the English, one a line; a "
        "request's own keep list adds to it",
        metavar="FILE",
        group=REST,
        check=_keep_file,
    )
    shared_storage: str = setting(
        "memory://",
        "memory:// or redis://host:port/db: in Redis, replicas share the translation cache, request limits "
        "and translated files",
        metavar="URI",
        group=REST,
    )
    shared_storage_down: str = setting(
        "open",
        "what a call with a request limit gets while the shared storage (Redis) does not answer: open "
        "serves it uncounted (logged; translator_limits_unchecked_total), closed refuses it (503, Retry-After)",
        choices=STORAGE_DOWN_MODES,
        group=REST,
        check=one_of(*STORAGE_DOWN_MODES),
    )
    metrics: bool = setting(False, "serve Prometheus metrics at /metrics", group=OPERATING)
    metrics_auth_token: str | None = setting(
        None,
        "serve /metrics only with Authorization: Bearer TOKEN",
        metavar="TOKEN",
        env=ENV_METRICS_TOKEN,
        secret=True,
        group=OPERATING,
        check=Rule(lambda token: bool(token.strip()), "must not be empty"),
    )
    log_format: str = setting(
        "text",
        "json: one JSON object per log line, for log shippers",
        choices=LOG_FORMATS,
        group=OPERATING,
        check=one_of(*LOG_FORMATS),
    )
    access_log: bool = setting(True, "log one line per HTTP request, logger translator.access", group=OPERATING)
    limits: ServerLimits = setting(factory=ServerLimits, nested=True, group=LIMITS)
