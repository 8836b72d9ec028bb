"""Rule data, loader, both engines on exact thresholds, user overrides, earnings."""

from __future__ import annotations

import math
import re
import textwrap

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from livelift.data.contract import validate_profiles
from livelift.domain import EarningsEstimate, Fact, Profile
from livelift.errors import InputError, RuleFileError
from livelift.data.fields import STRATEGIES
from livelift.rules import DurableEngine, Evaluation, VectorizedEvaluator, check_rules, load_ruleset

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

# An adult above every threshold that fires no conditional rule.
BASE = dict(
    followers=5000,
    avg_viewers=20.0,
    engagement_rate=0.2,
    streams_per_week=10.0,
    avg_stream_minutes=60.0,
    retention_rate=0.5,
    prior_weekly_diamonds=300.0,
    category="gaming",
    creator_age=30,
    region="US",
)

UNDER_FOLLOWERS = (
    "eligibility.live.under_min_followers",
    "boost.engage_audience.grow_followers",
    "boost.improve_content.grow_followers",
    "block.collaborate.under_min_followers",
    "block.promote.under_min_followers",
    "block.increase_frequency.under_min_followers",
)

# (changes to BASE, conditional rule ids expected to fire) -- both sides of every threshold.
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


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


@pytest.fixture(scope="module")
def durable(ruleset):
    return DurableEngine(ruleset)


@pytest.fixture(scope="module")
def vectorized(ruleset):
    return VectorizedEvaluator(ruleset)


def _ids(evaluation):
    return tuple(h.id for h in evaluation.fired)


def _allowed(evaluation):
    return tuple(s for s, v in evaluation.strategies.items() if v.allowed)


def _profile(changes):
    return {"creator_id": "c1", **BASE, **changes}


def _expected(ruleset, extra):
    wanted = set(ALWAYS) | set(extra)
    return tuple(r.id for r in ruleset.rules if r.id in wanted)


# ------------------------------------------------------------------ rule data


def test_shipped_rules_are_valid_and_sourced(ruleset):
    assert check_rules() == []
    assert len(ruleset.rules) >= 25
    kinds = {r.kind for r in ruleset.rules}
    assert kinds == {"fact", "eligibility", "block", "boost", "caution"}
    for rule in ruleset.rules:
        assert rule.reason and "{" not in rule.reason, rule.id
        assert rule.kind == rule.id.split(".")[0] or (rule.kind, rule.id.split(".")[0]) == ("fact", "fact"), rule.id
        if rule.strategy is not None:  # every strategy reason says what it does for the strategy
            assert rule.kind in ("block", "boost", "caution"), rule.id
    for cited in [r.sources for r in ruleset.rules] + [p.sources for p in ruleset.parameters.values()]:
        assert cited and all(re.fullmatch(r"https?://[^\s/]+\.\S+", s) for s in cited), cited
    assert ruleset.rules[0].file == "rules/facts.yaml"


def test_thresholds_are_parameters_with_ranges(ruleset):
    p = ruleset.parameters
    assert p["live_min_followers"].value == 1000
    assert p["live_min_age"].value == 18 and p["live_min_age_kr"].value == 19
    assert p["diamond_usd"].range == (0.005, 0.01)
    assert p["coin_usd_app"].low < p["coin_usd_app"].value < p["coin_usd_app"].high
    assert p["min_withdrawal_usd"].range == (10, 100)
    for param in p.values():
        assert param.unit and param.description and param.sources


def test_facts_say_likes_do_not_pay(ruleset):
    facts = ruleset.facts()
    assert all(isinstance(f, Fact) for f in facts)
    by_id = {f.id: f for f in facts}
    assert "pay nothing" in by_id["fact.likes_do_not_pay"].text
    assert "Gifts are the LIVE income" in by_id["fact.gifts_are_live_income"].text
    assert "$0.005" in by_id["fact.diamond_value"].text  # rendered from the parameter


def test_rule_lookup_suggests(ruleset):
    assert ruleset.rule("fact.likes_do_not_pay").kind == "fact"
    with pytest.raises(InputError, match="did you mean 'fact.likes_do_not_pay'"):
        ruleset.rule("fact.like_do_not_pay")


# --------------------------------------------------------- threshold table


def test_table_covers_every_rule(ruleset):
    covered = set(ALWAYS) | {rid for _, ids in CASES for rid in ids}
    assert covered == {r.id for r in ruleset.rules}


@pytest.mark.parametrize("changes, extra", CASES, ids=[str(c) for c, _ in CASES])
def test_durable_fires_exactly(durable, ruleset, changes, extra):
    assert _ids(durable.evaluate(_profile(changes))) == _expected(ruleset, extra)


def test_vectorized_fires_exactly(vectorized, ruleset):
    df = pd.DataFrame([_profile(c) for c, _ in CASES])
    fired = vectorized.fired(df)
    assert list(fired.columns) == [r.id for r in ruleset.rules]
    for i, (_, extra) in enumerate(CASES):
        got = tuple(fired.columns[fired.iloc[i].to_numpy()])
        assert got == _expected(ruleset, extra), CASES[i][0]


def test_profile_object_and_dict_agree(durable):
    prof = Profile(creator_id="c1", **BASE)
    assert durable.evaluate(prof) == durable.evaluate(_profile({}))


# ---------------------------------------------------------------- verdicts


@pytest.mark.parametrize("changes", [{"creator_age": 17}, {"creator_age": 13, "region": None}, {"creator_age": 18, "region": "KR"}])
def test_minor_gets_no_strategy_and_the_age_reason(durable, vectorized, changes):
    ev = durable.evaluate(_profile(changes))
    assert isinstance(ev, Evaluation)
    assert _allowed(ev) == () and not ev.can_go_live and not ev.can_earn_gifts
    age = "19" if changes.get("region") == "KR" else "18"
    for verdict in ev.strategies.values():
        assert not verdict.allowed and not verdict.boosted and not verdict.caution
        assert any(rid.startswith("block.all.under_min_age") for rid in verdict.rule_ids)
        assert any(f"under {age}" in r for r in verdict.reasons)
    assert any(h.kind == "eligibility" and age in h.reason for h in ev.facts)
    table = vectorized.strategy_table(pd.DataFrame([_profile(changes)]))
    assert not table["allowed"].any()
    assert table["reason"].astype(str).str.contains(f"under {age}").all()


def test_adult_under_1000_followers_grows_followers_first(durable):
    ev = durable.evaluate(_profile({"followers": 999}))
    assert _allowed(ev) == ("engage_audience", "improve_content")
    assert not ev.can_go_live and not ev.can_earn_gifts
    collab = ev.strategies["collaborate"]
    assert collab.rule_ids == ("eligibility.live.under_min_followers", "block.collaborate.under_min_followers")
    assert "grow followers first" in collab.reasons[-1]


def test_adult_default_allowed_and_boosts(durable):
    ev = durable.evaluate(_profile({"retention_rate": 0.1, "avg_viewers": 5.0, "streams_per_week": 15.0}))
    assert ev.can_go_live and ev.can_earn_gifts
    s = ev.strategies
    assert list(s) == list(STRATEGIES)
    assert s["improve_content"].allowed and s["improve_content"].boosted
    assert s["collaborate"].allowed and s["collaborate"].caution and not s["collaborate"].boosted
    assert not s["increase_frequency"].allowed
    # a blocked strategy is shaped only by its blocks: the caution on it is dropped
    assert s["increase_frequency"].rule_ids == ("block.increase_frequency.already_frequent",)
    assert s["promote"].allowed and s["promote"].rule_ids == ()


def test_facts_in_evaluation_are_fact_and_eligibility_hits(durable):
    ev = durable.evaluate(_profile({"followers": 999, "region": None}))
    assert {h.kind for h in ev.facts} == {"fact", "eligibility"}
    assert "fact.likes_do_not_pay" in [h.id for h in ev.facts]


# ---------------------------------------------------------- profile input


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
def test_bad_profiles_are_refused_by_the_contract_before_durable(durable, changes, loc, match):
    with pytest.raises(InputError, match=match) as info:
        durable.evaluate(_profile(changes))
    assert info.value.loc == loc
    if "out of range" in match or "region" in changes:  # frames: the same rule (text numbers are fine in a CSV)
        with pytest.raises(InputError, match=match):
            validate_profiles(pd.DataFrame([_profile(changes)]))


def test_unknown_category_is_other_and_region_is_normalised(durable, vectorized):
    assert durable.evaluate(_profile({"category": "cooking"})) == durable.evaluate(_profile({"category": "other"}))
    assert durable.evaluate(_profile({"region": None})) == durable.evaluate({k: v for k, v in _profile({}).items() if k != "region"})
    assert durable.evaluate(_profile({"region": " kr "})) == durable.evaluate(_profile({"region": "KR"}))
    frame = validate_profiles(pd.DataFrame([_profile({"region": " kr ", "category": "cooking"})])).frame
    assert vectorized.fired(frame).iloc[0].tolist() == vectorized.fired(pd.DataFrame([_profile({"region": "KR"})])).iloc[0].tolist()


def test_vectorized_needs_the_profile_columns(vectorized):
    with pytest.raises(InputError) as info:
        vectorized.fired(pd.DataFrame([{k: v for k, v in BASE.items() if k != "followers"}]))
    assert info.value.loc == "profiles: column followers" and "missing column" in info.value.msg
    ok = vectorized.fired(pd.DataFrame([{k: v for k, v in BASE.items() if k != "region"}]))
    assert ok.loc[0, "fact.region_not_given"]


def test_strategy_table_long_form(vectorized, durable):
    rows = [_profile({}), _profile({"followers": 999}), _profile({"creator_age": 17})]
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


def test_empty_frame(vectorized):
    df = pd.DataFrame({k: pd.Series([], dtype="float64") for k in BASE})
    assert len(vectorized.strategy_table(df)) == 0


# -------------------------------------------------------- user rules dir


def _write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_user_dir_replaces_rules_and_parameters(tmp_path):
    _write(
        tmp_path / "parameters.yaml",
        """
        parameters:
          live_min_followers: {value: 500, unit: followers, description: my market, sources: [facts.md#E2]}
        """,
    )
    _write(
        tmp_path / "mine.yaml",
        """
        rules:
          - id: block.increase_frequency.already_frequent
            kind: block
            strategy: increase_frequency
            when: {field: streams_per_week, op: ">=", value: 7}
            reason: Seven a week is plenty.
            sources: [facts.md#S4]
          - id: caution.promote.musicians
            kind: caution
            strategy: promote
            when: {field: category, op: in, value: [music]}
            reason: Music LIVEs need rights cleared.
            sources: ["https://example.org/rights"]
        """,
    )
    rs = load_ruleset([tmp_path])
    notices = "\n".join(rs.notices)
    assert f"user rule block.increase_frequency.already_frequent in {tmp_path / 'mine.yaml'} replaces the shipped rule" in notices
    assert f"user parameter live_min_followers in {tmp_path / 'parameters.yaml'} replaces the shipped parameter" in notices
    ids = [r.id for r in rs.rules]
    assert ids.count("block.increase_frequency.already_frequent") == 1
    assert ids.index("block.increase_frequency.already_frequent") < ids.index("boost.increase_frequency.infrequent")  # kept its place
    assert ids[-1] == "caution.promote.musicians"
    assert "500 followers" in rs.rule("eligibility.live.under_min_followers").reason
    engine = DurableEngine(rs)
    ev = engine.evaluate(_profile({"followers": 600, "streams_per_week": 7.0, "category": "music"}))
    assert ev.can_go_live
    assert not ev.strategies["increase_frequency"].allowed
    assert ev.strategies["increase_frequency"].reasons == ("Seven a week is plenty.",)
    assert ev.strategies["promote"].caution
    vec = VectorizedEvaluator(rs).fired(pd.DataFrame([_profile({"followers": 600, "streams_per_week": 7.0, "category": "music"})]))
    assert tuple(vec.columns[vec.iloc[0].to_numpy()]) == _ids(ev)


def test_user_dir_only(tmp_path):
    _write(
        tmp_path / "only.yaml",
        """
        rules:
          - id: fact.only
            kind: fact
            when: {field: region, op: exists}
            reason: Has a region.
            sources: [facts.md#E2]
        """,
    )
    rs = load_ruleset([tmp_path], include_shipped=False)
    assert [r.id for r in rs.rules] == ["fact.only"] and dict(rs.parameters) == {}
    assert _ids(DurableEngine(rs).evaluate(_profile({}))) == ("fact.only",)
    assert _ids(DurableEngine(rs).evaluate(_profile({"region": None}))) == ()


def test_two_engines_on_one_ruleset_coexist(ruleset):
    a, b = DurableEngine(ruleset), DurableEngine(ruleset)
    assert a.name != b.name
    assert a.evaluate(_profile({})) == b.evaluate(_profile({}))


# ----------------------------------------------------------------- earnings


def test_earnings_from_diamonds(ruleset):
    est = ruleset.earnings(diamonds=10_000)
    assert isinstance(est, EarningsEstimate)
    assert est.usd == pytest.approx(50.0)
    assert est.usd_low == pytest.approx(50.0) and est.usd_high == pytest.approx(100.0)
    names = [p["name"] for p in est.parameters]
    assert names[0] == "diamond_usd" and "min_withdrawal_usd" in names
    assert all(p["sources"] for p in est.parameters)


def test_earnings_from_coins(ruleset):
    est = ruleset.earnings(coins=1000)
    assert est.coins == 1000 and est.diamonds == pytest.approx(1000)
    assert est.usd == pytest.approx(5.0)
    assert est.usd_low == pytest.approx(1000 * 0.5 * 0.005)
    assert est.usd_high == pytest.approx(1000 * 1.0 * 0.01)
    assert any("$10.60" in n for n in est.notes)  # what viewers paid on the web


@pytest.mark.parametrize(
    "kwargs", [{"diamonds": -1}, {"diamonds": math.nan}, {"coins": math.inf}, {"diamonds": "5"}, {"diamonds": True}, {}, {"diamonds": 1, "coins": 1}]
)
def test_earnings_refuses_bad_input(ruleset, kwargs):
    with pytest.raises(InputError):
        ruleset.earnings(**kwargs)


def test_earnings_follow_user_parameters(tmp_path):
    _write(
        tmp_path / "parameters.yaml",
        """
        parameters:
          diamond_usd: {value: 0.006, low: 0.004, high: 0.008, unit: USD per diamond, description: mine, sources: [facts.md#M8]}
        """,
    )
    est = load_ruleset([tmp_path]).earnings(diamonds=1000)
    assert (est.usd, est.usd_low, est.usd_high) == pytest.approx((6.0, 4.0, 8.0))


# ------------------------------------------------------------ broken files


def test_broken_rules_refused_with_every_problem(tmp_path):
    _write(
        tmp_path / "strategies.yaml",
        """
        rules:
          - id: block.collab.minor
            kind: blok
            strategy: colaborate
            when: {field: folowers, op: "<", value: 1000}
            reason: Too young.
            sources: [facts.md#E1]
          - id: block.collab.minor
            kind: block
            strategy: collaborate
            when:
              all:
                - {field: category, op: "<", value: gaming}
                - {field: followers, op: between, value: [5000, 1000]}
                - {field: followers, op: "=>", value: 3}
                - {field: sid, op: "==", value: 3}
                - {field: followers, op: ">=", value: {param: live_min_folowers}}
                - {field: region, op: "in", value: [KR, NO]}
            reason: Needs {live_min_followers:,} and {nope}.
            sources: []
        """,
    )
    _write(tmp_path / "facts.yaml", "rules:\n  - id: fact.x\n    kind: fact\n    reason: [oops\n")
    with pytest.raises(RuleFileError) as info:
        load_ruleset([tmp_path])
    err = info.value
    text = str(err)
    strat = str(tmp_path / "strategies.yaml")
    expected = [
        (f"{strat}: rule block.collab.minor, kind", "unknown kind 'blok' (did you mean 'block'?)"),
        (f"{strat}: rule block.collab.minor, strategy", "did you mean 'collaborate'?"),
        (f"{strat}: rule block.collab.minor, when.field", "unknown field 'folowers' (did you mean 'followers'?)"),
        (f"{strat}: rule block.collab.minor, when.all[0].value", "field 'category' is text"),
        (f"{strat}: rule block.collab.minor, when.all[1].value", "low <= high"),
        (f"{strat}: rule block.collab.minor, when.all[2].op", "did you mean '>='?"),
        (f"{strat}: rule block.collab.minor, when.all[3].field", "reserved"),
        (f"{strat}: rule block.collab.minor, when.all[4].value", "did you mean 'live_min_followers'?"),
        (f"{strat}: rule block.collab.minor, when.all[5].value[1]", "needs a string"),  # YAML reads NO as false
        (f"{strat}: rule block.collab.minor, reason", "{nope}"),
        (f"{strat}: rule block.collab.minor, sources", "non-empty"),
        (f"{strat}: rule block.collab.minor, id", "duplicate rule id"),
        (f"{tmp_path / 'facts.yaml'}: line 5", "invalid YAML"),
    ]
    for loc, msg in expected:
        assert any(p.loc.startswith(loc) and msg in p.msg for p in err.problems), (loc, msg, text)
    assert len(err.problems) >= len(expected)
    assert text.startswith(f"{len(err.problems)} problems in the rule files")
    assert check_rules(tmp_path) == list(err.problems)


@pytest.mark.parametrize(
    "body, loc, msg",
    [
        ("rules:\n  - {id: fact.a, kind: fact, when: always, reason: a, sources: [facts.md#M1], when: always}\n", "line 2", "duplicate key 'when'"),
        ("rulez: []\n", "", "did you mean 'rules'?"),
        ("rules:\n  - {id: fact.a, kind: fact, when: alway, reason: a, sources: [facts.md#M1]}\n", "rule fact.a, when", "did you mean 'always'?"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: region, op: missing, value: 1}, reason: a, sources: [facts.md#M1]}\n", "when.value", "takes no value"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: followers, op: '<', value: '1000'}, reason: a, sources: [facts.md#M1]}\n", "when.value", "needs a number"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: followers, op: between, value: [1]}, reason: a, sources: [facts.md#M1]}\n", "when.value", "[low, high]"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {any: []}, reason: a, sources: [facts.md#M1]}\n", "when.any", "non-empty list"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: x, op: '<', value: 1, valeu: 2}, reason: a, sources: [facts.md#M1]}\n", "when.valeu", "did you mean 'value'?"),
        ("rules:\n  - {id: fact.a, kind: eligibility, denies: [go_lvie], when: always, reason: a, sources: [facts.md#M1]}\n", "denies", "did you mean 'go_live'?"),
        ("rules:\n  - {id: fact.a, kind: fact, strategy: promote, when: always, reason: a, sources: [facts.md#M1]}\n", "strategy", "takes no strategy"),
        ("rules:\n  - {id: block.a, kind: block, when: always, reason: a, sources: [facts.md#M1]}\n", "rule block.a", "needs 'strategy'"),
        ("rules:\n  - {id: Bad Id, kind: fact, when: always, reason: a, sources: [facts.md#M1]}\n", "id", "dotted lower_snake_case"),
        ("rules:\n  - {id: fact.a, kind: fact, when: always, reason: 'a {diamond_usd:%%}', sources: [facts.md#M1]}\n", "reason", "format spec"),
        ("rules:\n  - {id: fact.a, kind: fact, when: always, reason: a, sources: ['  ']}\n", "sources[0]", "must be non-empty text"),
        ("rules:\n  - {id: fact.a, kind: fact, when: always, reason: a, sources: [3]}\n", "sources[0]", "must be non-empty text"),
        ("rules:\n  - {id: boost.a, kind: allow, strategy: promote, when: always, reason: a, sources: [x]}\n", "kind", "kind 'allow' is gone: say what its reason does for the strategy: boost"),
        ("sources:\n  X1: {title: t, urls: [facts.md]}\n", "source X1, urls[0]", "not a URL a user can open"),
        ("sources:\n  X1: {title: t, url: [https://example.org]}\n", "source X1, url", "did you mean 'urls'?"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: region, op: '==', value: Korea}, reason: a, sources: [x]}\n", "when.value", "unknown region 'Korea'"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: region, op: in, value: [US, kr]}, reason: a, sources: [x]}\n", "when.value[1]", "unknown region 'kr' (did you mean 'KR'?)"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: region, op: '!=', value: ZZ}, reason: a, sources: [x]}\n", "when.value", "unknown region 'ZZ'"),
        ("rules:\n  - {id: fact.a, kind: fact, when: {field: category, op: '==', value: gamin}, reason: a, sources: [x]}\n", "when.value", "unknown category 'gamin' (did you mean 'gaming'?)"),
    ],
)
def test_single_problems(tmp_path, body, loc, msg):
    file = tmp_path / ("sources.yaml" if body.startswith("sources:") else "x.yaml")
    file.write_text(body, encoding="utf-8")
    problems = check_rules(tmp_path)
    assert problems, body
    assert any(loc in p.loc and msg in str(p) for p in problems), [str(p) for p in problems]
    assert all(str(file) in p.loc for p in problems)


def test_sources_resolve_to_urls_and_user_files_cite_any_text(tmp_path, ruleset):
    """Issue 11: sources are URLs a user can open; a user file may cite any non-empty text."""
    _write(
        tmp_path / "sources.yaml",
        """
        sources:
          MY1: {title: My coach, urls: ["https://example.org/coach"]}
          E2: {title: Our market, urls: ["https://example.org/market"]}
        """,
    )
    _write(
        tmp_path / "mine.yaml",
        """
        rules:
          - id: fact.mine
            kind: fact
            when: always
            reason: Mine.
            sources: [MY1, E3, facts.md#E3, "my notebook, p. 12", "https://example.org/x", E2]
        """,
    )
    rs = load_ruleset([tmp_path])
    e3 = ruleset.rule("eligibility.live.under_min_age").sources[-1]  # the shipped E3 page
    assert e3 == "https://support.tiktok.com/en/live-gifts-wallet/tiktok-live/live-gifts-on-tiktok"
    assert rs.rule("fact.mine").sources == (
        "https://example.org/coach", e3, "my notebook, p. 12", "https://example.org/x", "https://example.org/market"
    )
    assert any(n.startswith(f"user source E2 in {tmp_path / 'sources.yaml'} replaces the shipped source") for n in rs.notices)
    assert "https://example.org/market" in rs.rule("eligibility.live.under_min_followers").sources  # shipped rules follow the user table


def test_shipped_files_must_cite_a_known_id_or_a_url():
    from livelift.rules.sources import Source, citation_problem

    table = {"M3": Source("M3", "t", ("https://example.org",))}
    assert citation_problem("M3", table, shipped=True) is None
    assert citation_problem("https://example.org/a", table, shipped=True) is None
    assert citation_problem("M33", table, shipped=True)[0] == "unknown source id 'M33' (did you mean 'M3'?)"
    assert citation_problem("M33", table, shipped=False) is None


def test_facts_command_prints_urls(ruleset):
    from click.testing import CliRunner

    from livelift.cli import main

    result = CliRunner().invoke(main, ["facts", "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = {f["id"]: f for f in __import__("json").loads(result.output)}
    assert facts["fact.likes_do_not_pay"]["sources"][0] == "https://tinygrab.com/how-much-does-tiktok-pay-for-likes-on-live"
    assert all(src.startswith("https://") for f in facts.values() for src in f["sources"])
    assert "facts.md" not in result.output


def test_duplicate_ids_in_one_dir_and_missing_dir(tmp_path):
    rule = "rules:\n  - {id: fact.a, kind: fact, when: always, reason: a, sources: [facts.md#M1]}\n"
    (tmp_path / "a.yaml").write_text(rule, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(rule, encoding="utf-8")
    problems = check_rules(tmp_path)
    assert [p.msg for p in problems] == [f"duplicate rule id (also in {tmp_path / 'a.yaml'})"]
    assert "rules directory not found" in str(check_rules(tmp_path / "nope")[0])


def test_bad_parameters_file(tmp_path):
    _write(
        tmp_path / "parameters.yaml",
        """
        parameters:
          diamond_usd: {value: 0.005, low: 0.01, unit: USD, description: d, sources: [facts.md#M8], hgih: 3}
          live_min_followers: {value: many, unit: followers, description: d, sources: [facts.md#E2]}
        """,
    )
    problems = [str(p) for p in check_rules(tmp_path)]
    assert any("parameter diamond_usd, hgih: unknown key 'hgih' (did you mean 'high'?)" in p for p in problems)
    assert any("parameter diamond_usd: needs low <= value <= high" in p for p in problems)
    assert any("parameter live_min_followers, value: must be a number" in p for p in problems)


# ------------------------------------------------------- durable's own errors


def test_durable_compile_errors_name_file_and_rule():
    """Validation keeps bad conditions from durable; if one slips through, its error names the rule."""
    from livelift.rules import Rule, RuleSet
    from livelift.rules.conditions import ALWAYS, Leaf

    good = Rule(id="fact.ok", kind="fact", when=ALWAYS, reason="ok", sources=("facts.md#M1",), file="mine.yaml")
    bad = Rule(id="fact.bad", kind="fact", when=Leaf("followers", "<", {"$bogus": 1}), reason="r", sources=("facts.md#M1",), file="mine.yaml")
    with pytest.raises(RuleFileError) as info:
        DurableEngine(RuleSet(rules=(good, bad), parameters={}))
    assert [p.loc for p in info.value.problems] == ["mine.yaml: rule fact.bad, when"]
    assert "error code" in info.value.problems[0].msg


# ------------------------------------------------------ loader is total


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5000), st.floats(allow_nan=True), st.text(max_size=8),
    st.sampled_from(["always", "followers", "region", "KR", "<", "between", "in", "block", "fact", "all", "promote", "go_live"]),
)
_VALUES = st.recursive(_SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(
    ["field", "op", "value", "all", "any", "not", "param", "x"]), kids, max_size=3)), max_leaves=8)
_RULE = st.dictionaries(
    st.sampled_from(["id", "kind", "when", "strategy", "denies", "reason", "sources", "kidn"]), _VALUES, max_size=7
)


@settings(max_examples=60, deadline=None)
@given(rules=st.lists(_RULE, max_size=3))
def test_loader_is_total(tmp_path_factory, rules):
    """Any YAML a user writes gives a RuleSet or a list of problems, never another exception."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "x.yaml").write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    problems = check_rules(d)
    if problems:
        with pytest.raises(RuleFileError):
            load_ruleset([d])
    else:
        load_ruleset([d])


def test_evaluation_is_immutable_and_picklable(durable):
    import pickle

    ev = durable.evaluate(_profile({}))
    with pytest.raises(TypeError):
        ev.strategies["promote"] = None
    assert pickle.loads(pickle.dumps(ev)) == ev
    assert durable.evaluate(_profile({})) == ev  # the cached answer was not disturbed


# ------------------------------------------------------- review fixes


@pytest.mark.parametrize(
    "name, spec, field, expected",
    [
        ("diamond_usd", "{value: -1, unit: USD per diamond", "value", "a number > 0"),
        ("diamond_usd", "{value: 0.005, low: -0.01, unit: USD per diamond", "low", "a number > 0"),
        ("creator_share_net", "{value: 1.5, unit: share of net revenue", "value", "a number > 0 and <= 1"),
        ("low_retention_rate", "{value: 0.3, high: 2, unit: share of stream watched", "high", "a number >= 0 and <= 1"),
        ("live_min_age", "{value: 5, unit: years", "value", "a number >= 13 and <= 120"),
        ("live_min_followers", "{value: -10, unit: followers", "value", "a number >= 0"),
        ("my_fee_usd", "{value: -3, unit: USD", "value", "a number >= 0"),  # not shipped: by unit
    ],
)
def test_parameters_are_range_checked(tmp_path, name, spec, field, expected):
    """A negative diamond_usd used to pass `rules check` and give negative payouts."""
    _write(tmp_path / "parameters.yaml", f"parameters:\n  {name}: {spec}, description: d, sources: [facts.md#M8]}}\n")
    problems = check_rules(tmp_path)
    assert [(p.loc, p.msg, p.expected) for p in problems] == [
        (f"{tmp_path / 'parameters.yaml'}: parameter {name}, {field}", "out of range", expected)
    ]
    with pytest.raises(RuleFileError):
        load_ruleset([tmp_path])


def test_shipped_parameters_are_within_their_bounds(ruleset):
    from livelift.rules.parameters import PARAMETER_BOUNDS

    assert set(PARAMETER_BOUNDS) == set(ruleset.parameters)
    for name, p in ruleset.parameters.items():
        assert all(PARAMETER_BOUNDS[name].ok(x) for x in (p.value, *p.range)), name


def _deep_when(levels: int, group: str = "all") -> str:
    return f"{{{group}: [{{field: followers, op: '>', value: 1}}, " * levels + "{field: followers, op: '<', value: 5}" + "]}" * levels


@pytest.mark.parametrize("levels", [33, 60, 300, 20_000])
def test_deeply_nested_when_is_a_rule_file_problem(tmp_path, levels):
    """300 nested {all: [...]} used to raise RecursionError from `rules check` and loading."""
    file = tmp_path / "deep.yaml"
    file.write_text(
        "rules:\n  - {id: fact.fine, kind: fact, when: always, reason: r, sources: [facts.md#M1]}\n"
        f"  - id: fact.deep\n    kind: fact\n    when: {_deep_when(levels)}\n    reason: r\n    sources: [facts.md#M1]\n",
        encoding="utf-8",
    )
    problems = check_rules(tmp_path)
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].loc == f"{file}: rule fact.deep, when" and "nested too deeply" in problems[0].msg
    with pytest.raises(RuleFileError, match="nested too deeply"):
        load_ruleset([tmp_path])


def test_rules_check_reports_what_durable_rules_refuses_to_compile(tmp_path):
    """Within the schema's depth limit but beyond what durable-rules compiles: `rules check` says so."""
    file = tmp_path / "deep.yaml"
    file.write_text(
        f"rules:\n  - id: fact.deep\n    kind: fact\n    when: {_deep_when(20, 'any')}\n    reason: r\n"
        "    sources: [facts.md#M1]\n",
        encoding="utf-8",
    )
    problems = check_rules(tmp_path)
    assert [p.loc for p in problems] == [f"{file}: rule fact.deep, when"]
    assert "durable-rules refused" in problems[0].msg and "nests 20" in problems[0].msg and "flatten" in problems[0].msg
    with pytest.raises(RuleFileError, match="durable-rules"):
        DurableEngine(load_ruleset([tmp_path]))


def test_nesting_limits_elsewhere_in_yaml(tmp_path):
    file = tmp_path / "x.yaml"
    file.write_text("rules:\n  - kind: fact\n    when: " + "{not: " * 5000 + "{field: followers, op: exists}" + "}" * 5000 + "\n", encoding="utf-8")
    assert [p.loc for p in check_rules(tmp_path)] == [f"{file}: rule rules[0], when"]
    file.write_text("junk: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert [(p.loc, "nested too deeply" in p.msg) for p in check_rules(tmp_path)] == [(f"{file}: line 1", True)]
    file.write_text(f"rules:\n  - id: fact.ok\n    kind: fact\n    when: {_deep_when(8, 'any')}\n    reason: r\n    sources: [facts.md#M1]\n")
    assert check_rules(tmp_path) == []
