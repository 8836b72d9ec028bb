"""Shipped rule data: kinds, sources (URLs), parameters and their bounds, facts, earnings."""

from __future__ import annotations

import json
import math
import re

import pytest

from livelift.domain import EarningsEstimate, Fact
from livelift.errors import InputError, RuleFileError
from livelift.rules import check_rules, load_ruleset


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


def test_sources_resolve_to_urls_and_user_files_cite_any_text(tmp_path, ruleset, write_yaml):
    """Issue 11: sources are URLs a user can open; a user file may cite any non-empty text."""
    write_yaml(
        tmp_path / "sources.yaml",
        """
        sources:
          MY1: {title: My coach, urls: ["https://example.org/coach"]}
          E2: {title: Our market, urls: ["https://example.org/market"]}
        """,
    )
    write_yaml(
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


def test_earnings_follow_user_parameters(tmp_path, write_yaml):
    write_yaml(
        tmp_path / "parameters.yaml",
        """
        parameters:
          diamond_usd: {value: 0.006, low: 0.004, high: 0.008, unit: USD per diamond, description: mine, sources: [facts.md#M8]}
        """,
    )
    est = load_ruleset([tmp_path]).earnings(diamonds=1000)
    assert (est.usd, est.usd_low, est.usd_high) == pytest.approx((6.0, 4.0, 8.0))


def test_bad_parameters_file(tmp_path, write_yaml):
    write_yaml(
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
def test_parameters_are_range_checked(tmp_path, name, spec, field, expected, write_yaml):
    """A negative diamond_usd used to pass `rules check` and give negative payouts."""
    write_yaml(tmp_path / "parameters.yaml", f"parameters:\n  {name}: {spec}, description: d, sources: [facts.md#M8]}}\n")
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
