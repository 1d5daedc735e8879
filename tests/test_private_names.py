"""No module of the package uses another package's private names: they change without notice
in any release. Found with an AST walk over translator/ (the package's own modules are free to
share private names among themselves):

* ``import x._y`` / ``from x._y import z`` (a module path with a part starting with ``_``),
  ``from x import _y``;
* ``x._y`` where ``x`` is bound by an import of another package in that file (``sacrebleu._z``,
  ``dataset.base._z`` rooted at an imported name), and ``obj._y`` on any object when no module
  of the package defines a ``_y`` (a function, class, variable, attribute or argument of that
  name; setting ``obj._Class__slot`` does not define it): then ``_y`` belongs to another
  package's object (``dataset._get_txt_file_path``, ``splitter._SentenceSplitter__prefixes``);
* a subclass of a class from another package's implementation module (a module path of three or
  more parts, such as ``uvicorn.protocols.http.h11_impl``): it depends on that class's internals.

Each exception is listed in :data:`ALLOWED` with its reason (the standard library counts as
another package); an entry nothing needs any more fails
the test too.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "translator"

ALLOWED: dict[tuple[str, str], str] = {
    # (files, as a glob; the finding): why it stays
    (
        "translator/server/http.py",
        "subclass of uvicorn.protocols.http.h11_impl.H11Protocol",
    ): "uvicorn has no public hook for per-phase (headers/body) read deadlines; its Config takes "
    "the protocol class as `http=` (documented), and DeadlineProtocol only adds timers around "
    "H11Protocol's asyncio.Protocol methods, reading its `conn` (the h11 connection)",
    ("translator/core/cache/redis_store.py", "parts._replace (not defined in translator/)"): "namedtuple's "
    "_replace is documented API (named with an underscore so that it cannot clash with a field)",
    **{
        ("translator/formats/*.py", f"etree.{name} (lxml.etree)"): "lxml's element classes are "
        "named with an underscore but documented as its API (lxml.etree._Element in the API "
        "reference and lxml's own type stubs); used in annotations and one isinstance"
        for name in ("_Element", "_ElementTree", "_Entity")
    },
    **{
        ("translator/cli/*.py", f"argparse.{name} (argparse)"): "argparse has no public name "
        "for the types add_subparsers() and add_argument_group() return; used in annotations only"
        for name in ("_SubParsersAction", "_ArgumentGroup")
    },
}


# ``obj._Class__slot``: a double-underscore attribute of class ``Class``, from outside it
_MANGLED = re.compile(r"_[A-Za-z]\w*?__\w+")


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _private(name: str) -> bool:
    return name.startswith("_") and not _dunder(name)


def _foreign(module: str) -> bool:
    return module.split(".")[0] not in (PACKAGE, "__future__")


def _imports(tree: ast.Module) -> tuple[dict[str, str], list[str]]:
    """Names bound by imports of other packages (name -> what it imports), and private imports."""
    bound: dict[str, str] = {}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _foreign(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"import {alias.name}")
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _foreign(node.module):
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"from {node.module} import")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound, found


def _root(node: ast.expr) -> ast.expr:
    """The name an expression such as ``a.b["c"].d().e`` starts from."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _defined(trees: list[ast.Module]) -> set[str]:
    """Every name the package defines: functions, classes, variables, attributes, arguments."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and not _MANGLED.match(node.attr):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[-1])
    return names


def _findings(source: str, defined: set[str] | None = None) -> list[str]:
    """What ``source`` uses of other packages' private names (see the module docstring);
    ``defined``: the names the package defines (default: those ``source`` defines)."""
    tree = ast.parse(source)
    defined = _defined([tree]) if defined is None else defined
    bound, found = _imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = _root(node)
            if isinstance(root, ast.Name) and root.id in bound:
                found.append(f"{ast.unparse(node)} ({bound[root.id]})")
            elif node.attr not in defined:
                found.append(f"{ast.unparse(node)} (not defined in {PACKAGE}/)")
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                root = _root(base)
                if isinstance(root, ast.Name) and root.id in bound:
                    origin = bound[root.id] + ast.unparse(base)[len(root.id) :]
                    if origin.count(".") >= 4:  # the module path has three or more parts
                        found.append(f"subclass of {origin}")
    return found


def _modules() -> list[Path]:
    return sorted((REPO / PACKAGE).rglob("*.py"))


def test_no_module_uses_a_private_name_of_another_package():
    sources = {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8") for path in _modules()}
    defined = _defined([ast.parse(source) for source in sources.values()])
    found = {(path, what) for path, source in sources.items() for what in _findings(source, defined)}
    allowed = {
        key: {(path, what) for path, what in found if what == key[1] and fnmatch.fnmatch(path, key[0])}
        for key in ALLOWED
    }
    refused = found.difference(*allowed.values())
    assert sorted(refused) == [], "use the library's public API, or add an entry to ALLOWED with why"
    unused = [key for key, used in allowed.items() if not used]
    assert unused == [], "these ALLOWED entries are no longer needed: remove them"


def test_the_check_finds_each_kind_of_private_use():
    source = """
import sacrebleu
import sacrebleu.dataset.base as base
import uvicorn._types
from bs4.builder._htmlparser import BeautifulSoupHTMLParser
from bs4 import _typing, BeautifulSoup
from uvicorn.protocols.http.h11_impl import H11Protocol
from translator.engines.models import _offline
from . import _version

class Mine(H11Protocol):
    pass

class Fine(BeautifulSoup):
    pass

sacrebleu.DATASETS["x"]._get_txt_file_path("sl-en", "src")
base.Dataset._clean("a")
BeautifulSoup.__name__, sacrebleu.__version__, _offline(), _version.x, self._private
dataset = sacrebleu.DATASETS["wmt22"]
dataset._outdir, self._private.upper()._upper_cased

def _mine(self):
    self._private = 1
    splitter._SentenceSplitter__prefixes = {}
"""
    assert _findings(source) == [
        "import uvicorn._types",
        "from bs4.builder._htmlparser import",
        "from bs4 import _typing",
        "subclass of uvicorn.protocols.http.h11_impl.H11Protocol",
        "sacrebleu.DATASETS['x']._get_txt_file_path (sacrebleu)",
        "base.Dataset._clean (sacrebleu.dataset.base)",
        "dataset._outdir (not defined in translator/)",
        "self._private.upper()._upper_cased (not defined in translator/)",
        "splitter._SentenceSplitter__prefixes (not defined in translator/)",
    ]
