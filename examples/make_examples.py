"""Make the example inputs of `livelift ingest` (deterministic; MADE-UP numbers, not TikTok data).

    python examples/make_examples.py            # needs TikTokLive==7.0.1 (pip install 'livelift[record]')

Writes, next to this script:

- ``events.jsonl.gz``: 3 creators x 7 weeks of LIVE events, every event built
  with TikTokLive's own classes and serialized with its ``to_dict()``, in four
  line shapes: TikTokLive snake_case under ``data`` (mia.plays), TikTokLive
  camelCase fields at the top level under ``event`` (sam.sings), and the Node
  connector's v1 flat (lee.talks, weeks 1-3) and v2 nested shapes with ISO
  timestamps (lee.talks, weeks 4-7). Traps present: gift streaks, streaks
  whose ``repeat_end`` is lost, non-streakable gifts, gifts to a guest,
  duplicate message ids, capped like counts with room totals, int64 as
  strings, omitted zero values (``repeatEnd``), lines out of order, unknown
  and unused event types, a link-mic battle;
- ``creators.csv``: followers, category and age of those 3 creators;
- ``live_summaries.csv``: 90 creators x 16 weeks of LIVE summary rows;
- ``labels.csv``: strategies some creators say they tried.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONDAY = datetime(2026, 1, 5, tzinfo=timezone.utc)  # week 1
WEEKS = 7


def _lib():
    from TikTokLive.events import (
        CommentEvent, ConnectEvent, EnvelopeEvent, FollowEvent, GiftEvent, LikeEvent, LinkMicBattleEvent,
        LiveEndEvent, RoomUserSeqEvent, ShareEvent,
    )
    from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser
    from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData

    return dict(Comment=CommentEvent, Connect=ConnectEvent, Envelope=EnvelopeEvent, Follow=FollowEvent,
                Gift=GiftEvent, Like=LikeEvent, Battle=LinkMicBattleEvent, End=LiveEndEvent,
                Viewers=RoomUserSeqEvent, Share=ShareEvent, G=ExtendedGift, U=ExtendedUser, C=CommonMessageData)


def live_events(L, rng: random.Random, host: str, room: int, start_ms: int, minutes: int, viewers: int,
                collab: bool, msg: list[int]) -> list:
    """One LIVE as TikTokLive event objects, in time order."""
    # (named _mk, not 'common': pydantic resolves the proto classes' type hints lazily, on first
    #  construction, in the *caller's* frame too, and a local called 'common' shadows a module alias)
    def _mk(t):
        msg[0] += 1
        return L["C"](msg_id=msg[0], room_id=room, create_time=t)

    fans = [L["U"](id=1000 + i, display_id=f"fan{i}", nickname=f"Fan {i}") for i in range(150)]
    rose = L["G"](id=5655, name="Rose", type=1, diamond_count=1)
    heart = L["G"](id=5487, name="Finger Heart", type=1, diamond_count=5)
    lion = L["G"](id=6369, name="Lion", type=2, diamond_count=29999 // 100)  # a made-up price
    guest = L["U"](id=777, display_id="guest.star")
    end = start_ms + minutes * 60000
    evs = [(start_ms, L["Connect"](unique_id=host, room_id=room))]
    t, v = start_ms, viewers
    while t < end:
        v = max(1, int(v + rng.gauss(0, viewers * 0.15)))
        evs.append((t, L["Viewers"](common=_mk(t), total=v)))
        t += 120_000
    total_likes = 0
    for _ in range(rng.randint(20, 40)):
        t = rng.randint(start_ms, end)
        n = rng.randint(1, 15)  # each message is capped at 15
        total_likes += n * rng.randint(1, 6)  # the room total also counts likes no message carried
        evs.append((t, L["Like"](common=_mk(t), count=n, total=total_likes, user=rng.choice(fans))))
    for _ in range(rng.randint(10, 25)):
        t = rng.randint(start_ms, end)
        evs.append((t, L["Comment"](common=_mk(t), content="hi!", user=rng.choice(fans))))
    for kind in ("Follow", "Share"):
        for _ in range(rng.randint(0, 4)):
            t = rng.randint(start_ms, end)
            evs.append((t, L[kind](common=_mk(t), user=rng.choice(fans))))
    for s in range(rng.randint(3, 8)):  # streaks
        t = rng.randint(start_ms, end - 60_000)
        fan, gift, n = rng.choice(fans), rng.choice((rose, heart)), rng.randint(1, 12)
        lost = rng.random() < 0.2  # repeat_end never arrives
        for k in range(1, n + 1):
            last = k == n and not lost
            evs.append((t + k * 500, L["Gift"](common=_mk(t + k * 500), gift_id=gift.id, repeat_count=k,
                                               repeat_end=int(last), group_id=room % 1000 * 100 + s, user=fan,
                                               gift=gift)))
    for _ in range(rng.randint(0, 2)):
        t = rng.randint(start_ms, end)
        evs.append((t, L["Gift"](common=_mk(t), gift_id=lion.id, repeat_count=1, user=rng.choice(fans), gift=lion)))
    if collab:
        t = start_ms + minutes * 30000
        evs.append((t, L["Battle"](common=_mk(t))))
        for k in range(3):  # gifts to the guest: not the host's diamonds
            evs.append((t + k, L["Gift"](common=_mk(t + k), gift_id=lion.id, repeat_count=1,
                                         user=rng.choice(fans), gift=lion, to_user=guest)))
    evs.append((rng.randint(start_ms, end), L["Envelope"](common=_mk(start_ms + 1000))))
    evs.append((end, L["End"](common=_mk(end))))
    evs.sort(key=lambda p: p[0])
    return evs


def shape_lines(rng: random.Random, creator: str, week: int, evs: list) -> list[dict]:
    from livelift.ingest.shapes import node_v1_line, node_v2_line, tiktoklive_line

    out = []
    for t, e in evs:
        if creator == "mia.plays":
            out.append(tiktoklive_line(e, snake=True, nested=True, timestamp=t))
        elif creator == "sam.sings":
            if type(e).__name__ == "ConnectEvent":
                out.append({"event": "ConnectEvent", "unique_id": e.unique_id, "room_id": str(e.room_id)})
            else:
                out.append(tiktoklive_line(e, snake=False, nested=False, type_key="event"))
        elif week <= 3:
            out.append(node_v1_line(e, timestamp=t))
        else:
            iso = datetime.fromtimestamp(t / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
            out.append(node_v2_line(e, timestamp=iso))
    for _ in range(max(1, len(out) // 60)):  # reconnect replays: the same message id twice
        out.append(dict(rng.choice(out)))
    out.append({"type": "MysteryBoxEvent", "data": {"note": "a type no client documents"}})
    # lines out of order (the connect line stays first: a client writes it before any message arrives)
    for i in range(1, len(out) - 1, 2):
        if rng.random() < 0.3:
            out[i], out[i + 1] = out[i + 1], out[i]
    cut = max(1, len(out) - 40)
    tail = out[cut:]
    rng.shuffle(tail)
    out[cut:] = tail
    return out


PLAN = {  # creator -> (LIVEs per week, week with a battle, base viewers)
    "mia.plays": ([2, 3, 2, 3, 2, 3, 2], {6}, 40),
    "sam.sings": ([2, 2, 2, 2, 2, 5, 2], set(), 25),
    "lee.talks": ([1, 2, 1, 2, 2, 1, 2], {7}, 15),
}


def make_events(path: Path) -> int:
    L = _lib()
    rng = random.Random(12)
    lines, msg, room = [], [7_400_000_000_000_000_000], 7_300_000_000_000_000_000
    for creator, (per_week, battles, viewers) in PLAN.items():
        for w in range(1, WEEKS + 1):
            for k in range(per_week[w - 1]):
                room += 1
                start = MONDAY + timedelta(weeks=w - 1, days=k * 2, hours=19, minutes=rng.randint(0, 50))
                evs = live_events(L, rng, creator, room, int(start.timestamp() * 1000), rng.randint(35, 95),
                                  viewers, w in battles and k == 0, msg)
                lines += shape_lines(rng, creator, w, evs)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, separators=(",", ":")) + "\n")
    return len(lines)


def make_creators(path: Path) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["creator_id", "followers", "category", "creator_age", "region"])
        w.writerow(["mia.plays", 5200, "gaming", 24, "US"])
        w.writerow(["sam.sings", 2100, "music", 31, "GB"])
        w.writerow(["lee.talks", 1300, "talk", 45, "KR"])


CATEGORIES = ("gaming", "music", "talk", "education", "beauty", "fitness", "other")
REGIONS = ("US", "GB", "DE", "BR", "KR", "JP", "FR")


def make_summaries(path: Path, labels_path: Path) -> int:
    rng = random.Random(7)
    rows, labels = [], []
    for c in range(90):
        who = f"creator{c:02d}"
        base_viewers = math.exp(rng.gauss(3.2, 0.8))
        per_viewer = math.exp(rng.gauss(2.0, 0.6))  # diamonds per average viewer per hour
        followers = int(base_viewers * rng.uniform(60, 150))
        rate = rng.choice((1, 2, 2, 3, 3, 4))
        cat, age, region = rng.choice(CATEGORIES), rng.randint(18, 55), rng.choice(REGIONS)
        for wk in range(16):
            collab = wk >= 4 and rng.random() < 0.28
            freq = wk >= 4 and not collab and rng.random() < 0.22
            said = None if collab or freq or wk < 4 or rng.random() > 0.45 else rng.choice(("promote", "engage_audience"))
            lives = rate + (rng.randint(2, 3) if freq else 0)
            boost = (1.35 if collab else 1.0) * (1.15 if said == "promote" else 1.0) * (1.1 if said == "engage_audience" else 1.0)
            if said:
                labels.append([who, (MONDAY + timedelta(weeks=wk, days=rng.randint(0, 6))).date().isoformat(), said])
            for k in range(lives):
                start = MONDAY + timedelta(weeks=wk, days=k * 7 // max(lives, 1), hours=rng.randint(12, 22),
                                           minutes=rng.choice((0, 15, 30, 45)))
                minutes = max(10, int(rng.gauss(70, 20)))
                avg = max(1.0, base_viewers * rng.lognormvariate(0, 0.25) * (1.2 if collab else 1.0))
                viewers = int(avg * rng.uniform(4, 9))
                diamonds = int(per_viewer * avg * minutes / 60 * boost * rng.lognormvariate(0, 0.4))
                row = {
                    "creator_id": who, "start": start.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": minutes,
                    "viewers": viewers, "peak_viewers": int(avg * rng.uniform(1.3, 2.2)),
                    "diamonds": diamonds, "gifters": max(0, int(viewers * rng.uniform(0.01, 0.06))),
                    "gifts": int(diamonds / rng.uniform(3, 30)), "likes": int(avg * minutes * rng.uniform(2, 9)),
                    "comments": int(avg * rng.uniform(2, 8)), "shares": int(avg * rng.uniform(0.05, 0.3)),
                    "new_followers": int(viewers * rng.uniform(0.005, 0.03)),
                    "collaboration": "yes" if collab and k == 0 else "",
                    "followers": followers, "category": cat, "creator_age": age, "region": region,
                }
                if c % 3 == 0:  # some tools export average watch time instead of average viewers
                    row["avg_watch_minutes"] = round(avg * minutes / viewers, 2)
                else:
                    row["avg_viewers"] = round(avg, 1)
                rows.append(row)
            followers += int(rng.uniform(5, 40))
    cols = ["creator_id", "start", "duration_minutes", "viewers", "avg_viewers", "avg_watch_minutes",
            "peak_viewers", "diamonds", "gifters", "gifts", "likes", "comments", "shares", "new_followers",
            "collaboration", "followers", "category", "creator_age", "region"]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    labels.append(["mia.plays", "2026-02-12", "promote"])  # overrides the battle week's detected 'collaborate'
    with open(labels_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["creator_id", "week", "strategy"])
        w.writerows(labels)
    return len(rows)


if __name__ == "__main__":
    n = make_events(HERE / "events.jsonl.gz")
    make_creators(HERE / "creators.csv")
    m = make_summaries(HERE / "live_summaries.csv", HERE / "labels.csv")
    print(f"wrote {n:,} event lines, {m:,} summary rows")
