"""Text rendering for the terminal: tables readable at 80 columns, JSON that is valid JSON.

Only formatting lives here; the numbers come from the service layer.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from typing import Any

__all__ = ["table", "to_json", "fmt_num", "wrap", "WIDTH"]

WIDTH = 80


def fmt_num(x: Any, digits: int = 0) -> str:
    """A number for humans: thousands separators, '?' for unknown."""
    if x is None:
        return "?"
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(xf):
        return "?"
    if digits == 0:
        return f"{xf:,.0f}"
    return f"{xf:,.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int = WIDTH, align: str | None = None) -> str:
    """A plain-text table; the last column is truncated to fit ``width``.

    ``align`` is one character per column, 'l' or 'r' (default: right for
    numbers, left for text, decided from the first row).
    """
    cells = [[str(c) for c in r] for r in rows]
    ncol = len(headers)
    if align is None:
        first = rows[0] if rows else [""] * ncol
        align = "".join("r" if isinstance(v, (int, float)) and not isinstance(v, bool) else "l" for v in first)
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    fixed = sum(widths[:-1]) + 2 * (ncol - 1)
    widths[-1] = max(8, min(widths[-1], width - fixed)) if fixed < width - 8 else widths[-1]

    def line(values: Sequence[str]) -> str:
        out = []
        for i, v in enumerate(values):
            w = widths[i]
            if len(v) > w:
                v = v[: max(1, w - 1)] + "…"
            out.append(v.rjust(w) if align[i] == "r" else v.ljust(w))
        return "  ".join(out).rstrip()

    lines = [line(list(headers)), line(["-" * w for w in widths])]
    lines += [line(r) for r in cells]
    return "\n".join(lines)


def wrap(text: str, *, indent: str = "", hanging: str | None = None, width: int = WIDTH) -> str:
    """Wrap to ``width``; ``hanging`` indents continuation lines (default: same as ``indent``)."""
    return textwrap.fill(
        text, width=width, initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_on_hyphens=False, break_long_words=False,
    )


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _clean(item())
        except (TypeError, ValueError):
            pass
    if obj.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return str(obj)


def to_json(obj: Any) -> str:
    """Strict JSON (NaN/inf -> null; numpy scalars -> numbers), indented."""
    return json.dumps(_clean(obj), indent=2, allow_nan=False)
