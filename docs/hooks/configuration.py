"""MkDocs hook: the configuration page's tables, built from the code at every build.

``docs/configuration.md`` holds the marker ``<!-- generated: configuration -->``; this hook
replaces it with

- every environment variable the package reads, found by reading the package's source: calls of
  ``env(...)``, ``env_int(...)``, ``os.environ.get(...)``, ``os.environ[...]`` (the name given as
  a string or as a module constant), and the constants that declare a variable's name
  (``ENV_*``, ``*_ENV``) where they are used; with its default where the code states one;
- every flag of every ``translator`` command, from the real argparse parser
  (``translator.cli.parser.build_parser``): its default and its help, group by group;
- the server's settings (``translator serve``), each from its one declaration, a field of
  ``translator.server.settings.Settings`` (translator.declare): its flag, environment variable,
  default and help, in both tables.

Only what the code cannot say is written here: one line per environment variable read outside
the server's settings on what it does (``WHAT``). The build fails when the code reads a variable
that has no line, or a line names a variable the code no longer reads, so the page cannot drift
from the code.

``configuration_markdown(settings)`` returns the tables (``settings``: the server's Settings, or a
subclass with more); tests/test_docs.py and tests/test_serve_settings.py call it.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "translator"
MARKER = "<!-- generated: configuration -->"

# What each variable does (the code gives its name, where it is read, and its default).
WHAT: dict[str, str] = {
    "TRANSLATOR_TRANSLATION_MODEL": "the MarianMT translation model: a Hub id, an alias or a local folder",
    "TRANSLATOR_SUMMARY_MODEL": "the BART-family summariser: a Hub id, an alias or a local folder",
    "TRANSLATOR_DEVICE": "where models run: `auto` (CUDA, then Apple MPS, then CPU), `cpu`, `cuda`, `cuda:N`, `mps`",
    "TRANSLATOR_ENGINE": "the decoding engine: `auto` (CTranslate2, else transformers), `ct2`, `hf`",
    "TRANSLATOR_DTYPE": "the weights' precision: `auto` (int8 on CPU with ct2, float16/bfloat16 on a GPU), "
    "`float32`, `float16`, `bfloat16`, `int8`",
    "TRANSLATOR_CT2_INTER_THREADS": "CTranslate2 workers (default: from the cores available)",
    "TRANSLATOR_CT2_INTRA_THREADS": "threads per CTranslate2 worker (default: from the cores available)",
    "TRANSLATOR_CT2_MAX_POSITIONS": "decoder positions a CTranslate2 sub-batch may hold (0: from the device; "
    "see [Performance](performance.md#batches-and-sub-batches))",
    "TRANSLATOR_MODELS_DIR": "local model folders (default: `models/` of the checkout)",
    "TRANSLATOR_CT2_DIR": "converted CTranslate2 copies (default: `.ct2/` beside the model)",
    "TRANSLATOR_CACHE_DIR": "the translation cache, the API keys and suggestions databases "
    "(default: `$XDG_CACHE_HOME/translator`)",
    "XDG_CACHE_HOME": "the user's cache folder (default: `~/.cache`)",
    "TRANSLATOR_BATCH_GROUP_CHARS": "characters of source per work group of the folder batch (`1`: every file alone)",
    "TRANSLATOR_BATCH_TIMEOUT": "seconds a process of a folder batch waits for the others (7 days)",
    "HF_HUB_OFFLINE": "`1`: never download a model (or a test set)",
    "WORLD_SIZE": "the processes a launcher (`torchrun`, `accelerate launch`) started",
    "PROMETHEUS_MULTIPROC_DIR": "a folder shared by a machine's server processes: prometheus_client's "
    "multiprocess mode ([Metrics](operating.md#metrics))",
    "MALLOC_ARENA_MAX": "glibc's malloc arenas; unset, CTranslate2 on CPU sets one arena for its workers "
    "([Performance](performance.md#memory))",
}

# Read by the libraries the project runs on, not by its own code; documented beside the others.
READ_BY_LIBRARIES: dict[str, tuple[str, str, str]] = {
    "FORWARDED_ALLOW_IPS": (
        "uvicorn",
        "`127.0.0.1`",
        "the proxies whose `X-Forwarded-For` is believed, with `translator serve --trust-forwarded-for` (`*`: any)",
    ),
    "CUDA_VISIBLE_DEVICES": ("CUDA", "all GPUs", "the GPUs a process sees (one server process per GPU)"),
    "SACREBLEU": ("sacrebleu", "`~/.sacrebleu`", "where `translator evaluate --testset` caches test sets"),
}

_READERS = {"env", "env_int"}


def _constants() -> dict[str, object]:
    """Every module-level ``NAME = <literal or arithmetic>`` of the package, by name."""
    found: dict[str, object] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    found[node.targets[0].id] = _evaluate(node.value, found)
                except ValueError:
                    continue
    return found


def _evaluate(node: ast.AST, names: dict[str, object]) -> object:
    """A literal, a known constant, or + - * // of them; ValueError for anything else."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Attribute) and node.attr in names:
        return names[node.attr]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right:
                return left // right
    raise ValueError(ast.dump(node))


def _declares(constant: str) -> bool:
    """Whether a constant's name says it holds an environment variable's name."""
    return constant.startswith("ENV_") or constant.endswith("_ENV")


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def environment_reads() -> dict[str, dict[str, object]]:
    """Each variable the package reads: ``{"modules": [...], "default": value or None}``."""
    names = _constants()
    reads: dict[str, dict[str, object]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name_node, default = None, None
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in _READERS and node.args:
                    name_node = node.args[0]
                    if func.id == "env_int" and len(node.args) > 1:
                        default = node.args[1]
                elif isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
                    name_node = node.args[0] if node.args else None
            elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
                name_node = node.slice
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and _declares(node.id):
                name_node = node  # a declared variable name (ENV_*, *_ENV) used here
            if name_node is None:
                continue
            try:
                name = _evaluate(name_node, names)
            except ValueError:
                continue
            if not isinstance(name, str):
                continue
            entry = reads.setdefault(name, {"modules": [], "default": None})
            if module not in entry["modules"]:
                entry["modules"].append(module)
            if default is not None:
                try:
                    entry["default"] = _evaluate(default, names)
                except ValueError:
                    pass
    return reads


def _code_defaults() -> dict[str, str]:
    """Defaults the code states as constants beside the variables."""
    sys.path.insert(0, str(REPO))
    from translator import options

    return {
        options.ENV_TRANSLATION_MODEL: f"`{options.DEFAULT_TRANSLATION_MODEL}`",
        options.ENV_SUMMARY_MODEL: f"`{options.DEFAULT_SUMMARY_MODEL}`",
        options.ENV_DEVICE: "`auto`",
        options.ENV_ENGINE: "`auto`",
        options.ENV_DTYPE: "`auto`",
    }


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _settings_class(settings: type | None) -> type:
    sys.path.insert(0, str(REPO))
    from translator.server.settings import Settings

    return settings or Settings


def declared_flags(settings: type | None = None) -> dict[str, object]:
    """The server's flags made from its settings' declarations (not those of shared helpers), by dest."""
    from translator.declare import flags

    return {flag.dest: flag for flag in flags(_settings_class(settings)) if flag.shared is None}


def _declared_rows(settings: type | None) -> dict[str, str]:
    """A row of the environment table for each variable of a server setting, by its name."""
    rows = {}
    for flag in declared_flags(settings).values():
        shown = flag.shown_default(switches=True)
        default = f"`{shown}`" if shown and flag.default_text is None else shown
        for name in flag.env:
            rows[name] = (
                f"| `{name}` | {_cell(default) or 'unset'} | {_cell(flag.help)} | `translator serve {flag.names[0]}` |"
            )
    return rows


def environment_table(settings: type | None = None) -> str:
    declared = _declared_rows(settings)
    reads = {name: entry for name, entry in environment_reads().items() if name not in declared}
    undocumented = sorted(set(reads) - set(WHAT))
    stale = sorted(set(WHAT) - set(reads))
    if undocumented or stale:
        raise RuntimeError(
            f"docs/hooks/configuration.py: the code reads {undocumented or 'no other variables'} without a "
            f"line in WHAT; WHAT describes {stale or 'nothing else'} that the code does not read"
        )
    defaults = _code_defaults()
    rows = ["| variable | default | what | read in |", "|---|---|---|---|"]
    for name in sorted({*reads, *declared}, key=lambda n: (not n.startswith("TRANSLATOR_"), n)):
        if name in declared:
            rows.append(declared[name])
            continue
        entry = reads[name]
        what = WHAT[name]
        stated = re.search(r"\s*\(default: ([^()]*)\)", what)
        default = defaults.get(name)
        if stated:
            default, what = stated.group(1), what[: stated.start()] + what[stated.end() :]
        if default is None and entry["default"] not in (None, 0):
            default = f"`{entry['default']:,}`" if isinstance(entry["default"], int) else f"`{entry['default']}`"
        where = ", ".join(f"`{m}`" for m in entry["modules"])
        rows.append(f"| `{name}` | {default or 'unset'} | {_cell(what)} | {where} |")
    rows += [
        "",
        "Read by the libraries underneath:",
        "",
        "| variable | default | what | read by |",
        "|---|---|---|---|",
    ]
    for name, (library, default, what) in READ_BY_LIBRARIES.items():
        rows.append(f"| `{name}` | {default} | {_cell(what)} | {library} |")
    return "\n".join(rows)


_DEFAULT_IN_HELP = re.compile(r"\s*\(default:?\s*(.*?)\)\s*$")


def _flag_row(action: argparse.Action, declared: dict | None = None) -> str | None:
    """The row of a flag; with ``declared`` (the server's), one more column, the variable, and what
    the flag's declaration says, where it has one."""
    if action.help == argparse.SUPPRESS or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
        return None
    if isinstance(action, argparse._SubParsersAction):
        return None
    names = ", ".join(f"`{s}`" for s in action.option_strings) if action.option_strings else f"`{action.dest.upper()}`"
    if action.option_strings and action.nargs != 0 and action.metavar is not None:
        names += f" `{action.metavar}`"
    elif action.option_strings and action.nargs != 0 and action.choices:
        names += " `{" + ",".join(map(str, action.choices)) + "}`"
    help_text = (action.help or "") % {"default": action.default, "prog": "translator"}
    default = ""
    stated = _DEFAULT_IN_HELP.search(help_text)
    if stated:
        default, help_text = stated.group(1), help_text[: stated.start()]
    elif isinstance(action, argparse.BooleanOptionalAction):
        default = "on" if action.default else "off"
    elif action.nargs == 0 and action.default in (False, None, argparse.SUPPRESS):
        default = "off"
    elif action.default not in (None, argparse.SUPPRESS, "") and not isinstance(action.default, bool):
        default = str(action.default)
    if not action.option_strings:
        default = default or ("required" if action.nargs in (None, "+") else "")
    names = names.replace("|", chr(92) + "|")
    if declared is None:
        return f"| {names} | {_cell(default) or '–'} | {_cell(help_text)} |"
    variables = "–"
    flag = declared.get(action.dest)
    if flag is not None:
        default, help_text = flag.shown_default(switches=True), flag.help
        variables = ", ".join(f"`{name}`" for name in flag.env) or "–"
    return f"| {names} | {_cell(default) or '–'} | {variables} | {_cell(help_text)} |"


def _commands(parser: argparse.ArgumentParser, prefix: str):
    """(command line, parser) of every command and sub-command, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                has_children = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
                own = [a for a in sub._actions if _flag_row(a)]
                if not has_children or own:
                    yield f"{prefix} {name}", sub
                yield from _commands(sub, f"{prefix} {name}")


def flags_markdown(settings: type | None = None) -> str:
    sys.path.insert(0, str(REPO))
    from translator.cli.parser import build_parser

    parts = []
    for command, parser in _commands(build_parser(_settings_class(settings)), "translator"):
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            continue
        parts.append(f"### `{command}`\n")
        description = parser.description or ""
        if description:
            parts.append(_cell(description) + "\n")
        declared = declared_flags(settings) if command == "translator serve" else None
        header = "| flag | default | variable | what |\n|---|---|---|---|\n" if declared else None
        tables: dict[str, list[str]] = {}
        for group in parser._action_groups:
            rows = [row for row in (_flag_row(action, declared) for action in group._group_actions) if row]
            title = re.sub(r"\s*\(README: [^)]*\)", "", group.title or "")
            if rows:
                tables.setdefault("" if title in ("options", "positional arguments") else title, []).extend(rows)
        for title, rows in tables.items():
            if title:
                parts.append(f"**{_cell(title)}**\n")
            parts.append((header or "| flag | default | what |\n|---|---|---|\n") + "\n".join(rows) + "\n")
    return "\n".join(parts)


def configuration_markdown(settings: type | None = None) -> str:
    """The generated part of docs/configuration.md; ``settings``: the server's (default: Settings)."""
    return (
        "## Environment variables\n\n"
        + environment_table(settings)
        + "\n\n## Flags of every command\n\n"
        + "Every flag of every `translator` command (`python app.py` takes exactly `translator serve`'s), "
        "from the parser the command line uses. A flag of `translator serve` wins over its variable, "
        "which wins over the default.\n\n" + flags_markdown(settings)
    )


def on_page_markdown(markdown: str, page, config, files) -> str:  # MkDocs passes all four
    if MARKER in markdown:
        return markdown.replace(MARKER, configuration_markdown())
    return markdown
