"""The Python API and the service layer every interface calls."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import livelift
from livelift import InputError, Recommender
from livelift.data.fields import STRATEGIES
from livelift.recommender.simulate import simulate_profiles
from livelift.service import LONG_TABLE_COLUMNS
from livelift.text.shapes import recommendation_to_dict


def test_recommend_ranks_allowed_strategies_by_uplift(recommender, example_profile):
    rec = recommender.recommend(example_profile)
    assert rec.profile.creator_id == example_profile["creator_id"]
    ranked = rec.ranked
    assert ranked, "an eligible adult with 5k followers gets recommendations"
    assert [s.rank for s in ranked] == list(range(1, len(ranked) + 1))
    uplifts = [s.uplift_diamonds for s in ranked]
    assert uplifts == sorted(uplifts, reverse=True)
    assert ranked[-1].strategy == "none" and ranked[-1].uplift_diamonds == 0 and ranked[-1].status == "keep"
    for s in ranked[:-1]:
        assert s.allowed and s.status == "recommended" and s.uplift_diamonds > 0
        assert s.uplift_low <= s.uplift_diamonds <= s.uplift_high
        assert s.uplift_usd == pytest.approx(s.uplift_diamonds * recommender.diamond_usd())
    for s in rec.not_recommended:
        assert s.rank is None and s.uplift_diamonds <= 0 and "boost" not in s.reason_kinds
    assert {s.strategy for s in rec.strategies} == {"none", *STRATEGIES}
    assert rec.verdict


def test_shipped_model_says_it_is_synthetic(recommender, example_profile):
    rec = recommender.recommend(example_profile)
    assert rec.model.synthetic is True
    assert any("SIMULATED" in n for n in rec.notes)
    assert recommendation_to_dict(rec)["model"]["synthetic"] is True


def test_minor_gets_no_strategy_and_the_age_reason(recommender, example_profile):
    rec = recommender.recommend({**example_profile, "creator_age": 16})
    assert [s.strategy for s in rec.ranked] == ["none"]
    assert rec.can_earn_gifts is False
    for s in rec.strategies:
        if s.strategy == "none":
            continue
        assert not s.allowed and s.status == "blocked"
        assert (s.uplift_diamonds, s.uplift_low, s.uplift_high, s.uplift_usd) == (None, None, None, None)
        assert "block.all.under_min_age" in s.rule_ids
    assert rec.verdict.startswith("You cannot receive LIVE gifts yet")


def test_bad_profile_is_an_input_error_naming_the_field(recommender, example_profile):
    with pytest.raises(InputError) as err:
        recommender.recommend({**example_profile, "engagement_rate": 1.7})
    assert "engagement_rate" in str(err.value)
    assert "1.7" in str(err.value)


def test_recommend_frame_matches_recommend_for_every_profile(recommender):
    """Batch (vectorized rules) and single (durable-rules) paths agree exactly."""
    profiles = simulate_profiles(300, seed=11)
    table = recommender.recommend_frame(profiles)
    assert list(table.columns) == list(LONG_TABLE_COLUMNS)
    assert len(table) == len(profiles) * (1 + len(STRATEGIES))
    for i in range(0, len(profiles), 7):
        row = {k: v for k, v in profiles.iloc[i].to_dict().items() if v is not None and v == v}
        rec = recommender.recommend(row)
        sub = table[table["creator_id"] == rec.profile.creator_id].set_index("strategy")
        for s in rec.strategies:
            r = sub.loc[s.strategy]
            assert bool(r["allowed"]) == s.allowed
            assert (None if pd.isna(r["rank"]) else int(r["rank"])) == s.rank
            if s.uplift_diamonds is None:
                assert np.isnan(r["uplift_diamonds"])
            else:
                assert r["uplift_diamonds"] == pytest.approx(s.uplift_diamonds, rel=1e-9, abs=1e-9)
            assert r["rule_ids"] == ";".join(s.rule_ids)
            assert r["reason"] == " ".join(s.reasons)
            assert r["status"] == s.status and bool(r["implausible"]) == s.implausible


def test_thread_safe_under_concurrent_calls(recommender):
    """The durable-rules engine is not documented as thread-safe: prove ours is."""
    profiles = simulate_profiles(200, seed=5)
    rows = [{k: v for k, v in r.items() if v is not None and v == v} for r in profiles.to_dict("records")]
    serial = [recommendation_to_dict(recommender.recommend(r)) for r in rows]
    barrier = threading.Barrier(8)

    def work(offset: int) -> list:
        barrier.wait()
        return [(i, recommendation_to_dict(recommender.recommend(rows[i]))) for i in range(offset, len(rows), 8)]

    with ThreadPoolExecutor(8) as pool:
        results = [item for chunk in pool.map(work, range(8)) for item in chunk]
    assert len(results) == len(rows)
    for i, got in results:
        assert got == serial[i]


def test_facts_say_likes_do_not_pay():
    facts = livelift.facts()
    assert facts
    text = " ".join(f.text.lower() for f in facts)
    assert "like" in text and "gift" in text
    assert all(f.sources for f in facts)


def test_load_refuses_a_missing_model(tmp_path):
    with pytest.raises(livelift.ModelError) as err:
        Recommender.load(tmp_path / "nope.joblib")
    assert "nope.joblib" in str(err.value)


def test_recommend_many_is_exactly_recommend(recommender):
    """The batch path (durable assert_facts + one model call) changes no number."""
    rows = [{k: v for k, v in r.items() if v is not None and v == v}
            for r in simulate_profiles(120, seed=21).to_dict("records")]
    many = recommender.recommend_many(rows)
    assert [recommendation_to_dict(r) for r in many] == [recommendation_to_dict(recommender.recommend(r)) for r in rows]


def test_big_batches_predicted_in_parallel_are_bitwise_serial(recommender, monkeypatch):
    import livelift.service.core as service

    profiles = simulate_profiles(3000, seed=8)
    serial = recommender.recommend_frame(profiles)
    monkeypatch.setattr(service, "PARALLEL_MIN_ROWS", 100)
    parallel = recommender.recommend_frame(profiles)
    pd.testing.assert_frame_equal(serial, parallel)


def test_recommendations_table_is_the_long_table_of_the_same_profiles(recommender):
    """`recommend PROFILE -o` writes from the answer it printed; it matches the batch table."""
    profiles = simulate_profiles(40, seed=31)
    rows = [{k: v for k, v in r.items() if v is not None and v == v} for r in profiles.to_dict("records")]
    from_recs = recommender.recommendations_table(recommender.recommend_many(rows))
    batch = recommender.recommend_frame(profiles)
    batch = batch.assign(rule_ids=batch["rule_ids"].astype(str), reason=batch["reason"].astype(str))
    pd.testing.assert_frame_equal(from_recs, batch, check_dtype=False)


def test_rules_service_answers_like_the_recommender_without_a_model(recommender, example_profile, tmp_path):
    from livelift.service import RulesService

    rules_only = RulesService.load_rules()
    assert not hasattr(rules_only, "model")
    assert rules_only.facts() == recommender.facts()
    assert rules_only.earnings(diamonds=1000) == recommender.earnings(diamonds=1000)
    a, b = rules_only.explain(example_profile), recommender.explain(example_profile)
    assert a.fired == b.fired and a.strategies == b.strategies
    # a user rule folder reaches the rules-only commands too
    (tmp_path / "extra.yaml").write_text(
        "rules:\n  - id: fact.my_note\n    kind: fact\n    when: always\n    reason: A note of my own.\n"
        "    sources: [\"https://example.org/my-note\"]\n",
        encoding="utf-8",
    )
    assert "fact.my_note" in {f.id for f in RulesService.load_rules([tmp_path]).facts()}
