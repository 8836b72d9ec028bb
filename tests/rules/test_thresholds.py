"""Both engines on both sides of every shipped threshold, the verdicts they reach, and profile input."""

from __future__ import annotations

import pandas as pd
import pytest

from livelift.data.contract import validate_profiles
from livelift.data.fields import STRATEGIES
from livelift.domain import Profile
from livelift.errors import InputError
from livelift.rules import DurableEngine, Evaluation


ALWAYS = (
    "fact.gifts_are_live_income",
    "fact.likes_do_not_pay",
    "fact.comments_shares_follows_do_not_pay",
    "fact.live_match_points",
    "fact.creator_share",
    "fact.diamond_value",
    "fact.cash_out",
    "fact.coins_cheaper_on_web",
)


UNDER_FOLLOWERS = (
    "eligibility.live.under_min_followers",
    "boost.engage_audience.grow_followers",
    "boost.improve_content.grow_followers",
    "block.collaborate.under_min_followers",
    "block.promote.under_min_followers",
    "block.increase_frequency.under_min_followers",
)


CASES = [
    ({}, ()),
    ({"region": None}, ("fact.region_not_given",)),
    ({"region": "KR"}, ("fact.kr.gift_age",)),
    ({"region": "DE"}, ("fact.eea.coins_policy",)),
    ({"region": "NO"}, ("fact.eea.coins_policy",)),
    ({"region": "US", "followers": 10000}, ("fact.creator_rewards_is_not_live",)),
    ({"region": "US", "followers": 9999}, ()),
    ({"region": "CA", "followers": 10000}, ()),
    ({"region": "KR", "followers": 10000}, ("fact.kr.gift_age", "fact.creator_rewards_is_not_live")),
    # age: 18+ (19 in KR); a missing region is "not KR"
    ({"creator_age": 17}, ("eligibility.live.under_min_age", "block.all.under_min_age")),
    ({"creator_age": 17, "region": None}, ("fact.region_not_given", "eligibility.live.under_min_age", "block.all.under_min_age")),
    ({"creator_age": 18}, ()),
    ({"creator_age": 18, "region": None}, ("fact.region_not_given",)),
    ({"creator_age": 17, "region": "KR"}, ("fact.kr.gift_age", "eligibility.live.under_min_age_kr", "block.all.under_min_age_kr")),
    ({"creator_age": 18, "region": "KR"}, ("fact.kr.gift_age", "eligibility.live.under_min_age_kr", "block.all.under_min_age_kr")),
    ({"creator_age": 19, "region": "KR"}, ("fact.kr.gift_age",)),
    # followers: 1,000 to go LIVE
    ({"followers": 999}, UNDER_FOLLOWERS),
    ({"followers": 1000}, ()),
    # streams per week
    ({"streams_per_week": 14.0}, ("block.increase_frequency.already_frequent",)),
    ({"streams_per_week": 13.99}, ()),
    ({"streams_per_week": 7.01}, ()),
    ({"streams_per_week": 7.0}, ("boost.promote.regular_schedule",)),
    ({"streams_per_week": 3.0}, ("boost.promote.regular_schedule",)),
    ({"streams_per_week": 2.99}, ("boost.increase_frequency.infrequent",)),
    ({"streams_per_week": 1.0}, ("boost.increase_frequency.infrequent",)),
    ({"streams_per_week": 0.99}, ("boost.increase_frequency.infrequent", "caution.promote.irregular")),
    # retention / engagement
    ({"retention_rate": 0.29}, ("caution.increase_frequency.low_retention", "boost.improve_content.low_retention")),
    ({"retention_rate": 0.3}, ()),
    ({"engagement_rate": 0.0499}, ("boost.engage_audience.low_engagement",)),
    ({"engagement_rate": 0.05}, ()),
    # viewers
    ({"avg_viewers": 9.99}, ("caution.collaborate.few_viewers",)),
    ({"avg_viewers": 10.0}, ()),
    ({"avg_viewers": 50.0}, ("boost.collaborate.battle_ready",)),
    ({"avg_viewers": 49.99}, ()),
    ({"avg_viewers": 50.0, "followers": 999}, UNDER_FOLLOWERS),
]


def _ids(evaluation):
    return tuple(h.id for h in evaluation.fired)


def _allowed(evaluation):
    return tuple(s for s, v in evaluation.strategies.items() if v.allowed)


def _expected(ruleset, extra):
    wanted = set(ALWAYS) | set(extra)
    return tuple(r.id for r in ruleset.rules if r.id in wanted)


def test_table_covers_every_rule(ruleset):
    covered = set(ALWAYS) | {rid for _, ids in CASES for rid in ids}
    assert covered == {r.id for r in ruleset.rules}


@pytest.mark.parametrize("changes, extra", CASES, ids=[str(c) for c, _ in CASES])
def test_durable_fires_exactly(durable, ruleset, changes, extra, make_profile):
    assert _ids(durable.evaluate(make_profile(changes))) == _expected(ruleset, extra)


def test_vectorized_fires_exactly(vectorized, ruleset, make_profile):
    df = pd.DataFrame([make_profile(c) for c, _ in CASES])
    fired = vectorized.fired(df)
    assert list(fired.columns) == [r.id for r in ruleset.rules]
    for i, (_, extra) in enumerate(CASES):
        got = tuple(fired.columns[fired.iloc[i].to_numpy()])
        assert got == _expected(ruleset, extra), CASES[i][0]


def test_profile_object_and_dict_agree(durable, make_profile):
    prof = Profile(**make_profile({}))
    assert durable.evaluate(prof) == durable.evaluate(make_profile({}))


@pytest.mark.parametrize(
    "changes, gate",
    [
        ({"creator_age": 17}, "under_min_age"),
        ({"creator_age": 13, "region": None}, "under_min_age"),
        ({"creator_age": 18, "region": "KR"}, "under_min_age_kr"),
    ],
)
def test_minor_is_blocked_by_the_age_rules(durable, vectorized, ruleset, changes, gate, make_profile):
    """The age (and KR region) gates are rules: every strategy is blocked by exactly the
    eligibility rule and the block rule for that gate, with their own reasons."""
    ev = durable.evaluate(make_profile(changes))
    assert isinstance(ev, Evaluation)
    assert _allowed(ev) == () and not ev.can_go_live and not ev.can_earn_gifts
    eligibility, block = ruleset.rule(f"eligibility.live.{gate}"), ruleset.rule(f"block.all.{gate}")
    age = 19 if gate.endswith("_kr") else 18
    assert block.reason.startswith("No strategy:") and f"under {age} " in block.reason
    for verdict in ev.strategies.values():
        assert not verdict.allowed and not verdict.boosted and not verdict.caution
        assert verdict.rule_ids == (eligibility.id, block.id)
        assert verdict.reasons == (eligibility.reason, block.reason)
        assert [h.kind for h in verdict.hits] == ["eligibility", "block"]
    assert eligibility.id in [h.id for h in ev.facts]
    table = vectorized.strategy_table(validate_profiles(pd.DataFrame([make_profile(changes)])).frame)
    assert not table["allowed"].any()
    assert set(table["rule_ids"].astype(str)) == {f"{eligibility.id};{block.id}"}
    assert set(table["rule_kinds"].astype(str)) == {"eligibility;block"}


def test_adult_under_1000_followers_grows_followers_first(durable, make_profile):
    ev = durable.evaluate(make_profile({"followers": 999}))
    assert _allowed(ev) == ("engage_audience", "improve_content")
    assert not ev.can_go_live and not ev.can_earn_gifts
    collab = ev.strategies["collaborate"]
    assert collab.rule_ids == ("eligibility.live.under_min_followers", "block.collaborate.under_min_followers")
    assert collab.reasons[-1].endswith("grow followers first.")
    engage = ev.strategies["engage_audience"]
    assert engage.boosted and [(h.id, h.kind) for h in engage.hits] == [
        ("eligibility.live.under_min_followers", "eligibility"),
        ("boost.engage_audience.grow_followers", "boost"),
    ]


def test_adult_default_allowed_and_boosts(durable, make_profile):
    ev = durable.evaluate(make_profile({"retention_rate": 0.1, "avg_viewers": 5.0, "streams_per_week": 15.0}))
    assert ev.can_go_live and ev.can_earn_gifts
    s = ev.strategies
    assert list(s) == list(STRATEGIES)
    assert s["improve_content"].allowed and s["improve_content"].boosted
    assert s["collaborate"].allowed and s["collaborate"].caution and not s["collaborate"].boosted
    assert [(h.id, h.kind) for h in s["collaborate"].hits] == [("caution.collaborate.few_viewers", "caution")]
    assert not s["increase_frequency"].allowed
    # a blocked strategy is shaped only by its blocks: the caution on it is dropped
    assert s["increase_frequency"].rule_ids == ("block.increase_frequency.already_frequent",)
    assert [h.kind for h in s["increase_frequency"].hits] == ["block"]
    assert s["promote"].allowed and s["promote"].rule_ids == ()


def test_facts_in_evaluation_are_fact_and_eligibility_hits(durable, make_profile):
    ev = durable.evaluate(make_profile({"followers": 999, "region": None}))
    assert {h.kind for h in ev.facts} == {"fact", "eligibility"}
    assert "fact.likes_do_not_pay" in [h.id for h in ev.facts]


@pytest.mark.parametrize(
    "changes, loc, match",
    [
        ({"creator_age": "25"}, "profile.creator_age", "a string, not a number"),
        ({"followers": True}, "profile.followers", "not a number"),
        ({"followers": -1}, "profile.followers", "out of range"),
        ({"followers": 10.5}, "profile.followers", "not a whole number"),
        ({"engagement_rate": 1.7}, "profile.engagement_rate", "out of range"),
        ({"region": "Korea"}, "profile.region", "unknown country code"),
        ({"region": "ZZ"}, "profile.region", "unknown country code"),  # two letters, but no ISO code
        ({"folowers": 3}, "profile.folowers", "did you mean 'followers'"),
    ],
)
def test_bad_profiles_are_refused_by_the_contract_before_durable(durable, changes, loc, match, make_profile):
    with pytest.raises(InputError, match=match) as info:
        durable.evaluate(make_profile(changes))
    assert info.value.loc == loc
    if "out of range" in match or "region" in changes:  # frames: the same rule (text numbers are fine in a CSV)
        with pytest.raises(InputError, match=match):
            validate_profiles(pd.DataFrame([make_profile(changes)]))


def test_unknown_category_is_other_and_region_is_normalised(durable, vectorized, make_profile):
    assert durable.evaluate(make_profile({"category": "cooking"})) == durable.evaluate(make_profile({"category": "other"}))
    assert durable.evaluate(make_profile({"region": None})) == durable.evaluate({k: v for k, v in make_profile({}).items() if k != "region"})
    assert durable.evaluate(make_profile({"region": " kr "})) == durable.evaluate(make_profile({"region": "KR"}))
    frame = validate_profiles(pd.DataFrame([make_profile({"region": " kr ", "category": "cooking"})])).frame
    assert vectorized.fired(frame).iloc[0].tolist() == vectorized.fired(pd.DataFrame([make_profile({"region": "KR"})])).iloc[0].tolist()


def test_vectorized_needs_the_profile_columns(vectorized, make_profile):
    with pytest.raises(InputError) as info:
        vectorized.fired(pd.DataFrame([{k: v for k, v in make_profile({}).items() if k != "followers"}]))
    assert info.value.loc == "profiles: column followers" and "missing column" in info.value.msg
    ok = vectorized.fired(pd.DataFrame([{k: v for k, v in make_profile({}).items() if k != "region"}]))
    assert ok.loc[0, "fact.region_not_given"]


def test_strategy_table_long_form(vectorized, durable, make_profile):
    rows = [make_profile({}), make_profile({"followers": 999}), make_profile({"creator_age": 17})]
    table = vectorized.strategy_table(pd.DataFrame(rows, index=[10, 20, 30]))
    assert list(table.columns) == ["row", "strategy", "allowed", "boosted", "caution", "rule_ids", "rule_kinds", "reason"]
    assert len(table) == 3 * len(STRATEGIES)
    assert table["row"].tolist() == [0] * 5 + [1] * 5 + [2] * 5
    assert table["strategy"].astype(str).tolist() == list(STRATEGIES) * 3
    for i, profile in enumerate(rows):
        ev = durable.evaluate(profile)
        part = table[table["row"] == i]
        for _, rec in part.iterrows():
            v = ev.strategies[rec["strategy"]]
            assert rec["allowed"] == v.allowed
            assert rec["rule_ids"] == ";".join(v.rule_ids)
            assert rec["rule_kinds"] == ";".join(h.kind for h in v.hits)
            assert rec["reason"] == " ".join(v.reasons)
    adult = table[table["row"] == 1].set_index(table["strategy"].astype(str)[table["row"] == 1])
    assert adult.loc["collaborate", "rule_kinds"] == "eligibility;block"
    assert adult.loc["engage_audience", "rule_kinds"] == "eligibility;boost"


def test_empty_frame(vectorized, make_profile):
    df = pd.DataFrame({k: pd.Series([], dtype="float64") for k in make_profile({})})
    assert len(vectorized.strategy_table(df)) == 0


def test_evaluation_is_immutable_and_picklable(durable, make_profile):
    import pickle

    ev = durable.evaluate(make_profile({}))
    with pytest.raises(TypeError):
        ev.strategies["promote"] = None
    assert pickle.loads(pickle.dumps(ev)) == ev
    assert durable.evaluate(make_profile({})) == ev  # the cached answer was not disturbed


def test_two_engines_on_one_ruleset_coexist(ruleset, make_profile):
    a, b = DurableEngine(ruleset), DurableEngine(ruleset)
    assert a.name != b.name
    assert a.evaluate(make_profile({})) == b.evaluate(make_profile({}))
