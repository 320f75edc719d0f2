"""The module graph of nbreview has no cycles: every import, lazy or not, points one way.

A static graph (``ast``, nothing imported): module → the nbreview modules it imports, at the
top or inside a function. Lazy imports count too; a cycle hidden in a function still means two
modules that cannot be understood (or moved) one without the other. Imports only for type
checking (``if TYPE_CHECKING:``) do not run and are left out.

The packages also stand in layers (:data:`LAYERS`), and imports only point down: a module may
import its own layer and the layers below it, never above.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "nbreview"

# The layers, lowest first: a module imports only from its own layer and the ones below it.
# The first name after ``nbreview.`` decides a module's layer ("" is the package itself).
LAYERS: list[tuple[str, ...]] = [
    # the one exception type; the hot path's dataclass and re.compile; the diff driver's module cache
    ("errors", "records", "lazy_re", "codecache"),
    ("io",),  # reading, repairing and writing notebooks; the one git runner
    ("engine",),  # the diff: load -> align -> compare -> NotebookDiff
    # The results review reads a finished diff and is attached to it (``diff.results``) by
    # results.pipeline: above the engine, which never imports it.
    ("results",),
    ("merge",),  # three-way merge on the engine's alignment and text budgets
    ("view",),  # what a reviewer is shown, decided once from a NotebookDiff
    ("render",),  # terminal, HTML, markdown, JSON: each draws the view
    ("threads",),  # review comments placed on cells and lines, host-neutral
    ("hosts",),  # the host protocol, the review session, and one adapter package per host (github, gitlab)
    ("bot",),  # the webhook runtime: the app, its queue, jobs and worker (each host through its adapter)
    ("web",),  # the local Flask app: review pages, images, conversations (on hosts' review session), mergetool
    ("git",),  # git's drivers, textconv, difftool and install: adapters that may open the web page
    ("jupyter",),  # the Jupyter Server extension: the review page inside JupyterLab (web's ReviewSet, io's git)
    ("",),  # the public API (``nbreview.diff``, ``nbreview.load`` ...), imported lazily
    ("cli", "__main__"),  # the commands
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def import_graph() -> dict[str, set[str]]:
    """``{module: {imported nbreview modules}}`` over every file under src/nbreview (a copy: callers may edit it)."""
    return {module: set(imports) for module, imports in _parsed_graph().items()}


@functools.cache
def _parsed_graph() -> dict[str, set[str]]:
    """Every source file parsed once per run (four tests read the graph)."""
    files = {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}

    def resolve(name: str) -> str | None:
        while name and name not in files:  # "pkg.mod.attr" -> "pkg.mod"
            name = name.rpartition(".")[0]
        return name or None

    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        base = name if _is_package(path) else name.rpartition(".")[0]
        typing_only = {
            id(n)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for stmt in block.body
            for n in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    pkg = base
                    for _ in range(node.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    mod = f"{pkg}.{node.module}" if node.module else pkg
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" for a in node.names] if mod in files else [mod]
                targets = [t if t in files else mod for t in targets]
            for t in targets:
                if not t.startswith(PACKAGE):
                    continue
                found = resolve(t)
                # A package's own __init__ importing its submodules (and they it) is how packages work.
                if found and found != name and not (found == name.rpartition(".")[0] and not _is_package(path)):
                    graph[name].add(found)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_graph_sees_known_imports() -> None:
    graph = import_graph()
    assert "nbreview.engine.model" in graph["nbreview.engine.pipeline"]
    assert "nbreview.view.cells" in graph["nbreview.view"]
    assert "nbreview.view" in graph["nbreview.render.terminal.text"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" ⇄ ".join(c) for c in cycles)


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of a module (``nbreview.engine.align`` -> the engine's)."""
    first = module.split(".")[1] if "." in module else ""
    for index, names in enumerate(LAYERS):
        if first in names:
            return index
    raise KeyError(f"{module}: its package is in no layer; add it to LAYERS in tests/test_import_graph.py")


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module from a higher layer, as ``"a -> b"``."""
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if layer_of(b) > layer_of(a))


def test_every_package_has_a_layer() -> None:
    for module in import_graph():
        layer_of(module)


def test_layer_check_finds_an_upward_import() -> None:
    graph = {"nbreview.engine.align": {"nbreview.render.html", "nbreview.io.load"}, "nbreview.io.load": set(),
             "nbreview.render.html": {"nbreview.engine.align"}}
    assert upward_imports(graph) == ["nbreview.engine.align -> nbreview.render.html"]


def test_no_upward_imports() -> None:
    found = upward_imports(import_graph())
    assert found == [], "imports from a higher layer (see LAYERS): " + "; ".join(found)



# Renderers draw the view: what they need of the engine at run time the view hands them
# (``nbreview.view`` re-exports it), so render/ imports the engine and the results only for type checking.
VIEW_ONLY = ("render",)
BELOW_THE_VIEW = ("engine", "results")


def runtime_imports_past_the_view(graph: dict[str, set[str]]) -> list[str]:
    """Every run-time import of the engine or the results by a renderer, as ``"a -> b"``."""
    def first(module: str) -> str:
        return module.split(".")[1] if "." in module else ""

    return sorted(f"{a} -> {b}" for a, targets in graph.items() if first(a) in VIEW_ONLY
                  for b in targets if first(b) in BELOW_THE_VIEW)


def test_view_seam_check_finds_a_renderer_reading_the_engine() -> None:
    graph = {"nbreview.render.html.cells": {"nbreview.engine.model", "nbreview.view"}, "nbreview.view": set()}
    assert runtime_imports_past_the_view(graph) == ["nbreview.render.html.cells -> nbreview.engine.model"]


def test_renderers_import_the_engine_only_for_type_checking() -> None:
    found = runtime_imports_past_the_view(import_graph())
    assert found == [], "renderers reading the engine at run time (go through nbreview.view): " + "; ".join(found)
