"""The recommender package stays readable: small modules, no long functions."""

from __future__ import annotations

import ast
from pathlib import Path

import livelift.recommender as pkg

ROOT = Path(pkg.__file__).parent
MAX_LINES_FUNCTION = 60
MAX_LINES_MODULE = 420


def _modules():
    return sorted(ROOT.glob("*.py"))


def test_no_function_or_method_over_sixty_lines():
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES_FUNCTION:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def test_no_module_over_about_four_hundred_lines():
    big = [f"{p.name} ({n} lines)" for p in _modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES_MODULE]
    assert not big, big
