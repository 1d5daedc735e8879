"""Frozen option sets, and every runtime setting the environment can give.

Change options with ``dataclasses.replace(options, field=value)``. The environment is read here
and nowhere else (``RuntimeOptions.from_env``, :func:`model_name`, :func:`env_int`), so a setting
has one name, one default and one check.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from translator.declare import above, at_least, check, setting
from translator.errors import InvalidInputError

Engine = Literal["auto", "hf", "ct2"]
SummaryLength = Literal["short", "medium", "long"]

ENGINES: tuple[str, ...] = ("auto", "hf", "ct2")
DTYPES: tuple[str, ...] = ("auto", "float32", "float16", "bfloat16", "int8")
DEVICES_HELP = "auto, cpu, cuda, cuda:N or mps"
MIN_BEAMS, MAX_BEAMS = 1, 6
MAX_ALTERNATIVES = 16  # Translator.alternatives: a beam of count + 1 hypotheses, so bounded
DEFAULT_BEAMS = 4
# the web page's (translator serve): cli.py's defaults and ui.Settings' without importing gradio
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_CHARS = "127.0.0.1", 7860, 100_000

MAX_FILE_BYTES = 64 * 2**20  # a document's size once unpacked (--max-file-mb); news is far smaller


@dataclass(frozen=True)
class ServerLimits:
    """What a public server allows a client (``translator serve`` flags; docs: rest.md, "Running it in
    public"). Every size is counted as it arrives, never taken from a header.

    - ``header_timeout_s``: a request's line and headers must arrive within this many seconds of
      its first byte (or of the connection opening); ``body_timeout_s``: its body within this
      many seconds of the headers. An absolute deadline: a client trickling a byte at a time
      cannot reset it. Past it the connection is closed (408 if nothing was answered yet).
    - ``keep_alive_s``: an idle keep-alive connection is closed after this long.
    - ``max_connections``: connections and requests in progress at once; beyond it new
      requests get 503 at once (uvicorn's ``limit_concurrency``).
    - ``max_json_depth``: nesting of a JSON body ([ and {) beyond which it is refused (400).
    - ``work_budget_mb``: the memory that document work (files, HTML, long texts) may reserve at
      once, each request by its size; ``max_waiting``: REST requests working or waiting for a
      model at once; ``max_waiting_chars``: the characters of those requests. Beyond any the
      server answers 503 with ``Retry-After``.
    - ``grace_s``: on SIGTERM/SIGINT, how long in-flight requests may finish before the server
      stops and removes its temporary and download folders.

    Each field is declared once (translator.declare): its flag of ``translator serve``, its help and
    its check; ``Settings.limits`` gives them their environment variables (``$TRANSLATOR_GRACE_S``).
    """

    header_timeout_s: float = setting(
        10.0,
        "seconds for a request's line and headers to arrive",
        flag="--header-timeout",
        check=above(0),
        metavar="SECONDS",
    )
    body_timeout_s: float = setting(
        60.0,
        "seconds for a request's body to arrive after its headers",
        flag="--body-timeout",
        check=above(0),
        metavar="SECONDS",
    )
    keep_alive_s: float = setting(
        5.0, "seconds an idle keep-alive connection stays open", flag="--keep-alive", check=above(0), metavar="SECONDS"
    )
    max_connections: int = setting(256, "connections and requests at once; beyond: 503", check=at_least(1), metavar="N")
    max_json_depth: int = setting(32, "deepest nesting of a JSON body; beyond: 400", check=at_least(1), metavar="N")
    work_budget_mb: int = setting(
        1024, "memory the documents in progress may reserve; beyond: 503", check=at_least(1), metavar="N"
    )
    max_waiting: int = setting(
        64, "REST requests working or waiting for a model; beyond: 503", check=at_least(1), metavar="N"
    )
    max_waiting_chars: int = setting(
        1_000_000, "characters of REST requests working or waiting; beyond: 503", check=at_least(1), metavar="N"
    )
    grace_s: float = setting(
        20.0,
        "seconds in-flight requests may finish after SIGTERM/SIGINT",
        flag="--grace",
        check=above(0),
        metavar="SECONDS",
    )
    retry_after_s: int = setting(5, flag="", check=at_least(1))  # no flag: the Retry-After of a 503

    def __post_init__(self) -> None:
        check(self)


DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-tc-big-zls-en"
DEFAULT_SUMMARY_MODEL = "sshleifer/distilbart-cnn-12-6"

# The environment variables the project reads (docs: configuration.md, generated from this module).
ENV_TRANSLATION_MODEL = "TRANSLATOR_TRANSLATION_MODEL"
ENV_SUMMARY_MODEL = "TRANSLATOR_SUMMARY_MODEL"
ENV_DEVICE = "TRANSLATOR_DEVICE"
ENV_ENGINE = "TRANSLATOR_ENGINE"
ENV_DTYPE = "TRANSLATOR_DTYPE"
ENV_CT2_INTER = "TRANSLATOR_CT2_INTER_THREADS"
ENV_CT2_INTRA = "TRANSLATOR_CT2_INTRA_THREADS"

_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def check_device(device: str | None) -> str:
    """``device`` normalised (``None``/empty → ``auto``); ValueError naming the valid devices."""
    value = (device or "auto").strip().lower()
    if not _DEVICE.match(value):
        raise InvalidInputError(f"unknown device {device!r}: choose {DEVICES_HELP}")
    return value


def check_engine(engine: str | None) -> str:
    """``engine`` normalised (``None``/empty → ``auto``); ValueError naming the valid engines."""
    value = (engine or "auto").strip().lower()
    if value not in ENGINES:
        raise InvalidInputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    return value


def check_beams(value: object) -> int:
    """A beam count as int; ValueError unless it is a whole number from 1 to 6."""
    try:
        beams = int(value)  # type: ignore[call-overload]
        whole = float(value) == beams  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"beams must be a whole number from {MIN_BEAMS} to {MAX_BEAMS}, got {value!r}"
        ) from None
    if not whole or not MIN_BEAMS <= beams <= MAX_BEAMS:
        raise InvalidInputError(f"beams must be a whole number from {MIN_BEAMS} to {MAX_BEAMS}, got {value!r}")
    return beams


ENV_MODELS_DIR = "TRANSLATOR_MODELS_DIR"
ENV_CT2_DIR = "TRANSLATOR_CT2_DIR"
ENV_CACHE_DIR = "TRANSLATOR_CACHE_DIR"
ENV_MEMORY = "TRANSLATOR_MEMORY"  # the translation memory of the commands and the server (on, off, FILE, redis://)
ENV_CT2_MAX_POSITIONS = "TRANSLATOR_CT2_MAX_POSITIONS"
ENV_BATCH_GROUP_CHARS = "TRANSLATOR_BATCH_GROUP_CHARS"
ENV_BATCH_TIMEOUT = "TRANSLATOR_BATCH_TIMEOUT"  # seconds a process of a batch may wait for the others
# A server setting's variable is this and its name (translator.server.settings: $TRANSLATOR_REQ_LIMIT);
# these two keep the names they had before every setting got one.
SERVER_ENV_PREFIX = "TRANSLATOR_"
# ... and LibreTranslate's name for its flag, read when the TRANSLATOR_ one is unset ($LT_REQ_LIMIT for
# --req-limit: every server flag has one, so that a LibreTranslate deployment's variables keep working).
SERVER_ENV_ALIAS_PREFIX = "LT_"
ENV_AUTH = "TRANSLATOR_AUTH"
ENV_METRICS_TOKEN = "TRANSLATOR_METRICS_TOKEN"
# The libraries' and the system's, read here too.
ENV_HF_OFFLINE = "HF_HUB_OFFLINE"
ENV_WORLD_SIZE = "WORLD_SIZE"
ENV_XDG_CACHE = "XDG_CACHE_HOME"
ENV_PROMETHEUS_DIR = "PROMETHEUS_MULTIPROC_DIR"
ENV_MALLOC_ARENAS = "MALLOC_ARENA_MAX"
# Set for a library, never read as a setting.
HUB_BARS_VARIABLE = "HF_HUB_DISABLE_PROGRESS_BARS"
GRADIO_ANALYTICS_VARIABLE = "GRADIO_ANALYTICS_ENABLED"


def env(name: str) -> str | None:
    """The environment variable ``name``, stripped; None when unset or empty. The one place the
    package reads its environment (docs: configuration.md)."""
    value = os.environ.get(name, "").strip()
    return value or None


@contextmanager
def set_for_libraries(name: str, value: str) -> Iterator[bool]:
    """``$name`` set to ``value`` for the libraries during the block (yields True), unless it is set
    already (yields False: the user's value is kept); ours is taken back after the block."""
    if name in os.environ:
        yield False
        return
    os.environ[name] = value
    try:
        yield True
    finally:
        os.environ.pop(name, None)


def hf_offline() -> bool:
    """Whether ``$HF_HUB_OFFLINE`` forbids downloads (1, true, yes, on)."""
    return (env(ENV_HF_OFFLINE) or "").lower() in {"1", "true", "yes", "on"}


def launched_processes() -> int:
    """``$WORLD_SIZE``: the processes a launcher (torchrun, accelerate launch) started; 1 without."""
    try:
        return max(1, int(env(ENV_WORLD_SIZE) or 1))
    except ValueError:
        raise InvalidInputError(f"${ENV_WORLD_SIZE} must be a whole number, got {env(ENV_WORLD_SIZE)!r}") from None


def env_int(name: str, default: int) -> int:
    """A whole-number setting from ``$name`` (at least 1), else ``default``."""
    value = env(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidInputError(f"${name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise InvalidInputError(f"${name} must be at least 1, got {number}")
    return number


def model_name(kind: str, given: str | None = None) -> str:
    """The model for ``kind`` (``translation``/``summary``): ``given``, else its environment
    variable, else the project default."""
    if given:
        return given
    if kind == "translation":
        return os.environ.get(ENV_TRANSLATION_MODEL) or DEFAULT_TRANSLATION_MODEL
    return os.environ.get(ENV_SUMMARY_MODEL) or DEFAULT_SUMMARY_MODEL


@dataclass(frozen=True)
class TranslationOptions:
    """How sentences are batched and decoded.

    ``max_piece_tokens`` is the largest source piece sent to the model; longer sentences are
    split at clause boundaries, then by token windows (never truncated). MarianMT accepts 512
    positions, but quality drops well before that, so pieces are kept shorter by default.
    """

    num_beams: int = DEFAULT_BEAMS
    # Padded source tokens per engine call. Each engine splits a call to bound its own memory
    # (hf: pieces sized for the device; ct2: sub-batches run side by side), so a large call only
    # means fewer waits for the slowest sub-batch (ct2: ~7% faster than 2048 on 2 cores).
    batch_tokens: int = 4096
    max_batch_sentences: int = 64
    max_piece_tokens: int = 200
    # max_new_tokens = min(ratio * source_tokens + offset, model limit)
    max_length_ratio: float = 2.0
    max_length_offset: int = 16
    retry_repetitions: bool = True
    retry_repetition_penalty: float = 1.3
    retry_no_repeat_ngram_size: int = 4
    # Segment.score, the model's confidence in each sentence. Nearly free, but with ct2 a sentence
    # that runs to its length bound (a model loop) is decoded once more, alone, for an exact score;
    # switch off for bulk jobs on a model that loops often.
    scores: bool = True
    # Source languages the model translates (ISO 639-1); empty: the default model's South Slavic
    # ones (translator.text.language.SUPPORTED_SOURCES). Set it for another MarianMT pair, e.g. ("de",).
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "num_beams", check_beams(self.num_beams))  # the one beam check


SUMMARY_LENGTHS: dict[str, tuple[int, int]] = {
    "short": (20, 60),
    "medium": (56, 142),
    "long": (100, 256),
}


@dataclass(frozen=True)
class SummaryOptions:
    """Summary length and decoding. ``length`` picks a preset of min/max new tokens;
    ``min_new_tokens``/``max_new_tokens`` override the preset (benchmarks, experiments)."""

    length: SummaryLength = "medium"
    num_beams: int = DEFAULT_BEAMS
    max_input_tokens: int | None = None  # None: the model's own limit (1024 for BART)
    max_rounds: int = 8
    no_repeat_ngram_size: int = 3
    length_penalty: float = 2.0
    min_new_tokens: int | None = None
    max_new_tokens: int | None = None

    def __post_init__(self) -> None:
        check_length(self.length)
        object.__setattr__(self, "num_beams", check_beams(self.num_beams))

    def bounds(self, length: str | None = None) -> tuple[int, int]:
        """(min, max) new tokens of a summary of ``length`` (default: this option's)."""
        low, high = SUMMARY_LENGTHS[check_length(length or self.length)]
        return (
            self.min_new_tokens if self.min_new_tokens is not None else low,
            self.max_new_tokens if self.max_new_tokens is not None else high,
        )


def check_length(length: object) -> str:
    """A summary length name; ValueError naming the valid ones."""
    if length not in SUMMARY_LENGTHS:
        raise InvalidInputError(f"summary length {length!r} is not one of {', '.join(SUMMARY_LENGTHS)}")
    return str(length)


@dataclass(frozen=True)
class RuntimeOptions:
    """Where and how models run. ``device``/``dtype``/``engine`` ``"auto"`` pick per machine.

    ``ct2_inter_threads``/``ct2_intra_threads``: None lets the CTranslate2 engine pick from the
    cores available.
    """

    device: str = "auto"
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16 | int8 (ct2)
    engine: Engine = "auto"
    ct2_inter_threads: int | None = field(default=None, compare=True)
    ct2_intra_threads: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "device", check_device(self.device))
        object.__setattr__(self, "engine", check_engine(self.engine))
        dtype = (self.dtype or "auto").strip().lower()
        if dtype not in DTYPES:
            raise InvalidInputError(f"unknown dtype {self.dtype!r}: choose one of {', '.join(DTYPES)}")
        object.__setattr__(self, "dtype", dtype)

    @classmethod
    def from_env(cls, device: str | None = None, engine: str | None = None, dtype: str | None = None) -> RuntimeOptions:
        """Arguments first, then ``$TRANSLATOR_DEVICE``/``ENGINE``/``DTYPE`` and the CTranslate2
        thread variables, then ``auto``. Raises ValueError naming a bad value and its source."""

        def pick(given: str | None, env: str) -> str | None:
            return given or os.environ.get(env) or None

        threads = {}
        for key, env in (("ct2_inter_threads", ENV_CT2_INTER), ("ct2_intra_threads", ENV_CT2_INTRA)):
            if os.environ.get(env, "").strip():
                threads[key] = env_int(env, 1)
        return cls(
            device=pick(device, ENV_DEVICE) or "auto",
            engine=pick(engine, ENV_ENGINE) or "auto",  # type: ignore[arg-type]
            dtype=pick(dtype, ENV_DTYPE) or "auto",
            **threads,
        )
