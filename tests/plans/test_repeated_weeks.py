"""A creator-week twice in a file: the same values count once and are reported; different values are refused."""

from __future__ import annotations

import pandas as pd
import pytest

from livelift.data.contract import validate_history
from livelift.errors import InputError
from livelift.plans import init_store, record_weeks


def _with_repeat(history, **change):
    df = history.frame
    return validate_history(pd.concat([df, df.iloc[[5]].assign(**change)], ignore_index=True), source="h.csv")


def test_init_names_repeated_rows_and_record_counts_them(tmp_path, history, recommender):
    store, summary = init_store(str(tmp_path / "p.db"), _with_repeat(history), recommender)
    assert summary.weeks == len(history.frame)
    row = history.frame.iloc[5]
    note = next(n for n in summary.notes if "repeated creator-week" in n)
    assert f"row {len(history.frame) + 1}" in note and str(row["creator_id"]) in note and "h.csv" in note
    again = record_weeks(store, _with_repeat(history))
    assert (again.added, again.already) == (0, len(history.frame) + 1)
    store.dispose()


def test_init_refuses_a_repeated_week_with_other_values_naming_both_rows(tmp_path, history, recommender):
    db = tmp_path / "p.db"
    with pytest.raises(InputError, match="twice with different values") as err:
        init_store(str(db), _with_repeat(history, gift_diamonds=123456.0), recommender)
    assert err.value.loc == f"h.csv: rows 6, {len(history.frame) + 1}"
    assert not db.exists()
