"""Plan-store fixtures: every store test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from LIVELIFT_TEST_POSTGRES_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:55433/livelift_test; .ci/run starts
one). Without it the PostgreSQL runs are skipped, unless
LIVELIFT_REQUIRE_SERVICES=1 (CI), where a missing server is a failure.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("sqlalchemy")


def _postgres_url() -> str:
    url = os.environ.get("LIVELIFT_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("LIVELIFT_REQUIRE_SERVICES") == "1":
            pytest.fail("LIVELIFT_TEST_POSTGRES_URL is not set but LIVELIFT_REQUIRE_SERVICES=1: "
                        "start PostgreSQL (see .ci/run) and export its URL")
        pytest.skip("no PostgreSQL: set LIVELIFT_TEST_POSTGRES_URL to run the store tests on it")
    return url


def _reset(url: str) -> None:
    import sqlalchemy as sa

    from livelift.plans.store import metadata, schema_table

    eng = sa.create_engine(url)
    try:
        metadata.drop_all(eng)
        schema_table.drop(eng, checkfirst=True)
    finally:
        eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty plan database: a SQLite file path, or the PostgreSQL URL with its tables dropped."""
    if request.param == "sqlite":
        yield str(tmp_path / "plans.db")
        return
    url = _postgres_url()
    _reset(url)
    yield url
    _reset(url)


@pytest.fixture(scope="session")
def history():
    """A small simulated history with creator effects (validated), 40 creators x 8 weeks."""
    from livelift.data.contract import validate_history
    from livelift.recommender.simulate import simulate_history

    return validate_history(simulate_history(40, 8, seed=11, creator_effect_sd=0.5), source="history")


@pytest.fixture(autouse=True)
def _dispose_stores(monkeypatch):
    """Close every store's connection pool after each test (open pooled connections warn when collected)."""
    from livelift.plans.store import Store

    made = []
    original = Store.__init__

    def tracking(self, engine, url):
        original(self, engine, url)
        made.append(self)

    monkeypatch.setattr(Store, "__init__", tracking)
    yield
    for store in made:
        store.dispose()
