"""plan show: a strategy the rules block is shown as blocked, with the rule and its reason, and no numbers."""

from __future__ import annotations

import json

from livelift.plans import creator_view, init_store
from livelift.plans.report import show_json, show_text


def test_blocked_strategy_shows_rule_and_reason(tmp_path, history, recommender):
    store, _ = init_store(str(tmp_path / "p.db"), history, recommender)
    for creator in sorted(history.frame["creator_id"].unique()):
        view = creator_view(store, recommender, creator)
        if not view.table["allowed"].all():
            break
    blocked = view.table[~view.table["allowed"]]
    assert len(blocked)
    text = show_text(view)
    assert "unknown" not in text
    for r in blocked.itertuples():
        row = next(line for line in text.splitlines() if line.startswith(r.strategy + " "))
        assert "blocked by the rules" in row and not any(ch.isdigit() for ch in row.split()[2:-1][0])
        block_ids = [i for i in r.rule_ids.split(";") if i.startswith("block.")]
        assert block_ids
        why = next(line for line in text.splitlines() if line.strip().startswith(r.strategy + ":"))
        assert all(i in why for i in block_ids) and r.reason in why
    shown = {s["strategy"]: s for s in json.loads(show_json(view))["strategies"]}
    for r in blocked.itertuples():
        s = shown[r.strategy]
        assert s["status"] == "blocked" and s["personal_uplift"] is None and s["population_low"] is None
        assert any(i.startswith("block.") for i in s["rule_ids"]) and s["reason"]
    store.dispose()
