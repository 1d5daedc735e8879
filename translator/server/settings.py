"""What a server is started with (:class:`Settings`): ``translator serve`` / ``python app.py``
options, each declared once (translator.declare), checked once when the server is built."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import ClassVar, Self

from translator.core.cache import DEFAULT_CACHE_MB, server_cache_spec
from translator.core.memory import DEFAULT_NEAR, parse_memory_spec
from translator.declare import Normalised, Rule, Unmet, at_least, between, build, check, one_of, setting
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
    SERVER_ENV_ALIAS_PREFIX,
    SERVER_ENV_PREFIX,
    ServerLimits,
    check_beams,
    check_device,
    check_engine,
    env,
)
from translator.text.language import PASSTHROUGH, SUPPORTED_SOURCES, route

__all__ = ["Settings", "parse_auth"]

# The argument groups of `translator serve --help` (and of docs/configuration.md)
REST = "REST API (LibreTranslate-compatible, on the same port; docs at /docs)"
OPERATING = "operating it (docs: operating.md)"
LIMITS = "limits for a public server (docs: rest.md)"
LIBRETRANSLATE = "LibreTranslate's other flags (docs: libretranslate.md)"
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
    route("", value)  # ValueError naming the valid source languages


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


def _none_below_zero(value: int) -> int:
    """LibreTranslate's -1 ("no limit") is 0 here."""
    return max(0, int(value))


def _load_only(value: str) -> str:
    """``--load-only en,sl`` normalised (lower case, no blanks); ValueError naming the known codes."""
    known = (*SUPPORTED_SOURCES, PASSTHROUGH)
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown or not codes:
        raise Unmet(f"must list languages this server serves ({', '.join(known)})")
    return ",".join(dict.fromkeys(codes))


def _is_origin_pattern(value: str) -> bool:
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _no_limit_or_more(low: int) -> Normalised:
    """At least ``low``, with LibreTranslate's -1 ("no limit") taken as 0."""

    def rule(value: int) -> int:
        if value < -1 or (value != -1 and value < low):
            raise Unmet(f"must be at least {low} (-1: none, as in LibreTranslate)")
        return _none_below_zero(value)

    return Normalised(rule)


def _alternatives(value: int) -> int:
    """From 0 to MAX_ALTERNATIVES; LibreTranslate's -1 (no limit) is the most."""
    return int(between(0, MAX_ALTERNATIVES)(MAX_ALTERNATIVES if value == -1 else value))


@dataclass(frozen=True)
class Settings:
    """What the page and the REST API are started with: ``translator serve`` / ``python app.py``
    options, one field each. A field's metadata (translator.declare) holds its flag, help, group,
    check and environment variable (``$TRANSLATOR_`` and its name unless it says another), from
    which the flags (cli/serve.py), :meth:`from_args` and docs/configuration.md are made.

    ``None`` for a model, the device or the engine means: the environment, else the default
    (:meth:`RuntimeOptions.from_env`, :func:`translator.options.model_name`). ``num_beams`` is the
    default of the page's slider and of the API endpoints; ``source`` the page's source language
    (the REST API's ``source`` field is the client's own). ``preload`` (no flag) loads both models
    when the page is built, so the first request does not wait and a missing model shows at once.
    ``--api-keys [FILE]`` sets two fields: ``api_keys`` (the keys database at ``api_keys_db``) and
    ``api_keys_file``; either, or ``require_api_key``, gives the server keys (:attr:`keys_enabled`).
    ``translation_cache``: "all" keeps each sentence's English in the default SQLite file (in Redis
    when ``shared_storage`` is a ``redis://`` URI), "off" none, a .sqlite path or a Redis URI names
    the store; a LibreTranslate list of API keys means "all". ``limits``: ServerLimits' own flags.
    Raises InvalidInputError (a ValueError) naming a bad value and its flag.
    """

    env_prefix: ClassVar[str] = SERVER_ENV_PREFIX
    env_alias_prefix: ClassVar[str] = SERVER_ENV_ALIAS_PREFIX

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
        "gather the sentences of requests served at once for this many milliseconds into shared engine "
        "batches, scheduled fairly by sentence (0: each request calls the model alone; docs: performance.md)",
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
        check=_no_limit_or_more(0),
    )
    char_limit: int = setting(
        0,
        "characters per text for callers without a limit of their own (0: --max-chars, which bounds every "
        "request in all; -1 as 0)",
        metavar="N",
        group=REST,
        check=_no_limit_or_more(0),
    )
    batch_limit: int = setting(
        0,
        "texts in one /translate call (0 or -1: at most 1000)",
        metavar="N",
        group=REST,
        check=_no_limit_or_more(0),
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
    # LibreTranslate's other flags (its main.py), each with its meaning there; docs/libretranslate.md
    req_limit_storage: str = setting(
        "",
        "where request limits are counted: memory:// or redis://host:port/db",
        metavar="URI",
        default_text="--shared-storage",
        group=LIBRETRANSLATE,
    )
    hourly_req_limit: int = setting(
        0,
        "requests per hour per client, besides --req-limit (0 or -1: none); a key's is its per-minute limit "
        "times --hourly-req-limit-multiplier",
        metavar="N",
        group=LIBRETRANSLATE,
        check=_no_limit_or_more(0),
    )
    hourly_req_limit_decay: int = setting(
        0,
        "with --hourly-req-limit N: D more limits, over 2 to D+1 hours, of N per hour times 0.75 for each hour "
        "past the first",
        metavar="D",
        group=LIBRETRANSLATE,
        check=at_least(0),
    )
    hourly_req_limit_multiplier: int = setting(
        60,
        "a key's hourly limit is its per-minute limit times this",
        metavar="N",
        group=LIBRETRANSLATE,
        check=at_least(1),
    )
    daily_req_limit: int = setting(
        0,
        "requests per day per client, besides --req-limit (0 or -1: none); a key's is its per-minute limit "
        "times --daily-req-limit-multiplier",
        metavar="N",
        group=LIBRETRANSLATE,
        check=_no_limit_or_more(0),
    )
    daily_req_limit_multiplier: int = setting(
        1440,
        "a key's daily limit is its per-minute limit times this",
        metavar="N",
        group=LIBRETRANSLATE,
        check=at_least(1),
    )
    req_flood_threshold: int = setting(
        0,
        "ban an address (403) once it has been over a request limit this many times; one offence is forgiven "
        "every 10 minutes (0 or -1: never ban)",
        metavar="N",
        group=LIBRETRANSLATE,
        check=_no_limit_or_more(0),
    )
    req_time_cost: int = setting(
        0,
        "a call that works S*k seconds counts as k requests against the limits (0 or -1: each counts once)",
        metavar="S",
        group=LIBRETRANSLATE,
        check=_no_limit_or_more(0),
    )
    api_keys_remote: str = setting(
        "",
        "ask this URL about keys instead of the keys database: POST api_key=KEY, answered "
        '{"req_limit": N, "char_limit": N} or {"error": ...}; implies --api-keys',
        metavar="URL",
        group=LIBRETRANSLATE,
        check=Rule(lambda url: not url or url.startswith(("http://", "https://")), "must be an http(s):// URL"),
    )
    get_api_key_link: str = setting(
        "",
        'where to get a key: a call refused for want of one says "Visit URL to get an API key"; '
        "/frontend/settings and the page show it",
        metavar="URL",
        group=LIBRETRANSLATE,
    )
    require_api_key_origin: str = setting(
        "",
        "calls without a key are refused (400) unless their Origin header matches this regular expression "
        "(from its start); implies --api-keys",
        metavar="REGEX",
        group=LIBRETRANSLATE,
        check=Rule(_is_origin_pattern, "must be a regular expression"),
    )
    require_api_key_secret: bool = setting(
        False,
        "calls without a key are refused (400) unless they send the server's current secret (the form field "
        "secret; two at a time are good, a new one every 30 minutes); implies --api-keys",
        group=LIBRETRANSLATE,
    )
    require_api_key_fingerprint: bool = setting(
        False,
        "calls without a key are refused (400) when an address's User-Agent and Cookie change within 5 minutes; "
        "implies --api-keys",
        group=LIBRETRANSLATE,
    )
    under_attack: bool = setting(
        False, "every call needs a key (400 without one); implies --api-keys", group=LIBRETRANSLATE
    )
    hide_api: bool = setting(False, "hide the page's 'Use via API' link", group=LIBRETRANSLATE)
    frontend_title: str = setting(
        "",
        "the page's title (heading and browser tab)",
        metavar="TITLE",
        default_text="the project's",
        group=LIBRETRANSLATE,
    )
    frontend_language_source: str = setting(
        "auto",
        "the source language /frontend/settings gives web front ends (and the page's, unless --source)",
        metavar="LANG",
        group=LIBRETRANSLATE,
    )
    frontend_language_target: str = setting(
        "locale",
        "the target /frontend/settings gives: English, the only one here (locale or en)",
        metavar="LANG",
        group=LIBRETRANSLATE,
        check=one_of("locale", PASSTHROUGH),
    )
    frontend_timeout: int = setting(
        500,
        "milliseconds a web front end waits after typing before it translates (/frontend/settings)",
        metavar="MS",
        group=LIBRETRANSLATE,
        check=at_least(0),
    )
    load_only: str = setting(
        "",
        "serve only these languages, e.g. en,sl: /languages lists them, others are refused (400)",
        metavar="CODES",
        default_text="all",
        group=LIBRETRANSLATE,
        check=Normalised(lambda value: _load_only(value) if value else value),
    )
    secondary: bool = setting(
        False,
        "a replica beside a primary: it leaves shared upkeep (forgiving banned addresses, new secrets) to the primary",
        group=LIBRETRANSLATE,
    )
    ssl: bool = setting(
        False,
        "give https:// download links (translatedFileUrl), for a server behind a TLS proxy",
        group=LIBRETRANSLATE,
    )
    threads: int | None = setting(
        None,
        "CPU threads each model uses (torch and CTranslate2)",
        metavar="N",
        default_text="the libraries' choice",
        group=LIBRETRANSLATE,
        check=at_least(1),
    )
    debug: bool = setting(False, "log at debug level", group=LIBRETRANSLATE)
    update_models: bool = setting(
        False, "download the models before serving, where they are not here yet", group=LIBRETRANSLATE
    )
    force_update_models: bool = setting(
        False, "download the models before serving, even where they are here", group=LIBRETRANSLATE
    )
    ga_id: str = setting("", "accepted and ignored: this page has no analytics", metavar="ID", group=LIBRETRANSLATE)

    def __post_init__(self) -> None:
        check(self)  # each field's own rules
        server_cache_spec(self.translation_cache, self.shared_storage)  # the two together; ValueError
        parse_memory_spec(self.memory)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Self:
        """The settings ``translator serve``'s parsed flags ``args`` give: each from its flag, else
        its environment variable, else its default. ValueError naming a bad value."""
        return build(cls, vars(args), env)

    @property
    def approving_keys(self) -> frozenset[str]:
        """The API keys of ``--suggestions-approve``: their suggestions go straight into the memory."""
        return frozenset(key.strip() for key in self.suggestions_approve.split(",") if key.strip())

    @property
    def keys_enabled(self) -> bool:
        """Whether the REST API has keys: a keys file, the keys database, or keys required."""
        return bool(self.api_keys_file) or self.api_keys or self.require_api_key or self.key_rules

    @property
    def key_rules(self) -> bool:
        """Whether one of LibreTranslate's rules may refuse a call without a key (origin, secret,
        fingerprint, under attack) or keys are asked of a remote endpoint."""
        return bool(
            self.require_api_key_origin
            or self.require_api_key_secret
            or self.require_api_key_fingerprint
            or self.under_attack
            or self.api_keys_remote
        )

    @property
    def served_sources(self) -> tuple[str, ...]:
        """The source languages served (``--load-only``; English passes through when listed)."""
        listed = self.load_only.split(",") if self.load_only else [*SUPPORTED_SOURCES, PASSTHROUGH]
        return tuple(code for code in listed if code != PASSTHROUGH)

    @property
    def serves_english(self) -> bool:
        return not self.load_only or PASSTHROUGH in self.load_only.split(",")
