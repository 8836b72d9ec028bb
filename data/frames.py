"""Vectorized validation of a whole table: match its columns to the contract, check each, report or drop bad rows.

:func:`plan_columns` matches the input's column names to a :class:`Spec`
(history or profiles); :func:`validate` checks every planned column with its
value rule (:func:`livelift.data.values.check_series`) and returns a
:class:`ReadResult`, or raises one :class:`~livelift.errors.InputError`
listing the first :data:`MAX_REPORTED` problems by row. The readers
(:mod:`livelift.data.readers`) and the public API (:mod:`livelift.data.contract`)
both build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Problem, close_matches
from .fields import ALL_STRATEGIES, HISTORY_COLUMNS, OPTIONAL_COLUMNS, PROFILE_COLUMNS, TRUTH_PREFIX, Column
from .messages import describe, shown
from .values import OK, Checked, check_series

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "ReadResult",
    "Spec",
    "HISTORY",
    "PROFILES",
    "CONTRACT_NAMES",
    "MAX_REPORTED",
    "Plan",
    "plan_columns",
    "validate",
    "validate_frame",
    "raise_problems",
    "clean_name",
    "misspelt",
]

MAX_REPORTED = 5
"""Problems listed in one error, and reasons kept when skipping bad rows."""

_SKIP_HINT = "Fix the data, or drop bad rows with --skip-bad-rows (skip_bad_rows=True in Python)."


@dataclass(frozen=True)
class ReadResult:
    """A validated table and what happened on the way.

    ``frame`` is canonical (see :mod:`livelift.data.contract`); ``rows_read``
    counts data rows in the input, ``skipped`` the bad rows dropped (only with
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
class Spec:
    """What a table must hold: required columns, accepted optional ones, simulator truth or not."""

    noun: str
    required: tuple[Column, ...]
    optional: tuple[Column, ...]
    truth: bool


HISTORY = Spec("history", HISTORY_COLUMNS, OPTIONAL_COLUMNS, truth=True)
PROFILES = Spec("profiles", PROFILE_COLUMNS, OPTIONAL_COLUMNS, truth=False)
CONTRACT_NAMES = frozenset(c.name for c in HISTORY_COLUMNS + OPTIONAL_COLUMNS)


def clean_name(name: Any) -> str:
    """A column or field name without surrounding whitespace or a UTF-8 BOM."""
    return str(name).replace("\ufeff", "").strip()


def misspelt(name: str, present: Any) -> str:
    """`` (found 'folowers': did you mean 'followers'?)`` when a present name is close to ``name``."""
    match = close_matches(name, present)
    return f" (found {match[0]!r}: did you mean {name!r}?)" if match else ""


def raise_problems(problems: list[Problem], *, headline: str | None = None, hint: str | None = None) -> None:
    """Raise one InputError holding the first :data:`MAX_REPORTED` problems."""
    shown = problems[:MAX_REPORTED]
    if len(shown) == 1 and headline is None:
        raise InputError(shown[0].msg, loc=shown[0].loc, expected=shown[0].expected, input=shown[0].input, hint=hint)
    raise InputError.from_problems(shown, headline=headline, hint=hint)


# --------------------------------------------------------------------------- columns plan


@dataclass(frozen=True)
class Plan:
    """Which input column feeds which contract column, in output order, and notes on the rest."""

    columns: tuple[tuple[int, Column], ...]  # (position in the input, contract column)
    notes: tuple[str, ...]

    def renumbered(self) -> "Plan":
        """The same plan for a frame that holds exactly the planned columns, in order."""
        return Plan(tuple((i, col) for i, (_, col) in enumerate(self.columns)), self.notes)


def plan_columns(names: list[str], spec: Spec, source: str, *, thing: str = "column") -> Plan:
    """Match input column names to the contract: missing / duplicate -> InputError."""
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        positions.setdefault(clean_name(n), []).append(i)
    known = {c.name for c in spec.required + spec.optional}
    truth = tuple(c for n in positions if spec.truth and (c := _truth_column(n)) is not None)
    wanted = spec.required + tuple(c for c in spec.optional if c.name in positions) + truth
    truth_names = {c.name for c in truth}
    unknown = [n for n in positions if n and n not in known and n not in CONTRACT_NAMES and n not in truth_names]

    problems = []
    missing = [c.name for c in spec.required if c.name not in positions]
    if missing:
        listed = ", ".join(f"{m!r}" + misspelt(m, unknown) for m in missing)
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
        raise_problems(problems, headline=f"{source}: {len(problems)} problems with the columns" if len(problems) > 1 else None)
    notes = ()
    if unknown:
        listed = ", ".join(repr(n) for n in unknown[:MAX_REPORTED]) + (", ..." if len(unknown) > MAX_REPORTED else "")
        notes = (f"ignored {len(unknown)} unknown {thing}{'s' if len(unknown) > 1 else ''} (not in the data contract): {listed}",)
    return Plan(tuple((positions[c.name][0], c) for c in wanted), notes)


def _truth_column(name: str) -> Column | None:
    if not name.startswith(TRUTH_PREFIX) or name[len(TRUTH_PREFIX) :] not in ALL_STRATEGIES:
        return None
    return Column(name, "float", "simulator truth: expected uplift vs 'none'")


# --------------------------------------------------------------------------- validation


def validate_frame(
    df: Any, spec: Spec, source: str, skip_bad_rows: bool, *, first_row: int = 1, allow_empty: bool = False
) -> ReadResult:
    """Validate an in-memory DataFrame against ``spec`` (rows reported 1-based by position).

    For one slice of a larger file (a Dask partition): ``first_row`` is the number
    reported for the frame's first row, so problems name the row in the file;
    ``allow_empty`` (with ``skip_bad_rows``) returns an empty frame when every row
    of the slice is bad, instead of raising "nothing usable is left".
    """
    import numpy as np
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError("not a table", loc=source, expected="a pandas DataFrame", input=type(df).__name__)
    plan = plan_columns(list(df.columns), spec, source)
    if len(df) == 0:
        raise InputError("no rows", loc=source, expected=f"at least one row of {spec.noun}")
    row_numbers = None if first_row == 1 else np.arange(first_row, first_row + len(df))
    return validate(df, plan, source, skip_bad_rows, row_numbers=row_numbers, allow_empty=allow_empty)


def validate(
    df: "pd.DataFrame",
    plan: Plan,
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

    checked = [check_series(col, df.iloc[:, pos], strict=strict) for pos, col in plan.columns]
    bad = np.zeros(len(df), dtype=bool)
    for c in checked:
        if c.status is not None:
            bad |= c.status != OK
    rows_read = len(df) + len(bad_records)
    number = (lambda i: int(row_numbers[i])) if row_numbers is not None else (lambda i: i + 1)
    problems = _first_problems(df, plan, checked, bad, number, source) + [(r, -1, p) for r, p in bad_records[:MAX_REPORTED]]
    problems.sort(key=lambda t: (t[0], t[1]))
    n_bad = int(bad.sum()) + len(bad_records)
    if n_bad and (not skip_bad_rows or (n_bad == rows_read and not allow_empty)):
        _raise_bad_rows([p for _, _, p in problems], n_bad, rows_read, source, skip_bad_rows)
    frame, column_notes = _output(checked, ~bad if bad.any() else None)
    return ReadResult(frame, source, rows_read, n_bad, _reasons(problems), plan.notes + notes + column_notes)


def _reasons(problems: list[tuple[int, int, Problem]]) -> tuple[str, ...]:
    """The first problem of each of the first bad rows (what ``skip_bad_rows`` reports)."""
    reasons: dict[int, str] = {}
    for row, _, problem in problems:
        if row not in reasons and len(reasons) < MAX_REPORTED:
            reasons[row] = str(problem)
    return tuple(reasons.values())


def _first_problems(df: "pd.DataFrame", plan: Plan, checked: list[Checked], bad: Any, number: Any, source: str) -> list:
    """(row number, column order, Problem) for every bad cell of the first bad rows."""
    import numpy as np

    found = []
    for i in np.flatnonzero(bad)[:MAX_REPORTED]:
        for order, c in enumerate(checked):
            if c.status is not None and c.status[i] != OK:
                msg, show = describe(c.column, int(c.status[i]), df.iloc[i, plan.columns[order][0]])
                loc = f"{source}: row {number(i)}, column {c.column.name}"
                found.append((number(i), order, Problem(loc, msg, c.column.expected, show)))
    return found


def _raise_bad_rows(problems: list[Problem], n_bad: int, rows_read: int, source: str, skip_bad_rows: bool) -> None:
    rows = "row" if n_bad == 1 else "rows"
    if n_bad == rows_read and skip_bad_rows:
        headline = f"{source}: all {rows_read:,} {rows} are bad, nothing usable is left"
    elif len(problems) > 1:
        more = f", the first {MAX_REPORTED} problems" if len(problems) > MAX_REPORTED else ""
        headline = f"{source}: {n_bad:,} bad {rows}" + more
    else:
        headline = None
    raise_problems(problems, headline=headline, hint=None if skip_bad_rows else _SKIP_HINT)


def _output(checked: list[Checked], keep: Any) -> tuple["pd.DataFrame", tuple[str, ...]]:
    """The canonical frame of the kept rows, and a note per column that mapped unknown values to 'other'."""
    import pandas as pd

    out = {}
    notes = []
    for c in checked:
        out[c.column.name] = c.finish(keep)
        if c.note_rows is not None:
            count = int(c.note_rows.sum() if keep is None else c.note_rows[keep].sum())
            if count:
                listed = ", ".join(repr(shown(v)) for v in c.note_values[:3]) + (", ..." if len(c.note_values) > 3 else "")
                notes.append(f"{c.column.name}: {count:,} row{'s' if count > 1 else ''} had unknown values ({listed}) mapped to 'other'")
    frame = pd.DataFrame(out, copy=False)
    frame.index = pd.RangeIndex(len(frame))
    return frame, tuple(notes)
