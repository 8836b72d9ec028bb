"""The value rules: is one value of a contract column valid, and what is it, normalised?

Each column kind (:attr:`livelift.data.fields.Column.kind`) has one :class:`Kind`
that holds its rule once and offers it in two forms:

- ``one(col, value, strict)`` checks a single value (``parse_profile``; pure
  Python, no pandas);
- ``many(col, series, strict)`` checks a whole column (the frame validators).

``many`` applies ``one`` to each *distinct* value (choice, region and date
columns, and any column of mixed Python objects), or, for typed number and
text columns, evaluates the same rule on the whole column: the range rule of
numbers (:func:`_number_rule`) is one expression that numpy evaluates on an
array and Python on a float, and text is read as a number with the same
pattern and null words. ``tests/data/test_values.py`` shows with hypothesis
that the two forms agree, status and value, for every column.

Public helpers: :func:`check_value` / :func:`check_series` (with the
"optional columns may be empty" rule); the message for a bad value is
:func:`livelift.data.messages.describe`. ``strict`` (JSON-typed input) refuses text in number columns, as
the HTTP API does: ``"5200"`` is a string, not a number.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from dataclasses import dataclass
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable

from .distinct import by_value, distinct, take
from .fields import CATEGORIES, HISTORY_COLUMNS, REGIONS, Column
from .plain import is_missing

if TYPE_CHECKING:  # pandas/numpy load on first use: check_value needs neither
    import pandas as pd

__all__ = [
    "OK",
    "MISSING",
    "WRONG_TYPE",
    "NOT_WHOLE",
    "OUT_OF_RANGE",
    "NOT_VALID",
    "NULL_TEXT",
    "Kind",
    "KINDS",
    "Checked",
    "check_value",
    "check_series",
]

# Status of one value (a uint8 per cell in the vectorized form).
OK, MISSING, WRONG_TYPE, NOT_WHOLE, OUT_OF_RANGE, NOT_VALID = range(6)

INT_LIMIT = 2.0**63
"""Integer columns are int64: whole numbers must be below 2^63 (checked before casting)."""

NULL_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none"})
"""Text that means "missing" (after stripping, any case)."""

# ASCII only and no IGNORECASE, so Python's re and Arrow's RE2 read it alike.
NUMBER_PATTERN = r"(?:[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
NUMBER_RE = re.compile(NUMBER_PATTERN)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_REQUIRED = frozenset(c.name for c in HISTORY_COLUMNS)


@dataclass
class Checked:
    """One validated column: per-row status (None when every cell is fine) and how to build the output."""

    column: Column
    status: Any  # uint8 array, or None
    finish: Callable[[Any], Any]  # keep-mask (or None) -> output column
    note_rows: Any = None  # rows whose unknown value was mapped to 'other'
    note_values: tuple = ()  # those values, as in the input


def check_value(col: Column, value: Any, *, strict: bool = False) -> tuple[int, Any]:
    """(status, normalised value) of one value; an empty optional value is ``(OK, None)``."""
    status, out = KINDS[col.kind].one(col, value, strict)
    if status == MISSING and col.name not in _REQUIRED:
        return OK, None
    return status, out


def check_series(col: Column, s: "pd.Series", *, strict: bool = False) -> Checked:
    """The vectorized :func:`check_value`: per-row statuses of a column and its clean output."""
    checked = KINDS[col.kind].many(col, s, strict)
    if col.name not in _REQUIRED and checked.status is not None:
        checked.status[checked.status == MISSING] = OK  # optional: empty cells are fine
        if not checked.status.any():
            checked.status = None
    return checked


# --------------------------------------------------------------------------- kinds


class Kind:
    """A column kind's rule. Subclasses define ``one``; ``many`` applies it to each distinct value."""

    out_dtype: Any = object
    """numpy dtype of the per-value outputs in :meth:`many`."""

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        raise NotImplementedError

    def many(self, col: Column, s: "pd.Series", strict: bool = False) -> Checked:
        values, status = by_value(s, lambda v: self.one(col, v, strict), self.out_dtype)
        return Checked(col, _bad_or_none(status), lambda keep: self.output(take(values, keep)))

    def output(self, values: Any) -> Any:
        """The output column from the kept per-row values."""
        import pandas as pd

        return pd.Series(values, dtype=str)


class NumberKind(Kind):
    """int / float columns: a number in the column's range (and whole, below 2^63, for int)."""

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        status, f = _parse_number(v, strict)
        if status == OK:
            status = next((st for st, hit in _number_rule(col, f, _floor) if hit), OUT_OF_RANGE)
        if status != OK:
            return status, None
        return OK, (int(f) if col.kind == "int" else f)

    def many(self, col: Column, s: "pd.Series", strict: bool = False) -> Checked:
        import numpy as np
        import pandas as pd

        dtype = s.dtype
        if pd.api.types.is_bool_dtype(dtype):
            status = np.where(s.isna().to_numpy(), MISSING, WRONG_TYPE).astype(np.uint8)
            values = np.full(len(s), np.nan)
        elif pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype) and dtype.kind != "c":
            values, status = s.to_numpy(dtype=np.float64, na_value=np.nan), None
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype) and not strict:
            values, status = _numbers_from_text(s)
        else:
            values, status = by_value(s, lambda v: _parse_number(v, strict), np.float64)
            status = _bad_or_none(status)
        status = _number_statuses(col, values, status)
        if col.kind == "int":
            return Checked(col, status, lambda keep: take(values, keep).astype(np.int64))
        return Checked(col, status, lambda keep: take(values, keep))


def _number_rule(col: Column, f: Any, floor: Callable[[Any], Any]) -> Iterator[tuple[int, Any]]:
    """The number rule as (status, test) pairs: the first test that holds gives the status, none: out of range.

    ``f`` is a float or a float64 array; only comparisons, ``abs`` and ``&``
    are used, which mean the same on both, so this one definition serves a
    value (``floor`` = :func:`_floor`) and a column (``floor`` = ``numpy.floor``).
    The tests exclude each other except NaN (missing, not "not whole"); OK
    comes first and the rest is computed only when asked for, so a valid
    value or column costs one test.
    """
    rounded = floor(f) if col.kind == "int" else None
    ok = col.in_range(f) & (abs(f) != math.inf)
    if rounded is not None:  # whole, and int64 holds no 2^63: refuse before casting
        ok = ok & (rounded == f) & (f >= -INT_LIMIT) & (f < INT_LIMIT)
    yield OK, ok
    yield MISSING, f != f
    if rounded is not None:
        yield NOT_WHOLE, rounded != f


def _floor(f: float) -> float:
    """math.floor for one float, keeping NaN and infinity (as numpy.floor does)."""
    return f if f != f or abs(f) == math.inf else float(math.floor(f))


def _number_statuses(col: Column, values: Any, status: Any) -> Any:
    """:func:`_number_rule` on a float64 column, on top of the parse ``status`` (None: all parsed)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        rule = _number_rule(col, values, np.floor)
        ok = next(rule)[1]
        if status is None and ok.all():
            return None
        rest = list(rule)
    new = np.select([ok] + [hit for _, hit in rest], [OK] + [st for st, _ in rest], OUT_OF_RANGE).astype(np.uint8)
    return new if status is None else np.where(status != OK, status, new).astype(np.uint8)


def _parse_number(v: Any, strict: bool) -> tuple[int, Any]:
    """(OK, float), or (MISSING / WRONG_TYPE, None), for one raw value of a number column."""
    if is_missing(v):
        return MISSING, None
    if is_bool(v):
        return WRONG_TYPE, None
    if isinstance(v, str):
        if strict:
            return WRONG_TYPE, None
        text = v.strip()
        if text.lower() in NULL_TEXT:
            return MISSING, None
        return (OK, float(text)) if NUMBER_RE.fullmatch(text) else (WRONG_TYPE, None)
    if not isinstance(v, numbers.Real):
        return WRONG_TYPE, None
    try:
        return OK, float(v)
    except OverflowError:  # an int beyond float's range
        return OK, (math.inf if v > 0 else -math.inf)


def _numbers_from_text(s: "pd.Series") -> tuple[Any, Any]:
    """:func:`_parse_number` on a text column, vectorized: float64 values and per-cell status."""
    import numpy as np

    text = s.str.strip()
    missing = (s.isna() | text.str.lower().isin(NULL_TEXT)).to_numpy(dtype=bool)
    is_number = text.str.fullmatch(NUMBER_PATTERN).to_numpy(dtype=bool, na_value=False) & ~missing
    values = np.full(len(s), np.nan)
    if is_number.any():
        values[is_number] = _text_to_float(text[is_number])
    status = np.where(missing, MISSING, np.where(is_number, OK, WRONG_TYPE)).astype(np.uint8)
    return values, status


def _text_to_float(text: "pd.Series") -> Any:
    """Text already known to look like numbers -> float64 (Arrow's cast is ~20x pandas')."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(pa.array(text), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, TypeError, ValueError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


class TextKind(Kind):
    """creator_id: stripped non-empty text, or a whole number turned into text."""

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        if is_missing(v):
            return MISSING, None
        if isinstance(v, str):
            text = v.strip()
            return (OK, text) if text else (MISSING, None)
        if is_bool(v) or not isinstance(v, numbers.Real):
            return WRONG_TYPE, None
        try:
            f = float(v)
        except OverflowError:
            return OK, str(int(v))
        if not math.isfinite(f) or not f.is_integer():
            return WRONG_TYPE, None
        return OK, str(int(v))

    def many(self, col: Column, s: "pd.Series", strict: bool = False) -> Checked:
        import numpy as np
        import pandas as pd

        if not pd.api.types.is_string_dtype(s.dtype) or pd.api.types.is_object_dtype(s.dtype):
            return super().many(col, s, strict)
        text = s.str.strip()  # the rule of ``one`` for text, on the whole column
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
        status = missing.astype(np.uint8) * np.uint8(MISSING) if missing.any() else None
        return Checked(col, status, lambda keep: take(text, keep).reset_index(drop=True).astype(str))


class ChoiceKind(Kind):
    """category / strategy: stripped, lower-cased, one of the choices; an unknown category is 'other'."""

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        text = self._text(v)
        if not isinstance(text, str):
            return text, None
        choices = col.choices or ()
        if text in choices:
            return OK, text
        if choices is CATEGORIES:
            return OK, "other"
        return NOT_VALID, None

    @staticmethod
    def _text(v: Any) -> Any:
        """The normalised text, or the status (MISSING / WRONG_TYPE) when there is none."""
        if is_missing(v):
            return MISSING
        if is_bool(v) or not isinstance(v, (str, numbers.Real)):
            return WRONG_TYPE
        return str(v).strip().lower() or MISSING

    def many(self, col: Column, s: "pd.Series", strict: bool = False) -> Checked:
        """Category codes per row; rows whose unknown value became 'other' are noted."""
        import numpy as np
        import pandas as pd

        choices = list(col.choices or ())
        index = {c: i for i, c in enumerate(choices)}
        codes, uniques = distinct(s)
        results = [self.one(col, v, strict) for v in uniques + [None]]  # the last slot is for missing (code -1)
        status = np.array([st for st, _ in results], dtype=np.uint8)[codes]
        cats = np.array([index[out] if st == OK else -1 for st, out in results], dtype=np.int64)[codes]
        mapped = [st == OK and out == "other" and self._text(v) != "other" for v, (st, out) in zip(uniques, results)]
        note_rows = np.array(mapped + [False], dtype=bool)[codes] if any(mapped) else None
        note_values = tuple(v for v, m in zip(uniques, mapped) if m)
        categories = pd.Index(choices, dtype=str)
        return Checked(
            col,
            _bad_or_none(status),
            lambda keep: pd.Categorical.from_codes(take(cats, keep), categories=categories),
            note_rows,
            note_values,
        )


class RegionKind(Kind):
    """region: an ISO 3166 alpha-2 code (:data:`~livelift.data.fields.REGIONS`), upper-cased."""

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        if is_missing(v):
            return MISSING, None
        if not isinstance(v, str):
            return WRONG_TYPE, None
        text = v.strip().upper()
        if not text:
            return MISSING, None
        return (OK, text) if text in REGIONS else (NOT_VALID, None)


class DateKind(Kind):
    """week: an ISO date ``YYYY-MM-DD`` (a midnight time part is tolerated), or a date object."""

    out_dtype = "datetime64[s]"

    def one(self, col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
        if is_missing(v):
            return MISSING, None
        if isinstance(v, _dt.datetime):
            return OK, _dt.date(v.year, v.month, v.day)
        if isinstance(v, _dt.date):
            return OK, v
        if not isinstance(v, str):
            return WRONG_TYPE, None
        text = v.strip()
        if not text:
            return MISSING, None
        if not _DATE_RE.fullmatch(text):
            return NOT_VALID, None
        try:
            return OK, _dt.date.fromisoformat(text[:10])
        except ValueError:
            return NOT_VALID, None

    def output(self, values: Any) -> Any:
        import pandas as pd

        return pd.Series(values)


KINDS: dict[str, Kind] = {
    "int": NumberKind(),
    "float": NumberKind(),
    "string": TextKind(),
    "choice": ChoiceKind(),
    "region": RegionKind(),
    "date": DateKind(),
}
"""The rule of each :attr:`Column.kind`."""


def _bad_or_none(status: Any) -> Any:
    """A status array, or None when every cell is OK (what :class:`Checked` holds)."""
    return status if (status != OK).any() else None


def is_bool(v: Any) -> bool:
    """True for Python and numpy booleans (which are not numbers here)."""
    return isinstance(v, bool) or type(v).__name__ in ("bool", "bool_")
