"""One rule file's schema: parse and check each rule into a :class:`Rule`, collecting every problem.

Rule file schema (``rules/*.yaml``)::

    rules:
      - id: block.collaborate.under_min_followers    # stable, unique, dotted lower_snake
        kind: block          # fact | eligibility | block | boost | caution
        strategy: collaborate  # block/boost/caution only: a strategy or `all`
        denies: [go_live, earn_gifts]   # eligibility only
        when: {field: followers, op: "<", value: {param: live_min_followers}}
        reason: Plain language; may quote {live_min_followers:,}.
        sources: [E2, https://...]       # ids of rules/sources.yaml, URLs, or (user files) any text

A strategy rule's ``kind`` says what its reason does for that strategy:
``boost`` argues for it, ``caution`` against it, ``block`` rules it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..data.fields import STRATEGIES
from ..errors import Problem, did_you_mean
from .conditions import parse_condition
from .parameters import Parameter
from .ruleset import DENIALS, KINDS, STRATEGY_KINDS, Rule
from .sources import Source, citation_problem, resolve_sources

__all__ = ["RULE_KEYS", "RuleContext", "parse_rule_file", "raw_ids"]

RULE_KEYS = ("id", "kind", "when", "strategy", "denies", "reason", "sources")
_REQUIRED = ("id", "kind", "when", "reason", "sources")
_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_BODY = re.compile(r"^([a-z][a-z0-9_]*)(?:\.(low|high))?(?::([^{}]*))?$")
_RETIRED_KINDS = {"allow": "say what its reason does for the strategy: boost (argues for it) or caution (against it)"}

Bad = Callable[..., None]
"""``bad(field, msg, expected=None, value=...)`` records one problem of the rule being parsed."""


@dataclass(frozen=True)
class RuleContext:
    """What parsing a rule needs: the parameters, the source table, and whether the file is shipped."""

    params: Mapping[str, Parameter]
    sources: Mapping[str, Source]
    shipped: bool

    @property
    def values(self) -> dict[str, Any]:
        return {name: p.value for name, p in self.params.items()}


def _render_reason(text: str, params: Mapping[str, Parameter], bad: Bad) -> str | None:
    """The reason with ``{name}``, ``{name.low}``, ``{name:,.0f}`` filled in from parameters."""
    ok = True

    def sub(match: re.Match) -> str:
        nonlocal ok
        body = _PLACEHOLDER_BODY.match(match.group(1))
        if not body or body.group(1) not in params:
            name = body.group(1) if body else match.group(1)
            bad(
                "reason",
                f"unknown parameter {{{match.group(1)}}} in reason{did_you_mean(name, params)}",
                "{name}, {name.low}, {name.high} of a known parameter, optionally with a format spec",
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
            bad("reason", f"bad format spec {spec!r} for {body.group(1)}", "a Python format spec such as ,.0f or .0%")
            ok = False
            return ""

    out = " ".join(_PLACEHOLDER_RE.sub(sub, text).split())
    return out if ok else None


def _check_keys(raw: dict, bad: Bad) -> None:
    for key in raw:
        if key not in RULE_KEYS:
            bad(str(key), f"unknown key {key!r}{did_you_mean(key, RULE_KEYS)}", ", ".join(RULE_KEYS))
    for key in _REQUIRED:
        if key not in raw:
            bad("", f"missing key {key!r}", ", ".join(RULE_KEYS))
    rid = raw.get("id")
    if "id" in raw and (not isinstance(rid, str) or not _ID_RE.match(rid) or rid.startswith("__")):
        bad("id", "rule ids are dotted lower_snake_case words", "e.g. block.collaborate.under_min_followers", rid)


def _check_kind(raw: dict, bad: Bad) -> tuple[Any, Any, Any]:
    """(kind, strategy, denies), each problem recorded."""
    kind, strategy, denies = raw.get("kind"), raw.get("strategy"), raw.get("denies")
    if "kind" in raw and kind not in KINDS:
        why = _RETIRED_KINDS.get(kind) if isinstance(kind, str) else None
        msg = f"kind {kind!r} is gone: {why}" if why else f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}"
        bad("kind", msg, "one of " + ", ".join(KINDS), kind)
    choices = (*STRATEGIES, "all")
    if kind in KINDS and kind not in STRATEGY_KINDS and strategy is not None:
        bad("strategy", f"a {kind} rule takes no strategy", f"'strategy' only on {', '.join(STRATEGY_KINDS)} rules", strategy)
    elif strategy is not None and strategy not in choices:
        bad("strategy", f"unknown strategy {strategy!r}{did_you_mean(strategy, choices)}", "one of " + ", ".join(choices), strategy)
    elif kind in STRATEGY_KINDS and strategy is None:
        bad("", f"a {kind} rule needs 'strategy'", "one of " + ", ".join(choices))
    if kind == "eligibility":
        if not isinstance(denies, list) or not denies or any(d not in DENIALS for d in denies):
            wrong = next((d for d in denies if d not in DENIALS), None) if isinstance(denies, list) else None
            hint = did_you_mean(wrong, DENIALS) if wrong is not None else ""
            bad("denies", f"an eligibility rule needs 'denies', a non-empty list{hint}", "a list of " + ", ".join(DENIALS), denies)
    elif kind in KINDS and denies is not None:
        bad("denies", f"a {kind} rule takes no 'denies'", "'denies' only on eligibility rules", denies)
    return kind, strategy, denies


def check_sources(sources: Any, ctx: RuleContext, bad: Bad) -> tuple[str, ...] | None:
    """The citations resolved to URLs where the table knows them, or None (problems recorded)."""
    if not isinstance(sources, list) or not sources:
        bad("sources", "must be a non-empty list", "e.g. [E2, https://...]", sources)
        return None
    ok = True
    for i, text in enumerate(sources):
        problem = citation_problem(text, ctx.sources, shipped=ctx.shipped)
        if problem is not None:
            bad(f"sources[{i}]", problem[0], problem[1], text)
            ok = False
    return resolve_sources(sources, ctx.sources) if ok else None


def _parse_rule(raw: Any, file: str, index: int, ctx: RuleContext) -> tuple[Rule | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(f"{file}: rules[{index}]", "a rule is a mapping", "{id, kind, when, reason, sources, ...}", raw)]
    problems: list[Problem] = []
    rid = raw.get("id")
    where = f"{file}: rule {rid if isinstance(rid, str) and rid else f'rules[{index}]'}"

    def bad(field: str, msg: str, expected: str | None = None, value: Any = ...) -> None:
        loc = f"{where}, {field}" if field else where
        problems.append(Problem(loc, msg, expected) if value is ... else Problem(loc, msg, expected, value))

    _check_keys(raw, bad)
    kind, strategy, denies = _check_kind(raw, bad)
    reason = raw.get("reason")
    rendered = None
    if "reason" in raw:
        if not isinstance(reason, str) or not reason.strip():
            bad("reason", "must be a non-empty plain-language sentence", "text", reason)
        else:
            rendered = _render_reason(reason, ctx.params, bad)
    sources = check_sources(raw["sources"], ctx, bad) if "sources" in raw else None
    cond = None
    if "when" in raw:
        cond, cond_problems = parse_condition(raw["when"], where=where, params=ctx.values)
        problems.extend(cond_problems)
    if problems:
        return None, problems
    return (
        Rule(id=rid, kind=kind, when=cond, reason=rendered, sources=sources, strategy=strategy,
             denies=tuple(dict.fromkeys(denies or ())), file=file),
        [],
    )


def parse_rule_file(doc: Any, file: str, ctx: RuleContext) -> tuple[list[Rule], list[Problem]]:
    """The valid rules of a parsed rule file, and every problem in it."""
    if doc is None:
        return [], [Problem(file, "empty rule file", "rules: [...]")]
    if not isinstance(doc, dict) or "rules" not in doc:
        got = sorted(map(str, doc)) if isinstance(doc, dict) else type(doc).__name__
        hint = next((h for k in doc if (h := did_you_mean(k, ("rules",)))), "") if isinstance(doc, dict) else ""
        return [], [Problem(file, f"a rule file is a mapping with the key 'rules'{hint}", "rules: [ {id, kind, when, ...}, ... ]", got)]
    problems = [Problem(f"{file}, {k}", f"unknown top-level key {k!r}", "only 'rules'") for k in doc if k != "rules"]
    items = doc["rules"]
    if not isinstance(items, list):
        return [], problems + [Problem(f"{file}, rules", "must be a list of rules", "a YAML list", type(items).__name__)]
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        rule, found = _parse_rule(raw, file, i, ctx)
        problems.extend(found)
        if rule is not None:
            rules.append(rule)
    return rules, problems


def raw_ids(doc: Any) -> list[str]:
    """The string ids in a parsed rule file, valid rules or not (for duplicate checks)."""
    items = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return []
    return [r["id"] for r in items if isinstance(r, dict) and isinstance(r.get("id"), str)]
