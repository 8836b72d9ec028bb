"""The rule loader: user directories, every problem reported with file/rule/field, and it is total."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.errors import RuleFileError
from livelift.rules import DurableEngine, VectorizedEvaluator, check_rules, load_ruleset


def _ids(evaluation):
    return tuple(h.id for h in evaluation.fired)


def test_user_dir_replaces_rules_and_parameters(tmp_path, make_profile, write_yaml):
    write_yaml(
        tmp_path / "parameters.yaml",
        """
        parameters:
          live_min_followers: {value: 500, unit: followers, description: my market, sources: [facts.md#E2]}
        """,
    )
    write_yaml(
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
    ev = engine.evaluate(make_profile({"followers": 600, "streams_per_week": 7.0, "category": "music"}))
    assert ev.can_go_live
    assert not ev.strategies["increase_frequency"].allowed
    assert ev.strategies["increase_frequency"].reasons == ("Seven a week is plenty.",)
    assert ev.strategies["promote"].caution
    vec = VectorizedEvaluator(rs).fired(pd.DataFrame([make_profile({"followers": 600, "streams_per_week": 7.0, "category": "music"})]))
    assert tuple(vec.columns[vec.iloc[0].to_numpy()]) == _ids(ev)


def test_user_dir_only(tmp_path, make_profile, write_yaml):
    write_yaml(
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
    assert _ids(DurableEngine(rs).evaluate(make_profile({}))) == ("fact.only",)
    assert _ids(DurableEngine(rs).evaluate(make_profile({"region": None}))) == ()


def test_broken_rules_refused_with_every_problem(tmp_path, write_yaml):
    write_yaml(
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
    write_yaml(tmp_path / "facts.yaml", "rules:\n  - id: fact.x\n    kind: fact\n    reason: [oops\n")
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


def test_duplicate_ids_in_one_dir_and_missing_dir(tmp_path):
    rule = "rules:\n  - {id: fact.a, kind: fact, when: always, reason: a, sources: [facts.md#M1]}\n"
    (tmp_path / "a.yaml").write_text(rule, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(rule, encoding="utf-8")
    problems = check_rules(tmp_path)
    assert [p.msg for p in problems] == [f"duplicate rule id (also in {tmp_path / 'a.yaml'})"]
    assert "rules directory not found" in str(check_rules(tmp_path / "nope")[0])


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


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5000), st.floats(allow_nan=True), st.text(max_size=8),
    st.sampled_from(["always", "followers", "region", "KR", "<", "between", "in", "block", "fact", "all", "promote", "go_live"]),
)


_VALUES = st.recursive(_SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(
    ["field", "op", "value", "all", "any", "not", "param", "x"]), kids, max_size=3)), max_leaves=8)


_RULE = st.dictionaries(
    st.sampled_from(["id", "kind", "when", "strategy", "denies", "reason", "sources", "kidn"]), _VALUES, max_size=7
)


@pytest.mark.slow  # 10-30 s on a shared 2-core machine
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


def test_a_folder_whose_only_rule_file_is_not_utf8_gets_one_clear_problem(tmp_path):
    """It used to get two: the codec's 'invalid continuation byte' and 'no rule files (*.yaml) in this
    directory', which contradicts the file the first one names."""
    from livelift.rules import check_rules

    (tmp_path / "a.yaml").write_bytes(b"\xc7\xff rules: []\n")
    problems = [str(p) for p in check_rules(tmp_path)]
    assert problems == [f"{tmp_path / 'a.yaml'}: cannot read file: not UTF-8 text (byte 0); expected a YAML file saved as UTF-8"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert [p.msg for p in check_rules(empty)] == ["no rule files (*.yaml) in this directory"]
