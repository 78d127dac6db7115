"""The layers of docs/architecture.md, checked over the import statements of the portal's own code.

- An app imports only from the layers below it (and its own modules); apps of one layer import none of each other.
- No import circle between modules, counting imports inside functions too (a circle hidden in a function is a
  circle all the same).
- An import inside a function carries a comment saying why (Django's app loading, say) on its line or the line
  above it.

Imports under `if TYPE_CHECKING:` are type hints, not dependencies, and are not counted. Migrations, tests and
benchmarks are outside the layers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. An app may import from any app in a lower layer; apps in one layer are independent.
LAYERS: list[set[str]] = [
    {"core"},
    {"catalog"},
    {"tokens"},
    {"search"},
    {"audit", "backup"},
    {"lineage", "glossary", "access", "sso"},
    {"slo", "ratings", "usage"},
    {"harvest"},  # new layer: dbt and SQL harvesting, schema drift (reads slo, lineage, catalog)
    {"governance"},
    {"notices"},  # change notices and subscriptions: versions, deprecations, follows, deliveries (#17)
    {"demo"},
    {"config"},
    {"meshportal_cli"},  # the producer CLI: runs without settings, over the REST API and the catalog's parsers
]
LAYER_OF = {app: n for n, apps in enumerate(LAYERS) for app in apps}
SKIPPED_PARTS = {"migrations", "tests", "bench", ".venv", "static", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (or module.name, resolved to the longest module that exists)
    line: int
    in_function: bool
    commented: bool


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for app in LAYER_OF:
        for path in (ROOT / app).rglob("*.py"):
            if SKIPPED_PARTS & set(path.relative_to(ROOT).parts):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path, known: dict[str, Path]) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    out: list[Import] = []

    def resolve(name: str) -> str | None:
        while name:
            if name in known:
                return name
            name = name.rpartition(".")[0]
        return None

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, in_function)
                continue
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import | ast.ImportFrom):
                if isinstance(child, ast.ImportFrom):
                    if child.level:  # relative: from the package the module is in
                        package = module.split(".")
                        if path.name != "__init__.py":
                            package = package[:-1]
                        base = ".".join(
                            package[: len(package) - child.level + 1] + ([child.module] if child.module else [])
                        )
                    else:
                        base = child.module or ""
                    names = [f"{base}.{alias.name}" for alias in child.names]
                else:
                    names = [alias.name for alias in child.names]
                commented = _says_why(lines, child.lineno - 1)
                for name in names:
                    target = resolve(name)
                    if target is not None and target != module:
                        out.append(Import(module, target, child.lineno, in_function, commented))
            visit(child, inner)

    visit(ast.parse(source), False)
    return out


def _says_why(lines: list[str], index: int) -> bool:
    """A comment on the import's line, or above the run of import lines it belongs to."""
    while index >= 0:
        text = lines[index].strip()
        if "#" in text:
            return True
        if not (text.startswith(("from ", "import ", ")")) or text.endswith(",")):
            return False
        index -= 1
    return False


def _app(module: str) -> str:
    return module.split(".")[0]


def _all_imports() -> list[Import]:
    known = _modules()
    return [imp for module, path in known.items() for imp in _imports(module, path, known)]


def test_apps_import_only_from_lower_layers():
    wrong = sorted(
        f"{imp.module}:{imp.line} imports {imp.target} ({_app(imp.module)} is layer {LAYER_OF[_app(imp.module)]}, "
        f"{_app(imp.target)} is layer {LAYER_OF[_app(imp.target)]})"
        for imp in _all_imports()
        if _app(imp.module) != _app(imp.target) and LAYER_OF[_app(imp.target)] >= LAYER_OF[_app(imp.module)]
    )
    assert not wrong, "Imports against the layers (docs/architecture.md):\n" + "\n".join(wrong)


def test_no_import_circles():
    graph = nx.DiGraph()
    for imp in _all_imports():
        graph.add_edge(imp.module, imp.target)
    circles = [sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1]
    assert not circles, "Modules that import each other, directly or round a circle:\n" + "\n".join(
        " <-> ".join(group) for group in sorted(circles)
    )


def test_imports_inside_functions_say_why():
    silent = sorted(
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if imp.in_function and not imp.commented
    )
    assert not silent, "Imports inside functions without a comment saying why:\n" + "\n".join(silent)


def test_every_app_has_a_layer():
    # config and the CLI are packages, not Django apps, and have layers all the same.
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"config", "meshportal_cli"}
    assert apps == set(LAYER_OF), (
        f"apps without a layer: {apps - set(LAYER_OF)}; layers without an app: {set(LAYER_OF) - apps}"
    )


def test_other_apps_use_search_through_its_extensions_module():
    """search.extensions is search's public face for the apps above it (config and the demo excepted)."""
    wrong = sorted(
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if _app(imp.target) == "search"
        and _app(imp.module) not in {"search", "config", "demo"}
        and imp.target != "search.extensions"
    )
    assert not wrong, "Use search.extensions:\n" + "\n".join(wrong)
