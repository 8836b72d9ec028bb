"""What a bad value is called in an error: the message for each status, and the value shown."""

from __future__ import annotations

import math
from typing import Any

from ..errors import NO_INPUT, did_you_mean
from .fields import Column
from .plain import is_missing
from .values import INT_LIMIT, MISSING, NOT_WHOLE, NUMBER_RE, OUT_OF_RANGE, WRONG_TYPE, is_bool

__all__ = ["describe", "shown"]


def describe(col: Column, status: int, raw: Any) -> tuple[str, Any]:
    """(message, value to show) for a bad value of ``col`` with ``status``."""
    show = shown(raw)
    if isinstance(show, float) and show.is_integer() and abs(show) < 1e15:
        show = int(show)  # a CSV's 12 is read as 12.0: show it as written
    if status == MISSING:
        return "missing value", (show if isinstance(show, str) and show else NO_INPUT)
    if status == WRONG_TYPE:
        noun = {"int": "a number", "float": "a number", "date": "a date"}.get(col.kind, "text")
        if is_bool(raw):
            return f"true/false is not {noun}", show
        if col.kind in ("int", "float") and isinstance(raw, str) and NUMBER_RE.fullmatch(raw.strip()):
            return "a string, not a number: remove the quotes", show
        return f"not {noun}", show
    if status == NOT_WHOLE:
        return "not a whole number", show
    if status == OUT_OF_RANGE:
        f = _as_float(raw)
        if f is not None and not math.isfinite(f):
            return "not a finite number", show
        if col.kind == "int" and f is not None and not -INT_LIMIT <= f < INT_LIMIT:
            return "out of range (too large for a 64-bit integer, the limit is 2^63 - 1)", show
        return "out of range", show
    if col.kind == "date":
        return "not a valid date", show
    if col.kind == "region":
        return "unknown country code", show
    return f"unknown {col.name}" + did_you_mean(str(raw).strip().lower(), col.choices or ()), show


def shown(v: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value (for messages); missing -> NO_INPUT."""
    if isinstance(v, (list, tuple, dict, set, frozenset)):
        import reprlib

        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, 40, 40
        return short.repr(v)  # bounded depth: a deeply nested value cannot blow the stack in a message
    if is_missing(v):
        return NO_INPUT
    if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0:
        try:
            return v.item()
        except (TypeError, ValueError):
            return v
    return v


def _as_float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return None
