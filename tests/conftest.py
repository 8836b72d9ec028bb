"""Shared fixtures. Tests import the *installed* livelift (no tests/__init__.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Gradient boosting on these 2-core machines is much faster with one OpenMP thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def example_profile() -> dict:
    return json.loads((EXAMPLES / "creator.json").read_text())


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def recommender():
    """The shipped rules + shipped model, loaded once."""
    from livelift import Recommender

    return Recommender.load()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run when LIVELIFT_RUN_SLOW=1 (CI sets it), so the default run stays short."""
    if os.environ.get("LIVELIFT_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set LIVELIFT_RUN_SLOW=1 to run it (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
