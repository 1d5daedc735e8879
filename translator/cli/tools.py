"""The other commands: follow, batch, download, cache, keys, suggestions, tiny-models, evaluate."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from translator.cli.common import (
    HelpFormatter,
    UsageError,
    add_cache_options,
    add_memory_options,
    add_model_options,
    add_terms_options,
    argument_type,
    open_cli_cache,
)
from translator.cli.documents import load_engines
from translator.options import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL
from translator.paths import translator_command

logger = logging.getLogger("translator")


def check_interval(value: str) -> float:
    """``--every``: seconds in 90, 30s, 15m, 1h; ValueError otherwise."""
    from translator.news.follow import parse_interval

    return parse_interval(value)


def add_follow_command(commands: argparse._SubParsersAction) -> None:
    """``translator follow FEED_OR_SITE... --out DIR [--once | --every 15m]`` (docs: news.md)."""
    p = commands.add_parser(
        "follow",
        help="follow news feeds or sites: each new article translated and summarised "
        "into an English digest (feed.xml, index.html)",
        formatter_class=HelpFormatter,
        description="Read RSS/Atom feeds (a site's page: the feed it names), fetch each new "
        "article, translate its title and text, summarise it, and write "
        "DIR/items/<date>-<slug>.json and .md, DIR/feed.xml (RSS 2.0) and "
        "DIR/index.html. A rerun does only new or changed items.",
    )
    p.add_argument("sources", nargs="+", metavar="FEED_OR_SITE", help="feed or site links (http:// or https://)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the digest and its state go")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one round, then exit (the default)")
    when.add_argument(
        "--every",
        type=argument_type(check_interval),
        default=None,
        metavar="INTERVAL",
        help="a round every INTERVAL (30s, 15m, 1h) until interrupted",
    )
    p.add_argument("--max-items", type=int, default=20, metavar="N", help="newest items looked at per feed and round")
    p.add_argument("--keep", type=int, default=100, metavar="N", help="items in feed.xml and index.html")
    p.add_argument("--pace", type=float, default=1.0, metavar="SECONDS", help="least time between requests to one host")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="longest fetch of one page or feed")
    p.add_argument("--max-page-mb", type=float, default=5.0, metavar="MB", help="largest page or feed fetched")
    p.add_argument(
        "--recheck",
        action="store_true",
        help="fetch every item's article each round (no conditional GETs): catches articles edited "
        "without a change in their feed",
    )
    p.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="let links from feeds and pages (items, redirects, discovered feeds) reach loopback and "
        "private addresses too; by default only the FEED_OR_SITE links given here may",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_model_options(p)
    add_cache_options(p)
    add_memory_options(p)
    add_terms_options(p, keep_flag="--keep-string")


def follow_command(args: argparse.Namespace) -> int:
    from translator.news import FetchLimits, FollowConfig, follow

    try:
        config = FollowConfig(
            sources=tuple(args.sources),
            out_dir=Path(args.out),
            every_s=args.every,
            max_items=args.max_items,
            keep=args.keep,
            pace_s=args.pace,
            limits=FetchLimits(max_bytes=int(args.max_page_mb * 2**20), timeout_s=args.timeout),
            length=args.length,
            recheck=args.recheck,
            allow_private=args.allow_private_urls,
            progress=not args.quiet,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    translator, summarizer = load_engines(args, summary=True)
    return follow(config, translator, summarizer)


def batch_command(args: argparse.Namespace) -> int:
    from translator.batch import main as batch_main

    return batch_main(args)


def download_command(args: argparse.Namespace) -> int:
    from translator.engines import models

    names = args.names or [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARY_MODEL]
    failed = 0
    for name in names:
        try:
            folder = models.download(name)
            print(f"{name}: saved in {folder}")
            if args.ct2:
                from translator.engines.ct2_convert import convert

                print(f"{name}: CTranslate2 copy in {convert(folder)}")
        except models.ModelNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def add_cache_command(commands: argparse._SubParsersAction) -> None:
    """``translator cache stats|clear [--cache SPEC]``."""
    p = commands.add_parser(
        "cache",
        help="show or empty the translation cache",
        formatter_class=HelpFormatter,
        description="Show how much the translation cache (--cache) holds, or empty it.",
    )
    p.add_argument("action", choices=("stats", "clear"), help="stats: entries, bytes and path; clear: empty it")
    p.add_argument(
        "--cache",
        default="on",
        metavar="SPEC",
        help="which cache: on (the default SQLite file), FILE.sqlite or redis://host:port/db",
    )


def cache_command(args: argparse.Namespace) -> int:
    cache = open_cli_cache(args)
    if cache is None:
        raise UsageError("--cache off names no cache: give on, FILE.sqlite or redis://host:port/db")
    if args.action == "clear":
        print(f"removed: {cache.clear()}")
    stats = cache.stats()
    print(f"entries: {stats.entries}\nbytes: {stats.bytes}\npath: {stats.where}")
    return 0


def add_admin_commands(commands: argparse._SubParsersAction) -> None:
    """``translator keys add|remove|list`` (docs: rest.md, Keys and limits; ``translator suggestions``
    is in memory.py): it works on the server's databases while it runs, without importing the page."""
    p = commands.add_parser(
        "keys",
        help="add, remove or list the REST API's keys (no restart needed)",
        formatter_class=HelpFormatter,
        description="Add, remove or list the REST API's keys and their limits in the keys database; a "
        "running server sees the change at once.",
    )
    actions = p.add_subparsers(dest="keys_action", required=True, metavar="ACTION")
    for name, text in (
        ("add", "add a key (or change its limits); without KEY, a new random one"),
        ("remove", "remove a key"),
        ("list", "list the keys and their limits"),
    ):
        action = actions.add_parser(
            name, help=text, formatter_class=HelpFormatter, description=text[0].upper() + text[1:] + "."
        )
        if name != "list":
            action.add_argument("key", nargs="?" if name == "add" else None, metavar="KEY")
        if name == "add":
            action.add_argument(
                "--req-limit",
                type=int,
                default=None,
                metavar="N",
                help="requests per minute (0: no limit; default: the server's --req-limit)",
            )
            action.add_argument(
                "--char-limit",
                type=int,
                default=None,
                metavar="N",
                help="characters per text (default: the server's --char-limit)",
            )
        action.add_argument(
            "--api-keys-db-path",
            default=None,
            metavar="PATH",
            help="the keys database (default: the server's, api_keys.sqlite in $TRANSLATOR_CACHE_DIR "
            "or ~/.cache/translator)",
        )


def keys_command(args: argparse.Namespace) -> int:
    import uuid

    from translator.paths import api_keys_path
    from translator.system.records import ApiKey, KeyStore

    store = KeyStore(args.api_keys_db_path or api_keys_path())
    if args.keys_action == "add":
        key = ApiKey(args.key or str(uuid.uuid4()), args.req_limit, args.char_limit)
        print(f"{'added' if store.add(key) else 'updated'}: {key.key}")
    elif args.keys_action == "remove":
        if not store.remove(args.key):
            print(f"translator keys: no such key in {store.path}", file=sys.stderr)
            return 1
        print(f"removed: {args.key}")
    else:
        for key in store.keys().values():
            limits = ["-" if value is None else str(value) for value in (key.req_limit, key.char_limit)]
            print(f"{key.key}\t{limits[0]}\t{limits[1]}")
    return 0


def tiny_models_command(args: argparse.Namespace) -> int:
    from translator.testing import build_all

    marian, bart = build_all(Path(args.out_dir))
    print(f"tiny MarianMT: {marian}\ntiny BART: {bart}")
    print(f"try: TRANSLATOR_TRANSLATION_MODEL={marian} TRANSLATOR_SUMMARY_MODEL={bart} {translator_command()} serve")
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    if bool(args.src) != bool(args.ref):
        raise UsageError("--src and --ref go together: the source lines and their line-aligned references")
    from translator.evaluation import main as evaluate_main

    return evaluate_main(args)
