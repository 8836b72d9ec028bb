"""Many creators' LIVE event logs for the ingest tests, from the shipped example logs.

``examples/events.jsonl.gz`` (made by ``examples/make_examples.py`` with
TikTokLive's own classes: gift streaks, lost repeat_end, guest gifts,
duplicate message ids, lines out of order, unknown types, battles; four line
shapes) holds 3 creators x 7 weeks. Here its LIVEs are split into one file
per creator and fortnight, and copied under 3 more creators (new handles and
room ids), plus the cases that matter for partitioning: a LIVE whose lines
continue in the creator's next file, a file holding two creators' LIVEs (its
first lines name only one), a summary table with creators that have no event
logs, labels and creator facts.
"""

from __future__ import annotations

import csv
import gzip
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MONDAY = datetime(2026, 1, 5, tzinfo=timezone.utc)
COPIES = {"mia.plays": "ana.cooks", "sam.sings": "bo.runs", "lee.talks": "cy.draws"}
MIXED = ("bo.runs", "cy.draws")  # their weeks 5-7 share files, cy's LIVEs first
SPLIT = "sam.sings"  # its last LIVE of week 4 goes on in the next file
_ROOM = re.compile(r"73000000000000000\d\d")


def _lives() -> dict[str, tuple[str, int, list[str]]]:
    """room id -> (creator, start ms, lines) of the example log."""
    from livelift.ingest.reading import read_event_logs

    src = EXAMPLES / "events.jsonl.gz"
    sessions, _ = read_event_logs([src], creator=None, skip_bad_lines=False)
    out = {s.room_id: (s.creator_id, s.start_ms, []) for s in sessions}
    room = None
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh.read().splitlines():
            found = _ROOM.search(line)
            room = found.group(0) if found else room  # a line without a room id stays with the LIVE before it
            out[room][2].append(line)
    return out


def _copy(line: str) -> str:
    for old, new in COPIES.items():
        line = line.replace(old, new)
    return _ROOM.sub(lambda m: "7300000000001" + m.group(0)[13:], line)


def _week(start_ms: int) -> int:
    return (datetime.fromtimestamp(start_ms / 1000, timezone.utc) - MONDAY).days // 7 + 1


def build(folder: Path, seed: int = 3) -> dict:
    """Write the logs, a summary table, creators and labels into ``folder``; -> what was written."""
    rng = random.Random(seed)
    files: dict[str, list[str]] = {}
    lives = sorted(_lives().values(), key=lambda v: (v[0], v[1]))
    split_start = max(s for c, s, _ in lives if c == SPLIT and _week(s) == 4)
    for copy in (False, True):
        for creator, start, lines in lives:
            who = COPIES[creator] if copy else creator
            lines = [_copy(x) for x in lines] if copy else lines
            week = _week(start)
            name = f"{'bo+cy' if who in MIXED and week >= 5 else who}-w{(week + 1) // 2}.jsonl.gz"
            if who == SPLIT and start == split_start:
                cut = len(lines) // 2
                files.setdefault(name, []).extend(lines[:cut])
                files.setdefault(f"{who}-w3.jsonl.gz", []).extend(lines[cut:])
                continue
            files.setdefault(name, []).extend(lines)
    logs = folder / "logs"
    logs.mkdir()
    paths = []
    for name in sorted(files, key=lambda n: (n.split("-w")[1], n)):  # input order: fortnight, then creator
        paths.append(logs / name)
        with gzip.open(paths[-1], "wt", encoding="utf-8") as fh:
            fh.write("\n".join(files[name]) + "\n")
    creators = folder / "creators.csv"
    with open(creators, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["creator_id", "followers", "category", "creator_age", "region"])
        handles = list(COPIES) + list(COPIES.values())
        for i, who in enumerate(h for h in handles if h != "ana.cooks"):  # ana's facts come from the summary table
            w.writerow([who, 1000 + 500 * i, ("gaming", "music", "talk")[i % 3], 20 + i, ("US", "GB", "KR")[i % 3]])
    summaries = folder / "summaries.csv"
    labels = folder / "labels.csv"
    _summaries(summaries, labels, rng)
    return {"logs": paths, "creators": creators, "summaries": summaries, "labels": labels}


def _summaries(path: Path, labels_path: Path, rng: random.Random) -> None:
    """ana.cooks' facts (+ 2 summary LIVEs), and 8 creators known only from summary rows; labels for some weeks."""
    cols = ["creator_id", "start", "duration_minutes", "viewers", "avg_viewers", "diamonds", "likes", "comments",
            "followers", "category", "creator_age", "region"]
    rows, labels = [], [["creator_id", "week", "strategy"]]
    for who in ["ana.cooks"] + [f"sum{i:02d}" for i in range(8)]:
        weeks = 2 if who == "ana.cooks" else 9
        for wk in range(weeks):
            for k in range(rng.randint(1, 3)):
                start = MONDAY + timedelta(weeks=wk, days=k * 2, hours=rng.randint(12, 21))
                rows.append([who, start.strftime("%Y-%m-%dT%H:%M"), rng.randint(30, 120), rng.randint(20, 300),
                             round(rng.uniform(3, 40), 1), rng.randint(0, 900), rng.randint(0, 5000), rng.randint(0, 80),
                             rng.randint(500, 9000), "music", rng.randint(18, 50), "DE"])
        if who != "ana.cooks" and rng.random() < 0.7:
            labels.append([who, (MONDAY + timedelta(weeks=6, days=2)).date().isoformat(), "promote"])
    labels.append(["mia.plays", (MONDAY + timedelta(weeks=5, days=1)).date().isoformat(), "engage_audience"])
    labels.append(["nobody.here", "2026-02-02", "promote"])  # unused: reported as such
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([cols] + rows)
    with open(labels_path, "w", newline="") as fh:
        csv.writer(fh).writerows(labels)


def corrupt(path: Path, line: int, text: str) -> None:
    """Replace line ``line`` (1-based) of a .jsonl.gz file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    lines[line - 1] = text
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
