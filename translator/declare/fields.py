"""A setting declared once: :func:`setting` makes a dataclass field whose metadata
(:class:`Setting`) says everything else about it; :func:`check` runs the rules of an instance's
fields, from its class's ``__post_init__``.

Rules are small callables of the value: :func:`at_least`, :func:`at_most`, :func:`above`,
:func:`between`, :func:`one_of`, :class:`Rule` (any test and what it says), or any function that
raises ValueError with its own message (``check_device``); :class:`Normalised` wraps one whose
result replaces the value (``check_beams``: ``4.0`` → ``4``). ``None`` passes every rule (it means
"not set": the environment or the library decides later).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from translator.errors import InvalidInputError

KEY = "setting"  # the metadata key of a declared field


class Unmet(InvalidInputError):
    """A value a :class:`Rule` refuses; :func:`check` names the setting and its flag."""


@dataclass(frozen=True)
class Rule:
    """A check of one value: ``test(value)`` is true for a good one; ``says`` what a good one is,
    as the end of a sentence that begins with the setting's name ("must be at least 1")."""

    test: Callable[[Any], bool]
    says: str

    def __call__(self, value: Any) -> Any:
        if not self.test(value):
            raise Unmet(self.says)
        return value


@dataclass(frozen=True)
class Normalised:
    """A rule whose function's result replaces the value (and whose ValueError refuses it)."""

    function: Callable[[Any], Any]

    def __call__(self, value: Any) -> Any:
        return self.function(value)


def at_least(low: float) -> Rule:
    return Rule(lambda value: value >= low, f"must be at least {low}")


def at_most(high: float) -> Rule:
    return Rule(lambda value: value <= high, f"must be at most {high}")


def above(low: float) -> Rule:
    return Rule(lambda value: value > low, f"must be more than {low}")


def between(low: float, high: float) -> Rule:
    return Rule(lambda value: low <= value <= high, f"must be from {low} to {high}")


def one_of(*values: Any) -> Rule:
    said = " or ".join(map(str, values)) if len(values) == 2 else "one of " + ", ".join(map(str, values))
    return Rule(lambda value: value in values, f"must be {said}")


@dataclass(frozen=True)
class Setting:
    """What a declared field says besides its name, type and default.

    - ``help``: one line on what it does (its default and environment variable are added).
    - ``flag``: its command-line flag (None: ``--`` and the field's name with dashes, ``req_limit``
      → ``--req-limit``; ``""``: no flag of its own); ``metavar``, ``type``, ``choices``,
      ``nargs``, ``const``, ``action``: argparse's (None: from the field's type: int and float
      are parsed, a bool is a switch, ``--no-NAME`` too when it defaults to True).
    - ``group``: the title of the argument group it is listed under (None: the command's own).
    - ``rules``: its checks (see the module); ``secret``: its value is never shown.
    - ``env``: its environment variable (None: the class's ``env_prefix`` and the field's name in
      capitals, ``TRANSLATOR_REQ_LIMIT``, where the class has one; ``""``: none); ``aliases``: more
      names for it, read when it is unset (LibreTranslate's ``LT_*``).
    - ``dest``: the flag it is read from when that is another's (default: its own); ``from_flag``
      turns that flag's value into the field's (``--max-file-mb`` MB → bytes).
    - ``shared``: its flag is made by a helper other commands share (named so), not from here.
    - ``default_text``: the default as the help says it, where the value would not say it.
    - ``nested``: the value is a declared dataclass whose own settings are flags too.
    """

    help: str = ""
    flag: str | None = None
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    choices: tuple[Any, ...] | None = None
    nargs: str | None = None
    const: Any = None
    action: Any = None
    group: str | None = None
    rules: tuple[Callable[[Any], Any], ...] = ()
    secret: bool = False
    env: str | None = None
    aliases: tuple[str, ...] = ()
    dest: str | None = None
    from_flag: Callable[[Any], Any] | None = None
    shared: str | None = None
    default_text: str | None = None
    nested: bool = False

    def flag_name(self, name: str) -> str | None:
        """The flag that sets the field ``name`` (its own, or the one it is read from); None: none."""
        if self.flag:
            return self.flag
        if self.flag is None or self.dest:
            return "--" + (self.dest or name).replace("_", "-")
        return None


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    check: Callable[[Any], Any] | tuple[Callable[[Any], Any], ...] = (),
    factory: Callable[[], Any] | None = None,
    secret: bool = False,
    **declared: Any,
) -> Any:
    """A dataclass field declaring a setting: its ``default`` (or ``factory``), ``help``, the
    rules it must ``check``, and anything else :class:`Setting` holds."""
    rules = check if isinstance(check, tuple) else (check,)
    metadata = {KEY: Setting(help=help, rules=rules, secret=secret, **declared)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, repr=not secret, metadata=metadata)


def declared(cls: type) -> Iterator[tuple[dataclasses.Field, Setting]]:
    """Each declared field of the dataclass ``cls`` (in order) and its :class:`Setting`."""
    for item in dataclasses.fields(cls):
        spec = item.metadata.get(KEY)
        if isinstance(spec, Setting):
            yield item, spec


def check(instance: Any) -> None:
    """Run the rules of every declared field of ``instance`` (a dataclass, frozen or not);
    InvalidInputError naming the field, its flag and what a good value is."""
    for item, spec in declared(type(instance)):
        value = getattr(instance, item.name)
        if value is None:
            continue
        for rule in spec.rules:
            try:
                result = rule(value)
            except Unmet as exc:
                flag = spec.flag_name(item.name)
                named = f"{item.name} ({flag})" if flag else item.name
                shown = "" if spec.secret else f", got {value!r}"
                raise InvalidInputError(f"{named} {exc}{shown}") from None
            if isinstance(rule, Normalised):
                value = result
                object.__setattr__(instance, item.name, value)
