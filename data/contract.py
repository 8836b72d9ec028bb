"""The data contract at the boundary: read, validate and normalise user data.

Everything that enters livelift as a table or a profile passes through here
(``../shared/docs/data-contract.md``). The public API is this module; the
vocabulary is :mod:`livelift.data.fields`, the value rules
:mod:`livelift.data.values`, whole-table validation :mod:`livelift.data.frames`
and the file readers :mod:`livelift.data.readers` (each imports only the ones
after it):

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
  that is a plain decimal number in ASCII digits (``12``, ``-3.5``, ``1e3``).
  JSON-typed input (``.json``/``.jsonl`` files and :func:`parse_profile` mappings) is strict
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
  a profile field ("did you mean 'followers'?", :func:`livelift.errors.close_matches`)
  and ignores the others.
- ``category`` and ``strategy``: stripped and lower-cased first (``' Gaming'``
  is ``'gaming'``). An unknown category becomes ``'other'`` (reported once,
  in ``ReadResult.notes``); an unknown strategy is an error.
- Optional columns (``week``, ``region``, ``likes``, ``comments``,
  ``new_followers``) may have empty cells; filled cells are validated.
  ``region`` is upper-cased and must be an ISO 3166 alpha-2 code
  (``fields.REGIONS``); ``week`` is an ISO date ``YYYY-MM-DD`` (a midnight
  time part is tolerated).
- ``true_uplift_<strategy>`` columns (simulator truth) are kept for history
  as float64; any other column is dropped, with one note.

Output frames: ``creator_id`` as a string column, int columns int64, float
columns float64, ``category`` / ``strategy`` Categorical with categories
exactly ``fields.CATEGORIES`` / ``fields.ALL_STRATEGIES``, ``week``
datetime64, ``region`` string (missing = NaN); index ``0..n-1``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..domain import Profile
from ..errors import InputError, Problem, close_matches
from .fields import OPTIONAL_COLUMNS, PROFILE_COLUMNS
from .frames import CONTRACT_NAMES, HISTORY, MAX_REPORTED, PROFILES, ReadResult, clean_name, misspelt, raise_problems, validate_frame
from .readers import CSV_EXTENSIONS, JSON_EXTENSIONS, JSONL_EXTENSIONS, PARQUET_EXTENSIONS, READ_EXTENSIONS, read_file  # noqa: F401
from .messages import describe
from .values import OK, check_value

if TYPE_CHECKING:  # pandas loads on first use; parse_profile needs none of it
    import pandas as pd

__all__ = [
    "ReadResult",
    "read_history",
    "read_profiles",
    "validate_history",
    "validate_profiles",
    "parse_profile",
    "READ_EXTENSIONS",
    "MAX_REPORTED",
]


def read_history(path: str | os.PathLike[str], *, skip_bad_rows: bool = False) -> ReadResult:
    """Read and validate a history file (one row per creator-week, all HISTORY_COLUMNS)."""
    return read_file(path, HISTORY, skip_bad_rows)


def read_profiles(path: str | os.PathLike[str], *, skip_bad_rows: bool = False) -> ReadResult:
    """Read and validate profiles: a .json object or list of objects, .jsonl, .csv or .parquet.

    History-shaped files are fine: columns beyond the profile ones are ignored.
    """
    return read_file(path, PROFILES, skip_bad_rows)


def validate_history(df: "pd.DataFrame", *, source: str = "<DataFrame>", skip_bad_rows: bool = False) -> ReadResult:
    """Validate an in-memory history frame (rows are reported 1-based by position)."""
    return validate_frame(df, HISTORY, source, skip_bad_rows)


def validate_profiles(
    df: "pd.DataFrame",
    *,
    source: str = "<DataFrame>",
    skip_bad_rows: bool = False,
    first_row: int = 1,
    allow_empty: bool = False,
) -> ReadResult:
    """Validate an in-memory frame of profiles (rows are reported 1-based by position).

    ``first_row`` / ``allow_empty``: for one slice of a larger file (see
    :func:`livelift.data.frames.validate_frame`).
    """
    return validate_frame(df, PROFILES, source, skip_bad_rows, first_row=first_row, allow_empty=allow_empty)


_REGION = next(c for c in OPTIONAL_COLUMNS if c.kind == "region")
_PARSED = PROFILE_COLUMNS + (_REGION,)
_PARSED_NAMES = tuple(c.name for c in _PARSED)
_REQUIRED_NAMES = frozenset(c.name for c in PROFILE_COLUMNS)


def parse_profile(mapping: Any, *, source: str = "profile") -> Profile:
    """Validate one profile mapping into a :class:`~livelift.domain.Profile`.

    Same rules as the table validators; every bad field is reported (up to
    five), each located as ``<source>.<field>``, e.g. ``profile.followers`` or
    ``profiles[3].engagement_rate``. Number fields must be numbers, not
    strings (``"5200"`` is refused, as by the HTTP API); ``creator_id`` may be
    a whole number (``123`` -> ``"123"``). An unknown key that is a close
    misspelling of a field (``folowers``) is an error with "did you mean";
    other unknown keys are ignored.
    """
    if not isinstance(mapping, Mapping):
        raise InputError(
            "a profile must be an object mapping field names to values",
            loc=source,
            expected="an object with the fields " + ", ".join(c.name for c in PROFILE_COLUMNS),
            input=type(mapping).__name__,
        )
    data = {clean_name(k): v for k, v in mapping.items()}
    unknown = [k for k in data if k not in CONTRACT_NAMES]
    problems = _misspelt_keys(data, unknown, source) if unknown else []
    values: dict[str, Any] = {}
    for col in _PARSED:
        loc = f"{source}.{col.name}"
        if col.name not in data:
            if col.name in _REQUIRED_NAMES:
                problems.append(Problem(loc, "missing field" + misspelt(col.name, unknown), col.expected))
            values[col.name] = None
            continue
        status, values[col.name] = check_value(col, data[col.name], strict=True)  # JSON-typed: no quoted numbers
        if status != OK:
            msg, show = describe(col, status, data[col.name])
            problems.append(Problem(loc, msg, col.expected, show))
    if problems:
        raise_problems(problems, headline=f"{source}: {len(problems)} invalid fields" if len(problems) > 1 else None)
    return Profile(**values)


def _misspelt_keys(data: dict[str, Any], unknown: list[str], source: str) -> list[Problem]:
    """A problem for each unknown key that is a close misspelling of a profile field.

    Keys already named by a "missing field ... did you mean" problem are left to that one.
    """
    explained = {m for c in PROFILE_COLUMNS if c.name not in data for m in close_matches(c.name, unknown)[:1]}
    problems = []
    for key in unknown:
        near = close_matches(key, _PARSED_NAMES) if key not in explained else []
        if near:
            msg = f"unknown field {key!r} (did you mean {near[0]!r}?)"
            problems.append(Problem(f"{source}.{key}", msg, "the profile fields " + ", ".join(_PARSED_NAMES)))
    return problems
