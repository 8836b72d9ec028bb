"""Condition trees of the engine-neutral rule schema: parse, validate, negate.

A rule's ``when`` is either the word ``always`` or a tree of

* leaves ``{field, op, value}`` with ``op`` one of :data:`OPS`, and
* nodes ``{all: [...]}``, ``{any: [...]}`` and ``{not: {...}}``.

Semantics (both engines keep them): a field that is absent or null is
*missing*; every comparison on a missing field is false, ``!=`` and
``not_in`` included; ``exists`` is "present and not null"; ``in`` is any
equality. ``not`` is logical negation of the subtree (so ``not {x < 5}``
is true when ``x`` is missing).

Parsing turns YAML data into frozen nodes (:class:`Leaf`, :class:`All`,
:class:`AnyOf`, :class:`Not`, :data:`ALWAYS`) with parameter references
resolved, and collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

from ..data.fields import PROFILE_COLUMNS, REGIONS, Column, column
from ..errors import Problem, did_you_mean

__all__ = [
    "FIELDS",
    "OPS",
    "RESERVED_FIELDS",
    "Leaf",
    "All",
    "AnyOf",
    "Not",
    "Always",
    "ALWAYS",
    "Condition",
    "parse_condition",
    "negate",
    "leaves",
    "is_numeric_field",
    "is_number",
    "safe_number",
    "MAX_DEPTH",
    "depth",
]

FIELDS: dict[str, Column] = {c.name: c for c in PROFILE_COLUMNS if c.name != "creator_id"}
FIELDS["region"] = column("region")
"""Fields a condition may test: the profile columns (no creator_id) plus optional region."""

OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between", "exists", "missing")
ORDER_OPS = ("<", "<=", ">", ">=")
RESERVED_FIELDS = ("_kind", "_pidx", "sid", "id")
"""Names the durable adapter uses itself; also anything starting with ``$``."""

MAX_DEPTH = 32
"""Most nested all/any/not groups a condition may have (deeper trees would exhaust the stack)."""

_OP_ALIASES = {"=": "==", "=>": ">=", "=<": "<=", "<>": "!=", "not in": "not_in", "notin": "not_in", "eq": "==", "ne": "!=",
               "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "exist": "exists", "is_missing": "missing"}


def safe_number(x: float | int) -> float | int:
    """``x`` in a form durable-rules' JSON parser accepts, the same for facts and thresholds.

    durable refuses numbers written with an exponent but no decimal point
    (``json.dumps`` writes ``1e-05``, ``1e+16``: "error code: 204"/"202").
    Integral ones become ints (exact); the others move to the next float up
    whose text has a point (``1.0000000000000001e-05``). Both engines apply
    this to profile values and rule values alike, so they keep agreeing.
    """
    if isinstance(x, int) or x == 0 or 1e-4 <= abs(x) < 1e16:
        return x
    text = repr(x)
    if "." in text or "e" not in text:
        return x
    if x.is_integer() and abs(x) < 2**63:
        return int(x)
    while "e" in text and "." not in text:
        x = math.nextafter(x, math.inf if x > 0 else -math.inf)
        text = repr(x)
    return x


def is_number(x: Any) -> bool:
    """A finite int or float that is not a bool: what a rule or parameter may write as a number."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_numeric_field(name: str) -> bool:
    return FIELDS[name].kind in ("int", "float")


# ----------------------------------------------------------------- tree nodes


@dataclass(frozen=True)
class Leaf:
    """``field op value``; ``value`` is a number, a string, a tuple (in/not_in/between) or None."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    item: "Condition"


@dataclass(frozen=True)
class Always:
    """The condition of a rule that always applies (``when: always``)."""


ALWAYS = Always()

Condition = Union[Leaf, All, AnyOf, Not, Always]


def depth(cond: Any) -> int:
    """Nesting depth of all/any/not groups (a leaf or ``always`` is 0). Iterative: never overflows."""
    deepest = 0
    stack = [(cond, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (All, AnyOf)):
            stack.extend((c, level + 1) for c in node.items)
        elif isinstance(node, Not):
            stack.append((node.item, level + 1))
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
    return deepest


def leaves(cond: Condition):
    """Every leaf of a tree, depth first."""
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, (All, AnyOf)):
        for item in cond.items:
            yield from leaves(item)
    elif isinstance(cond, Not):
        yield from leaves(cond.item)


_NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not_in", "not_in": "in"}


def negate(cond: Condition) -> Condition:
    """The logical negation, pushed down to leaves (no :class:`Not` in the result).

    A missing field fails every comparison, so the negation of a comparison is
    "the opposite comparison, or the field is missing".
    """
    if isinstance(cond, Not):
        return to_nnf(cond.item)
    if isinstance(cond, All):
        return AnyOf(tuple(negate(c) for c in cond.items))
    if isinstance(cond, AnyOf):
        return All(tuple(negate(c) for c in cond.items))
    if isinstance(cond, Leaf):
        missing = Leaf(cond.field, "missing")
        if cond.op == "exists":
            return missing
        if cond.op == "missing":
            return Leaf(cond.field, "exists")
        if cond.op == "between":
            lo, hi = cond.value
            return AnyOf((Leaf(cond.field, "<", lo), Leaf(cond.field, ">", hi), missing))
        return AnyOf((Leaf(cond.field, _NEGATED_OP[cond.op], cond.value), missing))
    raise TypeError(f"cannot negate {cond!r}")


def to_nnf(cond: Condition) -> Condition:
    """The same condition without :class:`Not` nodes (negation normal form)."""
    if isinstance(cond, Not):
        return negate(cond.item)
    if isinstance(cond, All):
        return All(tuple(to_nnf(c) for c in cond.items))
    if isinstance(cond, AnyOf):
        return AnyOf(tuple(to_nnf(c) for c in cond.items))
    return cond


# -------------------------------------------------------------------- parsing

class _Parser:
    def __init__(self, where: str, params: dict[str, Any]):
        self.where = where  # "file: rule id"
        self.params = params
        self.problems: list[Problem] = []
        self.too_deep = False

    def problem(self, path: str, msg: str, expected: str | None = None, value: Any = ...) -> None:
        loc = f"{self.where}, {path}" if path else self.where
        if value is ...:
            self.problems.append(Problem(loc, msg, expected))
        else:
            self.problems.append(Problem(loc, msg, expected, value))

    # -- nodes
    def node(self, data: Any, path: str, level: int = 0) -> Condition | None:
        if level > MAX_DEPTH:
            if self.too_deep:
                return None
            self.too_deep = True
            self.problem(
                path.split(".", 1)[0],
                f"nested too deeply (more than {MAX_DEPTH} levels of all/any/not)",
                f"a condition with at most {MAX_DEPTH} nested groups",
            )
            return None
        if not isinstance(data, dict):
            self.problem(path, "a condition must be a mapping", "{field, op, value} or {all|any: [...]} or {not: {...}}", data)
            return None
        groups = [k for k in ("all", "any", "not") if k in data]
        if groups:
            extra = [k for k in data if k not in ("all", "any", "not")]
            if len(groups) > 1 or extra:
                self.problem(path, f"a group node has exactly one key, got {sorted(map(str, data))}", "one of 'all', 'any', 'not'")
                return None
            key = groups[0]
            sub = data[key]
            if key == "not":
                item = self.node(sub, f"{path}.not", level + 1)
                return Not(item) if item is not None else None
            if not isinstance(sub, list) or not sub:
                self.problem(f"{path}.{key}", f"'{key}' needs a non-empty list of conditions", "a list", sub)
                return None
            items = [self.node(s, f"{path}.{key}[{i}]", level + 1) for i, s in enumerate(sub)]
            if any(i is None for i in items):
                return None
            return (All if key == "all" else AnyOf)(tuple(items))
        return self.leaf(data, path)

    def leaf(self, data: dict, path: str) -> Leaf | None:
        ok = True
        for key in data:
            if key not in ("field", "op", "value"):
                hint = did_you_mean(key, ("field", "op", "value", "all", "any", "not"))
                self.problem(f"{path}.{key}", f"unknown key {key!r}{hint}", "field, op, value (or all/any/not)")
                ok = False
        for key in ("field", "op"):
            if key not in data:
                self.problem(path, f"missing key {key!r}", "field, op and (except exists/missing) value")
                ok = False
        if not ok:
            return None
        field, op = data["field"], data["op"]
        if not isinstance(field, str) or field not in FIELDS:
            if isinstance(field, str) and (field in RESERVED_FIELDS or field.startswith("$")):
                self.problem(f"{path}.field", f"{field!r} is a reserved name", "a profile field: " + ", ".join(FIELDS), field)
            else:
                self.problem(
                    f"{path}.field", f"unknown field {field!r}{did_you_mean(field, FIELDS)}", "one of " + ", ".join(FIELDS), field
                )
            ok = False
        if not isinstance(op, str) or op not in OPS:
            hint = f" (did you mean {_OP_ALIASES[op]!r}?)" if isinstance(op, str) and op in _OP_ALIASES else did_you_mean(op, OPS)
            self.problem(f"{path}.op", f"unknown op {op!r}{hint}", "one of " + " ".join(OPS), op)
            ok = False
        if not ok:
            return None
        if op in ("exists", "missing"):
            if "value" in data:
                self.problem(f"{path}.value", f"op {op!r} takes no value", "no 'value' key", data["value"])
                return None
            return Leaf(field, op)
        if "value" not in data:
            self.problem(path, f"op {op!r} needs a 'value'", None)
            return None
        value = self.value(field, op, data["value"], f"{path}.value")
        return None if value is ... else Leaf(field, op, value)

    # -- values
    def value(self, field: str, op: str, raw: Any, path: str) -> Any:
        if op in ("in", "not_in"):
            if not isinstance(raw, list) or not raw:
                self.problem(path, f"op {op!r} needs a non-empty list", "a list such as [KR, JP]", raw)
                return ...
            items = [self.scalar(field, op, v, f"{path}[{i}]") for i, v in enumerate(raw)]
            return ... if any(i is ... for i in items) else tuple(dict.fromkeys(items))
        if op == "between":
            if not isinstance(raw, list) or len(raw) != 2:
                self.problem(path, "op 'between' needs [low, high]", "a list of two numbers, low <= high", raw)
                return ...
            lo = self.scalar(field, op, raw[0], f"{path}[0]")
            hi = self.scalar(field, op, raw[1], f"{path}[1]")
            if lo is ... or hi is ...:
                return ...
            if lo > hi:
                self.problem(path, f"'between' needs low <= high, got [{lo}, {hi}]", "[low, high] with low <= high", raw)
                return ...
            return (lo, hi)
        return self.scalar(field, op, raw, path)

    def scalar(self, field: str, op: str, raw: Any, path: str) -> Any:
        numeric = is_numeric_field(field)
        value = raw
        if isinstance(raw, dict):
            if set(raw) != {"param"}:
                extra = [k for k in raw if k != "param"]
                hint = did_you_mean(extra[0], ("param",)) if extra else ""
                self.problem(path, f"a parameter reference is {{param: name}}, got keys {sorted(map(str, raw))}{hint}", "{param: name}")
                return ...
            name = raw["param"]
            if not isinstance(name, str) or name not in self.params:
                self.problem(
                    path, f"unknown parameter {name!r}{did_you_mean(name, self.params)}", "one of " + ", ".join(sorted(self.params)), name
                )
                return ...
            value = self.params[name]
        if numeric:
            if not is_number(value):
                self.problem(path, f"field {field!r} is numeric: op {op!r} needs a number", FIELDS[field].expected, value)
                return ...
            return safe_number(value)
        # string fields: category (choice) and region
        if op in ORDER_OPS or op == "between":
            self.problem(path, f"op {op!r} compares numbers, but field {field!r} is text", "==, !=, in, not_in, exists or missing")
            return ...
        if not isinstance(value, str):
            self.problem(path, f"field {field!r} is text: op {op!r} needs a string", FIELDS[field].expected, value)
            return ...
        return self.text(FIELDS[field], value, path)

    def text(self, col: Column, value: str, path: str) -> Any:
        """A category or region literal, checked against the contract's own list for the field
        (the categories; ``data.fields.REGIONS`` for region, upper-case as profiles are)."""
        valid = REGIONS if col.kind == "region" else (col.choices or ())
        if value not in valid:
            self.problem(path, f"unknown {col.name} {value!r}{did_you_mean(value, valid)}", col.expected, value)
            return ...
        return value


def parse_condition(data: Any, *, where: str, params: dict[str, Any]) -> tuple[Condition | None, list[Problem]]:
    """Parse a rule's ``when`` into a condition tree; returns (tree or None, problems)."""
    parser = _Parser(where, params)
    if data == "always":
        return ALWAYS, []
    if isinstance(data, str):
        parser.problem("when", f"unknown condition {data!r}{did_you_mean(data, ('always',))}", "'always' or a condition mapping", data)
        return None, parser.problems
    tree = parser.node(data, "when")
    return (tree if not parser.problems else None), parser.problems
