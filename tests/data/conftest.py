"""Helpers for the data tests: valid history rows, a valid profile, a CSV with one cell replaced, the raised error, totality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from livelift.data.fields import ALL_STRATEGIES, CATEGORIES
from livelift.errors import InputError


def _make_history(rows: int = 20, seed: int = 0) -> pd.DataFrame:
    """Valid history rows (required columns only), deterministic."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "creator_id": [f"c{i % 7}" for i in range(rows)],
            "followers": rng.integers(0, 100_000, rows),
            "avg_viewers": rng.uniform(0, 500, rows).round(2),
            "engagement_rate": rng.uniform(0, 1, rows).round(3),
            "streams_per_week": rng.uniform(0, 21, rows).round(1),
            "avg_stream_minutes": rng.uniform(10, 300, rows).round(1),
            "retention_rate": rng.uniform(0, 1, rows).round(3),
            "prior_weekly_diamonds": rng.uniform(0, 5000, rows).round(1),
            "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(rows)],
            "creator_age": rng.integers(13, 70, rows),
            "strategy": [ALL_STRATEGIES[i % len(ALL_STRATEGIES)] for i in range(rows)],
            "gift_diamonds": rng.uniform(0, 3000, rows).round(1),
        }
    )


def _profile_dict(**changes) -> dict:
    base = {
        "creator_id": "c1",
        "followers": 5200,
        "avg_viewers": 40.5,
        "engagement_rate": 0.12,
        "streams_per_week": 3,
        "avg_stream_minutes": 90,
        "retention_rate": 0.4,
        "prior_weekly_diamonds": 800,
        "category": "gaming",
        "creator_age": 24,
    }
    base.update(changes)
    return base


def _csv_with_cell(tmp_path: Path, row: int, column: str, text: str, name: str = "history.csv") -> Path:
    """A valid history CSV with data row ``row`` (1-based), ``column`` replaced by raw ``text``."""
    lines = _make_history().to_csv(index=False).splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = text
    lines[row] = ",".join(cells)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _error_of(call, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    return info.value


def _is_total(call, *args, **kwargs) -> None:
    """``call`` returns a usable result or raises an InputError with a message: nothing else."""
    try:
        result = call(*args, **kwargs)
    except InputError as err:
        assert str(err)
    else:
        assert len(result.frame) >= 1 and result.rows_read >= len(result.frame)


@pytest.fixture(scope="session", name="make_history")
def _make_history_fixture():
    return _make_history


@pytest.fixture(scope="session", name="profile_dict")
def _profile_dict_fixture():
    return _profile_dict


@pytest.fixture(scope="session", name="csv_with_cell")
def _csv_with_cell_fixture():
    return _csv_with_cell


@pytest.fixture(scope="session", name="error_of")
def _error_of_fixture():
    return _error_of


@pytest.fixture(scope="session", name="is_total")
def _is_total_fixture():
    return _is_total


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    _make_history().to_csv(path, index=False)
    return path
