"""From a declared dataclass (fields.py): its command-line flags (:func:`flags`,
:func:`add_arguments`) and an instance from the flags given, else the environment, else the
defaults (:func:`build`). The environment is read by the caller's reader (translator.options.env).
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from translator.declare.fields import Setting, declared
from translator.errors import InvalidInputError

T = TypeVar("T")
MISSING: Any = dataclasses.MISSING
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Flag:
    """One flag of a declared class: ``dest`` (the field's name, or the shared helper's), its
    ``names``, argparse's ``options`` (action, type, nargs, ...), ``help``, the field's
    ``default`` and how the help says it (``default_text``), its environment variables (``env``,
    first wins), its argument ``group`` and, for a flag a shared helper makes, that helper's name."""

    dest: str
    names: tuple[str, ...]
    options: Mapping[str, Any]
    help: str
    default: Any
    default_text: str | None
    env: tuple[str, ...]
    group: str | None
    shared: str | None = None
    generated_env: tuple[str, ...] = ()  # the class's alias prefix and the flag's name, read after ``env``

    @property
    def variables(self) -> tuple[str, ...]:
        """Every environment variable read for the flag, first wins: ``env``, then ``generated_env``."""
        return self.env + tuple(name for name in self.generated_env if name not in self.env)

    @property
    def switch(self) -> bool:
        """Whether the flag takes no value (``--metrics``, ``--access-log/--no-access-log``)."""
        action = self.options.get("action")
        return action == "store_true" or action is argparse.BooleanOptionalAction

    def shown_default(self, switches: bool = False) -> str:
        """The default as the help and the docs say it ("" where saying it tells nothing);
        with ``switches``, a switch's too ("on"/"off")."""
        if self.default_text is not None:
            return self.default_text
        if isinstance(self.default, bool):
            return ("on" if self.default else "off") if switches or self.default else ""
        return "" if self.default in (None, "") else str(self.default)

    def help_line(self) -> str:
        """The help with where the default comes from: "(default: $VARIABLE or 7860)"."""
        shown = self.shown_default(switches=bool(self.env))
        said = " or ".join(part for part in (f"${self.env[0]}" if self.env else "", shown) if part)
        return f"{self.help} (default: {said})" if said else self.help

    def parse(self, text: str) -> Any:
        """The value of the flag given as ``text`` (an environment variable's); ValueError for a
        bad one. A switch takes 1/true/yes/on or 0/false/no/off; a flag with an optional value
        (``--api-keys [FILE]``) takes those words for without and with none."""
        word = text.strip().lower()
        if self.switch or "const" in self.options:
            if word in TRUE_WORDS:
                return self.options.get("const", True)
            if word in FALSE_WORDS:
                return MISSING if "const" in self.options else False
            if self.switch:
                raise ValueError(f"expected one of {', '.join(TRUE_WORDS + FALSE_WORDS)}, got {text!r}")
        kind = self.options.get("type")
        try:
            value = kind(text) if kind is not None else text
        except ValueError:
            if kind not in (int, float):
                raise
            raise ValueError(f"expected {'a whole number' if kind is int else 'a number'}, got {text!r}") from None
        choices = self.options.get("choices")
        if choices is not None and value not in choices:
            raise ValueError(f"expected one of {', '.join(map(str, choices))}, got {text!r}")
        return value


def _plain(hint: Any) -> Any:
    """``int`` of ``int | None``; the hint itself otherwise."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        kinds = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return kinds[0] if len(kinds) == 1 else hint
    return hint


def _options(item: dataclasses.Field, spec: Setting, hint: Any) -> dict[str, Any]:
    """argparse's keywords for the flag of ``item``: the declared ones, the rest from its type."""
    kind = _plain(hint)
    options: dict[str, Any] = {}
    if spec.action is not None:
        options["action"] = spec.action
    elif kind is bool and spec.nargs is None:
        options["action"] = argparse.BooleanOptionalAction if item.default is True else "store_true"
    if "action" not in options:
        kind = spec.type or (kind if kind in (int, float) else None)
        if kind is not None:
            options["type"] = kind
    for key in ("metavar", "choices", "nargs", "const"):
        if getattr(spec, key) is not None:
            options[key] = getattr(spec, key)
    return options


def flags(cls: type, prefix: str | None = None, group: str | None = None, alias: str | None = None) -> Iterator[Flag]:
    """The flags of the declared dataclass ``cls``, in the order of its fields (those of a
    nested one where it is). Environment variables: ``prefix`` (default: ``cls.env_prefix``)
    and the field's name, unless declared; then the declared aliases; then ``alias`` (default:
    ``cls.env_alias_prefix``) and the flag's name in capitals (``--req-limit`` → ``LT_REQ_LIMIT``),
    read only when the others are unset."""
    prefix = getattr(cls, "env_prefix", "") if prefix is None else prefix
    alias = getattr(cls, "env_alias_prefix", "") if alias is None else alias
    hints = typing.get_type_hints(cls)
    for item, spec in declared(cls):
        if spec.nested:
            yield from flags(_nested_class(item), prefix, spec.group or group, alias)
            continue
        if spec.flag == "":
            continue
        named = spec.env if spec.env is not None else (prefix + item.name.upper() if prefix else "")
        flag_name = spec.flag_name(item.name) or ""
        generated = alias + flag_name.lstrip("-").replace("-", "_").upper() if alias and flag_name else ""
        yield Flag(
            dest=spec.dest or item.name,
            names=(flag_name,),
            options=_options(item, spec, hints[item.name]),
            help=spec.help,
            default=item.default,
            default_text=spec.default_text,
            env=() if spec.shared else tuple(name for name in (named, *spec.aliases) if name),
            group=spec.group or group,
            shared=spec.shared,
            generated_env=(generated,) if generated and not spec.shared else (),
        )


def _nested_class(item: dataclasses.Field) -> type:
    factory = item.default_factory
    if not isinstance(factory, type):
        raise TypeError(f"{item.name}: a nested setting's factory must be its dataclass")
    return factory


def _from_environment(flag: Flag, environ: Callable[[str], str | None]) -> Any:
    for name in flag.variables:
        text = environ(name)
        if text is None:
            continue
        try:
            return flag.parse(text)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise InvalidInputError(f"${name} (for {flag.names[0]}): {exc}") from None
    return MISSING


def build(
    cls: type[T],
    given: Mapping[str, Any],
    environ: Callable[[str], str | None],
    prefix: str | None = None,
    alias: str | None = None,
) -> T:
    """An instance of the declared dataclass ``cls``: each setting from its flag in ``given``
    (argparse's namespace as a dict: a flag not given is absent), else from its environment
    variable (read with ``environ``), else its default. Raises ValueError for a bad value."""
    prefix = getattr(cls, "env_prefix", "") if prefix is None else prefix
    alias = getattr(cls, "env_alias_prefix", "") if alias is None else alias
    owners = {flag.dest: flag for flag in flags(cls, prefix, alias=alias)}
    values: dict[str, Any] = {}
    for item, spec in declared(cls):
        if spec.nested:
            values[item.name] = build(_nested_class(item), given, environ, prefix, alias)
            continue
        dest = spec.dest or (item.name if spec.flag != "" else None)
        if dest is None:
            continue
        raw = given.get(dest, MISSING)
        if raw is MISSING and dest in owners:
            raw = _from_environment(owners[dest], environ)
        if raw is not MISSING:
            values[item.name] = spec.from_flag(raw) if spec.from_flag else raw
    return cls(**values)


def add_arguments(
    parser: argparse.ArgumentParser, cls: type, shared: Mapping[str, Callable[[Any], None]] | None = None
) -> None:
    """Add the flags of the declared dataclass ``cls`` to ``parser``, each in its group (made
    when first named); a flag a shared helper makes is added by calling ``shared[name](group)``
    once. A flag not given is left out of the namespace (argparse.SUPPRESS): :func:`build` then
    reads the environment, then the default, which the help states."""
    groups: dict[str | None, Any] = {None: parser}
    done: set[str] = set()
    for flag in flags(cls):
        if flag.group not in groups:
            groups[flag.group] = parser.add_argument_group(flag.group)
        target = groups[flag.group]
        if flag.shared is not None:
            if flag.shared not in done:
                (shared or {})[flag.shared](target)
                done.add(flag.shared)
            continue
        target.add_argument(
            *flag.names,
            dest=flag.dest,
            default=argparse.SUPPRESS,
            help=flag.help_line().replace("%", "%%"),
            **flag.options,
        )
