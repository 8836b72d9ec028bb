"""The plan store and the weekly loop, on SQLite and on a real PostgreSQL (same tests)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import sqlalchemy as sa

from livelift.data.contract import validate_history
from livelift.errors import InputError
from livelift.plans import Store, creator_view, init_store, next_picks, record_weeks
from livelift.plans.store import SCHEMA_VERSION, schema_table, weeks_table


def _count(store) -> int:
    with store.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(weeks_table)).scalar_one()
        conn.rollback()
    return int(n)


def _next_week(history, creator: str, strategy: str, gift: float, week: str) -> pd.DataFrame:
    df = history.frame
    row = df[df["creator_id"] == creator].tail(1).copy()
    row["strategy"], row["gift_diamonds"], row["week"] = strategy, gift, pd.Timestamp(week)
    return row


def test_init_next_show_and_same_picks_again(db_url, history, recommender):
    store, summary = init_store(db_url, history, recommender, seed=3)
    assert summary.creators == 40 and summary.weeks == 320 and _count(store) == 320
    picks = next_picks(store, recommender)
    assert len(picks) == 40 and set(picks["week"]) == {"2025-10-27"}
    allowed = recommender.recommend_frame(history.frame.groupby("creator_id").tail(1))
    ok = set(zip(allowed.loc[allowed["allowed"], "creator_id"], allowed.loc[allowed["allowed"], "strategy"].astype(str)))
    for r in picks.itertuples():
        assert r.strategy == "none" or (r.creator_id, r.strategy) in ok
        assert r.low <= r.expected_uplift <= r.high and "diamonds/week" in r.reason or r.strategy == "none"
    again = next_picks(Store.open(db_url), recommender)
    pd.testing.assert_frame_equal(picks, again)
    view = creator_view(store, recommender, "cr000001")
    assert list(view.table["strategy"]) and len(view.weeks) == 8


def test_record_twice_is_not_counted_twice(db_url, history, recommender):
    store, _ = init_store(db_url, history, recommender)
    week = _next_week(history, "cr000002", "promote", 321.0, "2025-10-27")
    first = record_weeks(store, validate_history(week, source="week"))
    before = creator_view(store, recommender, "cr000002").table
    second = record_weeks(store, validate_history(week, source="week"))
    assert (first.added, second.added, second.already) == (1, 0, 1)
    assert _count(store) == 321
    pd.testing.assert_frame_equal(before, creator_view(store, recommender, "cr000002").table)
    # the same creator-week with another outcome is refused, not overwritten
    changed = week.assign(gift_diamonds=999.0)
    with pytest.raises(InputError, match="already recorded with other values"):
        record_weeks(store, validate_history(changed, source="week"))
    assert _count(store) == 321


def test_failing_record_leaves_the_store_unchanged(db_url, history, recommender):
    store, _ = init_store(db_url, history, recommender)
    old = history.frame[history.frame["creator_id"] == "cr000003"].head(1).assign(gift_diamonds=1.5e6)
    rows = pd.concat([_next_week(history, "cr000004", "none", 10.0, "2025-10-27"), old,
                      _next_week(history, "cr000005", "none", 20.0, "2025-10-27")], ignore_index=True)
    with pytest.raises(InputError, match="cr000003"):  # the middle row clashes with a recorded week
        record_weeks(store, validate_history(rows, source="results.csv"))
    assert _count(store) == 320
    bad = rows.drop(index=1).astype({"followers": object})
    bad.loc[1, "followers"] = -5  # breaks the data contract
    with pytest.raises(InputError, match="followers"):
        record_weeks(store, validate_history(bad, source="results.csv"))
    assert _count(store) == 320


def test_many_own_weeks_move_the_posterior_to_the_data(db_url, history, recommender):
    store, summary = init_store(db_url, history, recommender)
    # hyper-parameters as a bigger history shows them (40 creators are too few: one whale week sets a bin's
    # noise): effects spread by ~50% between creators, week-to-week noise variance 2 on the ratio scale
    hyper = dataclasses.replace(summary.hyper, het_var=0.25, noise_var=(2.0,) * len(summary.hyper.noise_var))
    with store.begin() as conn:
        store.put_settings(conn, {"hyper": hyper.to_dict()})
    base = creator_view(store, recommender, "cr000006").table.set_index("strategy")
    rows = []
    for i in range(60):  # 60 weeks alternating none (~100 diamonds) and promote (~1,000)
        week = (pd.Timestamp("2025-10-27") + pd.Timedelta(days=7 * i)).strftime("%Y-%m-%d")
        s = "promote" if i % 2 else "none"
        rows.append(_next_week(history, "cr000006", s, 1000.0 if i % 2 else 100.0, week))
    record_weeks(store, validate_history(pd.concat(rows, ignore_index=True), source="weeks"))
    after = creator_view(store, recommender, "cr000006").table.set_index("strategy")
    assert after.loc["promote", "own_weeks"] >= 30
    pop = base.loc["promote", "population_uplift"]
    assert after.loc["promote", "personal_uplift"] > max(pop, base.loc["promote", "personal_uplift"]) + 100
    assert after.loc["promote", "personal_low"] > pop  # sure enough to rule the population's answer out


def test_a_newer_schema_is_refused(db_url, history, recommender):
    store, _ = init_store(db_url, history, recommender)
    with store.begin() as conn:
        conn.execute(sa.update(schema_table).values(version=SCHEMA_VERSION + 1))
    store.dispose()
    with pytest.raises(InputError, match="newer than this livelift"):
        Store.open(db_url)


def test_no_store_yet_and_init_twice(db_url, history, recommender):
    with pytest.raises(InputError, match="plan init"):
        Store.open(db_url)
    init_store(db_url, history, recommender)[0].dispose()
    with pytest.raises(InputError, match="already holds weeks"):
        init_store(db_url, history, recommender)


def test_week_column_is_required(tmp_path, history, recommender):
    no_week = validate_history(history.frame.drop(columns=["week"]), source="h.csv")
    with pytest.raises(InputError, match="week"):
        init_store(str(tmp_path / "p.db"), no_week, recommender)


def test_a_known_spread_widens_the_no_data_interval_only(tmp_path, history, recommender):
    a = init_store(str(tmp_path / "a.db"), history, recommender, spread=0.0)[0]
    b = init_store(str(tmp_path / "b.db"), history, recommender, spread=0.5)[0]
    for creator in sorted(history.frame["creator_id"].unique()):  # one with an allowed strategy it never tried
        plain = creator_view(a, recommender, creator)
        untried = (plain.table["own_weeks"].to_numpy() == 0) & plain.table["allowed"].to_numpy(dtype=bool)
        if untried.any():
            break
    assert untried.any()
    wide = creator_view(b, recommender, creator)
    # blocked strategies have no population answer (NaN), so no personal one either
    blocked = ~plain.table["allowed"].to_numpy(dtype=bool)
    assert plain.table.loc[blocked, "personal_uplift"].isna().all()
    t0, t1 = plain.table[untried], wide.table[untried]
    pd.testing.assert_series_equal(t0["personal_uplift"], t0["population_uplift"], check_names=False)
    pd.testing.assert_series_equal(t1["personal_uplift"], t0["population_uplift"], check_names=False)
    assert (t1["personal_low"] < t0["personal_low"]).all() and (t1["personal_high"] > t0["personal_high"]).all()
    with pytest.raises(InputError, match="spread"):
        init_store(str(tmp_path / "c.db"), history, recommender, spread=-1.0)
