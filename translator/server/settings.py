"""What a server is started with (:class:`Settings`): ``translator serve`` / ``python app.py``
options, each declared once (translator.declare), checked once when the server is built. The
server's own flags are in own_settings.py; LibreTranslate's other flags are declared here."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import ClassVar, Self

from translator.core.cache import server_cache_spec
from translator.core.memory import parse_memory_spec
from translator.declare import Normalised, Rule, Unmet, at_least, build, check, one_of, setting
from translator.options import SERVER_ENV_ALIAS_PREFIX, SERVER_ENV_PREFIX, env
from translator.server.own_settings import (
    FILE_LIMIT_FLAG,
    MODEL_FLAGS,
    REST,
    OwnSettings,
    no_limit_or_more,
    parse_auth,
)
from translator.text.language import PASSTHROUGH, SUPPORTED_SOURCES

__all__ = ["FILE_LIMIT_FLAG", "MODEL_FLAGS", "REST", "Settings", "parse_auth"]

LIBRETRANSLATE = "LibreTranslate's other flags (docs: libretranslate.md)"


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


@dataclass(frozen=True)
class Settings(OwnSettings):
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
        check=no_limit_or_more(0),
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
        check=no_limit_or_more(0),
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
        check=no_limit_or_more(0),
    )
    req_time_cost: int = setting(
        0,
        "a call that works S*k seconds counts as k requests against the limits (0 or -1: each counts once)",
        metavar="S",
        group=LIBRETRANSLATE,
        check=no_limit_or_more(0),
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
    frontend_language: str = setting(
        "",
        "the page's own language (older LibreTranslate releases): the page here is in English; another is "
        "accepted with a notice",
        metavar="LANG",
        group=LIBRETRANSLATE,
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
