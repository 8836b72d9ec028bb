"""Honest advice (issue 11): blocked means no number, a plain verdict, reasons that agree with the rank."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from livelift.advice.ranking import OPTIONS, rank_options
from livelift.advice.verdict import plain_verdict, signed
from livelift.cli import main
from livelift.domain import StrategyAdvice

MINORS = {
    "17-year-old": {"creator_age": 17},
    "KR 18-year-old": {"creator_age": 18, "region": "KR"},
}
NUMBERS = ("uplift_diamonds", "uplift_low", "uplift_high", "uplift_usd")


@pytest.fixture(params=sorted(MINORS))
def minor(request, example_profile):
    return {**example_profile, **MINORS[request.param], "creator_id": request.param.replace(" ", "_")}


def test_python_blocked_strategies_have_no_number(recommender, minor):
    rec = recommender.recommend(minor)
    blocked = [s for s in rec.strategies if s.strategy != "none"]
    assert blocked and all(s.status == "blocked" and not s.allowed for s in blocked)
    for s in blocked:
        assert all(getattr(s, f) is None for f in NUMBERS), s
        assert s.rule_ids and s.reasons  # the blocking rule's id and reason
    assert [s.strategy for s in rec.ranked] == ["none"]


def test_cli_json_blocked_strategies_have_no_number(minor, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(minor))
    res = CliRunner().invoke(main, ["recommend", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{"):])
    for s in body["strategies"]:
        if s["strategy"] != "none":
            assert s["status"] == "blocked"
            assert all(s[f] is None for f in NUMBERS)
            assert any(i.startswith("block.") for i in s["rule_ids"])


def test_long_table_blocked_strategies_have_no_number(recommender, minor):
    table = recommender.recommend_frame(pd.DataFrame([minor]))
    blocked = table[table["strategy"] != "none"]
    assert (blocked["status"] == "blocked").all()
    assert blocked[list(NUMBERS)].isna().all().all()
    assert blocked["rule_ids"].str.contains("block.").all()


def _ranking(uplift, low=None, high=None, allowed=None, prior=1000.0):
    u = np.array([uplift], dtype=float)
    return rank_options(
        u, np.array([low if low is not None else u[0] - 10]), np.array([high if high is not None else u[0] + 10]),
        np.zeros_like(u, dtype=bool), np.array([allowed if allowed is not None else [True] * 5]), np.array([prior]),
    )


def _advice(r):
    return [
        StrategyAdvice(strategy=o, rank=int(r.rank[0, j]) or None, allowed=bool(r.allowed[0, j]),
                       uplift_diamonds=None if np.isnan(r.uplift[0, j]) else float(r.uplift[0, j]),
                       uplift_low=None if np.isnan(r.low[0, j]) else float(r.low[0, j]),
                       uplift_high=None if np.isnan(r.high[0, j]) else float(r.high[0, j]),
                       uplift_usd=None, extrapolation=False, status=str(r.status[0, j]),
                       implausible=bool(r.implausible[0, j]))
        for j, o in enumerate(OPTIONS)
    ]


def _verdict(r, prior=1000.0):
    return plain_verdict(_advice(r), can_earn_gifts=True, gifts_reason=None, usd_per_diamond=0.005,
                         interval=0.8, prior_weekly_diamonds=prior, source="(test)")


def test_all_strategies_negative_means_keep_doing_what_you_do():
    r = _ranking([-5, -1, -30, 0, -2])
    assert list(r.status[0]) == ["keep"] + ["not_recommended"] * 5
    assert list(r.rank[0]) == [1, 0, 0, 0, 0, 0]
    assert _verdict(r).startswith("Keep doing what you do")


def test_none_ranks_below_every_gain_and_above_every_loss():
    r = _ranking([50, -3, 20, 0.0, 7])
    assert dict(zip(OPTIONS, r.rank[0])) == {
        "none": 4, "engage_audience": 1, "promote": 0, "improve_content": 2, "collaborate": 0, "increase_frequency": 3,
    }


def test_straddling_intervals_say_no_option_is_clearly_better():
    r = _ranking([50, 20, 10, 5, 1], low=[-5, -20, -9, -1, -3], high=[90, 60, 30, 12, 4])
    assert _verdict(r).startswith("No option is clearly better than what you do now")
    sure = _ranking([50, 20, 10, 5, 1], low=[12, -20, -9, -1, -3], high=[90, 60, 30, 12, 4])
    assert _verdict(sure).startswith("Try to engage your audience more (engage_audience): +50")


def test_blocked_strategy_is_never_ranked_and_has_no_number():
    r = _ranking([500, 20, 10, 5, 1], allowed=[False, True, True, True, True])
    j = OPTIONS.index("engage_audience")
    assert r.status[0, j] == "blocked" and r.rank[0, j] == 0
    assert np.isnan([r.uplift[0, j], r.low[0, j], r.high[0, j]]).all()


def test_uplift_far_above_income_is_flagged_and_said():
    r = _ranking([1181, 20, 10, 5, 1], prior=110.0)
    assert r.implausible[0, OPTIONS.index("engage_audience")]
    assert not r.implausible[0, OPTIONS.index("promote")]
    assert "11x your recent weekly diamonds" in _verdict(r, prior=110.0)


def test_no_negative_zero():
    assert signed(-0.3) == "0" and signed(0.4) == "0" and signed(-0.6) == "-1" and signed(1234.4) == "+1,234"


def test_reasons_agree_with_the_rank(recommender):
    from livelift.recommender.simulate import simulate_profiles

    table = recommender.recommend_frame(simulate_profiles(2000, seed=21))
    losing = table[table["status"] == "not_recommended"]
    assert len(losing), "a batch of 2,000 profiles has strategies predicted to lose income"
    assert not losing["rule_ids"].str.contains("boost.").any()
    assert losing["rule_ids"].str.contains("model.no_gain").all()
    top = table[table["rank"] == 1]
    top = top[top["strategy"] != "none"]
    assert (top["rule_ids"].str.contains("boost.") | top["rule_ids"].str.contains("model.only")).all()


@pytest.mark.slow  # trains a model / starts a fresh interpreter
def test_simulated_history_trains_a_synthetic_model_whatever_its_columns(tmp_path):
    runner = CliRunner()
    hist = tmp_path / "h.csv"
    res = runner.invoke(main, ["simulate", "-o", str(hist), "--creators", "300", "--weeks", "4", "--seed", "4"])
    assert res.exit_code == 0, res.output
    assert not any(c.startswith("true_uplift_") for c in pd.read_csv(hist).columns)
    res = runner.invoke(main, ["train", str(hist), "-o", str(tmp_path / "m.skops"), "--real"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m.json").read_text())["synthetic"] is True


def test_below_the_follower_threshold_the_verdict_does_not_promise_income(recommender, example_profile):
    rec = recommender.recommend({**example_profile, "followers": 800, "prior_weekly_diamonds": 0})
    assert rec.can_earn_gifts is False
    assert rec.verdict.startswith("You cannot receive LIVE gifts yet")
    if any(s.status == "recommended" for s in rec.strategies):
        assert "is for once you can receive gifts" in rec.verdict
