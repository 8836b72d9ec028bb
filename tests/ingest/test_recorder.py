"""The recorder's handlers, driven with events built from TikTokLive's classes (no network)."""

from __future__ import annotations

import json

import pytest

from livelift.ingest.eventlog import EventLogReader
from livelift.ingest.recorder import Recorder

pytestmark = pytest.mark.usefixtures("engine")  # every test runs with the fast and the reference reader


def test_recorded_lines_are_snake_case_with_defaults_rotate_by_day_and_ingest_exactly(lib, tmp_path):
    s = lib.Stream()
    s.connect(lib.T0)
    s.viewers(lib.T0, 12)
    for k in range(1, 4):
        s.gift(lib.T0 + k * 1000, s.fan_a, s.rose, k, end=int(k == 3), group=1)
    s.like(lib.T0 + 5000, 15, 90)
    s.end(lib.T0 + 20 * lib.MIN)
    now = {"t": lib.T0}
    rec = Recorder(tmp_path / "events.jsonl", "@" + lib.HOST, clock=lambda: now["t"])
    for t, ev in sorted(s.events, key=lambda p: p[0]):
        now["t"] = t
        rec.handle(ev)
    from TikTokLive.events import DisconnectEvent

    now["t"] = lib.T0 + 21 * lib.MIN
    rec.handle(DisconnectEvent())  # a hand-written event without fields
    now["t"] = lib.T0 + 86_400_000  # the next day goes to the next file
    rec.handle(s.L.Viewers(common=s.cm(now["t"]), total=3))
    rec.close()
    day1, day2 = tmp_path / "events-2026-01-05.jsonl", tmp_path / "events-2026-01-06.jsonl"
    assert day1.exists() and day2.exists()
    lines = [json.loads(x) for x in day1.read_text().splitlines()]
    gift = next(x for x in lines if x["type"] == "GiftEvent")
    assert gift["data"]["repeat_end"] == 0 and gift["creator"] == lib.HOST and gift["timestamp"] == lib.T0 + 1000
    assert lines[0] == {"type": "ConnectEvent", "timestamp": lib.T0, "creator": lib.HOST,
                        "data": {"unique_id": lib.HOST, "room_id": lib.ROOM}}
    assert lines[-1] == {"type": "DisconnectEvent", "timestamp": lib.T0 + 21 * lib.MIN, "creator": lib.HOST, "data": {}}
    reader = EventLogReader()
    reader.read(day1)
    (x,) = reader.sessions()
    assert (x.creator_id, x.diamonds, x.likes, x.minutes) == (lib.HOST, 3, 90, 20.0)
