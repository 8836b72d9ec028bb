"""Events built with the real TikTokLive classes, written in each client's line shape."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

pytest.importorskip("TikTokLive", reason="the ingest tests build events with TikTokLive (pip install 'livelift[test]')")

T0 = 1_767_639_600_000  # 2026-01-05 19:00 UTC, a Monday
MIN = 60_000
ROOM = 7_300_000_000_000_000_001
HOST = "host.one"
HOST_ID = 4242


def _lib():
    from TikTokLive.events import (
        CommentEvent, ConnectEvent, FollowEvent, GiftEvent, LikeEvent, LinkMicBattleEvent, LiveEndEvent,
        RoomUserSeqEvent, ShareEvent,
    )
    from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser
    from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData

    return SimpleNamespace(Comment=CommentEvent, Connect=ConnectEvent, Follow=FollowEvent, Gift=GiftEvent,
                           Like=LikeEvent, Battle=LinkMicBattleEvent, End=LiveEndEvent, Viewers=RoomUserSeqEvent,
                           Share=ShareEvent, G=ExtendedGift, U=ExtendedUser, C=CommonMessageData)


class Stream:
    """One LIVE as (time, TikTokLive event) pairs; the helpers number message ids."""

    def __init__(self, room: int = ROOM, t0: int = T0, first_msg: int = 1) -> None:
        self.L = _lib()
        self.room, self.t0, self.msg = room, t0, first_msg
        self.events: list[tuple[int, object]] = []
        self.fan_a = self.L.U(id=101, display_id="fan.a", nickname="A")
        self.fan_b = self.L.U(id=102, display_id="fan.b", nickname="B")
        self.rose = self.L.G(id=5655, name="Rose", type=1, diamond_count=1)
        self.heart = self.L.G(id=5487, name="Finger Heart", type=1, diamond_count=5)
        self.lion = self.L.G(id=6369, name="Lion", type=2, diamond_count=300)

    def cm(self, t: int):
        self.msg += 1
        return self.L.C(msg_id=self.msg, room_id=self.room, create_time=t)

    def add(self, t: int, event) -> object:
        self.events.append((t, event))
        return event

    def connect(self, t: int):
        return self.add(t, self.L.Connect(unique_id=HOST, room_id=self.room))

    def viewers(self, t: int, n: int):
        return self.add(t, self.L.Viewers(common=self.cm(t), total=n))

    def gift(self, t: int, user, gift, count: int, end: int = 0, group: int = 0, to=None):
        kw = dict(common=self.cm(t), gift_id=gift.id, repeat_count=count, repeat_end=end, group_id=group,
                  user=user, gift=gift)
        if to is not None:
            kw["to_user"] = to
        return self.add(t, self.L.Gift(**kw))

    def like(self, t: int, count: int, total: int, user=None):
        return self.add(t, self.L.Like(common=self.cm(t), count=count, total=total, user=user or self.fan_a))

    def comment(self, t: int, user=None):
        return self.add(t, self.L.Comment(common=self.cm(t), content="hi", user=user or self.fan_b))

    def end(self, t: int):
        return self.add(t, self.L.End(common=self.cm(t)))


SHAPES = ("tiktoklive_snake", "tiktoklive_camel", "tiktoklive_camel_flat", "node_v1", "node_v2")


def line_for(shape: str, t: int, event) -> dict:
    from livelift.ingest.shapes import node_v1_line, node_v2_line, tiktoklive_line

    name = type(event).__name__
    if shape == "tiktoklive_snake":
        return tiktoklive_line(event, snake=True, nested=True, timestamp=t)
    if shape == "tiktoklive_camel":
        if name == "ConnectEvent":
            return {"type": name, "ts": t, "data": {"uniqueId": event.unique_id, "roomId": str(event.room_id)}}
        return tiktoklive_line(event, snake=False, nested=True)  # time only in common.createTime (a string)
    if shape == "tiktoklive_camel_flat":
        if name == "ConnectEvent":
            return {"event": name, "timestamp": t, "unique_id": event.unique_id, "room_id": event.room_id}
        return tiktoklive_line(event, snake=False, nested=False, type_key="event")
    if shape == "node_v1":
        return node_v1_line(event, timestamp=t, host_id=str(HOST_ID))
    if shape == "node_v2":
        from datetime import datetime, timezone

        iso = datetime.fromtimestamp(t / 1000, timezone.utc).isoformat()
        return node_v2_line(event, timestamp=iso)
    raise AssertionError(shape)


def write_log(path, shape: str, streams: list[Stream], *, shuffle: int | None = None, extra: list[str] = ()) -> None:
    """Write the streams' events as JSON lines; ``shuffle`` = seed for out-of-order lines
    (the connect line of each stream stays first: a client writes it before any message)."""
    lines = []
    for s in streams:
        evs = sorted(s.events, key=lambda p: p[0])
        body = [json.dumps(line_for(shape, t, e)) for t, e in evs]
        if shuffle is not None:
            head, rest = (body[:1], body[1:]) if type(evs[0][1]).__name__ == "ConnectEvent" else ([], body)
            random.Random(shuffle).shuffle(rest)
            body = head + rest
        lines += body
    lines += list(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def lib():
    return SimpleNamespace(Stream=Stream, write_log=write_log, line_for=line_for, SHAPES=SHAPES, T0=T0, MIN=MIN,
                           ROOM=ROOM, HOST=HOST, HOST_ID=HOST_ID)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~10 s")


@pytest.fixture(params=["fast", "reference"])
def engine(request, monkeypatch):
    """Run a test with each event-log reader: the fast one (ingest/fastpath.py, the default) and the reference
    one it must match exactly (ingest/eventlog.py read line by line as text)."""
    from livelift.ingest import eventlog

    monkeypatch.setattr(eventlog, "FAST", request.param == "fast")
    return request.param
