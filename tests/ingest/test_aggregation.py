"""Each event aggregation rule (facts.md section 5), pinned with exact numbers, on events built with
TikTokLive's own classes and written in every client shape: TikTokLive to_dict() in snake_case and
camelCase (nested under 'data' and flat under 'event'), Node connector v1 (flat) and v2 (nested)."""

from __future__ import annotations

import pytest

from livelift.ingest.eventlog import EventLogReader

pytestmark = pytest.mark.usefixtures("engine")  # every test runs with the fast and the reference reader

SHAPES = ("tiktoklive_snake", "tiktoklive_camel", "tiktoklive_camel_flat", "node_v1", "node_v2")


def _read(path, **kw):
    reader = EventLogReader(**kw)
    reader.read(path)
    return reader, reader.sessions()


def _canonical(lib):
    """One 30-minute LIVE holding every trap; the expected figures are in the test below."""
    s = lib.Stream()
    m, t0 = lib.MIN, lib.T0
    s.connect(t0)
    s.viewers(t0, 10)
    s.viewers(t0 + 10 * m, 30)
    s.viewers(t0 + 20 * m, 20)
    for k in range(1, 6):  # Rose streak: 5 x 1 diamond, repeat_end on the last
        s.gift(t0 + m + k * 1000, s.fan_a, s.rose, k, end=int(k == 5), group=1)
    for k in range(1, 4):  # Finger Heart streak whose repeat_end never comes: max count 3 x 5
        s.gift(t0 + 2 * m + k * 1000, s.fan_b, s.heart, k, group=2)
    s.gift(t0 + 3 * m, s.fan_a, s.lion, 1)  # not streakable: counts at once, 300
    s.gift(t0 + 4 * m, s.fan_b, s.lion, 1, to=s.L.U(id=777, display_id="guest.star"))  # to a guest: excluded
    s.like(t0 + 5 * m, 15, 100)
    s.like(t0 + 6 * m, 15, 250)
    s.like(t0 + 7 * m, 15, 400)  # room total 400; the capped counts sum to 45
    s.comment(t0 + 8 * m)
    s.comment(t0 + 9 * m, s.fan_a)
    s.end(t0 + 30 * m)
    return s


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("shuffle", [None, 3, 11])
def test_every_rule_in_every_shape(lib, tmp_path, shape, shuffle):
    s = _canonical(lib)
    # a reconnect replays the Lion gift and a comment: same msg_id, must count once
    lion_t, lion = next(p for p in s.events if type(p[1]).__name__ == "GiftEvent" and p[1].gift_id == 6369)
    comment = next(p for p in s.events if type(p[1]).__name__ == "CommentEvent")
    s.events += [(lion_t, lion), comment]
    path = tmp_path / "log.jsonl"
    lib.write_log(path, shape, [s], shuffle=shuffle)
    reader, sessions = _read(path)
    assert len(sessions) == 1  # a stream is a room id
    x = sessions[0]
    assert x.creator_id == lib.HOST
    assert x.room_id == str(lib.ROOM)
    assert x.diamonds == 5 + 15 + 300
    assert x.guest_diamonds == 300 and x.guests == 1 and x.collaboration
    assert x.gifts == 5 + 3 + 1
    assert x.gifters == 2
    assert x.likes == 400
    assert x.comments == 2
    assert x.minutes == 30.0
    assert x.avg_viewers == pytest.approx((10 * 10 + 30 * 10 + 20 * 10) / 30)
    assert x.peak_viewers == 30
    assert reader.duplicates == 2


@pytest.mark.parametrize("shape", SHAPES)
def test_two_rooms_are_two_streams_with_their_own_minutes(lib, tmp_path, shape):
    a = lib.Stream()
    a.connect(lib.T0)
    a.gift(lib.T0 + 1000, a.fan_a, a.lion, 1)
    a.end(lib.T0 + 45 * lib.MIN)
    b = lib.Stream(room=lib.ROOM + 1, t0=lib.T0 + 86_400_000, first_msg=1000)
    b.connect(b.t0)
    b.gift(b.t0 + 1000, b.fan_a, b.rose, 1, end=1, group=9)
    b.like(b.t0 + 2000, 3, 3)
    b.end(b.t0 + 12 * lib.MIN)
    path = tmp_path / "two.jsonl"
    lib.write_log(path, shape, [a, b])
    _, sessions = _read(path)
    assert [(x.room_id, x.minutes, x.diamonds, x.likes) for x in sessions] == [
        (str(lib.ROOM), 45.0, 300.0, 0.0), (str(lib.ROOM + 1), 12.0, 1.0, 3.0)]


def test_camelcase_omits_repeat_end_zero_and_writes_int64_as_strings(lib):
    s = lib.Stream()
    ev = s.gift(lib.T0, s.fan_a, s.rose, 2, end=0, group=5)
    line = lib.line_for("tiktoklive_camel", lib.T0, ev)["data"]
    assert "repeatEnd" not in line  # the trap: a missing repeatEnd means 0
    assert line["common"]["createTime"] == str(lib.T0) and isinstance(line["groupId"], str)
    snake = lib.line_for("tiktoklive_snake", lib.T0, ev)["data"]
    assert snake["repeat_end"] == 0 and snake["gift"]["diamond_count"] == 1


def test_a_streak_seen_only_mid_way_counts_its_largest_repeat_count_once(lib, tmp_path):
    s = lib.Stream()
    s.connect(lib.T0)
    for k in (1, 2, 7, 3):  # repeat_end lost; counts arrive out of order
        s.gift(lib.T0 + k * 1000, s.fan_a, s.heart, k, group=4)
    s.gift(lib.T0 + 20_000, s.fan_a, s.heart, 2, group=5)  # another group: another streak
    s.end(lib.T0 + 60_000)
    path = tmp_path / "s.jsonl"
    lib.write_log(path, "tiktoklive_camel", [s])
    _, (x,) = _read(path)
    assert x.diamonds == 5 * 7 + 5 * 2
    assert x.gifts == 9


def test_streaks_older_than_the_window_fold_without_double_counting(lib, tmp_path, monkeypatch):
    from livelift.ingest import eventlog

    monkeypatch.setattr(eventlog, "_FOLD_EVERY", 2)  # fold state as often as possible
    s = lib.Stream()
    s.connect(lib.T0)
    s.viewers(lib.T0, 10)
    for k in range(1, 4):  # lost repeat_end, 2 hours before the end
        s.gift(lib.T0 + k * 1000, s.fan_a, s.heart, k, group=1)
    s.viewers(lib.T0 + 60 * lib.MIN, 30)
    for k in range(1, 3):
        s.gift(lib.T0 + 90 * lib.MIN + k, s.fan_b, s.rose, k, end=int(k == 2), group=2)
    s.end(lib.T0 + 120 * lib.MIN)
    path = tmp_path / "long.jsonl"
    lib.write_log(path, "tiktoklive_snake", [s])
    _, (x,) = _read(path)
    assert x.diamonds == 15 + 2
    assert x.minutes == 120.0
    assert x.avg_viewers == pytest.approx((10 * 60 + 30 * 60) / 120)


def test_an_event_later_than_the_window_is_reported_not_counted(lib, tmp_path, monkeypatch):
    from livelift.ingest import eventlog

    monkeypatch.setattr(eventlog, "_FOLD_EVERY", 1)
    s = lib.Stream()
    s.connect(lib.T0)
    s.gift(lib.T0 + 1000, s.fan_a, s.lion, 1)
    s.gift(lib.T0 + 90 * lib.MIN, s.fan_a, s.lion, 1)
    path = tmp_path / "late.jsonl"
    lib.write_log(path, "tiktoklive_snake", [s])
    lines = path.read_text().splitlines()
    lines = [lines[0], lines[2], lines[1]]  # the early gift arrives after one 90 minutes later
    path.write_text("\n".join(lines) + "\n")
    _, (x,) = _read(path)
    assert x.diamonds == 300
    assert "1 event(s) arrived over 30 min out of order" in x.notes


def test_node_v1_host_is_the_receiver_of_most_gifts_when_its_id_is_unknown(lib, tmp_path):
    s = _canonical(lib)
    path = tmp_path / "v1.jsonl"
    lib.write_log(path, "node_v1", [s])
    text = path.read_text()
    assert f'"receiverUserId": "{lib.HOST_ID}"' in text and '"roomId"' in text.splitlines()[0]
    _, (x,) = _read(path)
    assert x.diamonds == 320 and "host id inferred as 4242" in x.notes


def test_creator_flag_names_the_host_and_a_room_without_one_is_an_error(lib, tmp_path):
    from livelift.errors import InputError

    s = lib.Stream()
    s.gift(lib.T0, s.fan_a, s.lion, 1)  # no connect event: nobody says who the host is
    path = tmp_path / "anon.jsonl"
    lib.write_log(path, "tiktoklive_snake", [s])
    _, (x,) = _read(path, creator="@someone")
    assert x.creator_id == "someone"
    with pytest.raises(InputError, match="no creator id") as err:
        _read(path)
    assert "--creator" in str(err.value)


def test_gzip_logs_read_the_same(lib, tmp_path):
    import gzip

    s = _canonical(lib)
    plain = tmp_path / "log.jsonl"
    lib.write_log(plain, "tiktoklive_snake", [s])
    gz = tmp_path / "log.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert _read(gz)[1] == _read(plain)[1]


def test_an_idle_room_is_packed_and_its_live_stays_exact(lib, tmp_path, monkeypatch):
    from livelift.ingest import eventlog

    monkeypatch.setattr(eventlog, "_FOLD_EVERY", 2)
    a = _canonical(lib)
    b = lib.Stream(room=lib.ROOM + 1, t0=lib.T0 + 3 * 3_600_000, first_msg=5000)
    b.connect(b.t0)
    for k in range(12):  # enough lines for room A to be packed as idle
        b.like(b.t0 + k * 1000, 1, k + 1)
    path = tmp_path / "idle.jsonl"
    lib.write_log(path, "tiktoklive_snake", [a, b])
    reader = EventLogReader()
    reader.read(path)
    room_a = reader.rooms[str(lib.ROOM)]
    assert room_a.horizon > room_a.newest and not room_a.users and not room_a.seen  # packed
    x = next(s for s in reader.sessions() if s.room_id == str(lib.ROOM))
    assert (x.diamonds, x.likes, x.minutes, x.gifters, x.comments) == (320, 400, 30.0, 2, 2)


@pytest.mark.parametrize("stamp", ["iso", "ms_string", "ms", "seconds"])
def test_top_level_timestamps_when_the_event_has_no_common(lib, tmp_path, stamp):
    import json
    from datetime import datetime, timezone

    def fmt(ms):
        return {"iso": datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat().replace("+00:00", "Z"),
                "ms_string": str(ms), "ms": ms, "seconds": ms / 1000}[stamp]

    s = lib.Stream()
    s.connect(lib.T0)
    s.gift(lib.T0 + lib.MIN, s.fan_a, s.lion, 1)
    s.like(lib.T0 + 2 * lib.MIN, 15, 120)
    s.end(lib.T0 + 25 * lib.MIN)
    lines = []
    for t, ev in s.events:
        line = lib.line_for("tiktoklive_snake", t, ev)
        line["data"].pop("common", None)
        line["ts"] = fmt(t)
        line.pop("timestamp", None)
        line["room_id"] = str(lib.ROOM)
        lines.append(json.dumps(line))
    path = tmp_path / "ts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    _, (x,) = _read(path)
    assert (x.minutes, x.diamonds, x.likes) == (25.0, 300, 120)
