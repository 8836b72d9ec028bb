"""`livelift ingest` and `livelift facts --history` on the shipped examples, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.data.contract import read_history, read_profiles

pytestmark = pytest.mark.usefixtures("engine")  # every test runs with the fast and the reference reader

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _ingest(tmp_path, *inputs, extra=()):
    out = tmp_path / "history.csv"
    args = ["ingest", *map(str, inputs), "-o", str(out), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out, result


def test_event_log_alone_gives_the_three_creators_weeks_with_their_labels(tmp_path):
    out, result = _ingest(tmp_path, EXAMPLES / "events.jsonl.gz",
                          extra=["--creators", str(EXAMPLES / "creators.csv"), "--labels", str(EXAMPLES / "labels.csv"),
                                 "--sessions", str(tmp_path / "sessions.csv"), "--format", "json"])
    report = json.loads(result.stdout)
    hist = read_history(out).frame
    assert sorted(hist["creator_id"].unique()) == ["lee.talks", "mia.plays", "sam.sings"]
    assert len(hist) == 9  # weeks 5-7 of 7: the first 4 are reported as too early
    assert len(report["skipped_weeks"]) == 3 * 4
    strat = {(r.creator_id, str(r.week)[:10]): r.strategy for r in hist.itertuples()}
    assert strat[("sam.sings", "2026-02-09")] == "increase_frequency"  # 5 LIVEs vs 2 a week
    assert strat[("lee.talks", "2026-02-16")] == "collaborate"  # a link-mic battle
    assert strat[("mia.plays", "2026-02-09")] == "promote"  # the labels file overrides a battle
    assert report["strategies"]["labelled"] == {"promote": 1}
    assert report["unknown_types"] == {"MysteryBoxEvent": 45} and report["duplicates"] > 0
    sessions = pd.read_csv(tmp_path / "sessions.csv")
    assert len(sessions) == 45 and (sessions["source"] == "events").all()
    assert sessions.groupby("creator_id").size().to_dict() == {"lee.talks": 11, "mia.plays": 17, "sam.sings": 17}
    money = {m["creator_id"]: m for m in report["money"]}
    assert money["mia.plays"]["likes_usd"] == 0
    assert money["mia.plays"]["usd_est"] == pytest.approx(money["mia.plays"]["diamonds"] * 0.005, abs=0.01)


def test_summary_table_and_events_mix_and_the_table_output_says_where_labels_came_from(tmp_path):
    out, result = _ingest(tmp_path, EXAMPLES / "events.jsonl.gz", EXAMPLES / "live_summaries.csv",
                          extra=["--creators", str(EXAMPLES / "creators.csv"), "--labels", str(EXAMPLES / "labels.csv"),
                                 "--profiles", str(tmp_path / "profiles.csv")])
    text = result.stdout
    assert "strategies by source" in text and "detected" in text and "labelled" in text and "default" in text
    assert "likes earned" in text and "$0" in text and "unofficial" in text
    hist = read_history(out).frame
    assert hist["creator_id"].nunique() == 93
    assert (hist["strategy"] == "none").sum() >= 100  # enough to train on
    profiles = read_profiles(tmp_path / "profiles.csv").frame
    assert len(profiles) == 93


def test_facts_with_history_shows_the_creators_own_answer(tmp_path):
    out, _ = _ingest(tmp_path, EXAMPLES / "events.jsonl.gz", extra=["--creators", str(EXAMPLES / "creators.csv")])
    result = CliRunner().invoke(main, ["facts", "--history", str(out)])
    assert result.exit_code == 0, result.output
    assert "Likes pay nothing" in result.stdout and "likes earned" in result.stdout
    assert "mia.plays" in result.stdout
    data = json.loads(CliRunner().invoke(main, ["facts", "--history", str(out), "--format", "json"]).stdout)
    hist = pd.read_csv(out)
    mia = next(m for m in data["your_history"] if m["creator_id"] == "mia.plays")
    assert mia["diamonds"] == hist.loc[hist.creator_id == "mia.plays", "gift_diamonds"].sum()
    assert mia["gifts"] == hist.loc[hist.creator_id == "mia.plays", "gifts"].sum()
    assert mia["likes_usd"] == 0 and data["facts"]


def test_missing_creator_facts_are_asked_for(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(EXAMPLES / "events.jsonl.gz"), "-o", str(tmp_path / "h.csv")])
    assert result.exit_code == 1
    assert "followers" in result.output and "--creators FILE" in result.output
    assert not (tmp_path / "h.csv").exists()


@pytest.mark.slow
def test_train_and_recommend_accept_the_ingested_history(tmp_path):
    out, _ = _ingest(tmp_path, EXAMPLES / "events.jsonl.gz", EXAMPLES / "live_summaries.csv",
                     extra=["--creators", str(EXAMPLES / "creators.csv"), "--labels", str(EXAMPLES / "labels.csv"),
                            "--profiles", str(tmp_path / "profiles.csv")])
    model = tmp_path / "mine.skops"
    result = CliRunner().invoke(main, ["train", str(out), "-o", str(model)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["recommend", str(tmp_path / "profiles.csv"), "--model", str(model),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("clash", [("--sessions", "--profiles"), ("-o", "--sessions")])
def test_two_tables_named_the_same_file_are_refused_before_any_work(tmp_path, clash):
    same = tmp_path / "same.csv"
    paths = {"-o": tmp_path / "history.csv", "--sessions": tmp_path / "sessions.csv", "--profiles": tmp_path / "p.csv"}
    paths.update({option: same for option in clash})
    args = ["ingest", str(EXAMPLES / "events.jsonl.gz"), "--creators", str(EXAMPLES / "creators.csv")]
    for option, path in paths.items():
        args += [option, str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{clash[0]} and {clash[1]} both name {same}" in result.output
    assert "Traceback" not in result.output and not any(tmp_path.iterdir())
