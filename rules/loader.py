"""Read rule files (shipped and ``--rules DIR``), validate everything, build a RuleSet.

Shipped files come from the package (``importlib.resources``), then each user
directory in order. A user rule whose id already exists REPLACES that rule (in
its place) and a user ``parameters.yaml`` overrides parameters by name; both
leave a line in ``RuleSet.notices``. Every problem in every file is collected
first and reported at once as one :class:`~livelift.errors.RuleFileError`,
each naming the file, the rule id and the field.

Rule file schema (``rules/*.yaml``)::

    rules:
      - id: block.collaborate.under_min_followers    # stable, unique, dotted lower_snake
        kind: block          # fact | eligibility | allow | block | boost | caution
        strategy: collaborate  # allow/block/boost/caution only: a strategy or `all`
        denies: [go_live, earn_gifts]   # eligibility only
        when: {field: followers, op: "<", value: {param: live_min_followers}}
        reason: Plain language; may quote {live_min_followers:,}.
        sources: [facts.md#E2, https://...]
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable


from ..errors import Problem, RuleFileError, did_you_mean
from ..data.fields import STRATEGIES
from .conditions import parse_condition
from .parameters import Parameter, parse_parameters
from .ruleset import DENIALS, KINDS, STRATEGY_KINDS, Rule, RuleSet
from .yamlfile import UNREADABLE, read_yaml

__all__ = ["load_ruleset", "check_rules", "RULE_KEYS"]

RULE_KEYS = ("id", "kind", "when", "strategy", "denies", "reason", "sources")
PARAMETERS_FILE = "parameters.yaml"
_SHIPPED_ORDER = (PARAMETERS_FILE, "facts.yaml", "eligibility.yaml", "strategies.yaml")
"""Shipped files in reading order (rule order = file order); others follow by name."""
_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_SOURCE_RE = re.compile(r"^(facts\.md#[A-Za-z0-9_.\-]+|https?://\S+)$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_BODY = re.compile(r"^([a-z][a-z0-9_]*)(?:\.(low|high))?(?::([^{}]*))?$")


# ------------------------------------------------------------------ sources


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
    for entry in sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
        try:
            files.append((str(entry), entry.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(entry), f"cannot read file: {exc}", "a readable UTF-8 YAML file"))
    if not files:
        problems.append(Problem(str(path), "no rule files (*.yaml) in this directory", "at least one *.yaml file"))
    return _Source(str(path), files, shipped=False)


# ------------------------------------------------------------- rule parsing


def _render_reason(text: str, params: dict[str, Parameter], where: str, problems: list[Problem]) -> str | None:
    ok = True

    def sub(match: re.Match) -> str:
        nonlocal ok
        body = _PLACEHOLDER_BODY.match(match.group(1))
        if not body or body.group(1) not in params:
            name = body.group(1) if body else match.group(1)
            problems.append(
                Problem(
                    f"{where}, reason",
                    f"unknown parameter {{{match.group(1)}}} in reason{did_you_mean(name, params)}",
                    "{name}, {name.low}, {name.high} of a known parameter, optionally with a format spec",
                )
            )
            ok = False
            return ""
        param = params[body.group(1)]
        value = {"low": param.range[0], "high": param.range[1]}.get(body.group(2) or "", param.value)
        spec = body.group(3)
        try:
            if spec:
                return format(value, spec)
            return f"{value:,}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:g}"
        except (ValueError, TypeError):
            problems.append(Problem(f"{where}, reason", f"bad format spec {spec!r} for {body.group(1)}", "a Python format spec such as ,.0f or .0%"))
            ok = False
            return ""

    out = " ".join(_PLACEHOLDER_RE.sub(sub, text).split())
    return out if ok else None


def _parse_rule(raw: Any, file: str, index: int, params: dict[str, Parameter], values: dict[str, Any]) -> tuple[Rule | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(f"{file}: rules[{index}]", "a rule is a mapping", "{id, kind, when, reason, sources, ...}", raw)]
    rid = raw.get("id")
    label = rid if isinstance(rid, str) and rid else f"rules[{index}]"
    where = f"{file}: rule {label}"

    def bad(field: str, msg: str, expected: str | None = None, value: Any = ...) -> None:
        loc = f"{where}, {field}" if field else where
        problems.append(Problem(loc, msg, expected) if value is ... else Problem(loc, msg, expected, value))

    for key in raw:
        if key not in RULE_KEYS:
            bad(str(key), f"unknown key {key!r}{did_you_mean(key, RULE_KEYS)}", ", ".join(RULE_KEYS))
    for key in ("id", "kind", "when", "reason", "sources"):
        if key not in raw:
            bad("", f"missing key {key!r}", ", ".join(RULE_KEYS))
    if "id" in raw and (not isinstance(rid, str) or not _ID_RE.match(rid) or rid.startswith("__")):
        bad("id", "rule ids are dotted lower_snake_case words", "e.g. block.collaborate.under_min_followers", rid)

    kind = raw.get("kind")
    if "kind" in raw and kind not in KINDS:
        bad("kind", f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}", "one of " + ", ".join(KINDS), kind)
    strategy = raw.get("strategy")
    choices = (*STRATEGIES, "all")
    if kind in KINDS and kind not in STRATEGY_KINDS and strategy is not None:
        bad("strategy", f"a {kind} rule takes no strategy", f"'strategy' only on {', '.join(STRATEGY_KINDS)} rules", strategy)
    elif strategy is not None and strategy not in choices:
        bad("strategy", f"unknown strategy {strategy!r}{did_you_mean(strategy, choices)}", "one of " + ", ".join(choices), strategy)
    elif kind in STRATEGY_KINDS and strategy is None:
        bad("", f"a {kind} rule needs 'strategy'", "one of " + ", ".join(choices))
    denies = raw.get("denies")
    if kind == "eligibility":
        if not isinstance(denies, list) or not denies or any(d not in DENIALS for d in denies):
            wrong = next((d for d in denies if d not in DENIALS), None) if isinstance(denies, list) else None
            hint = did_you_mean(wrong, DENIALS) if wrong is not None else ""
            bad("denies", f"an eligibility rule needs 'denies', a non-empty list{hint}", "a list of " + ", ".join(DENIALS), denies)
    elif kind in KINDS and denies is not None:
        bad("denies", f"a {kind} rule takes no 'denies'", "'denies' only on eligibility rules", denies)

    reason = raw.get("reason")
    rendered = None
    if "reason" in raw:
        if not isinstance(reason, str) or not reason.strip():
            bad("reason", "must be a non-empty plain-language sentence", "text", reason)
        else:
            rendered = _render_reason(reason, params, where, problems)
    sources = raw.get("sources")
    if "sources" in raw:
        if not isinstance(sources, list) or not sources:
            bad("sources", "must be a non-empty list", "e.g. [facts.md#E2, https://...]", sources)
        else:
            for i, s in enumerate(sources):
                if not isinstance(s, str) or not _SOURCE_RE.match(s):
                    bad(f"sources[{i}]", "not a source reference", "facts.md#<id> or an http(s) URL", s)

    cond = None
    if "when" in raw:
        cond, cond_problems = parse_condition(raw["when"], where=where, params=values)
        problems.extend(cond_problems)
    if problems:
        return None, problems
    rule = Rule(
        id=rid,
        kind=kind,
        when=cond,
        reason=rendered,
        sources=tuple(sources),
        strategy=strategy,
        denies=tuple(dict.fromkeys(denies or ())),
        file=file,
    )
    return rule, []


def _parse_rule_file(doc: Any, file: str, params: dict[str, Parameter], values: dict[str, Any]) -> tuple[list[Rule], list[Problem]]:
    if doc is None:
        return [], [Problem(file, "empty rule file", "rules: [...]")]
    if not isinstance(doc, dict) or "rules" not in doc:
        got = sorted(map(str, doc)) if isinstance(doc, dict) else type(doc).__name__
        hint = ""
        if isinstance(doc, dict):
            hint = next((did_you_mean(k, ("rules",)) for k in doc if did_you_mean(k, ("rules",))), "")
        return [], [Problem(file, f"a rule file is a mapping with the key 'rules'{hint}", "rules: [ {id, kind, when, ...}, ... ]", got)]
    problems = [Problem(f"{file}, {k}", f"unknown top-level key {k!r}", "only 'rules'") for k in doc if k != "rules"]
    items = doc["rules"]
    if not isinstance(items, list):
        return [], problems + [Problem(f"{file}, rules", "must be a list of rules", "a YAML list", type(items).__name__)]
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        rule, probs = _parse_rule(raw, file, i, params, values)
        problems.extend(probs)
        if rule is not None:
            rules.append(rule)
    return rules, problems


def _raw_ids(doc: Any) -> list[str]:
    """The string ids in a parsed rule file, valid rules or not (for duplicate checks)."""
    items = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return []
    return [r["id"] for r in items if isinstance(r, dict) and isinstance(r.get("id"), str)]


# ------------------------------------------------------------------ loading


def _collect(extra_dirs: Iterable[str | Path], include_shipped: bool) -> tuple[RuleSet | None, list[Problem]]:
    problems: list[Problem] = []
    notices: list[str] = []
    sources: list[_Source] = [_shipped_source()] if include_shipped else []
    if isinstance(extra_dirs, (str, Path)):
        extra_dirs = (extra_dirs,)
    for d in extra_dirs:
        src = _user_source(d, problems)
        if src is not None:
            sources.append(src)

    # 1. parameters: shipped, then each user directory overriding by name
    params: dict[str, Parameter] = {}
    docs: list[tuple[_Source, str, Any]] = []
    shipped_files: set[str] = set()
    for src in sources:
        for file, text in src.files:
            doc = read_yaml(text, file, problems)
            if src.shipped:
                shipped_files.add(file)
            if doc is UNREADABLE:
                continue
            if Path(file).name == PARAMETERS_FILE:
                found, probs = parse_parameters(doc, file)
                problems.extend(probs)
                for name, param in found.items():
                    if name in params:
                        notices.append(f"user parameter {name} in {file} replaces {_origin(params[name], 'parameter', shipped_files)}")
                    params[name] = param
            else:
                docs.append((src, file, doc))
    values = {name: p.value for name, p in params.items()}

    # 2. rules: shipped ids must be unique; a user rule replaces an existing id in place
    by_id: dict[str, Rule] = {}
    for src in sources:
        seen_here: dict[str, str] = {}
        for s, file, doc in docs:
            if s is not src:
                continue
            rules, probs = _parse_rule_file(doc, file, params, values)
            problems.extend(probs)
            for rid in _raw_ids(doc):
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
                    notices.append(f"user rule {rule.id} in {file} replaces {_origin(by_id[rule.id], 'rule', shipped_files)}")
                by_id[rule.id] = rule
    if problems:
        return None, problems
    return RuleSet(rules=tuple(by_id.values()), parameters=params, notices=tuple(notices)), []


def _origin(item: Rule | Parameter, noun: str, shipped_files: set[str]) -> str:
    return f"the shipped {noun}" if item.file in shipped_files else f"the {noun} from {item.file}"


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
