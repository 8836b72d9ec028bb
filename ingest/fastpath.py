"""The fast event-log reader: the reference rules of :mod:`.eventlog`, specialised for the common lines.

The reference reader (``EventLogReader(fast=False)``) decodes each line as
text and probes every key spelling through :mod:`.events` and :mod:`.keys`.
This one reads raw bytes (orjson parses them directly), reads the common
header (``common.createTime`` / ``roomId`` / ``msgId``, either casing) and
the fields of the hot event kinds (gift, like, comment, viewers, join,
follow, share) with a few dictionary look-ups, and then calls the same
``Room`` methods. It is an *accelerator*, not a second set of rules: it
changes no state until it has read everything a line says, and whenever a
line is anything but the plain case it knows (no ``common`` header, a
non-numeric value, a type other than int or digit string, an unknown room,
a connect / end / control / battle / social event, a line that is not
valid UTF-8 JSON, a carriage return) it hands the whole line to the
reference reader, which then decides, counts or reports it exactly as it
always does. ``tests/ingest`` runs every test with both readers, and checks
on randomised logs that both give identical sessions and counts.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator

from . import eventlog
from .events import envelope, gift_details, kind_of, receiver, user_id
from .keys import BadField, get, text, whole

if TYPE_CHECKING:  # pragma: no cover
    from .eventlog import EventLogReader

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


def _uid(d: dict) -> str:
    """``events.user_id`` for the common case (a ``user`` object with a string id)."""
    u = d.get("user")
    if u.__class__ is dict:
        v = u.get("id")
        if v.__class__ is str and v and v != "0":
            return v
    return user_id(d)


def _int(v: Any, field: str) -> int:
    """``keys.whole``; digit strings (int64 as text) converted inline."""
    if v.__class__ is int:
        return v
    if v.__class__ is str and v.isascii() and v.isdigit():
        return int(v)
    return whole(v, field)


def _gift_args(d: dict) -> tuple:
    """What ``eventlog._gift`` reads, without changing anything: (user, gift id, group, count, end,
    diamonds, gift type, receiver key, receiver handle, receiver id)."""
    g = d.get("gift")
    if g.__class__ is dict and ("diamondCount" in g or "diamond_count" in g):
        diamonds = g.get("diamondCount")
        if diamonds is None:
            diamonds = g.get("diamond_count")
        gtype = g.get("type", 0)
        if diamonds.__class__ is not int or gtype.__class__ is not int:
            diamonds, gtype = whole(diamonds, "gift.diamondCount"), whole(gtype, "gift.type")
    else:
        diamonds, gtype = gift_details(d)
    handle = rid = key = ""
    if "toUser" in d or "to_user" in d or "receiverUserId" in d or "receiver_user_id" in d or "giftExtra" in d \
            or "gift_extra" in d:
        handle, rid = receiver(d)
        key = ("u:" + handle) if handle else ("i:" + rid) if rid else ""
    count = d.get("repeatCount")
    if count is None:
        count = d.get("repeat_count")
    end = d.get("repeatEnd")
    if end is None:
        end = d.get("repeat_end")
    gift_id = d.get("gift_id")
    if gift_id is None:
        gift_id = d.get("giftId")
    group = d.get("group_id")
    if group is None:
        group = d.get("groupId")
    return (_uid(d), gift_id if gift_id.__class__ is str else text(gift_id),
            group if group.__class__ is str else text(group), _int(count, "repeatCount"), _int(end, "repeatEnd"),
            diamonds, gtype, key, handle, rid)


def _like_args(d: dict) -> tuple:
    total = d.get("total")
    if total is None:
        total = get(d, "total_like_count", "totalLikeCount")
    count = d.get("count")
    if count is None:
        count = get(d, "like_count", "likeCount")
    return _uid(d), _int(count, "count"), None if total is None else _int(total, "total")


def _viewers_arg(d: dict) -> float:
    v = d.get("total")
    if v is None:
        v = get(d, "viewer_count", "viewerCount")
    return float(_int(v, "total"))


def _head(obj: dict, data: dict) -> tuple | None:
    """``events.head``'s fast case -> (epoch ms, room id, message id); None = let the reference decide."""
    common = data.get("common")
    if common is None:
        common = obj.get("common")
    if common.__class__ is not dict:
        return None
    t = common.get("createTime")
    if t is None:
        t = common.get("create_time")
    if t.__class__ is str:
        if not (t.isascii() and t.isdigit() and len(t) >= 12):
            return None
        t = int(t)
    elif t.__class__ is not int or t <= _SECONDS_BELOW:
        return None
    r = common.get("roomId")
    if r is None:
        r = common.get("room_id")
    if r is None or r == "0" or r == 0:
        return None
    if r.__class__ is not str:
        r = text(r)
    if not r:
        return None  # an empty room id: the reference takes the connect event's
    m = common.get("msgId")
    if m is None:
        m = common.get("msg_id")
    return t, r, (m if m.__class__ is str else text(m))


def read_fast(rd: EventLogReader, path: Path, ctx: dict) -> None:
    """Read one file into ``rd`` (same results as ``rd``'s reference reader; see the module doc)."""
    where = [0]  # the number of the last line read, for the reader's gzip error
    try:
        with _open(path) as fh:
            for block in _blocks(fh):
                _loop(rd, block, path, ctx, where)
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
        yield (rest + block[:cut] if rest else block[:cut]).splitlines(keepends=True)
        rest = block[cut:]


def _text(raw: bytes) -> str:
    """The line as the reference reader sees it (UTF-8, bad bytes replaced, CRLF / CR read as LF)."""
    s = raw.decode("utf-8", "replace")
    if s.endswith("\r\n"):
        return s[:-2] + "\n"
    if s.endswith("\r"):
        return s[:-1] + "\n"
    return s


def _loop(rd: EventLogReader, block: list[bytes], path: Path, ctx: dict, where: list) -> None:
    """The hot loop, inlined on purpose: a function call costs ~3% of a line's time here.

    It mirrors ``events.head``'s fast case, ``Room.touch`` and the ``Room.add_*`` methods; counters live in
    locals and are written back to ``rd`` around every call into the reference reader.
    """
    rooms, by_name, fold_every = rd.rooms, _BY_NAME, eventlog._FOLD_EVERY
    lineno, lines, events, newest = where[0], rd.lines, rd.events, rd.newest
    for raw in block:
        lineno += 1
        try:
            obj = loads(raw)
        except ValueError:  # blank, not JSON, or not UTF-8 (text mode replaces bad bytes)
            rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
            rd._text_line(path, lineno, _text(raw), ctx)
            lines, events, newest = rd.lines, rd.events, rd.newest
            continue
        lines += 1
        if obj.__class__ is dict:
            name = obj.get("type")
            if name.__class__ is str:
                data = obj.get("data")
                if data.__class__ is not dict:
                    data = obj
            else:
                name, data = envelope(obj)
            code = by_name.get(name, -1) if name is not None else _REFERENCE
            if code < 0:
                code = _code(name)
            if code == _IGNORED:
                rd.ignored += 1
                continue
            if code != _REFERENCE:
                common = data.get("common")
                if common is None:
                    common = obj.get("common")
                r = None
                if common.__class__ is dict:
                    ts = common.get("createTime")
                    if ts is None:
                        ts = common.get("create_time")
                    if ts.__class__ is str and ts.isascii() and ts.isdigit() and len(ts) >= 12:
                        ts = int(ts)
                    elif ts.__class__ is not int or ts <= _SECONDS_BELOW:
                        ts = None
                    room = common.get("roomId")
                    if room is None:
                        room = common.get("room_id")
                    if ts is not None and room.__class__ is str:
                        r = rooms.get(room)  # never '' or '0': the reference reader creates the rooms
                if r is not None and r.creator:
                    # the event's fields, read before anything changes (a bad one: the reference reports it)
                    uid = count = total = ""
                    if code == _LIKE or code >= _COMMENT:
                        u = data.get("user")
                        if u.__class__ is not dict or (uid := u.get("id")).__class__ is not str or not uid \
                                or uid == "0":
                            uid = user_id(data)
                    try:
                        if code == _LIKE:
                            total = data.get("total")
                            if total is None:
                                total = get(data, "total_like_count", "totalLikeCount")
                            if total is not None and total.__class__ is not int:
                                total = _int(total, "total")
                            count = data.get("count")
                            if count is None:
                                count = get(data, "like_count", "likeCount")
                            if count.__class__ is not int:
                                count = _int(count, "count")
                        elif code == _GIFT:
                            gift = _gift_args(data)
                        elif code == _VIEWERS:
                            count = _viewers_arg(data)
                    except BadField:
                        r = None
                if r is not None and r.creator:
                    mid = common.get("msgId")
                    if mid is None:
                        mid = common.get("msg_id")
                    if mid.__class__ is not str:
                        mid = text(mid)
                    # Room.touch
                    if not r.first or ts < r.first:
                        r.first = ts
                    if ts > r.last:
                        r.last = r.newest = ts
                    if ts < r.horizon:
                        r.late += 1
                        continue
                    if mid and mid != "0":
                        if mid in r.seen:
                            r.dups += 1
                            continue
                        r.seen[mid] = ts
                    events += 1
                    r.last_line = events
                    if ts > newest:
                        newest = ts
                    # Room.add_*
                    if code == _LIKE:
                        if total is not None and total > r.likes_total:
                            r.likes_total = total
                        r.likes_sum += count
                        if uid:
                            r.users.add(uid)
                            r.engaged.add(uid)
                    elif code == _GIFT:
                        if gift[8] and gift[9]:
                            r.handles[gift[8]] = gift[9]
                        r.add_gift(ts, *gift[:8])
                    elif code == _COMMENT:
                        r.comments += 1
                        if uid:
                            r.users.add(uid)
                            r.engaged.add(uid)
                    elif code == _VIEWERS:
                        r.samples.append((ts, count))
                        if count > r.peak:
                            r.peak = count
                    elif code == _JOIN:
                        if uid:
                            r.users.add(uid)
                    elif code == _FOLLOW:
                        r.add_follow(uid)
                    else:
                        r.add_share(uid)
                    if events % fold_every == 0:
                        rd.events, rd.newest = events, newest
                        rd._fold()
                    continue
        rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
        rd._object(path, lineno, obj, ctx)
        lines, events, newest = rd.lines, rd.events, rd.newest
    rd.lines, rd.events, rd.newest, where[0] = lines, events, newest, lineno
