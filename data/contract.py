"""The data contract at the boundary: read, validate and normalise user data.

Everything that enters livelift as a table or a profile passes through here
(``../shared/docs/data-contract.md``, vocabulary in :mod:`livelift.data.fields`):

- :func:`read_history` / :func:`read_profiles` read a file (``.csv``,
  ``.parquet``/``.pq``, ``.json``, ``.jsonl``/``.ndjson``; the readers live in
  :mod:`livelift.data.readers`) and validate it.
  A ``.json`` file holds one object, a list of objects, or ``{"profiles": [...]}``
  (the HTTP batch body);
- :func:`validate_history` / :func:`validate_profiles` do the same for an
  in-memory ``DataFrame``;
- :func:`parse_profile` validates one mapping into a :class:`~livelift.domain.Profile`
  (pure Python, no pandas).

All return canonical data or raise :class:`~livelift.errors.InputError`
naming the file, the 1-based data row (the header is not counted; for
Parquet/JSON/JSONL the record number), the column, the bad value and what is
valid, e.g.::

    history.csv: row 17, column engagement_rate: out of range; expected a number between 0 and 1 (got 1.7)

Up to five problems are listed in one error, first bad cell first. With
``skip_bad_rows=True`` bad rows are dropped instead and counted in
:class:`ReadResult`; a file where no row is usable is still an error.

Normalisation rules (the same for files, frames and single profiles):

- Column names: surrounding whitespace (and a UTF-8 BOM) is ignored; names are
  otherwise exact. A missing column is reported with a close match from the
  file ("did you mean ...?").
- Numbers: numeric values; in CSV, Parquet text columns and frames also text
  that is a plain decimal number (``12``, ``-3.5``, ``1e3``). JSON-typed input
  (``.json``/``.jsonl`` files and :func:`parse_profile` mappings) is strict
  like the HTTP API: a string such as ``"5200"`` in a number field is an
  error ("remove the quotes"). Booleans are not numbers. Empty cells, JSON
  ``null`` and (in text input) ``NA``, ``N/A``, ``NaN``, ``null``, ``None``
  (any case) are missing. Integer columns accept whole numbers written as
  ``5200.0``; ``12.5`` is rejected, and so is anything at or beyond 2^63
  (int64). Infinity is out of every range.
- ``creator_id``: text (whitespace stripped) or a whole number, also as a JSON
  number (``123`` becomes ``"123"``, in files and in :func:`parse_profile`
  alike); must be non-empty.
- Unknown fields/columns are ignored, with one note in ``ReadResult.notes``;
  :func:`parse_profile` refuses an unknown key that is a close misspelling of
  a profile field ("did you mean 'followers'?") and ignores the others.
- ``category`` and ``strategy``: stripped and lower-cased first (``' Gaming'``
  is ``'gaming'``). An unknown category becomes ``'other'`` (reported once,
  in ``ReadResult.notes``); an unknown strategy is an error.
- Optional columns (``week``, ``region``, ``likes``, ``comments``,
  ``new_followers``) may have empty cells; filled cells are validated.
  ``region`` is upper-cased and must be an ISO 3166 alpha-2 code; ``week`` is
  an ISO date ``YYYY-MM-DD`` (a midnight time part is tolerated).
- ``true_uplift_<strategy>`` columns (simulator truth) are kept for history
  as float64; any other column is dropped, with one note.

Output frames: ``creator_id`` as a string column, int columns int64, float
columns float64, ``category`` / ``strategy`` Categorical with categories
exactly ``fields.CATEGORIES`` / ``fields.ALL_STRATEGIES``, ``week``
datetime64, ``region`` string (missing = NaN); index ``0..n-1``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NO_INPUT, InputError, Problem
from .fields import (
    ALL_STRATEGIES,
    CATEGORIES,
    HISTORY_COLUMNS,
    OPTIONAL_COLUMNS,
    PROFILE_COLUMNS,
    TRUTH_PREFIX,
    Column,
)

if TYPE_CHECKING:  # pandas/numpy/pyarrow load on first use; parse_profile needs none of them
    import numpy as np
    import pandas as pd

__all__ = [
    "ReadResult",
    "read_history",
    "read_profiles",
    "validate_history",
    "validate_profiles",
    "parse_profile",
    "READ_EXTENSIONS",
]

CSV_EXTENSIONS = (".csv",)
PARQUET_EXTENSIONS = (".parquet", ".pq")
JSON_EXTENSIONS = (".json",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
READ_EXTENSIONS: tuple[str, ...] = CSV_EXTENSIONS + PARQUET_EXTENSIONS + JSON_EXTENSIONS + JSONL_EXTENSIONS
"""File extensions the readers understand."""

MAX_REPORTED = 5
"""Problems listed in one error, and reasons kept when skipping bad rows."""

_SKIP_HINT = "Fix the data, or drop bad rows with --skip-bad-rows (skip_bad_rows=True in Python)."

# Status of one cell.
_OK, _MISSING, _WRONG_TYPE, _NOT_WHOLE, _OUT_OF_RANGE, _NOT_VALID = range(6)

_INT_LIMIT = 2.0**63
"""Integer columns are int64: whole numbers must be below 2^63 (checked before casting)."""

_NULL_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none"})
_NUMBER_PATTERN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?"
_NUMBER_RE = re.compile(_NUMBER_PATTERN, re.IGNORECASE)
_DATE_PATTERN = r"\d{4}-\d{2}-\d{2}(?:[T ]00:00(?::00(?:\.0+)?)?)?"
_DATE_RE = re.compile(_DATE_PATTERN)

_ISO_ALPHA2 = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW XK""".split()
)
"""ISO 3166-1 alpha-2 officially assigned codes (249), plus XK (Kosovo, in common use)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ReadResult:
    """A validated table and what happened on the way.

    ``frame`` is canonical (see the module docstring); ``rows_read`` counts data
    rows in the input, ``skipped`` the bad rows dropped (only with
    ``skip_bad_rows=True``), ``reasons`` the first five of their problems and
    ``notes`` things worth telling the user (unknown categories, ignored columns).
    """

    frame: "pd.DataFrame"
    source: str
    rows_read: int
    skipped: int
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Spec:
    """What a table must hold: required columns, accepted optional ones."""

    noun: str
    required: tuple[Column, ...]
    optional: tuple[Column, ...]
    truth: bool


_HISTORY = _Spec("history", HISTORY_COLUMNS, OPTIONAL_COLUMNS, truth=True)
_PROFILES = _Spec("profiles", PROFILE_COLUMNS, OPTIONAL_COLUMNS, truth=False)
_CONTRACT_NAMES = frozenset(c.name for c in HISTORY_COLUMNS + OPTIONAL_COLUMNS)


# --------------------------------------------------------------------------- public API


def read_history(path: str | os.PathLike[str], *, skip_bad_rows: bool = False) -> ReadResult:
    """Read and validate a history file (one row per creator-week, all HISTORY_COLUMNS)."""
    from .readers import read_file  # imported here: readers imports this module at load

    return read_file(path, _HISTORY, skip_bad_rows)


def read_profiles(path: str | os.PathLike[str], *, skip_bad_rows: bool = False) -> ReadResult:
    """Read and validate profiles: a .json object or list of objects, .jsonl, .csv or .parquet.

    History-shaped files are fine: columns beyond the profile ones are ignored.
    """
    from .readers import read_file  # imported here: readers imports this module at load

    return read_file(path, _PROFILES, skip_bad_rows)


def validate_history(df: "pd.DataFrame", *, source: str = "<DataFrame>", skip_bad_rows: bool = False) -> ReadResult:
    """Validate an in-memory history frame (rows are reported 1-based by position)."""
    return _validate_frame(df, _HISTORY, source, skip_bad_rows)


def validate_profiles(
    df: "pd.DataFrame",
    *,
    source: str = "<DataFrame>",
    skip_bad_rows: bool = False,
    first_row: int = 1,
    allow_empty: bool = False,
) -> ReadResult:
    """Validate an in-memory frame of profiles (rows are reported 1-based by position).

    For one slice of a larger file (a Dask partition): ``first_row`` is the
    number reported for the frame's first row, so problems name the row in the
    file; ``allow_empty`` (with ``skip_bad_rows``) returns an empty frame when
    every row of the slice is bad, instead of raising "nothing usable is left".
    """
    return _validate_frame(df, _PROFILES, source, skip_bad_rows, first_row=first_row, allow_empty=allow_empty)


def parse_profile(mapping: Any, *, source: str = "profile") -> "Profile":
    """Validate one profile mapping into a :class:`~livelift.domain.Profile`.

    Same rules as the table validators; every bad field is reported (up to
    five), each located as ``<source>.<field>``, e.g. ``profile.followers`` or
    ``profiles[3].engagement_rate``. Number fields must be numbers, not
    strings (``"5200"`` is refused, as by the HTTP API); ``creator_id`` may be
    a whole number (``123`` -> ``"123"``). An unknown key that is a close
    misspelling of a field (``folowers``) is an error with "did you mean";
    other unknown keys are ignored.
    """
    from ..domain import Profile

    if not isinstance(mapping, Mapping):
        raise InputError(
            "a profile must be an object mapping field names to values",
            loc=source,
            expected="an object with the fields " + ", ".join(c.name for c in PROFILE_COLUMNS),
            input=type(mapping).__name__,
        )
    data = {_clean_name(k): v for k, v in mapping.items()}
    unknown = [k for k in data if k not in _CONTRACT_NAMES]
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    explained = {  # misspelt keys already named by a "missing field ... did you mean" problem
        m for c in PROFILE_COLUMNS if c.name not in data for m in _close(c.name, unknown, 0.6)[:1]
    }
    for key in unknown:
        if key in explained:
            continue
        near = _close(key, _PARSED_NAMES, _MISSPELT_CUTOFF)
        if near:
            problems.append(
                Problem(
                    f"{source}.{key}",
                    f"unknown field {key!r} (did you mean {near[0]!r}?)",
                    "the profile fields " + ", ".join(_PARSED_NAMES),
                )
            )
    for col in PROFILE_COLUMNS + (_REGION,):
        required = col in PROFILE_COLUMNS
        loc = f"{source}.{col.name}"
        if col.name not in data:
            if required:
                problems.append(Problem(loc, "missing field" + _misspelt(col.name, unknown), col.expected))
            else:
                values[col.name] = None
            continue
        raw = data[col.name]
        if col.kind in ("int", "float"):
            status, value = _SCALAR[col.kind](col, raw, True)  # a dict is JSON-typed: no quoted numbers
        else:
            status, value = _SCALAR[col.kind](col, raw)
        if status == _MISSING and not required:
            values[col.name] = None
        elif status != _OK:
            msg, show = _describe(col, status, raw)
            problems.append(Problem(loc, msg, col.expected, show))
        else:
            values[col.name] = value
    if problems:
        _raise(problems, headline=f"{source}: {len(problems)} invalid fields" if len(problems) > 1 else None)
    return Profile(**values)


_REGION = next(c for c in OPTIONAL_COLUMNS if c.kind == "region")
_PARSED_NAMES = tuple(c.name for c in PROFILE_COLUMNS + (_REGION,))
_MISSPELT_CUTOFF = 0.8
"""How close (difflib ratio) an unknown profile key must be to a field to be called a misspelling."""


def _close(name: str, candidates: Any, cutoff: float) -> list[str]:
    """Candidates close to ``name`` (case-insensitive), best first."""
    lowered = {str(c).lower(): str(c) for c in candidates}
    return [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=cutoff)]


# --------------------------------------------------------------------------- scalar rules


def _is_missing_scalar(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return type(v).__name__ in ("NAType", "NaTType") or (type(v).__name__.startswith("float") and v != v)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool) or type(v).__name__ in ("bool", "bool_")


def _scalar_number(col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
    """(status, float) for one value of a number column.

    ``strict`` (JSON-typed input: dicts, .json/.jsonl) refuses text, like the
    HTTP API: ``"5200"`` is a string, not a number.
    """
    if _is_missing_scalar(v):
        return _MISSING, None
    if _is_bool(v):
        return _WRONG_TYPE, None
    if isinstance(v, str):
        if strict:
            return _WRONG_TYPE, None
        text = v.strip()
        if text.lower() in _NULL_TEXT:
            return _MISSING, None
        if not _NUMBER_RE.fullmatch(text):
            return _WRONG_TYPE, None
        f = float(text)
    elif isinstance(v, numbers.Real):
        try:
            f = float(v)
        except OverflowError:
            f = math.inf if v > 0 else -math.inf
    else:
        return _WRONG_TYPE, None
    return _number_status(col, f), f


def _number_status(col: Column, f: float) -> int:
    if f != f:
        return _MISSING
    if col.kind == "int" and math.isfinite(f) and not f.is_integer():
        return _NOT_WHOLE
    if not math.isfinite(f) or not col.in_range(f):
        return _OUT_OF_RANGE
    if col.kind == "int" and not -_INT_LIMIT <= f < _INT_LIMIT:
        return _OUT_OF_RANGE
    return _OK


def _scalar_int(col: Column, v: Any, strict: bool = False) -> tuple[int, Any]:
    status, f = _scalar_number(col, v, strict)
    return status, (int(f) if status == _OK else None)


def _scalar_text(col: Column, v: Any) -> tuple[int, Any]:
    """creator_id: stripped text, or a whole number turned into text."""
    if _is_missing_scalar(v):
        return _MISSING, None
    if isinstance(v, str):
        text = v.strip()
        return (_OK, text) if text else (_MISSING, None)
    if _is_bool(v) or not isinstance(v, numbers.Real):
        return _WRONG_TYPE, None
    try:
        f = float(v)
    except OverflowError:
        return _OK, str(int(v))
    if not math.isfinite(f) or not f.is_integer():
        return _WRONG_TYPE, None
    return _OK, str(int(v))


def _scalar_choice(col: Column, v: Any) -> tuple[int, Any]:
    """category / strategy: stripped, lower-cased; unknown category -> 'other'."""
    if _is_missing_scalar(v):
        return _MISSING, None
    if _is_bool(v) or not isinstance(v, (str, numbers.Real)):
        return _WRONG_TYPE, None
    text = str(v).strip().lower()
    if not text:
        return _MISSING, None
    choices = col.choices or ()
    if text in choices:
        return _OK, text
    if choices is CATEGORIES:
        return _OK, "other"
    return _NOT_VALID, None


def _scalar_region(col: Column, v: Any) -> tuple[int, Any]:
    if _is_missing_scalar(v):
        return _MISSING, None
    if not isinstance(v, str):
        return _WRONG_TYPE, None
    text = v.strip().upper()
    if not text:
        return _MISSING, None
    return (_OK, text) if text in _ISO_ALPHA2 else (_NOT_VALID, None)


def _scalar_date(col: Column, v: Any) -> tuple[int, Any]:
    if _is_missing_scalar(v):
        return _MISSING, None
    if isinstance(v, _dt.datetime):
        return _OK, _dt.date(v.year, v.month, v.day)
    if isinstance(v, _dt.date):
        return _OK, v
    if not isinstance(v, str):
        return _WRONG_TYPE, None
    text = v.strip()
    if not text:
        return _MISSING, None
    if not _DATE_RE.fullmatch(text):
        return _NOT_VALID, None
    try:
        return _OK, _dt.date.fromisoformat(text[:10])
    except ValueError:
        return _NOT_VALID, None


_SCALAR = {
    "int": _scalar_int,
    "float": _scalar_number,
    "string": _scalar_text,
    "choice": _scalar_choice,
    "region": _scalar_region,
    "date": _scalar_date,
}


def _describe(col: Column, status: int, raw: Any) -> tuple[str, Any]:
    """(message, value to show) for a bad cell."""
    show = _plain(raw)
    if isinstance(show, float) and show.is_integer() and abs(show) < 1e15:
        show = int(show)  # a CSV's 12 is read as 12.0: show it as written
    if status == _MISSING:
        return "missing value", (show if isinstance(show, str) and show else NO_INPUT)
    if status == _WRONG_TYPE:
        if _is_bool(raw):
            return f"true/false is not {_noun(col)}", show
        if col.kind in ("int", "float") and isinstance(raw, str) and _NUMBER_RE.fullmatch(raw.strip()):
            return "a string, not a number: remove the quotes", show
        return f"not {_noun(col)}", show
    if status == _NOT_WHOLE:
        return "not a whole number", show
    if status == _OUT_OF_RANGE:
        f = _as_float(raw)
        if f is not None and not math.isfinite(f):
            return "not a finite number", show
        if col.kind == "int" and f is not None and not -_INT_LIMIT <= f < _INT_LIMIT:
            return "out of range (too large for a 64-bit integer, the limit is 2^63 - 1)", show
        return "out of range", show
    if col.kind == "date":
        return "not a valid date", show
    if col.kind == "region":
        return "unknown country code", show
    return f"unknown {col.name}" + _did_you_mean(str(raw).strip().lower(), col.choices or ()), show


def _noun(col: Column) -> str:
    return {"int": "a number", "float": "a number", "date": "a date"}.get(col.kind, "text")


def _as_float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return None


def _plain(v: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value (for messages); NaN -> NO_INPUT."""
    if isinstance(v, (list, tuple, dict, set, frozenset)):
        import reprlib

        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, 40, 40
        return short.repr(v)  # bounded depth: a deeply nested value cannot blow the stack in a message
    if _is_missing_scalar(v):
        return NO_INPUT
    if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0:
        try:
            return v.item()
        except (TypeError, ValueError):
            return v
    return v


def _did_you_mean(name: str, candidates: Any) -> str:
    match = _close(name, candidates, 0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _misspelt(name: str, present: Any) -> str:
    """' (found 'folowers': did you mean 'followers'?)' when a present name is close to ``name``."""
    match = _close(name, present, 0.6)
    return f" (found {match[0]!r}: did you mean {name!r}?)" if match else ""


def _raise(problems: list[Problem], *, headline: str | None = None, hint: str | None = None) -> None:
    shown = problems[:MAX_REPORTED]
    if len(shown) == 1 and headline is None:
        raise InputError(shown[0].msg, loc=shown[0].loc, expected=shown[0].expected, input=shown[0].input, hint=hint)
    raise InputError.from_problems(shown, headline=headline, hint=hint)


def _clean_name(name: Any) -> str:
    return str(name).replace("\ufeff", "").strip()


# --------------------------------------------------------------------------- columns plan


@dataclass(frozen=True)
class _Plan:
    columns: tuple[tuple[int, Column], ...]  # (position in the input, contract column), output order
    notes: tuple[str, ...]


def _plan(names: list[str], spec: _Spec, source: str, *, thing: str = "column") -> _Plan:
    """Match input column names to the contract: missing / duplicate -> InputError."""
    cleaned = [_clean_name(n) for n in names]
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(cleaned):
        positions.setdefault(n, []).append(i)
    known = {c.name for c in spec.required + spec.optional}
    truth = [_truth_column(n) for n in positions if spec.truth and n.startswith(TRUTH_PREFIX)]
    truth_cols = tuple(c for c in truth if c is not None)
    wanted = spec.required + tuple(c for c in spec.optional if c.name in positions) + truth_cols
    unknown = [
        n for n in positions if n and n not in known and n not in _CONTRACT_NAMES and all(n != c.name for c in truth_cols)
    ]

    problems = []
    missing = [c.name for c in spec.required if c.name not in positions]
    if missing:
        listed = ", ".join(f"{m!r}" + _misspelt(m, unknown) for m in missing)
        problems.append(
            Problem(
                source,
                f"missing required column{'s' if len(missing) > 1 else ''} {listed}",
                f"the {spec.noun} columns " + ", ".join(c.name for c in spec.required),
            )
        )
    for col in wanted:
        if len(positions.get(col.name, ())) > 1:
            problems.append(Problem(source, f"column {col.name!r} appears {len(positions[col.name])} times", "each column once"))
    if problems:
        headline = f"{source}: {len(problems)} problems with the columns" if len(problems) > 1 else None
        _raise(problems, headline=headline)
    notes = ()
    if unknown:
        listed = ", ".join(repr(n) for n in unknown[:MAX_REPORTED]) + (", ..." if len(unknown) > MAX_REPORTED else "")
        notes = (f"ignored {len(unknown)} unknown {thing}{'s' if len(unknown) > 1 else ''} (not in the data contract): {listed}",)
    return _Plan(tuple((positions[c.name][0], c) for c in wanted), notes)


def _truth_column(name: str) -> Column | None:
    if name[len(TRUTH_PREFIX) :] not in ALL_STRATEGIES:
        return None
    return Column(name, "float", "simulator truth: expected uplift vs 'none'")


# --------------------------------------------------------------------------- frame validation


def _validate_frame(
    df: Any, spec: _Spec, source: str, skip_bad_rows: bool, *, first_row: int = 1, allow_empty: bool = False
) -> ReadResult:
    import numpy as np
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError("not a table", loc=source, expected="a pandas DataFrame", input=type(df).__name__)
    plan = _plan(list(df.columns), spec, source)
    if len(df) == 0:
        raise InputError("no rows", loc=source, expected=f"at least one row of {spec.noun}")
    row_numbers = None if first_row == 1 else np.arange(first_row, first_row + len(df))
    return _validate(df, plan, source, skip_bad_rows, row_numbers=row_numbers, allow_empty=allow_empty)


def _validate(
    df: "pd.DataFrame",
    plan: _Plan,
    source: str,
    skip_bad_rows: bool,
    *,
    row_numbers: "np.ndarray | None" = None,
    bad_records: tuple[tuple[int, Problem], ...] = (),
    notes: tuple[str, ...] = (),
    strict: bool = False,
    allow_empty: bool = False,
) -> ReadResult:
    """Check every planned column (vectorized), then raise, or drop bad rows when asked.

    ``df`` columns are taken by position from ``plan``. ``row_numbers`` maps
    positions to reported row numbers (default position + 1); ``bad_records``
    are rows that could not even be parsed (already absent from ``df``).
    ``strict`` (JSON input) refuses text in number columns. ``allow_empty``
    (with ``skip_bad_rows``) returns an empty frame when every row is bad.
    """
    import numpy as np
    import pandas as pd

    n = len(df)
    checked = [_check_column(col, df.iloc[:, pos], strict) for pos, col in plan.columns]
    bad = np.zeros(n, dtype=bool)
    for c in checked:
        if c.status is not None:
            bad |= c.status != _OK
    rows_read = n + len(bad_records)
    number = (lambda i: int(row_numbers[i])) if row_numbers is not None else (lambda i: i + 1)

    first_rows = np.flatnonzero(bad)[:MAX_REPORTED]
    cell_problems: list[tuple[int, int, Problem]] = []
    for i in first_rows:
        for order, c in enumerate(checked):
            if c.status is not None and c.status[i] != _OK:
                raw = df.iloc[i, plan.columns[order][0]]
                msg, show = _describe(c.column, int(c.status[i]), raw)
                loc = f"{source}: row {number(i)}, column {c.column.name}"
                cell_problems.append((number(i), order, Problem(loc, msg, c.column.expected, show)))
    records = [(r, -1, p) for r, p in bad_records[:MAX_REPORTED]]
    problems = sorted(cell_problems + records, key=lambda t: (t[0], t[1]))
    n_bad = int(bad.sum()) + len(bad_records)

    if n_bad and (not skip_bad_rows or (n_bad == rows_read and not allow_empty)):
        rows = "row" if n_bad == 1 else "rows"
        if n_bad == rows_read and skip_bad_rows:
            headline = f"{source}: all {rows_read:,} {rows} are bad, nothing usable is left"
        elif len(problems) > 1:
            headline = f"{source}: {n_bad:,} bad {rows}" + (f", the first {MAX_REPORTED} problems" if len(problems) > MAX_REPORTED else "")
        else:
            headline = None
        _raise([p for _, _, p in problems], headline=headline, hint=None if skip_bad_rows else _SKIP_HINT)

    reasons: list[str] = []
    seen_rows: set[int] = set()
    for r, _, p in problems:
        if r not in seen_rows and len(reasons) < MAX_REPORTED:
            seen_rows.add(r)
            reasons.append(str(p))
    keep = ~bad if bad.any() else None
    out = {}
    all_notes = list(plan.notes) + list(notes)
    for c in checked:
        out[c.column.name] = c.finish(keep)
        if c.note_rows is not None:
            count = int(c.note_rows.sum() if keep is None else c.note_rows[keep].sum())
            if count:
                listed = ", ".join(repr(v) for v in c.note_values[:3]) + (", ..." if len(c.note_values) > 3 else "")
                all_notes.append(f"{c.column.name}: {count:,} row{'s' if count > 1 else ''} had unknown values ({listed}) mapped to 'other'")
    frame = pd.DataFrame(out, copy=False)
    frame.index = pd.RangeIndex(len(frame))
    return ReadResult(frame, source, rows_read, n_bad, tuple(reasons), tuple(all_notes))


class _Checked:
    """One validated column: per-row status, and how to build the clean output."""

    def __init__(self, column: Column, status: Any, finish: Any, note_rows: Any = None, note_values: tuple = ()):
        self.column = column
        self.status = status  # uint8 array, or None when every cell is fine
        self._finish = finish  # keep-mask (or None) -> output column
        self.note_rows = note_rows
        self.note_values = note_values

    def finish(self, keep: Any) -> Any:
        return self._finish(keep)


def _check_column(col: Column, s: "pd.Series", strict: bool = False) -> _Checked:
    required = col in HISTORY_COLUMNS
    if col.kind in ("int", "float"):
        checked = _check_number(col, s, strict)
    elif col.kind == "string":
        checked = _check_text(col, s)
    else:
        checked = _check_by_value(col, s)
    if not required and checked.status is not None:
        checked.status[checked.status == _MISSING] = _OK  # optional: empty cells are fine
        if not checked.status.any():
            checked.status = None
    return checked


def _take(values: Any, keep: Any) -> Any:
    return values if keep is None else values[keep]


def _check_number(col: Column, s: "pd.Series", strict: bool = False) -> _Checked:
    import numpy as np
    import pandas as pd

    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        status = np.where(s.isna().to_numpy(), _MISSING, _WRONG_TYPE).astype(np.uint8)
        values = np.full(len(s), np.nan)
    else:
        if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype) and dtype.kind != "c":
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            status = None
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype) and not strict:
            values, status = _numbers_from_text(s)
        else:
            values, status = _by_value(s, lambda v: _scalar_number(col, v, strict), np.float64, np.nan)
        status = _number_statuses(col, values, status)
    if col.kind == "int":
        finish = lambda keep: _take(values, keep).astype(np.int64)  # noqa: E731
    else:
        finish = lambda keep: _take(values, keep)  # noqa: E731
    return _Checked(col, status, finish)


def _numbers_from_text(s: "pd.Series") -> tuple[Any, Any]:
    """Vectorized text -> float64 with per-cell status (_OK / _MISSING / _WRONG_TYPE)."""
    import numpy as np

    text = s.str.strip()
    missing = (s.isna() | text.str.lower().isin(_NULL_TEXT)).to_numpy(dtype=bool)
    is_number = text.str.fullmatch(_NUMBER_PATTERN, case=False).to_numpy(dtype=bool, na_value=False) & ~missing
    values = np.full(len(s), np.nan)
    if is_number.any():
        values[is_number] = _text_to_float(text[is_number])
    status = np.where(missing, _MISSING, np.where(is_number, _OK, _WRONG_TYPE)).astype(np.uint8)
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


def _number_statuses(col: Column, values: Any, status: Any) -> Any:
    """Add missing / not-whole / out-of-range statuses (vectorized) to ``status``."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        nan = np.isnan(values)
        finite = np.isfinite(values)
        ok = finite.copy()
        if col.min is not None:
            ok &= (values > col.min) if col.min_exclusive else (values >= col.min)
        if col.max is not None:
            ok &= values <= col.max
        if col.kind == "int":  # int64 cannot hold 2^63 or more: reject before casting
            ok &= (values >= -_INT_LIMIT) & (values < _INT_LIMIT)
        not_whole = finite & (values != np.floor(values)) if col.kind == "int" else None
    if not_whole is not None:
        ok &= ~not_whole
    if status is None and ok.all():
        return None
    new = np.where(nan, _MISSING, np.where(ok, _OK, _OUT_OF_RANGE)).astype(np.uint8)
    if not_whole is not None:
        new[not_whole] = _NOT_WHOLE
    if status is None:
        return new
    return np.where(status != _OK, status, new).astype(np.uint8)


def _check_text(col: Column, s: "pd.Series") -> _Checked:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        text = s.str.strip()
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
        status = missing.astype(np.uint8) * np.uint8(_MISSING) if missing.any() else None
        return _Checked(col, status, lambda keep: _take(text, keep).reset_index(drop=True).astype(str))
    values, status = _by_value(s, lambda v: _scalar_text(col, v), object, None)
    return _Checked(col, status, lambda keep: pd.Series(_take(values, keep), dtype=str))


def _check_by_value(col: Column, s: "pd.Series") -> _Checked:
    """category / strategy / region / week: check each distinct value once."""
    import numpy as np
    import pandas as pd

    scalar = _SCALAR[col.kind]
    note_rows = None
    note_values: tuple = ()
    if col.kind == "choice":
        choices = list(col.choices or ())
        index = {c: i for i, c in enumerate(choices)}
        unknown_seen: list[Any] = []

        def one(v: Any) -> tuple[int, Any]:
            status, value = scalar(col, v)
            if status == _OK:
                if value == "other" and str(v).strip().lower() != "other":
                    unknown_seen.append(v)
                    return status, -2 - index[value]  # marks "mapped to other"
                return status, index[value]
            return status, -1

        codes, status = _by_value(s, one, np.int64, -1)
        if col.choices is CATEGORIES:
            mapped = codes <= -2
            if mapped.any():
                note_rows = mapped
                codes = np.where(mapped, -2 - codes, codes)
                note_values = tuple(_plain(v) for v in unknown_seen)
        return _Checked(
            col,
            status,
            lambda keep: pd.Categorical.from_codes(_take(codes, keep), categories=pd.Index(choices, dtype=str)),
            note_rows,
            note_values,
        )
    if col.kind == "region":
        values, status = _by_value(s, lambda v: scalar(col, v), object, None)
        return _Checked(col, status, lambda keep: pd.Series(_take(values, keep), dtype=str))
    values, status = _by_value(s, lambda v: scalar(col, v), "datetime64[s]", np.datetime64("NaT"))
    return _Checked(col, status, lambda keep: pd.Series(_take(values, keep)))


def _by_value(s: "pd.Series", one: Any, out_dtype: Any, fill: Any) -> tuple[Any, Any]:
    """Apply ``one(value) -> (status, out)`` to each distinct value; broadcast to rows.

    Categorical and text columns are factorized (fast); object columns (from
    JSON) are walked in Python, keyed by type so that ``True`` and ``1`` stay apart.
    """
    import numpy as np
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.intp)
        uniques: list[Any] = list(s.cat.categories)
    elif not pd.api.types.is_object_dtype(s.dtype):
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        uniques = list(uniq)
    else:
        seen: dict[Any, int] = {}
        uniques = []
        codes = np.empty(len(s), dtype=np.intp)
        for i, v in enumerate(s.to_numpy(dtype=object)):
            try:
                key = (type(v), v)
                hash(key)
            except (TypeError, RecursionError):
                key = ("unhashable", id(v))
            code = seen.get(key)
            if code is None:
                code = seen[key] = len(uniques)
                uniques.append(v)
            codes[i] = code
    statuses = np.empty(len(uniques) + 1, dtype=np.uint8)
    outs = np.empty(len(uniques) + 1, dtype=out_dtype)
    for k, v in enumerate(uniques + [None]):  # the last slot is for missing (code -1)
        st, out = one(v)
        statuses[k] = st
        outs[k] = fill if out is None else out
    status = statuses[codes]
    values = outs[codes]
    return values, (status if (status != _OK).any() else None)


if TYPE_CHECKING:
    from ..domain import Profile
