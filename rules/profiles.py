"""Profile input for the rule engines: a Profile or a dict -> a checked dict of rule fields.

durable-rules coerces silently (``"25" >= 18`` is true), so every value is
type- and range-checked here first. ``None`` means missing and is dropped.
A dict may leave out fields: a missing field fails every comparison.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Mapping

from ..domain import Profile
from ..errors import InputError, Problem
from ..data.fields import OPTIONAL_COLUMNS
from .conditions import FIELDS, did_you_mean, safe_number

__all__ = ["rule_fields"]

_IGNORED = {"creator_id"} | {c.name for c in OPTIONAL_COLUMNS if c.name != "region"}
_REGION_RE = re.compile(r"^[A-Z]{2}$")
_SPECS = {n: (c.kind, c.min, c.max, c.min_exclusive) for n, c in FIELDS.items() if c.kind in ("int", "float")}


def _fast_number(name: str, value: Any) -> Any:
    """The checked value for a plain in-range int/float, else ``None`` (then :func:`_check` says why)."""
    t = type(value)
    if t is not float and t is not int:
        return None
    kind, lo, hi, lo_excl = _SPECS[name]
    if kind == "int" and t is float and not value.is_integer():
        return None
    if lo is not None and (value <= lo if lo_excl else value < lo):
        return None
    if hi is not None and value > hi:
        return None
    if kind == "int":
        return int(value)
    return safe_number(float(value)) if value == value else None


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so messages show ``5``, never ``np.int64(5)``)."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _check(name: str, value: Any, source: str) -> tuple[Any, Problem | None]:
    value = plain(value)
    col = FIELDS[name]
    loc = f"{source}.{name}"
    if col.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return None, Problem(loc, "must be a number", col.expected, value)
        x = float(value)
        if math.isnan(x):
            return None, None  # NaN = missing, as in a DataFrame
        if not col.in_range(x):
            return None, Problem(loc, "out of range", col.expected, value)
        if col.kind == "int":
            if not x.is_integer():
                return None, Problem(loc, "must be a whole number", col.expected, value)
            return int(x), None
        return safe_number(x), None
    if not isinstance(value, str):
        return None, Problem(loc, "must be text", col.expected, value)
    if col.kind == "region":
        code = value.strip().upper()
        if not _REGION_RE.match(code):
            return None, Problem(loc, "not a region code", col.expected, value)
        return code, None
    if value not in (col.choices or ()):
        return None, Problem(loc, f"unknown {name}{did_you_mean(value, col.choices or ())}", col.expected, value)
    return value, None


def rule_fields(profile: Profile | Mapping[str, Any], *, source: str = "profile") -> dict[str, Any]:
    """The rule-relevant fields of ``profile`` as plain checked values; missing/None/NaN left out.

    Raises :class:`~livelift.errors.InputError` listing every bad field.
    """
    if isinstance(profile, Profile):
        data: Mapping[str, Any] = profile.__dict__
    elif isinstance(profile, Mapping):
        data = profile
    else:
        raise InputError("a profile must be a Profile or a mapping of fields", loc=source, expected="dict of profile fields", input=type(profile).__name__)
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        if key in _IGNORED:
            continue
        if key not in FIELDS:
            problems.append(Problem(f"{source}.{key}", f"unknown field {key!r}{did_you_mean(key, FIELDS)}", "one of " + ", ".join(FIELDS)))
            continue
        if value is None:
            continue
        if key in _SPECS:
            fast = _fast_number(key, value)
            if fast is not None:
                out[key] = fast
                continue
        checked, problem = _check(key, value, source)
        if problem is not None:
            problems.append(problem)
        elif checked is not None:
            out[key] = checked
    if problems:
        raise InputError.from_problems(problems, headline=f"invalid {source}" if len(problems) > 1 else None)
    return out
