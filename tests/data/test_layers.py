"""data/ imports only downward: no cycle among its modules and domain/errors (local imports included), nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import livelift.data

DATA = Path(livelift.data.__file__).parent
BELOW = {"livelift.domain", "livelift.errors"}  # the layers data may use


def _imports(path: Path, package: str) -> set[str]:
    """The livelift modules ``path`` (in ``package``) imports, anywhere in the file (function-local imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("livelift")}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(p for p in (base, node.module or "") if p)
            if node.level and not node.module:  # from . import x
                found |= {f"{name}.{a.name}" for a in node.names}
            elif name.startswith("livelift"):
                found.add(name)
    return found


GRAPH = {f"livelift.data.{p.stem}": _imports(p, "livelift.data") for p in DATA.glob("*.py") if p.stem != "__init__"}
GRAPH |= {m: _imports(DATA.parent / f"{m.split('.')[1]}.py", "livelift") for m in BELOW}


def test_data_imports_nothing_above_it():
    for module, imported in GRAPH.items():
        if module in BELOW:
            continue
        upward = {m for m in imported if not m.startswith("livelift.data") and m not in BELOW}
        assert not upward, f"{module} imports {sorted(upward)}"


def test_data_modules_form_no_cycle():
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " -> ".join(path[path.index(module) :] + (module,))
        if module in done:
            return
        for dep in GRAPH.get(module, ()):
            visit(dep, path + (module,))
        done.add(module)

    for module in GRAPH:
        visit(module, ())


def test_the_graph_is_read():
    assert "livelift.data.frames" in GRAPH["livelift.data.readers"]
    assert "livelift.data.readers" in GRAPH["livelift.data.contract"]
    assert "livelift.data.contract" not in GRAPH["livelift.data.readers"]
