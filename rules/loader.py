"""Read rule files (shipped and ``--rules DIR``), validate everything, build a RuleSet.

Shipped files come from the package (``importlib.resources``), then each user
directory in order. Each source first gives its tables: ``parameters.yaml``
(named numbers) and ``sources.yaml`` (cited ids -> URLs); a user table entry
replaces the one of the same name. Then its rule files (schema in
``rulefile.py``): a user rule whose id already exists REPLACES that rule in its
place. Every replacement leaves a line in ``RuleSet.notices``. Every problem
in every file is collected first and reported at once as one
:class:`~livelift.errors.RuleFileError`, each naming the file, the rule id and
the field.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from ..errors import Problem, RuleFileError
from .parameters import Parameter, parse_parameters
from .rulefile import RULE_KEYS, RuleContext, parse_rule_file, raw_ids
from .ruleset import Rule, RuleSet
from .sources import SOURCES_FILE, Source, citation_problem, parse_sources, resolve_sources
from .yamlfile import UNREADABLE, read_yaml

__all__ = ["load_ruleset", "check_rules", "RULE_KEYS"]

PARAMETERS_FILE = "parameters.yaml"
_SHIPPED_ORDER = (PARAMETERS_FILE, SOURCES_FILE, "facts.yaml", "eligibility.yaml", "strategies.yaml")
"""Shipped files in reading order (rule order = file order); others follow by name."""


# ------------------------------------------------------------- rule files


class _Source:
    """One origin of rule files: the shipped package or a user directory."""

    def __init__(self, label: str, files: list[tuple[str, str]], shipped: bool):
        self.label = label
        self.files = files  # (display name, text)
        self.shipped = shipped


def _shipped_source() -> _Source:
    root = resources.files("livelift.rules")
    entries = [e for e in root.iterdir() if e.name.endswith(".yaml")]
    entries.sort(key=lambda e: (_SHIPPED_ORDER.index(e.name) if e.name in _SHIPPED_ORDER else len(_SHIPPED_ORDER), e.name))
    files = [(f"rules/{e.name}", e.read_text(encoding="utf-8")) for e in entries]
    return _Source("shipped", files, shipped=True)


def _user_source(directory: str | Path, problems: list[Problem]) -> _Source | None:
    path = Path(directory)
    if not path.is_dir():
        problems.append(Problem(str(path), "rules directory not found", "a directory holding *.yaml rule files", str(directory)))
        return None
    files = []
    entries = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for entry in entries:
        try:
            files.append((str(entry), entry.read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(entry), f"cannot read file: not UTF-8 text (byte {exc.start})",
                                    "a YAML file saved as UTF-8"))
        except OSError as exc:
            problems.append(Problem(str(entry), f"cannot read file: {exc.strerror or exc}", "a readable UTF-8 YAML file"))
    if not entries:  # unreadable files were reported above; this is for a folder without any
        problems.append(Problem(str(path), "no rule files (*.yaml) in this directory", "at least one *.yaml file"))
    return _Source(str(path), files, shipped=False)


# ------------------------------------------------------------------ loading


class _Tables:
    """The parameters and the source table, merged over every source (later ones replace by name)."""

    def __init__(self) -> None:
        self.params: dict[str, Parameter] = {}
        self.sources: dict[str, Source] = {}
        self.shipped_files: set[str] = set()

    def origin(self, item: Rule | Parameter | Source, noun: str) -> str:
        return f"the shipped {noun}" if item.file in self.shipped_files else f"the {noun} from {item.file}"

    def add(self, found: dict[str, Any], into: dict[str, Any], noun: str, file: str, notices: list[str]) -> None:
        for name, item in found.items():
            if name in into:
                notices.append(f"user {noun} {name} in {file} replaces {self.origin(into[name], noun)}")
            into[name] = item


def _read_tables(sources: list[_Source], problems: list[Problem], notices: list[str]) -> tuple[_Tables, list[tuple[_Source, str, Any]]]:
    """Parse every file once: fill the tables; return them and the rule files' documents."""
    tables = _Tables()
    docs: list[tuple[_Source, str, Any]] = []
    for src in sources:
        for file, text in src.files:
            if src.shipped:
                tables.shipped_files.add(file)
            doc = read_yaml(text, file, problems)
            name = Path(file).name
            if doc is UNREADABLE:
                continue
            if name == PARAMETERS_FILE:
                found, probs = parse_parameters(doc, file)
                tables.add(found, tables.params, "parameter", file, notices)
            elif name == SOURCES_FILE:
                found, probs = parse_sources(doc, file)
                tables.add(found, tables.sources, "source", file, notices)
            else:
                docs.append((src, file, doc))
                continue
            problems.extend(probs)
    return tables, docs


def _cite_parameters(tables: _Tables, problems: list[Problem]) -> None:
    """Check each parameter's citations (shipped ones must resolve) and resolve them to URLs."""
    for name, param in tables.params.items():
        shipped = param.file in tables.shipped_files
        for i, text in enumerate(param.sources):
            problem = citation_problem(text, tables.sources, shipped=shipped)
            if problem is not None:
                problems.append(Problem(f"{param.file}: parameter {name}, sources[{i}]", problem[0], problem[1], text))
        tables.params[name] = replace(param, sources=resolve_sources(param.sources, tables.sources))


def _read_rules(
    sources: list[_Source], docs: list[tuple[_Source, str, Any]], tables: _Tables, problems: list[Problem], notices: list[str]
) -> dict[str, Rule]:
    """Rules by id: ids unique within the shipped set and within each directory; a later source replaces an id in place."""
    by_id: dict[str, Rule] = {}
    for src in sources:
        ctx = RuleContext(params=tables.params, sources=tables.sources, shipped=src.shipped)
        seen_here: dict[str, str] = {}
        for _, file, doc in (d for d in docs if d[0] is src):
            rules, found = parse_rule_file(doc, file, ctx)
            problems.extend(found)
            for rid in raw_ids(doc):
                if rid in seen_here:
                    problems.append(
                        Problem(
                            f"{file}: rule {rid}, id",
                            f"duplicate rule id (also in {seen_here[rid]})",
                            "ids unique within the shipped rules and within each rules directory",
                            rid,
                        )
                    )
                seen_here.setdefault(rid, file)
            for rule in rules:
                if rule.id in by_id:
                    notices.append(f"user rule {rule.id} in {file} replaces {tables.origin(by_id[rule.id], 'rule')}")
                by_id[rule.id] = rule
    return by_id


def _collect(extra_dirs: Iterable[str | Path] | str | Path, include_shipped: bool) -> tuple[RuleSet | None, list[Problem]]:
    problems: list[Problem] = []
    notices: list[str] = []
    sources: list[_Source] = [_shipped_source()] if include_shipped else []
    for d in (extra_dirs,) if isinstance(extra_dirs, (str, Path)) else extra_dirs:
        src = _user_source(d, problems)
        if src is not None:
            sources.append(src)
    tables, docs = _read_tables(sources, problems, notices)
    _cite_parameters(tables, problems)
    by_id = _read_rules(sources, docs, tables, problems, notices)
    if problems:
        return None, problems
    return RuleSet(rules=tuple(by_id.values()), parameters=tables.params, notices=tuple(notices)), []


def load_ruleset(extra_dirs: Iterable[str | Path] | str | Path = (), *, include_shipped: bool = True) -> RuleSet:
    """Load and validate the shipped rules plus user directories (``--rules DIR``; one path or several).

    Raises :class:`~livelift.errors.RuleFileError` listing every problem found.
    """
    ruleset, problems = _collect(extra_dirs, include_shipped)
    if problems:
        n = len(problems)
        raise RuleFileError.from_problems(
            problems,
            headline=f"{n} problem{'s' if n != 1 else ''} in the rule files",
            hint="Fix the rule files named above (`livelift rules check DIR` re-checks them).",
        )
    assert ruleset is not None
    return ruleset


def check_rules(directory: str | Path | None = None, *, include_shipped: bool = True) -> list[Problem]:
    """Every problem in the shipped rules plus ``directory`` (empty list: all good). Never raises.

    Rules that pass the static checks are also compiled on durable-rules, the
    engine that runs them (it refuses some conditions the schema allows, e.g.
    very deep nesting), so an empty list means ``livelift`` will load them.
    """
    ruleset, problems = _collect(() if directory is None else (directory,), include_shipped)
    if not problems and ruleset is not None:
        from .engine import DurableEngine

        try:
            DurableEngine(ruleset)
        except RuleFileError as exc:
            problems.extend(exc.problems)
    return problems
