"""Named numbers the sources disagree on (``rules/parameters.yaml``).

Each parameter has a ``value`` (the one livelift uses), optional ``low`` /
``high`` (the range the sources span), a ``unit``, a ``description`` and its
``sources``. ``value``, ``low`` and ``high`` must lie in the parameter's
valid range (:data:`PARAMETER_BOUNDS`; money and rates > 0, shares in 0..1).
Rules refer to them as ``value: {param: name}`` and reasons as
``{name}``, so no threshold is a literal in a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, did_you_mean
from ..data.fields import column
from .conditions import is_number


__all__ = ["Parameter", "parse_parameters", "PARAMETER_KEYS", "Bounds", "PARAMETER_BOUNDS", "bounds_for"]

PARAMETER_KEYS = ("value", "low", "high", "unit", "description", "sources")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Bounds:
    """The valid range of a parameter's ``value``, ``low`` and ``high`` (inclusive unless exclusive)."""

    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False

    def ok(self, x: float) -> bool:
        if self.min is not None and (x <= self.min if self.min_exclusive else x < self.min):
            return False
        return self.max is None or x <= self.max

    @property
    def text(self) -> str:
        lo = None if self.min is None else f"{'>' if self.min_exclusive else '>='} {self.min:g}"
        hi = None if self.max is None else f"<= {self.max:g}"
        return "a number " + " and ".join(t for t in (lo, hi) if t)


_POSITIVE = Bounds(0, min_exclusive=True)
_NON_NEGATIVE = Bounds(0)
_SHARE = Bounds(0, 1)
_AGE = Bounds(column("creator_age").min, column("creator_age").max)
_STREAMS = Bounds(column("streams_per_week").min, column("streams_per_week").max)

PARAMETER_BOUNDS: dict[str, Bounds] = {
    "diamond_usd": _POSITIVE,
    "diamonds_per_coin": _POSITIVE,
    "coin_usd_web": _POSITIVE,
    "coin_usd_app": _POSITIVE,
    "creator_share_net": Bounds(0, 1, min_exclusive=True),
    "min_withdrawal_usd": _NON_NEGATIVE,
    "max_daily_withdrawal_usd": _POSITIVE,
    "live_min_age": _AGE,
    "live_min_age_kr": _AGE,
    "live_min_followers": _NON_NEGATIVE,
    "creator_rewards_min_followers": _NON_NEGATIVE,
    "frequency_max_streams_per_week": _STREAMS,
    "frequency_low_streams_per_week": _STREAMS,
    "promote_min_streams_per_week": _STREAMS,
    "promote_boost_max_streams_per_week": _STREAMS,
    "low_retention_rate": _SHARE,
    "low_engagement_rate": _SHARE,
    "collaborate_min_avg_viewers": _NON_NEGATIVE,
    "collaborate_boost_avg_viewers": _NON_NEGATIVE,
}
"""Valid ranges of the shipped parameters (money and rates > 0, shares in 0..1, ages and
streams per week within the data contract's ranges)."""


def bounds_for(name: str, unit: Any) -> Bounds | None:
    """The range a parameter must lie in: by name, else by unit (money >= 0, shares 0..1)."""
    if name in PARAMETER_BOUNDS:
        return PARAMETER_BOUNDS[name]
    words = str(unit).lower().split() if isinstance(unit, str) else []
    if "usd" in words:
        return _NON_NEGATIVE
    if words[:1] == ["share"]:
        return _SHARE
    return None


@dataclass(frozen=True)
class Parameter:
    """One named number with its range across sources."""

    name: str
    value: float
    unit: str
    description: str
    sources: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    file: str = ""

    @property
    def range(self) -> tuple[float, float]:
        """(low, high), each defaulting to ``value`` when the sources agree."""
        return (self.value if self.low is None else self.low, self.value if self.high is None else self.high)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "low": self.range[0],
            "high": self.range[1],
            "unit": self.unit,
            "description": self.description,
            "sources": list(self.sources),
        }


def parse_parameters(doc: Any, file: str) -> tuple[dict[str, Parameter], list[Problem]]:
    """Validate a parsed parameters.yaml; returns ({name: Parameter}, problems)."""
    problems: list[Problem] = []
    out: dict[str, Parameter] = {}
    if not isinstance(doc, dict) or set(doc) != {"parameters"} or not isinstance(doc.get("parameters"), dict):
        keys = sorted(map(str, doc)) if isinstance(doc, dict) else type(doc).__name__
        problems.append(
            Problem(file, "a parameters file is a mapping with one key 'parameters' (name -> spec)", "parameters: {name: {value, unit, ...}}", keys)
        )
        return out, problems
    for name, spec in doc["parameters"].items():
        where = f"{file}: parameter {name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            problems.append(Problem(where, "parameter names are lower_snake_case", "e.g. live_min_followers", name))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(where, "a parameter is a mapping", "{value, low, high, unit, description, sources}", spec))
            continue
        bad = False
        for key in spec:
            if key not in PARAMETER_KEYS:
                problems.append(Problem(f"{where}, {key}", f"unknown key {key!r}{did_you_mean(key, PARAMETER_KEYS)}", ", ".join(PARAMETER_KEYS)))
                bad = True
        for key in ("value", "unit", "description", "sources"):
            if key not in spec:
                problems.append(Problem(where, f"missing key {key!r}", ", ".join(PARAMETER_KEYS)))
                bad = True
        for key in ("value", "low", "high"):
            if key in spec and not is_number(spec[key]):
                problems.append(Problem(f"{where}, {key}", "must be a number", "a finite number", spec[key]))
                bad = True
        for key in ("unit", "description"):
            if key in spec and (not isinstance(spec[key], str) or not spec[key].strip()):
                problems.append(Problem(f"{where}, {key}", "must be a non-empty string", "text", spec[key]))
                bad = True
        srcs = spec.get("sources")
        if "sources" in spec and (not isinstance(srcs, list) or not srcs or not all(isinstance(s, str) and s.strip() for s in srcs)):
            problems.append(Problem(f"{where}, sources", "must be a non-empty list of strings", "e.g. [M8, https://...]", srcs))
            bad = True
        limits = bounds_for(name, spec.get("unit"))
        for key in ("value", "low", "high"):
            if limits is not None and is_number(spec.get(key)) and not limits.ok(spec[key]):
                problems.append(Problem(f"{where}, {key}", "out of range", limits.text, spec[key]))
                bad = True
        low, high, value = (spec.get(k) if is_number(spec.get(k)) else None for k in ("low", "high", "value"))
        if value is not None and ((low is not None and low > value) or (high is not None and high < value)):
            problems.append(Problem(where, "needs low <= value <= high", "low <= value <= high", [low, value, high]))
            continue
        if bad:
            continue
        out[name] = Parameter(name, value, spec["unit"], spec["description"].strip(), tuple(srcs), low, high, file)
    return out, problems
