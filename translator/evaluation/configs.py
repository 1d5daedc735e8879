"""What one evaluated configuration is, and how ``key=value,key=value`` turns into one.

Keys are the model, the runtime settings (engine, device, dtype) and every field of
:class:`~translator.options.TranslationOptions` (``--task summary``:
:class:`~translator.options.SummaryOptions`), converted to the field's type, so a new option is
comparable without touching this file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from translator.errors import InvalidInputError
from translator.options import DTYPES, SummaryOptions, TranslationOptions, check_device, check_engine

TASKS = ("translation", "summary")
RUNTIME_KEYS = ("model", "engine", "device", "dtype")
ALIASES = {"beams": "num_beams"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class RunConfig:
    """One configuration to evaluate: ``label`` names it in the report; ``options`` are
    overrides of the task's option dataclass. None means the project's default (which the
    environment may set)."""

    label: str
    model: str | None = None
    engine: str | None = None
    device: str | None = None
    dtype: str | None = None
    lang: str | None = None  # source language for sentence splitting (translation only)
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """``key=value,...`` of everything set, or ``defaults``."""
        pairs = [f"{key}={getattr(self, key)}" for key in RUNTIME_KEYS if getattr(self, key) is not None]
        pairs += [f"{key}={value}" for key, value in self.options.items()]
        return ",".join(pairs) or "defaults"


def option_class(task: str) -> type:
    """The option dataclass whose fields a ``task``'s configuration may set."""
    if task not in TASKS:
        raise InvalidInputError(f"unknown task {task!r}: choose {' or '.join(TASKS)}")
    return TranslationOptions if task == "translation" else SummaryOptions


def valid_keys(task: str) -> list[str]:
    """Every key a configuration of ``task`` accepts."""
    return [*RUNTIME_KEYS, *ALIASES, *(f.name for f in dataclasses.fields(option_class(task)))]


def _convert(key: str, text: str, hint: Any) -> Any:
    """``text`` as a value of type ``hint`` (int, float, bool, str, Literal, X | None)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        choices = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if text.strip().lower() in ("none", "null") and len(choices) < len(typing.get_args(hint)):
            return None
        hint = choices[0]
        origin = typing.get_origin(hint)
    if origin is Literal:
        if text not in typing.get_args(hint):
            raise InvalidInputError(f"{key}={text}: choose one of {', '.join(map(str, typing.get_args(hint)))}")
        return text
    if hint is bool:
        if text.lower() not in _TRUE | _FALSE:
            raise InvalidInputError(f"{key}={text}: expected true or false")
        return text.lower() in _TRUE
    if hint in (int, float):
        try:
            return hint(text)
        except ValueError:
            raise InvalidInputError(
                f"{key}={text}: expected {'a whole number' if hint is int else 'a number'}"
            ) from None
    return text


def parse_config(spec: str, task: str, base: RunConfig) -> RunConfig:
    """``base`` changed by ``spec`` (``engine=ct2,dtype=int8``), labelled ``spec``.

    Raises ValueError naming a bad key (with the valid keys) or a bad value, before any model loads.
    """
    options_class = option_class(task)
    hints = typing.get_type_hints(options_class)
    changes: dict[str, Any] = {}
    options = dict(base.options)
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = (part.strip() for part in item.partition("="))
        key = ALIASES.get(key, key)
        if not sep or not key:
            raise InvalidInputError(f"--compare {spec!r}: {item!r} is not key=value (e.g. engine=ct2,dtype=int8)")
        if key in RUNTIME_KEYS:
            changes[key] = value
        elif key in hints:
            options[key] = _convert(key, value, hints[key])
        else:
            raise InvalidInputError(
                f"--compare {spec!r}: unknown key {key!r}; valid keys: {', '.join(valid_keys(task))}"
            )
    config = dataclasses.replace(base, label=spec.strip() or base.label, options=options, **changes)
    check_config(config, task)
    return config


def check_config(config: RunConfig, task: str) -> RunConfig:
    """``config`` if its runtime values and options are valid; ValueError naming the bad one."""
    if config.engine is not None:
        check_engine(config.engine)
    if config.device is not None:
        check_device(config.device)
    if config.dtype is not None and config.dtype.strip().lower() not in DTYPES:
        raise InvalidInputError(f"unknown dtype {config.dtype!r}: choose one of {', '.join(DTYPES)}")
    option_class(task)(**config.options)  # the dataclass checks its own values (beams 1-6, lengths)
    return config
