"""Plain Python values out of numpy/pandas ones: missing values and JSON-safe conversion.

The one place that decides what "missing" means for a single value (None, NaN,
pandas' NA/NaT) and how any result becomes strict JSON (numpy scalars and
arrays -> numbers and lists, NaN/inf -> null, anything else -> its text).
Imports nothing from livelift, so every layer may use it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_missing", "none_if_nan", "nan_if_none", "jsonable"]


def is_missing(value: Any) -> bool:
    """True for None, NaN (Python or numpy) and pandas' NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    return name.startswith("float") and value != value


def none_if_nan(value: Any) -> float | None:
    """A float, or None where the value is missing or not a number."""
    if is_missing(value):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def nan_if_none(value: float | None) -> float:
    """The reverse of :func:`none_if_nan`, for vectors: None -> NaN."""
    return math.nan if value is None else float(value)


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON types: dicts, lists, str, int, finite float, bool, None."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if is_missing(obj):
        return None
    tolist = getattr(obj, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        try:
            return jsonable(tolist())
        except (TypeError, ValueError):
            pass
    return str(obj)
