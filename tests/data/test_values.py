"""The value rules: the per-value form (parse_profile) and the vectorized form (files, frames) agree.

For every contract column, hypothesis draws arbitrary values, puts them in a
column of every dtype they fit (object, text, Categorical, float64, int64,
bool), and checks that :func:`check_series` on the column gives, row by row,
the status and the normalised value that :func:`check_value` gives for that
row's element, with JSON strictness on and off.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.data.fields import ALL_STRATEGIES, CATEGORIES, HISTORY_COLUMNS, OPTIONAL_COLUMNS, TRUTH_PREFIX, Column
from livelift.data.values import MISSING, NOT_WHOLE, NUMBER_RE, OK, OUT_OF_RANGE, WRONG_TYPE, check_series, check_value

TRUTH = Column(TRUTH_PREFIX + "promote", "float", "simulator truth")
COLUMNS = HISTORY_COLUMNS + OPTIONAL_COLUMNS + (TRUTH,)

words = st.sampled_from(
    [
        "", " ", "NA", "n/a", "None", "NULL", "nan", "NaN ", "inf", "-Infinity", "+5", ".5", "5.", "1e3", "1E400",
        "-0", "12.5", "2^63", "9223372036854775808", " 42 ", "٣", "1_000", "0x10", "1,5",
        *CATEGORIES, " Gaming ", "MUSIC", "cooking", *ALL_STRATEGIES, "Promote", "promot",
        "US", " kr ", "gb", "XX", "XK", "usa",
        "2024-01-01", " 2024-01-01T00:00 ", "2024-01-01 00:00:00.000", "2024-02-30", "2024-01-01T01:00", "01/02/2024",
    ]
)
texts = st.one_of(words, st.text(max_size=6), st.from_regex(NUMBER_RE, fullmatch=True).map(lambda t: f" {t}"))
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-5, max_value=150),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2, max_value=1500).map(lambda f: round(f, 1)),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 13, 120, 121, 1440, 1440.5, 2.0**63, 2.0**63 - 1024, -(2.0**63), 1e308]),
)
values = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(pd.NA),
    st.booleans(),
    numbers,
    texts,
    numbers.map(lambda x: np.float64(x) if isinstance(x, float) else np.int64(x) if abs(x) < 2**63 else x),
    st.just(np.bool_(True)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 1, 1)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


def _columns(raw: list) -> list[pd.Series]:
    """``raw`` as a column of every dtype it fits."""
    out = [pd.Series(raw, dtype=object)]
    kinds = {type(v) for v in raw}
    if kinds <= {str, type(None)}:
        out += [pd.Series(raw, dtype="str"), pd.Series(raw, dtype="string"), pd.Series(pd.Categorical(raw))]
    if kinds <= {int, float, type(None)} and not any(isinstance(v, bool) for v in raw):
        out.append(pd.Series([math.nan if v is None else float(v) for v in raw], dtype=np.float64))
        if kinds == {int} and all(-(2**63) <= v < 2**63 for v in raw):
            out.append(pd.Series(raw, dtype=np.int64))
    if kinds == {bool}:
        out += [pd.Series(raw, dtype=bool), pd.Series(raw + [None], dtype="boolean")]
    return out


def _same_value(kind: str, vector: object, scalar: object) -> bool:
    """The vectorized output cell equals the per-value normalised value."""
    if scalar is None:
        return pd.isna(vector)
    if kind == "date":
        return pd.Timestamp(vector).date() == scalar
    if kind == "int":
        return type(vector) in (int, np.int64) and int(vector) == scalar
    if kind == "float":
        return float(vector) == scalar
    return isinstance(vector, str) and vector == scalar


@pytest.mark.parametrize("col", COLUMNS, ids=lambda c: c.name)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of([st.lists(v, min_size=1, max_size=6) for v in (values, texts, numbers)]), strict=st.booleans())
def test_per_value_and_vectorized_forms_agree(col, raw, strict):
    for s in _columns(raw):
        checked = check_series(col, s, strict=strict)
        per_value = [check_value(col, s.iloc[i], strict=strict) for i in range(len(s))]
        status = checked.status if checked.status is not None else np.zeros(len(s), dtype=np.uint8)
        assert status.tolist() == [st for st, _ in per_value], (s.dtype, s.tolist())
        keep = status == OK
        out = list(checked.finish(keep if not keep.all() else None))
        expected = [v for (st, v) in per_value if st == OK]
        for got, want in zip(out, expected, strict=True):
            assert _same_value(col.kind, got, want), (s.dtype, s.tolist(), got, want)


@pytest.mark.parametrize(
    "name, value, strict, status, normalised",
    [
        ("followers", "5200", False, OK, 5200),
        ("followers", "5200", True, WRONG_TYPE, None),
        ("followers", " 5200.0 ", False, OK, 5200),
        ("followers", 12.5, False, NOT_WHOLE, None),
        ("followers", 2**63, False, OUT_OF_RANGE, None),
        ("followers", "٣", False, WRONG_TYPE, None),  # ASCII digits only, as Arrow reads a CSV
        ("avg_stream_minutes", 0, False, OUT_OF_RANGE, None),  # min is exclusive
        ("engagement_rate", "NA", False, MISSING, None),
        ("region", " kr ", False, OK, "KR"),
        ("region", None, False, OK, None),  # optional: empty is fine
        ("category", " Cooking", False, OK, "other"),
        ("creator_id", 123, True, OK, "123"),
        ("week", "2024-01-01T00:00", False, OK, dt.date(2024, 1, 1)),
    ],
)
def test_check_value_examples(name, value, strict, status, normalised):
    col = next(c for c in COLUMNS if c.name == name)
    assert check_value(col, value, strict=strict) == (status, normalised)
