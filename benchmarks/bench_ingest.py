"""How fast `livelift ingest` reads, and whether its memory stays flat with file size.

    OMP_NUM_THREADS=1 python benchmarks/bench_ingest.py [--events 5000000] [--rows 200000] [--no-reference]

Event lines are TikTokLive 7 ``to_dict()`` output (camelCase, the library's
default: int64 as strings, zero values omitted), serialized once from the
real library's classes and then stamped with new ids and times, in a mix of
40% likes, 25% gifts (streaks with repeat_end, some lost), 20% comments, 10%
viewer counts, 5% joins, 20,000 events per room. Each gift event has a random
user, so nearly every one opens a streak of its own (~1.0 events per streak
key; the made-up examples/events.jsonl.gz has 5.8, and 31% gifts, 27% viewer
counts, 22% likes, 14% comments, 3% shares and follows): streak handling
costs more here than in a log where fans repeat a gift. Each size is read in a fresh
process (one core); the figures are events/s (wall clock, and per CPU second:
the machine is shared, so the CPU figure is the steadier one) and that
process's peak RSS. The smaller size is also read with the reference reader
(``EventLogReader(fast=False)``, the pre-fastpath code), in its own process,
so the speed-up is a ratio from one run; both must give the same LIVEs.
Summary tables: rows/s of ``read_summaries`` on a CSV.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOM_EVENTS = 20_000


def templates() -> dict[str, str]:
    """One line per kind, from TikTokLive's own classes, with %-placeholders for the varying values."""
    from TikTokLive.events import CommentEvent, GiftEvent, JoinEvent, LikeEvent, RoomUserSeqEvent
    from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser
    from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData as C

    from livelift.ingest.shapes import tiktoklive_line

    cm = C(msg_id=111111111111, room_id=222222222222, create_time=333333333333)
    user = ExtendedUser(id=444444444, display_id="fan")
    rose = ExtendedGift(id=5655, name="Rose", type=1, diamond_count=1)
    evs = {
        "like": LikeEvent(common=cm, count=15, total=555555, user=user),
        "gift": GiftEvent(common=cm, gift_id=5655, repeat_count=77, repeat_end=1, group_id=666666, user=user, gift=rose),
        "comment": CommentEvent(common=cm, content="hello", user=user),
        "viewers": RoomUserSeqEvent(common=cm, total=8888),
        "join": JoinEvent(common=cm, user=user),
    }
    out = {}
    for kind, ev in evs.items():
        text = json.dumps(tiktoklive_line(ev, snake=False, nested=True), separators=(",", ":"))
        for sentinel, slot in (("111111111111", "%(msg)d"), ("222222222222", "%(room)d"),
                               ("333333333333", "%(t)d"), ("444444444", "%(user)d"), ("555555", "%(total)d"),
                               ('"repeatCount":77', '"repeatCount":%(count)d'), ("666666", "%(group)d"),
                               ("8888", "%(viewers)d")):
            text = text.replace(sentinel, slot)
        out[kind] = text
    out["gift_mid"] = out["gift"].replace(',"repeatEnd":1', "")  # mid-streak: repeatEnd omitted (0)
    return out


def write_events(path: Path, n: int, seed: int = 0) -> None:
    tpl = templates()
    rng = random.Random(seed)
    kinds = ["like"] * 8 + ["gift"] * 5 + ["comment"] * 4 + ["viewers"] * 2 + ["join"]
    t = 1_767_639_600_000
    total = 0
    streak = 0
    with open(path, "w", encoding="utf-8") as fh:
        buf = []
        for i in range(n):
            room = 7_300_000_000 + i // ROOM_EVENTS
            kind = kinds[rng.randrange(20)]
            t += rng.randrange(50, 400)
            vals = {"msg": i + 1, "room": room, "t": t, "user": rng.randrange(5000), "total": total,
                    "count": 1, "group": 0, "viewers": rng.randrange(10, 500)}
            if kind == "like":
                total += rng.randrange(1, 60)
                vals["total"] = total
            elif kind == "gift":
                streak += 1
                vals["count"], vals["group"] = streak % 10 + 1, streak // 10
                kind = "gift" if streak % 10 == 9 and rng.random() > 0.1 else "gift_mid"
            buf.append(tpl[kind] % vals)
            if len(buf) >= 10_000:
                fh.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            fh.write("\n".join(buf) + "\n")


def write_summaries(path: Path, n: int) -> None:
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("creator_id,start,duration_minutes,viewers,avg_viewers,diamonds,likes,comments,shares,new_followers\n")
        for i in range(n):
            fh.write(f"c{i % 500},2026-01-{1 + i % 28:02d}T{i % 24:02d}:00,{rng.randrange(10, 200)},"
                     f"{rng.randrange(10, 900)},{rng.randrange(1, 90)},{rng.randrange(0, 9000)},"
                     f"{rng.randrange(0, 90000)},{rng.randrange(0, 900)},{rng.randrange(0, 30)},{rng.randrange(0, 40)}\n")


def _child_events(path: str, reader: str) -> None:
    from livelift.ingest.eventlog import EventLogReader, loads

    t = time.perf_counter()
    with open(path, "rb") as fh:  # the floor: reading and parsing the lines, nothing else
        for raw in fh:
            loads(raw)
    parse_only = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    r = EventLogReader(creator="bench", fast=reader == "fast")
    r.read(path)
    sessions = r.sessions()
    dt, cpu = time.perf_counter() - t, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = hashlib.sha256(repr(sessions).encode()).hexdigest()[:16]
    print(json.dumps({"events": r.events, "seconds": dt, "cpu": cpu, "parse_only": parse_only, "rss_mib": rss,
                      "sessions": len(sessions), "diamonds": sum(s.diamonds for s in sessions), "digest": digest}))


def _child_summaries(path: str) -> None:
    from livelift.ingest.summaries import read_summaries

    t = time.perf_counter()
    out = read_summaries(path)
    dt = time.perf_counter() - t
    print(json.dumps({"rows": len(out.sessions), "seconds": dt}))


def _run(kind: str, path: Path, reader: str = "fast") -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path), reader], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--no-reference", action="store_true", help="skip the reference reader's run")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        if args.child[0] == "events":
            _child_events(args.child[1], args.child[2])
        else:
            _child_summaries(args.child[1])
        return
    try:
        import orjson  # noqa: F401
        parser = "orjson"
    except ImportError:
        parser = "json (stdlib)"
    print(f"python {sys.version.split()[0]}, JSON parser {parser}, one process per run (one core)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted({max(args.events // 5, 1), args.events}):  # the smaller one first
            path = Path(tmp) / f"events_{n}.jsonl"
            t = time.perf_counter()
            write_events(path, n)
            size = path.stat().st_size / 2**20
            print(f"wrote {n:,} event lines ({size:,.0f} MiB) in {time.perf_counter() - t:.0f} s")
            load = os.getloadavg()[0]
            r = _run("events", path)
            print(f"  events: {r['events']:,} in {r['seconds']:.1f} s = {r['events'] / r['seconds']:,.0f} events/s "
                  f"({r['events'] / r['cpu']:,.0f} per CPU second); peak RSS {r['rss_mib']:,.0f} MiB; "
                  f"{r['sessions']:,} LIVEs, {r['diamonds']:,.0f} diamonds")
            print(f"  same process, only reading + parsing the lines: {r['events'] / r['parse_only']:,.0f} lines/s "
                  f"(ingest runs at {r['parse_only'] / r['seconds']:.0%} of that; load average "
                  f"{load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            if n < args.events and not args.no_reference:
                ref = _run("events", path, "reference")
                same = "identical LIVEs" if ref["digest"] == r["digest"] else "DIFFERENT LIVEs (a bug)"
                print(f"  reference reader: {ref['events'] / ref['seconds']:,.0f} events/s "
                      f"({ref['events'] / ref['cpu']:,.0f} per CPU second); fast reader "
                      f"{ref['cpu'] / r['cpu']:.2f}x its speed per CPU second; {same}")
            path.unlink()
        path = Path(tmp) / "summaries.csv"
        write_summaries(path, args.rows)
        r = _run("summaries", path)
        print(f"summaries: {r['rows']:,} rows in {r['seconds']:.1f} s = {r['rows'] / r['seconds']:,.0f} rows/s")


if __name__ == "__main__":
    main()
