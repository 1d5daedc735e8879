"""Each setting declared once: a dataclass field (:func:`setting`) whose metadata holds its flag,
help, argument group, checks and environment variable; the rest is made from it.

    max_chars: int = setting(100_000, "longest input accepted, in characters", check=at_least(1))

``fields.py`` declares (:func:`setting`, :class:`Setting`, the rules) and checks (:func:`check`,
called by the class's ``__post_init__``); ``flags.py`` makes the command-line flags
(:func:`add_arguments`: ``--max-chars``) and an instance from them, else from the environment
(``$TRANSLATOR_MAX_CHARS`` where the class's ``env_prefix`` is ``TRANSLATOR_``), else from the
defaults (:func:`build`). docs/hooks/configuration.py lists the same flags (:func:`flags`).
Nothing here reads the environment: :func:`build` is handed a reader (translator.options.env).

Layer: base, below options (whose ServerLimits is declared so): imports translator.errors only.
"""

from translator.declare.fields import (
    Normalised,
    Rule,
    Setting,
    Unmet,
    above,
    at_least,
    at_most,
    between,
    check,
    declared,
    one_of,
    setting,
)
from translator.declare.flags import Flag, add_arguments, build, flags

__all__ = [
    "Flag",
    "Normalised",
    "Rule",
    "Setting",
    "Unmet",
    "above",
    "add_arguments",
    "at_least",
    "at_most",
    "between",
    "build",
    "check",
    "declared",
    "flags",
    "one_of",
    "setting",
]
