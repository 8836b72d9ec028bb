"""The package's import graph: no cycles, and no lower layer importing a higher one.

Layers, bottom to top (a module may import its own layer or any lower one):

0. foundation: ``errors``, ``domain``, ``data.plain``, ``data.fields``
1. data: the rest of ``data/``
2. engines: ``rules/``, ``recommender/``, ``models/``
3. composition: ``advice/`` and the feature packages built on the engines
4. service: ``service``
5. interfaces: ``text/``, ``web/``, ``cli``, ``__main__``

Imports are read with ``ast`` from the source files (module level and inside
functions alike, so a lazy import cannot hide an upward dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"tests", "benchmarks", "examples", "build", "dist", ".git", "docs"}

FOUNDATION = {"errors", "domain", "data.plain", "data.fields"}
LAYER_OF_FOLDER = {
    "data": 1,
    "rules": 2, "recommender": 2, "models": 2,
    "advice": 3, "ingest": 3, "plans": 3, "reports": 3, "cluster": 3,
    "service": 4,
    "text": 5, "web": 5, "commands": 5, "cli": 5, "__main__": 5,
}


DEPRECATED_ALIASES = {("service", "text.shapes")}
"""Old import paths kept for one release (a lazy module __getattr__ with a DeprecationWarning)."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP_DIRS or rel.parts[0].endswith(".egg-info"):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def layer(module: str) -> int | None:
    if module == "":  # the package's own __init__: the public API re-exports everything lazily
        return None
    if module in FOUNDATION:
        return 0
    return LAYER_OF_FOLDER.get(module.split(".")[0])


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """livelift-internal modules named by an import statement (without the 'livelift.' prefix)."""
    names = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name == "livelift" or a.name.startswith("livelift.")]
        return [n[len("livelift."):] if n != "livelift" else "" for n in names]
    if node.level == 0:
        if not node.module or not (node.module == "livelift" or node.module.startswith("livelift.")):
            return []
        base = node.module[len("livelift"):].lstrip(".")
    else:
        is_package = MODULES.get(module, Path("x.py")).name == "__init__.py"
        parts = module.split(".") if module else []
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[: max(keep, 0)] + ([node.module] if node.module else []))
    targets = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}" if base else alias.name
        targets.append(candidate if candidate in MODULES else base)
    return targets


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps.update(t for t in _resolve(module, node) if t in MODULES and t != module)
        graph[module] = deps
    return graph


GRAPH = _imports()


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in MODULES if m and layer(m) is None)
    assert not unplaced, f"modules outside every layer (add them to LAYER_OF_FOLDER): {unplaced}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m))
def test_no_upward_import(module):
    mine = layer(module)
    upward = sorted(
        d for d in GRAPH[module]
        if d and layer(d) is not None and layer(d) > mine and (module, d) not in DEPRECATED_ALIASES
    )
    assert not upward, f"{module} (layer {mine}) imports higher layers: " + ", ".join(f"{d} ({layer(d)})" for d in upward)


def test_no_import_cycles():
    # packages' __init__ re-exports are edges too; the root package is left out (lazy public API)
    graph = {m: {d for d in deps if d and (m, d) not in DEPRECATED_ALIASES} for m, deps in GRAPH.items() if m}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_an_upward_import():
    """The walker resolves relative imports: data/readers.py importing ..service would be layer 1 -> 4."""
    node = ast.parse("from ..service import Recommender").body[0]
    assert _resolve("data.readers", node) == ["service"]
    assert layer("data.readers") < layer("service")


def test_every_package_is_installed():
    """A folder with an __init__.py that pyproject.toml does not list would be missing from `pip install .`."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {
        "livelift" + "".join("." + p for p in path.parent.relative_to(ROOT).parts)
        for path in ROOT.rglob("__init__.py")
        if path.relative_to(ROOT).parts[0] not in SKIP_DIRS and not path.relative_to(ROOT).parts[0].endswith(".egg-info")
    }
    assert folders <= listed, f"packages missing from pyproject.toml: {sorted(folders - listed)}"


# --------------------------------------------------------------------------- the service boundary

INTERFACE_FOLDERS = ("web", "commands", "cli")
"""The interfaces that must reach the features through ``service/`` only."""

FEATURE_FOLDERS = ("plans", "ingest", "cluster", "recommender", "rules", "reports", "models")
"""Feature packages: an interface calls them through ``livelift.service``, never directly. What an interface
may import besides service/: ``domain``, ``errors``, ``data`` (reading its own boundary), ``advice`` and
``text`` (rendering), and its own folder."""

RENDERING_EXCEPTIONS = {
    ("web.page.views", "reports.options"):
        "the page draws a recommendation's options exactly as the HTML report does (reports/render.py uses the same "
        "module): rendering of a domain Recommendation, it calls no feature",
    ("commands.plan", "plans.report"):
        "show_text / show_json render `plan show` from the CreatorView the service returns; they live in plans/ "
        "(the plans room's files) and compute nothing",
}
"""Direct feature imports that stay, each with its reason: all rendering code that lives in a feature folder."""


def _feature_imports() -> dict[tuple[str, str], None]:
    found = {}
    for module, deps in GRAPH.items():
        if module.split(".")[0] not in INTERFACE_FOLDERS:
            continue
        for dep in deps:
            if dep.split(".")[0] in FEATURE_FOLDERS:
                found[(module, dep)] = None
    return found


def test_interfaces_reach_features_only_through_the_service():
    direct = sorted(pair for pair in _feature_imports() if pair not in RENDERING_EXCEPTIONS)
    assert not direct, (
        "web/, commands/ and cli call the features through livelift.service (add a thin function in "
        "service/ and call that); direct imports: " + ", ".join(f"{m} -> {d}" for m, d in direct)
    )


def test_every_listed_exception_is_still_needed():
    stale = sorted(set(RENDERING_EXCEPTIONS) - set(_feature_imports()))
    assert not stale, f"exceptions no interface needs any more (remove them from RENDERING_EXCEPTIONS): {stale}"


def test_the_boundary_check_sees_a_lazy_feature_import():
    """A feature imported inside a function (as the page's upload code once did with ingest) is still seen."""
    tree = ast.parse("def f(path):\n    from ...ingest import file_kind\n    return file_kind(path)\n")
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert _resolve("web.page.eventlogs", node) == ["ingest"]
    assert "ingest" in FEATURE_FOLDERS and "web" in INTERFACE_FOLDERS
