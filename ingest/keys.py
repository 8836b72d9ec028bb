"""Reading one event's fields whatever client wrote it.

The clients disagree on spelling (TikTokLive's ``to_dict()`` gives camelCase by
default and snake_case on request; the Node connector gives camelCase), on
types (betterproto2 writes int64 as strings; booleans for ``repeatEnd`` in the
Node v1 connector) and on omission (betterproto2 drops default values, so a
missing ``repeatEnd`` means 0). These helpers take both spellings, turn
numeric strings into numbers and say which field was bad when one is not a
number. facts.md section 5 lists the fields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["BadField", "get", "sub", "number", "whole", "epoch_ms", "text"]


class BadField(ValueError):
    """A field that is present but unusable: ``field`` names it, ``value`` is what was there."""

    def __init__(self, field: str, problem: str, value: Any) -> None:
        self.field = field
        self.problem = problem
        self.value = value
        super().__init__(f"field {field!r}: {problem} (got {value!r:.60})")


def get(d: dict, snake: str, camel: str | None = None) -> Any:
    """``d[snake]`` or ``d[camel]`` (None when neither is there)."""
    v = d.get(snake)
    if v is None and camel is not None:
        v = d.get(camel)
    return v


def sub(d: dict, snake: str, camel: str | None = None) -> dict | None:
    """A nested object under either spelling, or None (empty objects count as present)."""
    v = d.get(snake)
    if v is None and camel is not None:
        v = d.get(camel)
    return v if type(v) is dict else None


def number(v: Any, field: str) -> float:
    """int, float, bool or a numeric string -> number; anything else -> BadField."""
    t = type(v)
    if t is int or t is float:
        return v
    if t is str:
        try:
            return int(v)
        except ValueError:
            try:
                f = float(v)
            except ValueError:
                raise BadField(field, "not a number", v) from None
            if f != f:
                raise BadField(field, "not a number", v)
            return f
    if t is bool:
        return int(v)
    raise BadField(field, "not a number", v)


def whole(v: Any, field: str, default: int = 0) -> int:
    """A whole number (missing -> ``default``, the proto3 default the serializers omit)."""
    if v is None:
        return default
    if type(v) is int:
        return v
    n = number(v, field)
    return int(n)


def text(v: Any) -> str:
    """An id as text: numbers and numeric strings compare equal ('123' == 123)."""
    if v is None:
        return ""
    if type(v) is str:
        return v
    if type(v) is float and v.is_integer():
        return str(int(v))
    return str(v)


_SECONDS_BELOW = 100_000_000_000  # epoch ms below this would be before 1973: the value is in seconds


def epoch_ms(v: Any, field: str) -> int:
    """Epoch milliseconds from epoch ms (number or numeric string), epoch seconds or ISO 8601.

    Values below 1e11 are read as epoch *seconds* (as ms they would fall in
    1970-1973, before TikTok existed). ISO 8601 text without a zone is UTC.
    """
    t = type(v)
    if t is int or t is float or (t is str and v[:1].isdigit() and "-" not in v and ":" not in v):
        n = number(v, field)
        if n <= 0:
            raise BadField(field, "not a positive epoch time", v)
        return int(n * 1000) if n < _SECONDS_BELOW else int(n)
    if t is str:
        s = v.strip()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise BadField(field, "not epoch milliseconds or an ISO 8601 time", v) from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return int(dt.timestamp() * 1000)
    raise BadField(field, "not epoch milliseconds or an ISO 8601 time", v)
