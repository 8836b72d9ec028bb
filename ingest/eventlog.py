"""Stream LIVE event logs (.jsonl, .ndjson, .jsonl.gz) into per-room state.

One pass, one line at a time (memory stays flat with file size: see
``rooms.Room.fold``). Corrupt lines stop the run with an
:class:`~livelift.errors.InputError` naming the file, line and field, or, with
``skip_bad_lines``, are counted and the first five reasons kept. Unknown
event types are counted and ignored: they are not errors.

This module is the reference reader: every rule, read line by line as text.
:mod:`.fastpath` reads the common lines faster (bench_ingest.py) with the same
results and hands it every other line (``FAST`` / ``fast=`` chooses).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import NO_INPUT as _NO
from ..errors import InputError
from .events import _CACHE as _KIND_CACHE
from .events import envelope, gift_details, head, kind_of, receiver, user_id
from .keys import BadField, get, sub, text, whole
from .rooms import WINDOW_MS, Room, Session

try:  # orjson parses ~3x faster; the stdlib parser is the fallback
    from orjson import JSONDecodeError, loads
except ImportError:  # pragma: no cover - orjson is a dependency
    from json import JSONDecodeError, loads  # type: ignore[assignment]

__all__ = ["EventLogReader", "EVENT_EXTENSIONS", "MAX_REASONS"]

EVENT_EXTENSIONS = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
MAX_REASONS = 5
_FOLD_EVERY = 1 << 16
FAST = True
"""Read with :mod:`.fastpath` (the same results, faster); False = only this module's reference reader."""


class _Skip(Exception):
    """A bad line: where and why."""

    def __init__(self, field: str | None, msg: str, value: Any = None) -> None:
        self.field, self.msg, self.value = field, msg, value


class EventLogReader:
    """Reads any number of event logs into sessions (one per room id).

    ``creator`` names the host for every room (else each room takes it from
    the line's ``creator`` / ``creator_id`` field or the file's connect event,
    whose ``unique_id`` is the host's @handle). ``fast`` (default ``FAST``,
    True) reads with :mod:`.fastpath`; False uses only this module's reference code.
    """

    def __init__(self, *, creator: str | None = None, skip_bad_lines: bool = False, fast: bool | None = None) -> None:
        self.creator = creator.lstrip("@") if creator else None
        self.fast = FAST if fast is None else fast
        self.skip_bad_lines = skip_bad_lines
        self.rooms: dict[str, Room] = {}
        self.lines = 0
        self.events = 0
        self.ignored = 0
        self.duplicates = 0
        self.bad = 0
        self.reasons: list[str] = []
        self.unknown: Counter[str] = Counter()
        self.files: list[str] = []
        self.newest = 0
        self._lineno = 0

    # ------------------------------------------------------------------ files
    def read(self, path: str | Path) -> None:
        path = Path(path)
        self.files.append(str(path))
        ctx = {"room": "", "creator": ""}
        try:
            self._read_lines(path, ctx)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # a truncated or corrupt .gz
            raise InputError(f"cannot read the file past this point ({exc or type(exc).__name__})",
                             loc=f"{path}, after line {self._lineno}", expected="a complete .jsonl or .jsonl.gz file",
                             hint="a recording cut off mid-write can be rescued with: zcat FILE > FILE.jsonl "
                                  "(then ingest that; the last line may need --skip-bad-lines)") from None

    def _read_lines(self, path: Path, ctx: dict) -> None:
        self._lineno = 0
        if self.fast:
            try:
                from .fastpath import read_fast
            except ImportError:  # pragma: no cover - orjson is a dependency; without it, the reference reader
                pass
            else:
                return read_fast(self, path, ctx, _FOLD_EVERY)
        with _open(path) as fh:  # the reference reader: text lines, one at a time
            for lineno, raw in enumerate(fh, 1):
                self._lineno = lineno
                self._text_line(path, lineno, raw, ctx)

    def _text_line(self, path: Path, lineno: int, raw: str, ctx: dict) -> None:
        """One line of text (blank lines are not counted)."""
        if not raw.strip():
            return
        self.lines += 1
        try:
            obj = loads(raw)
        except (JSONDecodeError, ValueError) as exc:
            self._bad(path, lineno, None, f"not valid JSON ({_first_line(exc)})", None)
            return
        self._object(path, lineno, obj, ctx)

    def _object(self, path: Path, lineno: int, obj: Any, ctx: dict) -> None:
        """One parsed line: the reference rules, bad lines reported or counted."""
        try:
            if type(obj) is not dict:
                raise _Skip(None, f"not a JSON object (a JSON {type(obj).__name__})")
            self._line(obj, ctx)
        except BadField as exc:
            self._bad(path, lineno, exc.field, exc.problem, exc.value)
        except _Skip as exc:
            self._bad(path, lineno, exc.field, exc.msg, exc.value)

    def _bad(self, path: Path, lineno: int, field: str | None, msg: str, value: Any) -> None:
        where = f"{path}, line {lineno}" + (f", field {field!r}" if field else "")
        if not self.skip_bad_lines:
            raise InputError(msg, loc=where, input=value if value is not None else _NO,
                             hint="fix the line, or pass --skip-bad-lines to skip bad lines and count them")
        self.bad += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(f"{where}: {msg}" + (f" (got {value!r:.60})" if value is not None else ""))

    # ------------------------------------------------------------------ one line
    def _line(self, obj: dict, ctx: dict) -> None:
        name, data = envelope(obj)
        if name is None:
            raise _Skip("type", "no event type: expected a string under 'type' or 'event' "
                        "(a TikTokLive class name such as 'GiftEvent' or a connector event such as 'gift')")
        kind = _KIND_CACHE.get(name, 0)
        if kind == 0:
            kind = kind_of(name)
        if kind is None:
            self.unknown[name] += 1
            return
        if kind == "ignored" or kind == "disconnect":  # a disconnect is the client's, not the LIVE's
            self.ignored += 1
            return
        ts, room, msg_id = head(obj, data)
        if kind == "connect":
            hint = obj.get("creator") or obj.get("creator_id") or data.get("creator_id")
            handle = get(data, "unique_id", "uniqueId")
            if handle is None:
                owner = sub(sub(data, "room_info", "roomInfo") or {}, "owner") or {}
                handle = get(owner, "display_id", "displayId")
            ctx["room"] = room or ctx["room"]
            ctx["creator"] = text(hint or handle).lstrip("@")
        room = room or ctx["room"]
        if ts is None:
            if kind in ("connect", "disconnect", "end", "control"):
                return
            raise _Skip("common.createTime", "no event time: expected common.createTime / common.create_time "
                        "(epoch ms) or a top-level 'timestamp' / 'ts' (epoch ms or ISO 8601)")
        if not room:
            raise _Skip("common.roomId", "no room id: expected common.roomId / common.room_id, a 'room_id' / "
                        "'roomId' field, or an earlier connect event in the same file")
        r = self.rooms.get(room)
        if r is None:
            r = self.rooms[room] = Room(room, "events")
        if not r.creator:
            hint = obj.get("creator") or obj.get("creator_id") or data.get("creator_id")
            r.creator = self.creator or text(hint).lstrip("@") or ctx["creator"]
        if not r.touch(ts, msg_id):
            return
        self.events += 1
        r.last_line = self.events
        if ts > self.newest:
            self.newest = ts
        _HANDLERS[kind](r, data, ts)
        if self.events % _FOLD_EVERY == 0:
            self._fold()

    def _fold(self) -> None:
        """Keep memory flat: fold old state; pack rooms idle for a window of time and 2 fold periods of lines."""
        quiet_lines = self.events - 2 * _FOLD_EVERY
        for each in self.rooms.values():
            each.fold(idle=each.last_line < quiet_lines and each.newest < self.newest - WINDOW_MS)

    # ------------------------------------------------------------------ results
    def sessions(self) -> list[Session]:
        out = []
        self.duplicates = sum(r.dups for r in self.rooms.values())
        for r in self.rooms.values():
            if not r.creator:
                raise InputError(
                    f"room {r.room_id}: no creator id (no connect event with the host's unique_id, "
                    "no 'creator' field on its lines)",
                    loc=", ".join(self.files), expected="--creator @HANDLE naming the host of these LIVEs",
                )
            out.append(r.session(r.creator, set()))
        out.sort(key=lambda s: (s.creator_id, s.start_ms))
        return out


def _open(path: Path) -> io.TextIOBase:
    name = path.name.lower()
    if name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# ---------------------------------------------------------------------- handlers
def _gift(r: Room, d: dict, ts: int) -> None:
    g = d.get("gift")
    if type(g) is dict and (("diamondCount" in g) or ("diamond_count" in g)):  # TikTokLive: the common case
        diamonds = g.get("diamondCount")
        if diamonds is None:
            diamonds = g.get("diamond_count")
        gtype = g.get("type", 0)
        if type(diamonds) is not int or type(gtype) is not int:
            diamonds, gtype = whole(diamonds, "gift.diamondCount"), whole(gtype, "gift.type")
    else:
        diamonds, gtype = gift_details(d)
    if "toUser" in d or "to_user" in d or "receiverUserId" in d or "receiver_user_id" in d or "giftExtra" in d \
            or "gift_extra" in d:
        handle, rid = receiver(d)
    else:
        handle = rid = ""
    if handle:
        key = "u:" + handle
        if rid:
            r.handles[handle] = rid
    elif rid:
        key = "i:" + rid
    else:
        key = ""
    count = d.get("repeatCount")
    if count is None:
        count = d.get("repeat_count")
    end = d.get("repeatEnd")
    if end is None:
        end = d.get("repeat_end")
    r.add_gift(
        ts, user_id(d), text(get(d, "gift_id", "giftId")), text(get(d, "group_id", "groupId")),
        count if type(count) is int else whole(count, "repeatCount"),
        end if type(end) is int else whole(end, "repeatEnd"), diamonds, gtype, key,
    )


def _like(r: Room, d: dict, ts: int) -> None:
    total = d.get("total")
    if total is None:
        total = get(d, "total_like_count", "totalLikeCount")
    count = d.get("count")
    if count is None:
        count = get(d, "like_count", "likeCount")
    r.add_like(user_id(d), count if type(count) is int else whole(count, "count"),
               None if total is None else (total if type(total) is int else whole(total, "total")))


def _comment(r: Room, d: dict, ts: int) -> None:
    r.add_comment(user_id(d))


def _follow(r: Room, d: dict, ts: int) -> None:
    r.add_follow(user_id(d))


def _share(r: Room, d: dict, ts: int) -> None:
    r.add_share(user_id(d))


def _social(r: Room, d: dict, ts: int) -> None:
    label = text(get(d, "display_type", "displayType"))
    if not label:
        common = sub(d, "common") or {}
        dt = sub(common, "display_text", "displayText") or {}
        label = text(get(dt, "key") or get(dt, "display_type", "displayType"))
    label = label.lower()
    if "follow" in label:
        r.add_follow(user_id(d))
    elif "share" in label:
        r.add_share(user_id(d))


def _viewers(r: Room, d: dict, ts: int) -> None:
    v = get(d, "total")
    if v is None:
        v = get(d, "viewer_count", "viewerCount")
    r.add_viewers(ts, float(whole(v, "total")))


def _join(r: Room, d: dict, ts: int) -> None:
    r.add_user(user_id(d))


def _collab(r: Room, d: dict, ts: int) -> None:
    r.collab = True


def _end(r: Room, d: dict, ts: int) -> None:
    r.ended = True


def _control(r: Room, d: dict, ts: int) -> None:
    if whole(get(d, "action"), "action") == 3:  # STREAM_ENDED
        r.ended = True


def _nothing(r: Room, d: dict, ts: int) -> None:
    return None


_HANDLERS = {
    "gift": _gift, "like": _like, "comment": _comment, "follow": _follow, "share": _share, "social": _social,
    "viewers": _viewers, "join": _join, "collab": _collab, "end": _end, "control": _control,
    "connect": _nothing, "disconnect": _nothing,
}
