"""The fast event-log reader (ingest/fastpath.py) gives exactly what the reference reader gives.

Randomised logs mix every client shape and casing with the odd values the reference reader has rules for
(digit strings, floats, booleans, nulls, missing headers, zero ids, duplicates, lines hours out of order),
bad lines (not JSON, not an object, not UTF-8, blank, lone carriage returns) and unknown types; both
readers must agree on the sessions, every counter, the bad-line reasons, or the error message.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.errors import InputError
from livelift.ingest import eventlog, rooms
from livelift.ingest.eventlog import EventLogReader

T0 = 1_767_639_600_000
ROOMS = ("7001", "7002") * 5 + (7003, "0", "")
_PAIRS = (("createTime", "create_time"), ("roomId", "room_id"), ("msgId", "msg_id"), ("giftId", "gift_id"),
          ("repeatCount", "repeat_count"), ("repeatEnd", "repeat_end"), ("groupId", "group_id"),
          ("diamondCount", "diamond_count"), ("toUser", "to_user"), ("total", "totalLikeCount"),
          ("count", "likeCount"), ("viewerCount", "viewer_count"), ("type", "giftType"))
OTHER_SPELLING = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
NAMES = ("GiftEvent", "gift", "WebcastGiftMessage", "LikeEvent", "like", "CommentEvent", "chat", "RoomUserSeqEvent",
         "roomUser", "JoinEvent", "member", "FollowEvent", "ShareEvent", "SocialEvent", "social", "ConnectEvent",
         "connected", "LiveEndEvent", "streamEnd", "ControlEvent", "LinkMicBattleEvent", "EnvelopeEvent",
         "DisconnectEvent", "MysteryBoxEvent")


def _odd(draw, clean: bool, n: int) -> bool:
    """True about one time in n (never for a clean log)."""
    return not clean and draw(st.integers(0, n - 1)) == 0


@st.composite
def _number(draw, small: bool = True, clean: bool = False):
    """Mostly what clients write (an int or a digit string), now and then anything else."""
    n = draw(st.integers(0, 9) if small else st.integers(0, 500))
    if not _odd(draw, clean, 10):
        return draw(st.sampled_from([n, str(n)]))
    return draw(st.sampled_from([None, 1.0, 2.5, True, False, "many", "", "1e1", "٣", "¹", [1], {}]))


def _casing(draw, camel: str, snake: str, clean: bool = False):
    return draw(st.sampled_from([camel, snake] if clean else [camel, snake] * 5 + [camel + "X"]))


@st.composite
def _time(draw, clean: bool = False):
    ms = T0 + draw(st.integers(0, 50)) * draw(st.sampled_from([1000, 60_000, 600_000]))
    if not _odd(draw, clean, 3):
        return draw(st.sampled_from([ms, str(ms), str(ms)]))
    return draw(st.sampled_from([ms // 1000, str(ms)[:11], None, "0", "soon", 1.5e12, "2026-01-05T19:00:00Z",
                                 " " + str(ms)]))


@st.composite
def _user(draw, clean: bool = False):
    if _odd(draw, clean, 10):
        return draw(st.sampled_from([None, "fan", 5, []]))
    uid = draw(st.sampled_from(["101", "102", "103"] if clean else ["101", "102", "103"] * 2 + [104, "0", "", None]))
    user = {"id": uid} if draw(st.booleans()) else {"userId": uid}
    if draw(st.booleans()):
        user[_casing(draw, "displayId", "display_id")] = draw(st.sampled_from(["fan.a", "host.one", ""]))
    return user


@st.composite
def _event(draw, clean: bool = False):
    name = draw(st.sampled_from(NAMES))
    body: dict = {}
    if not _odd(draw, clean, 16):
        common = {}
        for camel, snake, values in (("createTime", "create_time", None), ("roomId", "room_id", ROOMS),
                                     ("msgId", "msg_id", ("1", "2", "3", 4, "0", None))):
            if clean and values is ROOMS:
                values = ROOMS[:2]
            if not _odd(draw, clean, 16):
                key = _casing(draw, camel, snake, clean)
                common[key] = draw(_time(clean)) if values is None else draw(st.sampled_from(values))
        body["common"] = common
    if draw(st.booleans()):
        body["user"] = draw(_user(clean))
    if "ift" in name:
        for camel, snake, small in (("giftId", "gift_id", False), ("repeatCount", "repeat_count", True),
                                    ("repeatEnd", "repeat_end", True), ("groupId", "group_id", True)):
            if draw(st.integers(0, 5)):
                body[_casing(draw, camel, snake, clean)] = draw(_number(small, clean))
        shape = draw(st.integers(0, 3))
        if shape < 2:
            gift = {_casing(draw, "diamondCount", "diamond_count", clean): draw(_number(False, clean))}
            if draw(st.integers(0, 4)):
                gift["type"] = draw(st.sampled_from([1, 1, 2, "1", None]))
            body["gift"] = gift
        elif shape == 2:
            body["giftDetails"] = {"diamondCount": draw(_number(False, clean)), "giftType": draw(st.sampled_from([1, 2]))}
        else:
            body.update(diamondCount=draw(_number(False, clean)), giftType=draw(st.sampled_from([1, 2])))
        receiver = draw(st.integers(0, 5))
        if receiver == 1:
            body[_casing(draw, "toUser", "to_user", clean)] = draw(_user(clean))
        elif receiver == 2:
            body["receiverUserId"] = draw(st.sampled_from(["4242", "777", 4242]))
    elif name in ("LikeEvent", "like"):
        body[draw(st.sampled_from(["count", "likeCount", "like_count"]))] = draw(_number(False, clean))
        if draw(st.booleans()):
            body[draw(st.sampled_from(["total", "totalLikeCount", "total_like_count"]))] = draw(_number(False, clean))
    elif name in ("RoomUserSeqEvent", "roomUser"):
        body[draw(st.sampled_from(["total", "viewerCount", "viewer_count"]))] = draw(_number(False, clean))
    elif name in ("ConnectEvent", "connected"):
        body[_casing(draw, "uniqueId", "unique_id")] = draw(st.sampled_from(["host.one", "@host.one", "other"]))
        body[_casing(draw, "roomId", "room_id")] = draw(st.sampled_from(ROOMS))
    elif name in ("ControlEvent", "SocialEvent", "social"):
        body["action"] = draw(st.sampled_from([3, "3", 1]))
        body["displayType"] = draw(st.sampled_from(["pm_main_follow", "share", "x"]))
    for holder in (body, body.get("common"), body.get("gift")):
        if type(holder) is dict and holder and draw(st.integers(0, 3)) == 0:  # both spellings, two values
            key = draw(st.sampled_from(sorted(holder)))
            if key in OTHER_SPELLING:
                holder[OTHER_SPELLING[key]] = draw(_number(False, clean)) if "ime" not in key else draw(_time(clean))
    line: dict = {}
    type_key = draw(st.sampled_from(["type", "type", "type", "event", "eventType"]))
    line[type_key] = draw(st.sampled_from([None, 5])) if _odd(draw, clean, 30) else name
    if draw(st.integers(0, 3)) == 0:
        line[draw(st.sampled_from(["timestamp", "ts"]))] = draw(_time(clean))
    if draw(st.integers(0, 5)) == 0:
        line["creator"] = draw(st.sampled_from(["host.one", "@sam", ""]))
    if draw(st.integers(0, 3)):
        line["data"] = body
    else:
        line.update(body)
    return json.dumps(line, separators=(",", ":")).encode()


_JUNK = st.sampled_from([b"", b"   ", b"not json", b"[1, 2]", b"7", b'{"data": {}}', b'{"type": "GiftEvent", "da',
                         b'{"type":"LikeEvent","data":{"user":{"id":"\xff"}}}', b"\xef\xbb\xbf{}",
                         b'{"type":"LikeEvent",\r"data":{}}', b"\x0c"])


@st.composite
def _log(draw, clean: bool = False):
    """A log; a clean one holds only lines the fast reader takes itself once their room is known."""
    lines = draw(st.lists(_event(clean) if clean else st.one_of(_event(), _event(), _event(), _JUNK), min_size=1,
                          max_size=60))
    body = b""
    for line in lines:
        body += line + draw(st.sampled_from([b"\n"] if clean else [b"\n"] * 8 + [b"\r\n", b"\r"]))
    if draw(st.booleans()):
        body = body.rstrip(b"\r\n")
    return body


def outcome(path: Path, *, fast: bool, skip: bool, creator: str | None) -> tuple:
    rd = EventLogReader(creator=creator, skip_bad_lines=skip, fast=fast)
    try:
        rd.read(path)
        sessions = rd.sessions()
    except InputError as exc:
        return ("error", str(exc), rd.lines, rd.events)
    return (sessions, rd.lines, rd.events, rd.ignored, rd.duplicates, rd.bad, rd.reasons, dict(rd.unknown),
            rd.newest, {k: (r.late, r.dups, r.horizon) for k, r in rd.rooms.items()})


def both(path: Path, **kw) -> tuple:
    fast, ref = outcome(path, fast=True, **kw), outcome(path, fast=False, **kw)
    assert fast == ref
    return fast


def _agree(tmp_path_factory, log, skip, creator, fold_every):
    path = tmp_path_factory.mktemp("log") / "log.jsonl"
    path.write_bytes(log)
    saved = eventlog._FOLD_EVERY
    eventlog._FOLD_EVERY = fold_every
    try:
        both(path, skip=skip, creator=creator)
    finally:
        eventlog._FOLD_EVERY = saved


_LOGS = dict(log=st.one_of(_log(), _log(clean=True)), skip=st.sampled_from([True, True, False]),
             creator=st.sampled_from([None, "@host.one", "@host.one"]), fold_every=st.sampled_from([1, 2, 3, 1 << 16]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**_LOGS)
def test_both_readers_agree_on_randomised_logs(tmp_path_factory, log, skip, creator, fold_every):
    _agree(tmp_path_factory, log, skip, creator, fold_every)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**_LOGS)
def test_both_readers_agree_on_many_more_randomised_logs(tmp_path_factory, log, skip, creator, fold_every):
    _agree(tmp_path_factory, log, skip, creator, fold_every)


def test_the_generated_logs_hit_the_fast_path_and_the_reference(tmp_path, monkeypatch):
    """The property above is only worth something if the fast reader takes most clean lines itself."""
    calls = []
    monkeypatch.setattr(EventLogReader, "_object", lambda self, *a: calls.append(a))
    lines = [json.dumps({"type": "LikeEvent", "data": {"common": {"createTime": str(T0 + i), "roomId": "7001",
                                                                  "msgId": str(i)}, "count": 1, "total": i}})
             for i in range(50)]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rd = EventLogReader(creator="host.one")
    rd.rooms["7001"] = eventlog.Room("7001", "events")
    rd.rooms["7001"].creator = "host.one"
    rd.read(path)
    assert rd.events == 50 and not calls


def _bench_module():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        import bench_ingest
    finally:
        sys.path.pop(0)
    return bench_ingest


@pytest.mark.parametrize("fold_every", [1 << 16, 997])
def test_the_benchmark_log_reads_the_same_both_ways(tmp_path, monkeypatch, fold_every):
    pytest.importorskip("TikTokLive")
    monkeypatch.setattr(eventlog, "_FOLD_EVERY", fold_every)
    path = tmp_path / "bench.jsonl"
    _bench_module().write_events(path, 30_000)
    out = both(path, skip=False, creator="bench")
    assert out[2] == 30_000 and len(out[0]) == 2  # two rooms of 20,000 and 10,000 events
    gz = tmp_path / "bench.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes(), compresslevel=1))
    assert both(gz, skip=False, creator="bench") == out


def test_the_shipped_example_reads_the_same_both_ways():
    example = Path(__file__).resolve().parents[2] / "examples" / "events.jsonl.gz"
    out = both(example, skip=False, creator=None)
    assert out[2] > 5000 and len(out[0]) == 45


class _EagerSeen:
    """The duplicate rule as it was written before ids were forgotten lazily: every fold drops old ids."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.horizon = self.newest = 0

    def touch(self, ts: int, mid: str) -> bool:
        self.newest = max(self.newest, ts)
        if ts < self.horizon:
            return False
        if mid in self.seen:
            return False
        self.seen[mid] = ts
        return True

    def fold(self, idle: bool) -> None:
        horizon = self.newest + 1 if idle else self.newest - rooms.WINDOW_MS
        if horizon > self.horizon:
            self.horizon = horizon
            self.seen = {m: t for m, t in self.seen.items() if t >= horizon}


_TOUCH = st.tuples(st.integers(0, 90).map(lambda m: T0 + m * 60_000), st.sampled_from(["1", "2", "3", "4", "5"]))


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.one_of(_TOUCH, st.sampled_from(["fold", "idle"])), max_size=80), cap=st.sampled_from([1, 3, 1 << 16]))
def test_lazily_forgotten_message_ids_count_duplicates_as_the_eager_rule(steps, cap):
    """Room.touch treats an id older than the horizon as forgotten; fold drops such ids only once seen grows."""
    before, rooms._SEEN_MIN = rooms._SEEN_MIN, cap
    try:
        room, model = rooms.Room("r", "events"), _EagerSeen()
        for step in steps:
            if step in ("fold", "idle"):
                room.fold(idle=step == "idle")
                model.fold(step == "idle")
                assert {m: t for m, t in room.seen.items() if t >= room.horizon} == model.seen
                assert len(room.seen) <= room.seen_cap or room.horizon >= room.newest - rooms.WINDOW_MS
                if step == "idle":
                    assert not room.seen
            else:
                assert room.touch(*step) == model.touch(*step)
        assert room.horizon == model.horizon
    finally:
        rooms._SEEN_MIN = before
