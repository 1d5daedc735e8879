"""The arguments of ``translator batch``, checked once: :func:`configure` turns the argparse
namespace into a :class:`Config` or raises :class:`UsageError` (exit code 2)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from translator.core.cache import DEFAULT_CACHE_MB, parse_spec
from translator.core.memory import default_memory_spec, parse_memory_spec
from translator.errors import InvalidInputError, TranslatorError
from translator.formats.glossary import load_terms
from translator.options import (
    ENV_BATCH_GROUP_CHARS,
    MAX_FILE_BYTES,
    RuntimeOptions,
    check_beams,
    check_length,
    env_int,
)
from translator.text.terms import Terms

REPORT_NAME = "report.json"
# Source bytes of a work group, the files whose sentences share translate calls (plan.py); 1
# translates every file alone.
GROUP_CHARS_ENV = ENV_BATCH_GROUP_CHARS  # its variable (options.py names them all)
DEFAULT_GROUP_CHARS = 64_000


class UsageError(TranslatorError):
    """Bad arguments: exit code 2."""


@dataclass(frozen=True)
class Config:
    """One run's settings. Paths are resolved; ``beams`` None means each model's default;
    ``cache`` the translation cache spec (``--cache``; None: none), ``cache_mb`` its cap."""

    in_dir: Path
    out_dir: Path
    report: Path
    suffixes: list[str]
    summary: bool
    force: bool
    quiet: bool
    length: str
    beams: int | None
    group_chars: int
    runtime: RuntimeOptions
    translation_model: str | None = None
    summary_model: str | None = None
    max_file_bytes: int = MAX_FILE_BYTES
    source: str = "auto"  # the source language, or auto (detected per document)
    cache: str | None = None
    cache_mb: int = DEFAULT_CACHE_MB
    memory: str | None = None  # the translation memory spec (--memory; None: $TRANSLATOR_MEMORY, else on)
    memory_near: float = 0.9
    terms: Terms | None = None  # --glossary, --keep, --keep-file (None: none)


@dataclass(frozen=True)
class BatchArgs:
    """The ``translator batch`` flags as given (unchecked), typed: :func:`configure` reads these
    and nothing else from the command line."""

    in_dir: str
    out_dir: str
    report: str | None = None
    formats: str | list[str] | None = None
    beams: int | None = None
    length: str | None = None
    device: str | None = None
    engine: str | None = None
    group_chars: int | None = None
    source: str | None = None
    cache: str | None = None
    translation_cache_mb: int | None = None
    memory: str | None = None
    memory_near: float | None = None
    max_file_mb: float | None = None
    summary: bool = False
    force: bool = False
    quiet: bool = False
    translation_model: str | None = None
    summary_model: str | None = None
    glossary: list[str] | None = None
    keep_strings: list[str] | None = None
    keep_file: list[str] | None = None

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> BatchArgs:
        """The flags of an argparse namespace (a flag it lacks takes its default)."""
        given = vars(args)
        return cls(**{f.name: given[f.name] for f in fields(cls) if f.name in given})


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies under it (both resolved)."""
    return path == folder or folder in path.parents


def parse_formats(value: str | list[str] | None, supported: Iterable[str]) -> list[str]:
    """``"txt,md"`` (or a list, dots optional) → ``[".txt", ".md"]``; UsageError on an unknown one."""
    known = sorted({s.lower() for s in supported})
    if value is None:
        return known
    items = value if isinstance(value, list) else [value]
    chosen: list[str] = []
    for item in items:
        for token in str(item).replace(",", " ").split():
            suffix = "." + token.strip().lstrip(".").lower()
            if suffix not in known:
                raise UsageError(
                    f"unknown format {token!r} in --formats: choose from " + ", ".join(s.lstrip(".") for s in known)
                )
            if suffix not in chosen:
                chosen.append(suffix)
    if not chosen:
        raise UsageError("--formats names no format")
    return chosen


def _folders(args: BatchArgs) -> tuple[Path, Path, Path]:
    in_dir = Path(args.in_dir).expanduser()
    if not in_dir.exists():
        raise UsageError(f"input folder {args.in_dir} does not exist")
    if not in_dir.is_dir():
        raise UsageError(f"input {args.in_dir} is not a folder")
    in_dir = in_dir.resolve()
    out_dir = Path(args.out_dir).expanduser().resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output {args.out_dir} exists and is not a folder")
    if out_dir == in_dir:
        raise UsageError("OUT_DIR must differ from IN_DIR (sources are never overwritten)")
    if inside(in_dir, out_dir):
        raise UsageError("IN_DIR must not lie inside OUT_DIR")
    report = Path(args.report).expanduser().resolve() if args.report else out_dir / REPORT_NAME
    if inside(report, in_dir) and not inside(report, out_dir):
        raise UsageError("--report must not be written inside IN_DIR (sources are never modified)")
    if report.is_dir():
        raise UsageError(f"--report {report} is a folder")
    return in_dir, out_dir, report


def configure(namespace: argparse.Namespace) -> Config:
    """Check the arguments and the runtime settings; raise UsageError for anything a user must fix."""
    from translator.engines.models import resolve_device
    from translator.formats.files import SUPPORTED_SUFFIXES
    from translator.text.language import route_language

    args = BatchArgs.from_namespace(namespace)
    in_dir, out_dir, report = _folders(args)
    suffixes = parse_formats(args.formats, SUPPORTED_SUFFIXES)
    try:
        beams = None if args.beams is None else check_beams(args.beams)
        length = check_length(args.length or "medium")
        runtime = RuntimeOptions.from_env(device=args.device, engine=args.engine)
        resolve_device(runtime.device, runtime.engine)  # --device cuda without CUDA: one line now, before any output
        group_chars = args.group_chars or env_int(ENV_BATCH_GROUP_CHARS, DEFAULT_GROUP_CHARS)
        source = args.source or "auto"
        route_language("", source)  # names the valid languages when --source is not one of them
        cache_mb = DEFAULT_CACHE_MB if args.translation_cache_mb is None else args.translation_cache_mb
        parse_spec(args.cache)  # names the valid caches
        memory = args.memory or default_memory_spec()
        memory_near = 0.9 if args.memory_near is None else args.memory_near
        parse_memory_spec(memory)
        if not 0 <= memory_near <= 1.01:
            raise InvalidInputError(f"--memory-near is a ratio from 0 to 1 (above 1: none), got {memory_near}")
        if cache_mb < 1:
            raise InvalidInputError(f"--translation-cache-mb must be at least 1, got {cache_mb}")
        terms = load_terms(args.glossary or (), args.keep_strings or (), args.keep_file or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return Config(
        in_dir=in_dir,
        out_dir=out_dir,
        report=report,
        suffixes=suffixes,
        summary=bool(args.summary),
        force=bool(args.force),
        quiet=bool(args.quiet),
        length=length,
        beams=beams,
        group_chars=group_chars,
        runtime=runtime,
        translation_model=args.translation_model,
        summary_model=args.summary_model,
        max_file_bytes=int(args.max_file_mb * 2**20) if args.max_file_mb else MAX_FILE_BYTES,
        source=source,
        cache=args.cache,
        cache_mb=cache_mb,
        memory=memory,
        memory_near=memory_near,
        terms=terms,
    )
