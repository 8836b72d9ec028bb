"""Honest advice over HTTP (issue 11): blocked strategies carry no number; the verdict is in the body."""

from __future__ import annotations

import pytest

NUMBERS = ("uplift_diamonds", "uplift_low", "uplift_high", "uplift_usd")


@pytest.mark.parametrize("minor", [{"creator_age": 17}, {"creator_age": 18, "region": "KR"}], ids=["17", "KR-18"])
def test_blocked_strategies_have_null_numbers(client, example_profile, minor):
    r = client.post("/v1/recommendations", json={**example_profile, **minor})
    assert r.status_code == 200, r.text
    body = r.json()
    blocked = [s for s in body["strategies"] if s["strategy"] != "none"]
    assert len(blocked) == 5
    for s in blocked:
        assert s["status"] == "blocked" and s["allowed"] is False and s["rank"] is None
        assert all(s[f] is None for f in NUMBERS), s
        assert any(i.startswith("block.") for i in s["rule_ids"]) and s["reasons"]
    assert body["ranked"] == ["none"]
    assert body["verdict"].startswith("You cannot receive LIVE gifts yet")


def test_batch_answers_carry_verdicts_and_none(client, example_profile):
    r = client.post("/v1/recommendations", json={"profiles": [example_profile, {**example_profile, "creator_age": 17}]})
    assert r.status_code == 200, r.text
    adult, minor = r.json()["results"]
    assert adult["verdict"] and adult["ranked"][-1] == "none"
    assert [s["strategy"] for s in minor["strategies"] if s["uplift_diamonds"] is not None] == ["none"]
