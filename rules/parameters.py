"""Named numbers the sources disagree on (``rules/parameters.yaml``).

Each parameter has a ``value`` (the one livelift uses), optional ``low`` /
``high`` (the range the sources span), a ``unit``, a ``description`` and its
``sources``. Rules refer to them as ``value: {param: name}`` and reasons as
``{name}``, so no threshold is a literal in a rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import Problem
from .conditions import did_you_mean

__all__ = ["Parameter", "parse_parameters", "PARAMETER_KEYS"]

PARAMETER_KEYS = ("value", "low", "high", "unit", "description", "sources")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


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


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


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
            if key in spec and not _is_number(spec[key]):
                problems.append(Problem(f"{where}, {key}", "must be a number", "a finite number", spec[key]))
                bad = True
        for key in ("unit", "description"):
            if key in spec and (not isinstance(spec[key], str) or not spec[key].strip()):
                problems.append(Problem(f"{where}, {key}", "must be a non-empty string", "text", spec[key]))
                bad = True
        srcs = spec.get("sources")
        if "sources" in spec and (not isinstance(srcs, list) or not srcs or not all(isinstance(s, str) and s.strip() for s in srcs)):
            problems.append(Problem(f"{where}, sources", "must be a non-empty list of strings", "e.g. [facts.md#M8]", srcs))
            bad = True
        low, high, value = (spec.get(k) if _is_number(spec.get(k)) else None for k in ("low", "high", "value"))
        if value is not None and ((low is not None and low > value) or (high is not None and high < value)):
            problems.append(Problem(where, "needs low <= value <= high", "low <= value <= high", [low, value, high]))
            continue
        if bad:
            continue
        out[name] = Parameter(name, value, spec["unit"], spec["description"].strip(), tuple(srcs), low, high, file)
    return out, problems
