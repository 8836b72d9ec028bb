"""durable-rules and the vectorized evaluator agree on every rule and verdict; threads are safe."""

from __future__ import annotations

import random
import textwrap
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.data.contract import parse_profile, validate_profiles
from livelift.data.fields import CATEGORIES, STRATEGIES
from livelift.rules import DurableEngine, VectorizedEvaluator, load_ruleset
from livelift.rules.conditions import ALWAYS

# Rules exercising every op and nested all/any/not, on top of the shipped set.
OPS_RULES = """
rules:
  - id: fact.ops.not_in
    kind: fact
    when: {field: category, op: not_in, value: [gaming, music, other]}
    reason: not gaming or music.
    sources: [facts.md#S4]
  - id: fact.ops.neq_number
    kind: fact
    when: {field: creator_age, op: "!=", value: 30}
    reason: not 30.
    sources: [facts.md#S4]
  - id: fact.ops.eq_number
    kind: fact
    when: {field: followers, op: "==", value: {param: live_min_followers}}
    reason: exactly {live_min_followers}.
    sources: [facts.md#S4]
  - id: fact.ops.le_gt
    kind: fact
    when: {all: [{field: avg_viewers, op: "<=", value: 10}, {field: prior_weekly_diamonds, op: ">", value: 100}]}
    reason: le and gt.
    sources: [facts.md#S4]
  - id: fact.ops.in_number
    kind: fact
    when: {field: streams_per_week, op: in, value: [0, 7, 14]}
    reason: round cadence.
    sources: [facts.md#S4]
  - id: fact.ops.not_in_number
    kind: fact
    when: {field: creator_age, op: not_in, value: [18, 19]}
    reason: not 18 or 19.
    sources: [facts.md#S4]
  - id: fact.ops.exists
    kind: fact
    when: {field: region, op: exists}
    reason: has a region.
    sources: [facts.md#S4]
  - id: fact.ops.not_any
    kind: fact
    when:
      not:
        any:
          - {field: region, op: "==", value: KR}
          - {field: engagement_rate, op: between, value: [0.05, 0.5]}
    reason: neither KR nor mid engagement.
    sources: [facts.md#S4]
  - id: fact.ops.not_all_not
    kind: fact
    when:
      not:
        all:
          - {field: retention_rate, op: ">=", value: 0.3}
          - not: {field: category, op: in, value: [talk]}
    reason: low retention or talk.
    sources: [facts.md#S4]
  - id: boost.all.any_missing
    kind: boost
    strategy: all
    when: {any: [{field: region, op: missing}, {field: region, op: "==", value: JP}, {field: followers, op: ">=", value: 100000}]}
    reason: boost everything.
    sources: [facts.md#S4]
  - id: caution.engage_audience.minutes
    kind: caution
    strategy: engage_audience
    when: {field: avg_stream_minutes, op: between, value: [1, 30]}
    reason: short streams.
    sources: [facts.md#S4]
"""


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    ops_dir = tmp_path_factory.mktemp("ops_rules")
    (ops_dir / "ops.yaml").write_text(textwrap.dedent(OPS_RULES), encoding="utf-8")
    out = {}
    for name, rs in {"shipped": load_ruleset(), "shipped+ops": load_ruleset([ops_dir])}.items():
        out[name] = (DurableEngine(rs), VectorizedEvaluator(rs))
    return out


def _ids(evaluation):
    return tuple(h.id for h in evaluation.fired)


def _edges(*values):
    return st.sampled_from(values)


# Profiles as a user writes them: the data contract validates them for both engines
# (an unknown category becomes 'other', a lower-case region is upper-cased; only
# region may be missing).
PROFILE = st.fixed_dictionaries(
    {
        "creator_id": st.just("c"),
        "followers": st.one_of(_edges(0, 999, 1000, 1001, 9999, 10000, 100000), st.integers(0, 200_000)),
        "avg_viewers": st.one_of(_edges(0.0, 9.99, 10.0, 49.99, 50.0), st.floats(0, 500)),
        "engagement_rate": st.one_of(_edges(0.0, 0.0499, 0.05, 0.5, 1.0), st.floats(0, 1)),
        "streams_per_week": st.one_of(_edges(0.0, 0.99, 1.0, 2.99, 3.0, 7.0, 7.01, 13.99, 14.0, 21.0), st.floats(0, 21)),
        "avg_stream_minutes": st.one_of(_edges(0.5, 1.0, 30.0, 30.01, 1440.0), st.floats(0.01, 1440)),
        "retention_rate": st.one_of(_edges(0.0, 0.29, 0.3, 1.0), st.floats(0, 1)),
        "prior_weekly_diamonds": st.one_of(_edges(0.0, 100.0, 100.01), st.floats(0, 1e6)),
        "category": st.sampled_from((*CATEGORIES, "cooking", "Gaming")),
        "creator_age": st.one_of(_edges(13, 17, 18, 19, 30), st.integers(13, 120)),
        "region": st.one_of(st.none(), st.sampled_from(["KR", "US", "DE", "NO", "JP", "CA", "kr"])),
    }
)


def _check_agree(durable, vectorized, profiles):
    df = validate_profiles(pd.DataFrame(profiles)).frame
    fired = vectorized.fired(df)
    table = vectorized.strategy_table(df)
    n = len(STRATEGIES)
    for i, profile in enumerate(profiles):
        ev = durable.evaluate(parse_profile(profile))
        assert ev == durable.evaluate(profile)  # a mapping goes through the same contract
        assert tuple(fired.columns[fired.iloc[i].to_numpy()]) == _ids(ev), profile
        rows = table.iloc[i * n : (i + 1) * n]
        for (_, rec), strategy in zip(rows.iterrows(), STRATEGIES):
            v = ev.strategies[strategy]
            assert rec["row"] == i and rec["strategy"] == strategy
            assert (rec["allowed"], rec["boosted"], rec["caution"]) == (v.allowed, v.boosted, v.caution), (profile, strategy)
            assert rec["rule_ids"] == ";".join(v.rule_ids)
            assert rec["rule_kinds"] == ";".join(h.kind for h in v.hits)
            assert tuple(h.id for h in v.hits) == v.rule_ids and tuple(h.reason for h in v.hits) == v.reasons
            assert rec["reason"] == " ".join(v.reasons)


@pytest.mark.parametrize("which", ["shipped", "shipped+ops"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(profiles=st.lists(PROFILE, min_size=1, max_size=12))
def test_durable_and_vectorized_agree(engines, which, profiles):
    durable, vectorized = engines[which]
    _check_agree(durable, vectorized, profiles)


def test_every_rule_fires_and_stays_quiet_somewhere(engines):
    """The random profiles reach every rule both ways (so the agreement test means something)."""
    durable, vectorized = engines["shipped+ops"]
    rng = random.Random(7)
    profiles = []
    for _ in range(400):
        profiles.append(
            {
                "creator_id": "c",
                "followers": rng.choice([999, 1000, 10000, 100000, rng.randint(0, 20000)]),
                "avg_viewers": rng.choice([9.99, 10.0, 50.0, rng.uniform(0, 100)]),
                "engagement_rate": rng.choice([0.0499, 0.05, 0.6, rng.random()]),
                "streams_per_week": rng.choice([0.0, 0.99, 2.99, 3.0, 7.0, 14.0, rng.uniform(0, 21)]),
                "avg_stream_minutes": rng.choice([1.0, 30.0, 60.0]),
                "retention_rate": rng.choice([0.29, 0.3, rng.random()]),
                "prior_weekly_diamonds": rng.choice([100.0, 100.01]),
                "category": rng.choice(CATEGORIES),
                "creator_age": rng.choice([17, 18, 19, 30, 45]),
                "region": rng.choice([None, "KR", "US", "DE", "JP", "CA"]),
            }
        )
    fired = vectorized.fired(validate_profiles(pd.DataFrame(profiles)).frame)
    assert fired.any().all(), list(fired.columns[~fired.any().to_numpy()])
    always = {r.id for r in vectorized.ruleset.rules if r.when == ALWAYS}
    assert always, "the shipped facts include rules that apply to everyone"
    assert (~fired).any().drop([c for c in fired.columns if c in always]).all()
    _check_agree(durable, vectorized, profiles[:150])


def _random_profiles(n, seed):
    rng = random.Random(seed)
    return [
        {
            "creator_id": f"c{i}",
            "followers": rng.choice([999, 1000, rng.randint(0, 50000)]),
            "avg_viewers": rng.uniform(0, 100),
            "engagement_rate": rng.random(),
            "streams_per_week": rng.choice([2.99, 3.0, 13.99, 14.0, rng.uniform(0, 21)]),
            "avg_stream_minutes": 60.0,
            "retention_rate": rng.random(),
            "prior_weekly_diamonds": rng.uniform(0, 5000),
            "category": rng.choice(CATEGORIES),
            "creator_age": rng.choice([17, 18, 19, 35]),
            "region": rng.choice([None, "KR", "US"]),
        }
        for i in range(n)
    ]


def test_evaluate_many_equals_evaluate(engines):
    durable, _ = engines["shipped"]
    profiles = _random_profiles(450, 3)
    assert durable.evaluate_many(profiles, chunk=200) == [durable.evaluate(p) for p in profiles]


def test_eight_threads_match_serial(engines):
    durable, _ = engines["shipped+ops"]
    profiles = _random_profiles(300, 11)
    serial = [durable.evaluate(p) for p in profiles]
    results: dict[int, list] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(k):
        try:
            start.wait()
            order = list(range(len(profiles)))
            random.Random(k).shuffle(order)
            got = {}
            for i in order:
                got[i] = durable.evaluate(profiles[i]) if i % 3 else durable.evaluate_many([profiles[i]])[0]
            results[k] = [got[i] for i in range(len(profiles))]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == 8
    for k in range(8):
        assert results[k] == serial


def test_more_sessions_than_durable_keeps_alive(engines):
    """durable allows 1,024 live sessions; each evaluation deletes its own."""
    durable, _ = engines["shipped"]
    profiles = _random_profiles(1100, 5)
    for p in profiles:
        durable.evaluate(p)


def test_numbers_durable_cannot_parse_still_evaluate(engines):
    """json.dumps writes 1e-05 / 5e-324, which durable refuses ("error code: 204"): both engines use a safe form.
    (Large numbers are capped by the contract's bounds, e.g. prior_weekly_diamonds <= 1e10.)"""
    durable, vectorized = engines["shipped+ops"]
    base = _random_profiles(1, 1)[0]
    profiles = [
        {**base, "prior_weekly_diamonds": 5e-324, "engagement_rate": 1e-05, "followers": 1000, "creator_age": 30},
        {**base, "prior_weekly_diamonds": 1e10, "engagement_rate": 1e-07, "retention_rate": 2e-05, "creator_age": 30},
        {**base, "prior_weekly_diamonds": 9.99e9, "avg_viewers": 1e-300, "streams_per_week": 0.0, "creator_age": 30},
    ]
    _check_agree(durable, vectorized, profiles)
    assert "boost.engage_audience.low_engagement" in _ids(durable.evaluate(profiles[0]))
    assert "fact.ops.le_gt" in _ids(durable.evaluate(profiles[2]))


def test_evaluate_many_with_identical_profiles(engines):
    """Identical facts in one durable session would raise 'already observed'; _pidx keeps them apart."""
    durable, _ = engines["shipped"]
    profile = _random_profiles(1, 9)[0]
    assert durable.evaluate_many([profile] * 5, chunk=5) == [durable.evaluate(profile)] * 5
    assert durable.evaluate_many([]) == []


def test_import_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, livelift.rules as r; rs = r.load_ruleset(); "
        "print(sorted(m for m in ('durable', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_rules_built_in_python_cannot_be_nested_too_deeply():
    """Every engine walks `when` recursively: a Rule refuses a tree deeper than MAX_DEPTH, so no
    RecursionError can come out of the durable translation or the vectorized masks."""
    from livelift.errors import RuleFileError
    from livelift.rules import Rule, RuleSet
    from livelift.rules.conditions import MAX_DEPTH, All, Leaf, Not, depth

    leaf = Leaf("followers", "<", 5)
    tree = leaf
    for i in range(100_000):
        tree = Not(tree) if i % 2 else All((leaf, tree))
    assert depth(tree) == 100_000
    with pytest.raises(RuleFileError) as info:
        Rule(id="fact.deep", kind="fact", when=tree, reason="r", sources=("facts.md#M1",), file="mine.yaml")
    assert info.value.loc == "mine.yaml: rule fact.deep, when" and "nested too deeply" in info.value.msg

    ok = leaf
    for _ in range(MAX_DEPTH):
        ok = Not(ok)
    rule = Rule(id="fact.ok", kind="fact", when=ok, reason="r", sources=("facts.md#M1",), file="mine.yaml")
    ruleset = RuleSet(rules=(rule,), parameters={})
    assert _ids(DurableEngine(ruleset).evaluate({**_random_profiles(1, 0)[0], "followers": 3})) == ("fact.ok",)
    frame = pd.DataFrame({"followers": [3, 10]})
    assert VectorizedEvaluator(ruleset).fired(frame)["fact.ok"].tolist() == [True, False]


def test_engines_trust_the_contract_and_refuse_unvalidated_columns(engines):
    """Values are checked once, by the data contract; the vectorized engine refuses a frame
    whose columns do not have the contract's types instead of evaluating it."""
    from livelift.errors import InputError

    durable, vectorized = engines["shipped"]
    raw = pd.DataFrame(_random_profiles(3, 0))
    raw["creator_age"] = ["30", "30", "7"]
    with pytest.raises(InputError) as info:
        vectorized.fired(raw)
    assert info.value.loc == "profiles: column creator_age" and "validate_profiles" in str(info.value)
    with pytest.raises(InputError) as info:  # the contract says which row and what is valid
        validate_profiles(raw)
    assert info.value.loc == "<DataFrame>: row 3, column creator_age" and info.value.input == "7"
    with pytest.raises(InputError) as info:
        durable.evaluate({**_random_profiles(1, 0)[0], "engagement_rate": np.float64(1.5)})
    assert info.value.loc == "profile.engagement_rate" and "(got 1.5)" in str(info.value) and "np." not in str(info.value)


def test_unknown_category_is_other_and_region_is_iso_in_both_engines(engines):
    """One value rule: the contract maps an unknown category to 'other' and upper-cases the region."""
    durable, vectorized = engines["shipped+ops"]
    odd = {**_random_profiles(1, 4)[0], "category": "cooking", "region": " kr "}
    plain = {**odd, "category": "other", "region": "KR"}
    assert durable.evaluate(odd) == durable.evaluate(plain)
    assert "fact.ops.not_in" not in _ids(durable.evaluate(odd))  # 'other' is in the rule's list
    frame = validate_profiles(pd.DataFrame([odd, plain])).frame
    fired = vectorized.fired(frame)
    assert fired.iloc[0].tolist() == fired.iloc[1].tolist()
    assert tuple(fired.columns[fired.iloc[0].to_numpy()]) == _ids(durable.evaluate(odd))
