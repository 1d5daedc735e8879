"""``translator serve`` (``python app.py``): the server's options, its Settings, and starting it."""

from __future__ import annotations

import argparse
import logging

from translator.cli.common import UsageError, _max_bytes, add_file_limit, add_model_options
from translator.core.cache.base import DEFAULT_CACHE_MB
from translator.options import (
    DEFAULT_BEAMS,
    DEFAULT_HOST,
    DEFAULT_MAX_CHARS,
    DEFAULT_PORT,
    ENV_AUTH,
    ENV_METRICS_TOKEN,
    env,
)

logger = logging.getLogger("translator")


def parse_auth(value: str) -> tuple[str, str] | None:
    """``USER:PASSWORD`` → ``(user, password)``; ``""`` → None (no login). ArgumentTypeError
    otherwise (argparse also applies it to the $TRANSLATOR_AUTH default)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth expects USER:PASSWORD (both non-empty)")
    return user, password


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The web page's options (``python app.py`` and ``translator serve``)."""
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (0.0.0.0 for every network interface)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument(
        "--share", action="store_true", help="also open a temporary public gradio.live link (needs internet)"
    )
    add_model_options(parser, length=False, beams=DEFAULT_BEAMS)
    parser.add_argument(
        "--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest input accepted, in characters"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="requests each model serves at once (default: 1 on CPU, 2 on a GPU)",
    )
    parser.add_argument(
        "--auth",
        type=parse_auth,
        default=env(ENV_AUTH),
        metavar="USER:PASSWORD",
        help="require this login for the page (default: $TRANSLATOR_AUTH; none if unset)",
    )
    rest = parser.add_argument_group("REST API (LibreTranslate-compatible, on the same port; docs at /docs)")
    add_key_arguments(rest)
    rest.add_argument(
        "--req-limit",
        type=int,
        default=0,
        metavar="N",
        help="requests per minute per client without a limit of its own (0: no limit)",
    )
    rest.add_argument(
        "--char-limit",
        type=int,
        default=0,
        metavar="N",
        help="characters per text for callers without a limit of their own (0: --max-chars, "
        "which bounds every request in all)",
    )
    add_libretranslate_arguments(rest)
    add_file_limit(rest)
    rest.add_argument(
        "--translation-cache",
        default="all",
        metavar="off|all|SPEC",
        help="keep each sentence's English for every client: all (the default SQLite file, or Redis "
        "with --shared-storage redis://...), FILE.sqlite, redis://host:port/db, or off; "
        "LibreTranslate's list of API keys is accepted and means all",
    )
    rest.add_argument(
        "--translation-cache-mb",
        type=int,
        default=DEFAULT_CACHE_MB,
        metavar="MB",
        help="largest SQLite translation cache; past it the least recently used sentences go",
    )
    rest.add_argument(
        "--shared-storage",
        default="memory://",
        metavar="URI",
        help="memory:// or redis://host:port/db: in Redis, replicas share the translation cache, "
        "request limits and translated files",
    )
    add_operations_arguments(parser)
    add_limit_arguments(parser)
    # `python app.py -v` is `translator serve -v`; SUPPRESS keeps `translator -v serve` working
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    return parser


def add_key_arguments(group: argparse._ArgumentGroup) -> None:
    """API keys, as LibreTranslate's flags (docs: rest.md, Keys and limits)."""
    group.add_argument(
        "--api-keys",
        nargs="?",
        const=True,
        default=None,
        metavar="FILE",
        help="give the API keys: the keys database (translator keys add KEY) and, with FILE, one key "
        "per line, optionally followed by its requests per minute and characters per text "
        "(# starts a comment); callers without a key get the server's limits",
    )
    group.add_argument(
        "--api-keys-db-path",
        default=None,
        metavar="PATH",
        help="the keys database (default: api_keys.sqlite in $TRANSLATOR_CACHE_DIR or ~/.cache/translator)",
    )
    group.add_argument(
        "--require-api-key", action="store_true", help="refuse calls without a key (403); implies --api-keys"
    )


def add_libretranslate_arguments(group: argparse._ArgumentGroup) -> None:
    """LibreTranslate's other flags: batches, alternatives, suggestions, features, prefix, proxies."""
    group.add_argument(
        "--batch-limit", type=int, default=0, metavar="N", help="texts in one /translate call (0: at most 1000)"
    )
    group.add_argument(
        "--alternatives-limit",
        type=int,
        default=3,
        metavar="N",
        help="the most alternative translations a call may ask for",
    )
    group.add_argument(
        "--suggestions",
        action="store_true",
        help="keep the translations users suggest (POST /suggest); translator suggestions export",
    )
    group.add_argument(
        "--suggestions-db-path",
        default=None,
        metavar="PATH",
        help="where suggestions are kept (default: suggestions.sqlite beside the keys database)",
    )
    group.add_argument("--disable-files-translation", action="store_true", help="refuse /translate_file (403)")
    group.add_argument("--disable-web-ui", action="store_true", help="serve the API only, no web page")
    group.add_argument(
        "--url-prefix",
        default="",
        metavar="/PATH",
        help="serve everything (API, docs, page) under this path, e.g. /translator",
    )
    group.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="let /translate_url and the page fetch loopback, private, link-local and other non-public "
        "addresses (default: public addresses only)",
    )
    group.add_argument(
        "--trust-forwarded-for",
        action="store_true",
        help="take a client's address (for --req-limit) from X-Forwarded-For, as a trusted proxy "
        "sets it ($FORWARDED_ALLOW_IPS: the proxies' addresses, default 127.0.0.1)",
    )


def add_operations_arguments(parser: argparse.ArgumentParser) -> None:
    """Metrics, logs (docs: operating.md)."""
    group = parser.add_argument_group("operating it (docs: operating.md)")
    group.add_argument("--metrics", action="store_true", help="serve Prometheus metrics at /metrics")
    group.add_argument(
        "--metrics-auth-token",
        default=env(ENV_METRICS_TOKEN),
        metavar="TOKEN",
        help="serve /metrics only with Authorization: Bearer TOKEN (default: $TRANSLATOR_METRICS_TOKEN; none if unset)",
    )
    group.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="json: one JSON object per log line, for log shippers",
    )
    group.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per HTTP request, logger translator.access (default: on)",
    )


LIMIT_FLAGS = {  # ServerLimits field → (flag, type, help); docs: rest.md, "Running it in public"
    "header_timeout_s": ("--header-timeout", float, "seconds for a request's line and headers to arrive"),
    "body_timeout_s": ("--body-timeout", float, "seconds for a request's body to arrive after its headers"),
    "keep_alive_s": ("--keep-alive", float, "seconds an idle keep-alive connection stays open"),
    "max_connections": ("--max-connections", int, "connections and requests at once; beyond: 503"),
    "max_json_depth": ("--max-json-depth", int, "deepest nesting of a JSON body; beyond: 400"),
    "work_budget_mb": ("--work-budget-mb", int, "memory the documents in progress may reserve; beyond: 503"),
    "max_waiting": ("--max-waiting", int, "REST requests working or waiting for a model; beyond: 503"),
    "max_waiting_chars": ("--max-waiting-chars", int, "characters of REST requests working or waiting; beyond: 503"),
    "grace_s": ("--grace", float, "seconds in-flight requests may finish after SIGTERM/SIGINT"),
}


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """The limits of a public server (translator.options.ServerLimits)."""
    from dataclasses import fields

    from translator.options import ServerLimits

    defaults = ServerLimits()
    group = parser.add_argument_group("limits for a public server (docs: rest.md)")
    for item in fields(ServerLimits):
        if item.name in LIMIT_FLAGS:
            flag, kind, text = LIMIT_FLAGS[item.name]
            group.add_argument(
                flag,
                dest=item.name,
                type=kind,
                default=getattr(defaults, item.name),
                help=text,
                metavar="SECONDS" if kind is float else "N",
            )


def serve_settings(args: argparse.Namespace):
    """The page's ``Settings`` from ``translator serve``'s options; UsageError for a bad value."""
    from translator.options import ServerLimits
    from translator.server import Settings
    from translator.server.rest import load_api_keys

    try:
        limits = ServerLimits(**{name: getattr(args, name) for name in LIMIT_FLAGS})
        keys_file = args.api_keys if isinstance(args.api_keys, str) else None
        if keys_file:
            load_api_keys(keys_file)  # a bad file is named now, not after the models load
        return Settings(
            translation_model=args.translation_model,
            summary_model=args.summary_model,
            device=args.device,
            engine=args.engine,
            num_beams=args.beams,
            source=args.source,
            max_chars=args.max_chars,
            concurrency=args.concurrency,
            host=args.host,
            port=args.port,
            share=args.share,
            auth=args.auth,
            api_keys_file=keys_file,
            api_keys=args.api_keys is not None,
            api_keys_db=args.api_keys_db_path,
            require_api_key=args.require_api_key,
            req_limit=args.req_limit,
            char_limit=args.char_limit,
            batch_limit=args.batch_limit,
            alternatives_limit=args.alternatives_limit,
            suggestions=args.suggestions,
            suggestions_db=args.suggestions_db_path,
            url_prefix=args.url_prefix,
            disable_web_ui=args.disable_web_ui,
            disable_files_translation=args.disable_files_translation,
            trust_forwarded_for=args.trust_forwarded_for,
            allow_private_urls=args.allow_private_urls,
            max_file_bytes=_max_bytes(args),
            limits=limits,
            translation_cache=args.translation_cache,
            translation_cache_mb=args.translation_cache_mb,
            shared_storage=args.shared_storage,
            metrics=args.metrics,
            metrics_auth_token=args.metrics_auth_token,
            log_format=args.log_format,
            access_log=args.access_log,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _serve(args: argparse.Namespace) -> int:
    from translator.system.ports import check_port

    if args.port:  # a busy port is said at once: before gradio is imported and the models load
        check_port(args.host, args.port)
    from translator.server import launch

    launch(serve_settings(args))
    return 0
