"""The fast event-log reader: the reference rules of :mod:`.eventlog`, specialised for the common lines.

The reference reader (``EventLogReader(fast=False)``) decodes each line as
text and probes every key spelling through :mod:`.events` and :mod:`.keys`.
This one reads the file as bytes in 1 MiB blocks, splits them where text
mode splits lines (LF, CRLF or a lone CR, so line numbers match), parses
each line's bytes with orjson, reads the common header
(``common.createTime`` / ``roomId`` / ``msgId``, either casing) and the
fields of the hot event kinds (gift, like, comment, viewers, join, follow,
share) with a few dictionary look-ups, and updates the room's state as
``Room.touch`` and the ``Room.add_*`` methods do (``add_gift`` is called).

It is an *accelerator*, not a second set of rules. It changes no state until
it has read everything the line says, and whenever a line is anything but
the plain case it knows (not valid UTF-8 JSON, not an object, no type under
``type`` / ``event``, no ``common`` header with a 12+ digit or integer time
and a string room id, a room the reference reader has not created yet or
whose host is unknown, a field that is not a number, a connect / end /
control / battle / social / unknown event) it hands the whole line to the
reference reader, which decides, counts or reports it exactly as it always
has. ``tests/ingest`` runs every reader test with both readers and checks on
randomised logs that both give identical sessions, counters and errors.
Measured by ``benchmarks/bench_ingest.py`` (which also times the reference).
"""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from .events import envelope, gift_details, kind_of, receiver, user_id
from .keys import BadField, get, text, whole

from orjson import loads  # bytes in (the stdlib's json.loads would strip a BOM the reference rejects)

__all__ = ["read_fast"]

# what the fast loop does with an event type name
_REFERENCE, _IGNORED, _GIFT, _VIEWERS, _LIKE, _COMMENT, _JOIN, _FOLLOW, _SHARE = range(9)
_CODES = {"gift": _GIFT, "like": _LIKE, "comment": _COMMENT, "viewers": _VIEWERS, "join": _JOIN,
          "follow": _FOLLOW, "share": _SHARE, "ignored": _IGNORED, "disconnect": _IGNORED}
_BY_NAME: dict[str, int] = {}
_SECONDS_BELOW = 100_000_000_000


def _code(name: str) -> int:
    code = _CODES.get(kind_of(name), _REFERENCE)  # type: ignore[arg-type]
    if len(_BY_NAME) < 10_000:
        _BY_NAME[name] = code
    return code


def _open(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _int(v: Any, field: str) -> int:
    """``keys.whole``; digit strings (int64 as text) converted inline."""
    if v.__class__ is int:
        return v
    if v.__class__ is str and v.isascii() and v.isdigit():
        return int(v)
    return whole(v, field)


def _gift_value(d: dict) -> tuple[int, int]:
    """``eventlog._gift``'s (diamond count, gift type) when the gift object is not the plain case."""
    g = d.get("gift")
    if g.__class__ is dict and ("diamondCount" in g or "diamond_count" in g):
        diamonds = g.get("diamondCount")
        if diamonds is None:
            diamonds = g.get("diamond_count")
        gtype = g.get("type", 0)
        if diamonds.__class__ is not int or gtype.__class__ is not int:
            return whole(diamonds, "gift.diamondCount"), whole(gtype, "gift.type")
        return diamonds, gtype
    return gift_details(d)


def _receiver(d: dict) -> tuple[str, str, str]:
    """``eventlog._gift``'s receiver -> (receiver key, handle, numeric id)."""
    handle, rid = receiver(d)
    return (("u:" + handle) if handle else ("i:" + rid) if rid else ""), handle, rid


def read_fast(rd: Any, path: Path, ctx: dict, fold_every: int) -> None:
    """Read one file into ``rd``, an ``eventlog.EventLogReader`` (the same results as its reference reader:
    see the module doc); ``fold_every``: fold the rooms' state every so many counted events, as it does."""
    where = [0]  # the number of the last line read, for the reader's gzip error
    try:
        with _open(path) as fh:
            for block in _blocks(fh):
                _loop(rd, block, path, ctx, where, fold_every)
    finally:
        rd._lineno = where[0]


def _blocks(fh: BinaryIO, size: int = 1 << 20) -> Iterator[list[bytes]]:
    """The file's lines, a block at a time, split where text mode splits them (LF, CRLF or a lone CR)."""
    rest = b""
    while True:
        block = fh.read(size)
        if not block:
            if rest:
                yield rest.splitlines(keepends=True)
            return
        cut = block.rfind(b"\n") + 1
        if not cut:
            rest += block
            continue
        chunk = rest + block[:cut] if rest else block[:cut]
        # no CR: LF is the only line end, and BytesIO's readlines (memchr) splits ~1.4x faster than splitlines
        yield chunk.splitlines(keepends=True) if b"\r" in chunk else BytesIO(chunk).readlines()
        rest = block[cut:]


def _text(raw: bytes) -> str:
    """The line as the reference reader sees it (UTF-8, bad bytes replaced, CRLF / CR read as LF)."""
    s = raw.decode("utf-8", "replace")
    if s.endswith("\r\n"):
        return s[:-2] + "\n"
    if s.endswith("\r"):
        return s[:-1] + "\n"
    return s


def _loop(rd: Any, block: list[bytes], path: Path, ctx: dict, where: list, fold_every: int) -> None:
    """The hot loop, one long function on purpose: a call costs ~0.15 us of a line's ~4 us here.

    It mirrors ``events.head``'s fast case, the handlers of :mod:`.eventlog`, ``Room.touch`` and the
    ``Room.add_*`` methods (a gift streak's event inline, other gifts through ``Room.add_gift``); counters
    live in locals and are written back to ``rd`` around every call into the reference reader. The
    event codes are literals (1 ignored, 2 gift, 3 viewers, 4 like, 5 comment, 6 join, 7 follow, 8 share:
    see ``_CODES``), the most common spelling of a field is looked up first and the last room is kept.
    """
    rooms, by_name = rd.rooms, _BY_NAME
    lineno, lines, events, newest = where[0], rd.lines, rd.events, rd.newest
    next_fold = events + fold_every - events % fold_every
    last_room, last_r = None, None  # the last line's room id and its Room (one with a creator)
    for lineno, raw in enumerate(block, lineno + 1):
        try:
            obj = loads(raw)
        except ValueError:  # blank, not JSON, or not UTF-8 (text mode replaces bad bytes)
            rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
            rd._text_line(path, lineno, _text(raw), ctx)
            lines, events, newest = rd.lines, rd.events, rd.newest
            next_fold = events + fold_every - events % fold_every
            continue
        lines += 1
        r = None
        if obj.__class__ is dict:
            name = obj.get("type")
            if name.__class__ is str:
                data = obj.get("data")
                if data.__class__ is not dict:
                    data = obj
            else:
                name, data = envelope(obj)
            code = by_name.get(name)
            if code is None:
                code = _code(name) if name is not None else _REFERENCE
            if code > 1:  # events.head's fast case
                common = data.get("common")
                if common is None:
                    common = obj.get("common")
                if common.__class__ is dict:
                    ts = common.get("createTime")
                    if ts is None:
                        ts = common.get("create_time")
                    if ts.__class__ is str and ts.isascii() and len(ts) >= 12 and ts.isdigit():
                        ts = int(ts)
                    elif ts.__class__ is not int or ts <= _SECONDS_BELOW:
                        ts = None
                    room = common.get("roomId")
                    if room is None:
                        room = common.get("room_id")
                    if ts is not None and room.__class__ is str:
                        if room == last_room:
                            r = last_r
                        else:
                            r = rooms.get(room)  # never '' or '0': the reference reader creates the rooms
                            if r is not None:
                                if r.creator:
                                    last_room, last_r = room, r
                                else:
                                    r = None
            elif code == 1:
                rd.ignored += 1
                continue
        if r is not None:
            # the event's fields, all read before anything changes (a bad one: the reference reports it)
            if code != 3:  # events.user_id
                u = data.get("user")
                if u.__class__ is not dict or (uid := u.get("id")).__class__ is not str or not uid or uid == "0":
                    uid = user_id(data)
            try:
                if code == 4:  # like
                    total = data.get("total")
                    if total is None:
                        total = get(data, "total_like_count", "totalLikeCount")
                    if total is not None and total.__class__ is not int:
                        if total.__class__ is str and total.isascii() and total.isdigit():
                            total = int(total)
                        else:
                            total = whole(total, "total")
                    count = data.get("count")
                    if count is None:
                        count = get(data, "like_count", "likeCount")
                    if count.__class__ is not int:
                        count = _int(count, "count")
                elif code == 2:  # gift
                    g = data.get("gift")
                    if g.__class__ is not dict or (diamonds := g.get("diamondCount")).__class__ is not int \
                            or (gtype := g.get("type", 0)).__class__ is not int:
                        diamonds, gtype = _gift_value(data)
                    if "toUser" in data or "to_user" in data or "receiverUserId" in data \
                            or "receiver_user_id" in data or "giftExtra" in data or "gift_extra" in data:
                        key, handle, rid = _receiver(data)
                    else:
                        key = handle = rid = ""
                    count = data.get("repeatCount")
                    if count is None:
                        count = data.get("repeat_count")
                    if count.__class__ is not int:
                        count = _int(count, "repeatCount")
                    end = data.get("repeatEnd")
                    if end is None:
                        end = data.get("repeat_end")
                        if end is None:
                            end = 0  # omitted: proto3's default
                    if end.__class__ is not int:
                        end = _int(end, "repeatEnd")
                    gift_id = data["gift_id"] if "gift_id" in data else None
                    if gift_id is None:
                        gift_id = data.get("giftId")
                    if gift_id.__class__ is not str:
                        gift_id = text(gift_id)
                    group = data["group_id"] if "group_id" in data else None
                    if group is None:
                        group = data.get("groupId")
                    if group.__class__ is not str:
                        group = text(group)
                elif code == 3:  # viewers
                    count = data.get("total")
                    if count is None:
                        count = get(data, "viewer_count", "viewerCount")
                    if count.__class__ is str and count.isascii() and count.isdigit():
                        count = float(int(count))
                    else:
                        count = float(_int(count, "total"))
            except BadField:
                r = None
        if r is not None:
            mid = common.get("msgId")
            if mid is None:
                mid = common.get("msg_id")
            if mid.__class__ is not str:
                mid = text(mid)
            # Room.touch
            if ts < r.first or not r.first:
                r.first = ts
            if ts > r.last:
                r.last = r.newest = ts
            if ts < r.horizon:
                r.late += 1
                continue
            if mid and mid != "0":
                seen = r.seen
                if mid in seen and seen[mid] >= r.horizon:  # Room.touch: an older id is forgotten
                    r.dups += 1
                    continue
                seen[mid] = ts
            events += 1
            r.last_line = events
            if ts > newest:
                newest = ts
            # the handlers (Room.add_*)
            if code == 4:  # like
                if total is not None and total > r.likes_total:
                    r.likes_total = total
                r.likes_sum += count
                if uid:
                    r.users.add(uid)
                    r.engaged.add(uid)
            elif code == 2:  # gift
                if handle and rid:
                    r.handles[handle] = rid
                if gtype == 1:  # Room.add_gift's streak case
                    if uid:
                        r.users.add(uid)
                    skey = (key, uid, gift_id, group)
                    st = r.streaks.get(skey)
                    if st is None:  # the first event of a streak
                        c = count if count > 0 else 0
                        r.streaks[skey] = [c, c if end else 0, ts, diamonds]
                    else:
                        if count > st[0]:
                            st[0] = count
                        if end and count > st[1]:
                            st[1] = count
                        if ts > st[2]:
                            st[2] = ts
                        if diamonds > st[3]:
                            st[3] = diamonds
                else:
                    r.add_gift(ts, uid, gift_id, group, count, end, diamonds, gtype, key)
            elif code == 5:  # comment
                r.comments += 1
                if uid:
                    r.users.add(uid)
                    r.engaged.add(uid)
            elif code == 3:  # viewers
                r.samples.append((ts, count))
                if count > r.peak:
                    r.peak = count
            elif code == 6:  # join
                if uid:
                    r.users.add(uid)
            elif code == 7:
                r.add_follow(uid)
            else:
                r.add_share(uid)
            if events == next_fold:
                next_fold += fold_every
                rd.events, rd.newest = events, newest
                rd._fold()
            continue
        rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
        rd._object(path, lineno, obj, ctx)
        lines, events, newest = rd.lines, rd.events, rd.newest
        next_fold = events + fold_every - events % fold_every
        last_room = last_r = None
    rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
