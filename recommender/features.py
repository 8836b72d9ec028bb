"""Model inputs: profile frames -> numeric matrices, strategy labels -> codes.

Two layouts of the same nine profile features (``fields.FEATURE_COLUMNS``):

* ``coded``: the eight numeric features, ``category`` as an integer code
  (``CATEGORY_INDEX`` marks that column), then the ``DERIVED_FEATURES``
  ratios, for the fitting-time learners that use HistGradientBoosting's native
  categorical support;
* ``dense``: the eight numeric features, a one-hot ``category`` block, then the
  ratios, for the few models used at prediction time. HistGradientBoosting's categorical
  preprocessing has a fixed cost per call that would dominate a
  single-profile prediction, so prediction-time models avoid it.

Accepts pandas Categorical or plain string columns; a category outside
``fields.CATEGORIES`` maps to ``other`` (data contract). Missing columns and
non-numeric or non-finite values raise :class:`~livelift.errors.InputError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, Problem
from ..data.fields import ALL_STRATEGIES, CATEGORIES, FEATURE_COLUMNS, NUMERIC_FEATURES, column

__all__ = [
    "CATEGORY_INDEX",
    "DERIVED_FEATURES",
    "N_CODED",
    "DENSE_NAMES",
    "coded_features",
    "dense_from_coded",
    "strategy_codes",
    "check_columns",
]

CATEGORY_INDEX = len(NUMERIC_FEATURES)
"""Column index of the integer-coded category in the coded layout."""

DERIVED_FEATURES: tuple[str, ...] = ("viewers_per_follower", "diamonds_per_viewer", "weekly_viewer_hours")
"""Ratios computed from the numeric features (after the category code in the coded layout, last in the
dense one): reach per follower, income per viewer, weekly viewer-hours (exposure). Trees split on one
feature at a time, so a ratio they would need many splits to approximate is given to them directly."""

N_CODED = len(NUMERIC_FEATURES) + 1 + len(DERIVED_FEATURES)

DENSE_NAMES: tuple[str, ...] = (*NUMERIC_FEATURES, *(f"category={c}" for c in CATEGORIES), *DERIVED_FEATURES)

_OTHER = CATEGORIES.index("other")


def check_columns(X: Any, *, source: str = "X") -> None:
    """Raise InputError naming every missing feature column."""
    cols = getattr(X, "columns", None)
    if cols is None:
        raise InputError(
            "expected a pandas DataFrame of profile columns",
            loc=source,
            expected="a DataFrame with columns " + ", ".join(FEATURE_COLUMNS),
            input=type(X).__name__,
        )
    missing = [c for c in FEATURE_COLUMNS if c not in cols]
    if missing:
        problems = [
            Problem(f"{source}: column {c}", "missing", expected=column(c).expected) for c in missing
        ]
        raise InputError.from_problems(
            problems, headline=f"{source}: missing profile column(s) " + ", ".join(missing)
        )


def _category_codes(values: Any) -> np.ndarray:
    import pandas as pd

    s = pd.Series(values, copy=False)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [str(c).strip().lower() for c in s.cat.categories]
        lut = np.array([CATEGORIES.index(c) if c in CATEGORIES else _OTHER for c in cats] + [_OTHER])
        return lut[s.cat.codes.to_numpy()]  # code -1 (missing) -> last entry -> other
    lookup = {c: i for i, c in enumerate(CATEGORIES)}
    arr = s.to_numpy(dtype=object)
    if len(arr) <= 2000:  # a few profiles: a dict lookup beats vectorized string methods
        return np.array([lookup.get(str(v).strip().lower(), _OTHER) for v in arr], dtype=np.int64)
    uniq, inv = np.unique(arr.astype(str), return_inverse=True)
    lut = np.array([lookup.get(u.strip().lower(), _OTHER) for u in uniq], dtype=np.int64)
    return lut[inv.ravel()]


def coded_features(X: Any, *, source: str = "X") -> np.ndarray:
    """(n, 9) float64 matrix: numeric features then the category code."""
    check_columns(X, source=source)
    n = len(X)
    out = np.empty((n, N_CODED), dtype=np.float64)
    problems: list[Problem] = []
    for j, name in enumerate(NUMERIC_FEATURES):
        try:
            col = np.asarray(X[name], dtype=np.float64)
        except (TypeError, ValueError):
            problems.append(Problem(f"{source}: column {name}", "not numeric", expected=column(name).expected))
            continue
        bad = ~np.isfinite(col)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(
                Problem(
                    f"{source}: row {i}, column {name}",
                    f"missing or non-finite value ({int(bad.sum())} row(s))",
                    expected=column(name).expected,
                    input=float(col[i]),
                )
            )
            continue
        out[:, j] = col
    if problems:
        raise InputError.from_problems(problems, headline=f"{source}: unusable feature values")
    out[:, CATEGORY_INDEX] = _category_codes(X["category"])
    out[:, CATEGORY_INDEX + 1:] = _derived(out)
    return out


def _derived(F: np.ndarray) -> np.ndarray:
    """Ratios of the numeric features (row-wise): viewers per follower, diamonds per viewer, viewer-hours."""
    col = {name: F[:, j] for j, name in enumerate(NUMERIC_FEATURES)}
    return np.column_stack([
        col["avg_viewers"] / (col["followers"] + 1.0),
        col["prior_weekly_diamonds"] / (col["avg_viewers"] + 1.0),
        col["avg_viewers"] * col["streams_per_week"] * col["avg_stream_minutes"] / 60.0,
    ])


def dense_from_coded(F: np.ndarray) -> np.ndarray:
    """Numeric features plus a one-hot category block (float64)."""
    n = len(F)
    out = np.zeros((n, len(DENSE_NAMES)), dtype=np.float64)
    out[:, :CATEGORY_INDEX] = F[:, :CATEGORY_INDEX]
    codes = F[:, CATEGORY_INDEX].astype(np.int64)
    out[np.arange(n), CATEGORY_INDEX + codes] = 1.0
    out[:, CATEGORY_INDEX + len(CATEGORIES):] = F[:, CATEGORY_INDEX + 1:]
    return out


def strategy_codes(strategy: Any, *, source: str = "strategy") -> np.ndarray:
    """Index of each label in ``fields.ALL_STRATEGIES``; InputError on an unknown label."""
    import pandas as pd

    s = pd.Series(strategy, copy=False)
    text = s.astype("string").str.strip().to_numpy(dtype=object, na_value="<missing>")
    uniq, inv = np.unique(text, return_inverse=True)
    unknown = [u for u in uniq if u not in ALL_STRATEGIES]
    if unknown:
        i = int(np.flatnonzero(text == unknown[0])[0])
        raise InputError(
            f"row {i}: unknown strategy ({len(unknown)} unknown label(s))",
            loc=source,
            expected=column("strategy").expected,
            input=unknown[0],
        )
    lut = np.array([ALL_STRATEGIES.index(u) for u in uniq], dtype=np.int64)
    return lut[inv] if len(uniq) else np.zeros(0, dtype=np.int64)
