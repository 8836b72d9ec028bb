"""One LIVE (one room id) built up from its events, in any order, in flat memory.

The aggregation rules (facts.md section 5):

- a gift streak (gift type 1) counts once: ``diamond_count x repeat_count`` of
  the event with ``repeat_end == 1``; when that event never comes, the largest
  ``repeat_count`` seen for the (user, gift, group) at the stream's end (or
  once the streak has been quiet for ``WINDOW_MS``, 30 minutes). Other gift types count at
  once, per event;
- gifts whose receiver is not the host are kept apart (guest gifts) and left
  out of the host's diamonds;
- a message id counts once (reconnects replay messages);
- likes are the largest room total (``total`` / ``totalLikeCount``) seen,
  never the sum of the capped per-message counts (only when no event carries
  a total does the sum of counts stand in, and the session says so);
- average viewers are time-weighted: each viewer-count sample holds until
  the next one (the last until the stream's last event);
- minutes run from the first event to the last (connect -> end when recorded).

Lines may arrive out of order. To keep memory flat however long the log,
state older than ``WINDOW_MS`` behind the newest event of the room is folded
into running totals (streaks finalised, message ids forgotten, viewer
samples integrated). An event that arrives later than that behind the newest
one is counted in ``late`` and not added (it could double count). A room
with no event for a window of the log's time and two fold periods of lines
is packed (``fold(idle=True)``): only counts of its users and gifters stay.

A gift's receiver key is '' (no receiver named: the host), ``u:<handle>`` or
``i:<numeric id>``. The host is the creator's handle, any numeric id seen
next to that handle, and -- when only ids are known (Node v1's
``receiverUserId``) and no gift names no receiver -- the id that received
the most gifts (the session's notes say so).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Room", "Session", "WINDOW_MS"]

WINDOW_MS = 30 * 60 * 1000
"""How far out of order lines may arrive and still count exactly (30 minutes)."""
_SEEN_MIN = 1 << 16  # message ids a room keeps before fold drops the forgotten ones (a few MiB)


@dataclass(frozen=True)
class Session:
    """One LIVE, from events or from a summary row. Counts are 'observed' by a client."""

    creator_id: str
    room_id: str
    start_ms: int
    end_ms: int
    minutes: float
    diamonds: float
    gifts: int
    gifters: int
    likes: float
    comments: float
    shares: float
    follows: float
    avg_viewers: float
    peak_viewers: float
    unique_viewers: float
    engaged_viewers: float
    retention: float | None
    guests: int
    collaboration: bool
    guest_diamonds: float
    source: str
    notes: str = ""


class _Recv:
    """Gifts to one receiver ('' = the host)."""

    __slots__ = ("diamonds", "gifts", "gifters", "n_gifters")

    def __init__(self) -> None:
        self.diamonds = 0
        self.gifts = 0
        self.gifters: set[str] = set()
        self.n_gifters = 0  # gifters already counted and forgotten (an idle room's state was packed)


class Room:
    """Running state of one room; feed events with the ``add_*`` methods, then ``session()``."""

    __slots__ = (
        "room_id", "creator", "host_ids", "first", "last", "newest", "horizon", "seen", "streaks", "recv",
        "likes_total", "likes_sum", "comments", "shares", "follows", "samples", "v_area", "v_span", "v_carry",
        "peak", "users", "engaged", "collab", "ended", "late", "source", "handles", "dups", "n_users",
        "n_engaged", "last_line", "seen_cap",
    )

    def __init__(self, room_id: str, source: str) -> None:
        self.room_id = room_id
        self.source = source
        self.creator = ""
        self.host_ids: set[str] = set()
        self.first = self.last = self.newest = 0
        self.horizon = 0  # events before this were folded away
        self.seen: dict[str, int] = {}  # msg_id -> time, for duplicates (a time before horizon: forgotten)
        self.seen_cap = _SEEN_MIN  # fold drops the forgotten ids once seen grows past this
        self.streaks: dict[tuple, list] = {}  # (recv, user, gift, group) -> [max count, end count, last ms, diamonds]
        self.recv: dict[str, _Recv] = {}
        self.likes_total = -1
        self.likes_sum = 0
        self.comments = self.shares = self.follows = 0
        self.samples: list[tuple[int, float]] = []
        self.v_area = 0.0
        self.v_span = 0
        self.v_carry: tuple[int, float] | None = None
        self.peak = 0.0
        self.users: set[str] = set()
        self.engaged: set[str] = set()
        self.collab = False
        self.ended = False
        self.late = 0
        self.dups = 0
        self.n_users = self.n_engaged = 0
        self.last_line = 0
        self.handles: dict[str, str] = {}  # receiver @handle -> numeric id, to recognise the host by id

    # ------------------------------------------------------------------ bookkeeping
    def touch(self, ts: int, msg_id: str) -> bool:
        """Record the event's time; False when it must not be counted (duplicate or too late)."""
        if not self.first or ts < self.first:
            self.first = ts
        if ts > self.last:
            self.last = ts
            self.newest = ts
        if ts < self.horizon:
            self.late += 1
            return False
        if msg_id and msg_id != "0":
            seen = self.seen
            if msg_id in seen and seen[msg_id] >= self.horizon:
                self.dups += 1
                return False
            seen[msg_id] = ts
        return True

    def _recv(self, key: str) -> _Recv:
        r = self.recv.get(key)
        if r is None:
            r = self.recv[key] = _Recv()
        return r

    # ------------------------------------------------------------------ events
    def add_gift(self, ts: int, user: str, gift_id: str, group: str, count: int, end: int, diamonds: int,
                 gift_type: int, recv: str) -> None:
        if user:
            self.users.add(user)
        if gift_type != 1:
            r = self._recv(recv)
            r.diamonds += diamonds * max(count, 1)
            r.gifts += max(count, 1)
            if user:
                r.gifters.add(user)
            return
        key = (recv, user, gift_id, group)
        st = self.streaks.get(key)
        if st is None:  # the first event of a streak
            c = count if count > 0 else 0
            self.streaks[key] = [c, c if end else 0, ts, diamonds]
            return
        if count > st[0]:
            st[0] = count
        if end:
            st[1] = max(st[1], count)
        if ts > st[2]:
            st[2] = ts
        if diamonds > st[3]:
            st[3] = diamonds

    def add_like(self, user: str, count: int, total: int | None) -> None:
        if total is not None and total > self.likes_total:
            self.likes_total = total
        self.likes_sum += count
        if user:
            self.users.add(user)
            self.engaged.add(user)

    def add_comment(self, user: str) -> None:
        self.comments += 1
        if user:
            self.users.add(user)
            self.engaged.add(user)

    def add_share(self, user: str) -> None:
        self.shares += 1
        if user:
            self.users.add(user)
            self.engaged.add(user)

    def add_follow(self, user: str) -> None:
        self.follows += 1
        if user:
            self.users.add(user)

    def add_viewers(self, ts: int, viewers: float) -> None:
        self.samples.append((ts, viewers))
        if viewers > self.peak:
            self.peak = viewers

    def add_user(self, user: str) -> None:
        if user:
            self.users.add(user)

    # ------------------------------------------------------------------ folding
    def fold(self, *, idle: bool = False) -> None:
        """Fold state more than the window behind the newest event into running totals.

        ``idle``: the room has had no event for a window of the log's time (a
        finished LIVE, or one recorded in another file): fold everything, and
        keep only counts of its users and gifters (a user seen again later may
        be counted twice; the LIVE's other figures stay exact).
        """
        horizon = self.newest + 1 if idle else self.newest - WINDOW_MS
        if horizon <= self.horizon:
            return
        self.horizon = horizon
        if idle:
            self.n_users += len(self.users)
            self.n_engaged += len(self.engaged)
            self.users, self.engaged = set(), set()
        streaks = self.streaks
        for key in [k for k, st in streaks.items() if st[2] < horizon]:
            self._close(key, streaks.pop(key))
        if idle:
            self.seen = {}
        elif len(self.seen) > self.seen_cap:  # ids older than the horizon count as forgotten already
            self.seen = {m: t for m, t in self.seen.items() if t >= horizon}
            self.seen_cap = max(2 * len(self.seen), _SEEN_MIN)
        self._integrate(horizon)
        if idle:
            for r in self.recv.values():
                r.n_gifters += len(r.gifters)
                r.gifters = set()

    def _close(self, key: tuple, st: list) -> None:
        count = st[1] if st[1] else st[0]
        if count < 1:
            count = 1
        r = self.recv.get(key[0])
        if r is None:
            r = self.recv[key[0]] = _Recv()
        r.diamonds += st[3] * count
        r.gifts += count
        if key[1]:
            r.gifters.add(key[1])

    def _integrate(self, horizon: int) -> None:
        if not self.samples:
            return
        self.samples.sort()
        keep = [s for s in self.samples if s[0] >= horizon]
        done = self.samples[: len(self.samples) - len(keep)]
        prev = self.v_carry
        for s in done:
            if prev is not None:
                self.v_area += prev[1] * (s[0] - prev[0])
                self.v_span += s[0] - prev[0]
            prev = s
        self.v_carry = prev
        self.samples = keep

    def session(self, creator: str, host_ids: set[str]) -> Session:
        """The finished LIVE (folds everything)."""
        for key in list(self.streaks):
            self._close(key, self.streaks.pop(key))
        self._integrate(self.last + 1)
        avg = self.peak if self.v_carry is not None else 0.0
        if self.v_carry is not None:
            tail = max(self.last - self.v_carry[0], 0)
            area, span = self.v_area + self.v_carry[1] * tail, self.v_span + tail
            avg = area / span if span > 0 else self.v_carry[1]
        me = creator.lstrip("@").lower()
        host_ids = set(host_ids) | {i for h, i in self.handles.items() if h == me and i}
        host_keys = {""} | {"i:" + h for h in host_ids} | {"u:" + me}
        notes = []
        id_keys = [k for k in self.recv if k.startswith("i:")]
        if id_keys and "" not in self.recv and not (host_keys & set(id_keys)):
            # the host's numeric id is unknown: the receiver with the most gifts is taken as the host
            top = max(id_keys, key=lambda k: (self.recv[k].gifts, self.recv[k].diamonds))
            host_keys.add(top)
            notes.append(f"host id inferred as {top[2:]} (the receiver of the most gifts)")
        diamonds = gifts = guest_d = packed_gifters = 0
        gifters: set[str] = set()
        guests = 0
        for key, r in self.recv.items():
            if key in host_keys:
                diamonds += r.diamonds
                gifts += r.gifts
                gifters |= r.gifters
                packed_gifters += r.n_gifters
            else:
                guests += 1
                guest_d += r.diamonds
        likes = self.likes_total
        if likes < 0:
            likes = self.likes_sum
            if self.likes_sum:
                notes.append("no like event carried a room total: likes are the sum of per-message counts (a floor)")
        if self.late:
            notes.append(f"{self.late} event(s) arrived over {WINDOW_MS // 60000} min out of order and were not counted")
        unique = float(max(len(self.users) + self.n_users, self.peak))
        minutes = (self.last - self.first) / 60000.0
        return Session(
            creator_id=creator, room_id=self.room_id, start_ms=self.first, end_ms=self.last, minutes=minutes,
            diamonds=float(diamonds), gifts=gifts, gifters=len(gifters) + packed_gifters, likes=float(likes),
            comments=float(self.comments), shares=float(self.shares), follows=float(self.follows),
            avg_viewers=float(avg), peak_viewers=float(self.peak), unique_viewers=unique,
            engaged_viewers=float(len(self.engaged) + self.n_engaged),
            retention=(min(1.0, avg / unique) if unique > 0 else None),
            guests=guests, collaboration=bool(self.collab or guests), guest_diamonds=float(guest_d),
            source=self.source, notes="; ".join(notes),
        )
