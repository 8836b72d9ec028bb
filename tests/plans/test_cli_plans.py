"""The README's weekly loop through the real CLI (SQLite file)."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from livelift.cli import main


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_weekly_loop_in_four_commands(tmp_path):
    hist, db = tmp_path / "history.csv", str(tmp_path / "plans.db")
    assert _run("simulate", "-o", str(hist), "--creators", "30", "--weeks", "5", "--seed", "2",
                "--creator-effects", "0.5").exit_code == 0
    r = _run("plan", "init", str(hist), "--db", db)
    assert r.exit_code == 0, r.output
    out = tmp_path / "next.csv"
    assert _run("plan", "next", "--db", db, "-o", str(out)).exit_code == 0
    picks = pd.read_csv(out)
    assert len(picks) == 30 and {"creator_id", "week", "strategy", "expected_uplift", "low", "high", "reason"} <= set(picks.columns)
    # this week's results: the picks tried, with gifts, in the data contract's shape
    six = tmp_path / "six.csv"
    assert _run("simulate", "-o", str(six), "--creators", "30", "--weeks", "6", "--seed", "2",
                "--creator-effects", "0.5").exit_code == 0
    week = pd.read_csv(six).groupby("creator_id").tail(1).reset_index(drop=True)
    week["strategy"] = picks.set_index("creator_id").loc[week["creator_id"], "strategy"].to_numpy()
    week.to_csv(tmp_path / "week.csv", index=False)
    r = _run("plan", "record", str(tmp_path / "week.csv"), "--db", db)
    assert r.exit_code == 0 and "recorded 30 new weeks" in r.output
    r = _run("plan", "record", str(tmp_path / "week.csv"), "--db", db)
    assert "0 new weeks" in r.output and "30 already recorded" in r.output
    r = _run("plan", "show", "--db", db, "--creator", "cr000003", "--format", "json")
    shown = json.loads(r.output)
    assert len(shown["weeks"]) == 6 and len(shown["strategies"]) == 5 and shown["synthetic_model"] is True
    r = _run("plan", "next", "--db", db, "--creator", "cr000003")
    assert r.exit_code == 0 and "diamonds/week" in r.output or "Do nothing new" in r.output


def test_user_mistakes_are_one_line_errors(tmp_path):
    r = CliRunner().invoke(main, ["plan", "next", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1 and "plan init" in r.output and "Traceback" not in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("creator_id,week\nx,2025-01-06\n")
    r = CliRunner().invoke(main, ["plan", "init", str(bad), "--db", str(tmp_path / "p.db")])
    assert r.exit_code == 1 and "Error" in r.output and "Traceback" not in r.output
