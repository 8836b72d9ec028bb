"""Sessions -> weekly history: 4-week profiles, skipped weeks reported, strategy labels and sources."""

from __future__ import annotations

import pytest

from livelift.data.contract import validate_history
from livelift.ingest.rooms import Session
from livelift.ingest.weekly import sessions_frame, weekly_history
from livelift.ingest.labels import label_weeks

DAY = 86_400_000
MONDAY = 1_767_571_200_000  # 2026-01-05 00:00 UTC


def _s(day: int, *, minutes=60.0, diamonds=100.0, viewers=20.0, unique=100.0, engaged=10.0, collab=False,
       follows=0.0, creator="c1", hour=19) -> Session:
    start = MONDAY + day * DAY + hour * 3_600_000
    return Session(creator, f"r{creator}{day}{hour}", start, start + int(minutes * 60000), minutes, diamonds, 3, 2,
                   500.0, 7.0, 1.0, follows, viewers, viewers * 2, unique, engaged, viewers / unique, 0, collab,
                   0.0, "events")


INFO = {"c1": {"followers": 1000, "category": "music", "creator_age": 30}}


def test_profile_is_the_four_weeks_before_and_early_weeks_are_reported():
    # two LIVEs a week for 6 weeks; week 6 has 3 LIVEs
    sessions = [_s(7 * w + d, diamonds=100.0 * (w + 1), follows=5.0) for w in range(6) for d in (0, 2)]
    sessions.append(_s(7 * 5 + 4, minutes=30.0, diamonds=50.0, follows=5.0))
    hist, skips = weekly_history(sessions_frame(sessions, "UTC"), INFO)
    assert [s.week for s in skips] == ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
    assert "a profile needs 4" in skips[0].reason
    assert [str(w) for w in hist["week"]] == ["2026-02-02", "2026-02-09"]
    first = hist.iloc[0]
    assert first["streams_per_week"] == 2.0
    assert first["avg_stream_minutes"] == 60.0
    assert first["prior_weekly_diamonds"] == pytest.approx(2 * (100 + 200 + 300 + 400) / 4)
    assert first["gift_diamonds"] == 2 * 500
    assert first["engagement_rate"] == pytest.approx(0.1)
    assert first["retention_rate"] == pytest.approx(0.2)
    # followers at the week's start = now (1000) minus the follows seen from that week on (2 weeks, 5 LIVEs)
    assert first["followers"] == 1000 - 5 * 5
    assert hist.iloc[1]["gift_diamonds"] == 2 * 600 + 50


def test_a_week_whose_window_has_no_live_is_reported():
    sessions = [_s(0), _s(7 * 5)]
    hist, skips = weekly_history(sessions_frame(sessions, "UTC"), INFO)
    assert len(hist) == 0
    assert skips[-1].week == "2026-02-09" and "no LIVE" in skips[-1].reason


def test_weeks_follow_the_creators_time_zone():
    # Sunday 23:30 UTC is Monday 00:30 in Berlin: the LIVE belongs to the next week there
    s = _s(6, hour=23)
    assert str(sessions_frame([s], "UTC")["week"][0]) == "2026-01-05"
    assert str(sessions_frame([s], "Europe/Berlin")["week"][0]) == "2026-01-12"


def _history_with(extra_week_sessions, collab=False):
    sessions = [_s(7 * w + d) for w in range(4) for d in (0, 2, 4)]  # 3 a week for 4 weeks
    sessions += extra_week_sessions
    hist, _ = weekly_history(sessions_frame(sessions, "UTC"), INFO)
    return hist


def test_labels_detected_labelled_default_in_that_precedence():
    freq = _history_with([_s(28 + d) for d in (0, 1, 2, 3)])  # 4 LIVEs vs a rate of 3: under 3 x 1.5
    assert label_weeks(freq, {})[0]["strategy"].tolist() == ["none"]
    freq = _history_with([_s(28 + d) for d in (0, 1, 2, 3, 4)])  # 5 >= max(3 x 1.5, 3 + 1)
    out, counts, _ = label_weeks(freq, {})
    assert out["strategy"].tolist() == ["increase_frequency"] and counts["detected"]["increase_frequency"] == 1
    collab = _history_with([_s(28, collab=True)])
    out, counts, _ = label_weeks(collab, {})
    assert out["strategy_source"].tolist() == ["detected"] and out["strategy"].tolist() == ["collaborate"]
    out, counts, notes = label_weeks(collab, {("c1", "2026-02-02"): "promote", ("c1", "2030-01-07"): "none"})
    assert out["strategy"].tolist() == ["promote"] and counts["labelled"]["promote"] == 1
    assert "1 label(s) name no history week" in notes[0]


def test_history_passes_the_data_contract():
    hist = _history_with([_s(28), _s(30)])
    out, _, _ = label_weeks(hist, {})
    validate_history(out)
