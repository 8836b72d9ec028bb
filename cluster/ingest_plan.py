"""``ingest --engine dask``: which files go together (one creator's logs in one task), and what a task does.

A room's host is decided the way the local reader decides it (``--creator``,
else the line's ``creator`` field or the file's connect event), and a room
may continue in the next file. So the files are grouped by creator before
any task runs: each event log's first lines are read through the local
reader (:func:`sniff`) to see whose LIVEs it holds; files naming a common
creator form one group; creators seen only in summary tables get a group of
their own. Groups are packed into tasks (:func:`pack`, about four per worker
thread, by bytes). A task (:func:`ingest_task`) reads its event logs in input
order with ONE reader, adds its creators' summary rows, and runs the local
per-creator step (``pipeline.build_part``: weekly history, 4-week trailing
profiles, labels, money, current profiles).

The first lines are a guess, so every result is checked (:func:`conflicts`):
a creator or a room found by two tasks, or a creator with facts, summary
rows or labels found by a task that did not get them, makes those tasks run
again as one. The answer is therefore never wrong, only slower when files
mix creators in ways their first lines do not show.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..ingest.facts import with_defaults
from ..ingest.pipeline import CreatorPart, build_part
from ..ingest.reading import ReadStats, read_event_logs

__all__ = ["SNIFF_LINES", "Group", "Task", "TaskResult", "sniff", "group_files", "pack", "ingest_task", "conflicts"]

SNIFF_LINES = 200
SUMMARY_BYTES = 300  # a summary row's weight next to event-log bytes, when packing groups into tasks


def sniff(path: str, lines: int = SNIFF_LINES) -> tuple[tuple[str, ...], int]:
    """(creators whose LIVEs the file's first ``lines`` lines hold, by the local reader's rule; file bytes)."""
    from ..errors import InputError

    size = os.path.getsize(path)
    fd, head = tempfile.mkstemp(suffix=".jsonl", prefix="livelift-sniff-")
    try:
        with os.fdopen(fd, "wb") as out, (gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")) as fh:
            for _, raw in zip(range(lines), fh):
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
        sessions, _ = read_event_logs([head], creator=None, skip_bad_lines=True, orphans=[])
        return tuple(sorted({s.creator_id for s in sessions})), size
    except (InputError, OSError, EOFError, ValueError):
        return (), size  # no creator in the first lines (or unreadable: the task will say so): a group alone
    finally:
        os.unlink(head)


@dataclass
class Group:
    """Files (positions among the event logs, input order) and the creators they were given."""

    files: list[int] = field(default_factory=list)
    claims: set[str] = field(default_factory=set)
    cost: int = 0


def group_files(sniffed: list[tuple[tuple[str, ...], int]], summary_rows: dict[str, int],
                creator: str | None) -> list[Group]:
    """Files naming a common creator -> one group; summary-only creators -> a group each."""
    if creator is not None:  # --creator: every LIVE is that host's, so every file is one creator's
        g = Group(list(range(len(sniffed))), {creator}, sum(size for _, size in sniffed))
        g.cost += SUMMARY_BYTES * sum(summary_rows.values())
        return [g]
    parent = list(range(len(sniffed)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, (creators, _) in enumerate(sniffed):
        for c in creators:
            if c in first:
                parent[find(i)] = find(first[c])
            else:
                first[c] = i
    by_root: dict[int, Group] = {}
    for i, (creators, size) in enumerate(sniffed):
        g = by_root.setdefault(find(i), Group())
        g.files.append(i)
        g.claims.update(creators)
        g.cost += size
    groups = list(by_root.values())
    owner = {c: g for g in groups for c in g.claims}
    for c, n in summary_rows.items():
        g = owner.get(c)
        if g is None:
            g = owner[c] = Group(claims={c})
            groups.append(g)
        g.cost += SUMMARY_BYTES * n
    return groups


def pack(groups: list[Group], tasks: int) -> list[Group]:
    """Groups -> at most ``tasks`` tasks of similar weight (largest first, each into the lightest task)."""
    bins = [Group() for _ in range(max(1, min(tasks, len(groups))))]
    for g in sorted(groups, key=lambda g: -g.cost):
        b = min(bins, key=lambda b: b.cost)
        b.files += g.files
        b.claims |= g.claims
        b.cost += g.cost
    for b in bins:
        b.files.sort()
    return [b for b in bins if b.files or b.claims]


@dataclass(frozen=True)
class Task:
    """One task's work: its event logs (input order), and its claimed creators' summary sessions, facts, labels."""

    index: int
    file_ids: tuple[int, ...]
    files: tuple[str, ...]
    claims: frozenset[str]
    summary_sessions: tuple = ()
    info: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    strict: bool = False  # a room without a host is an error (else it is reported: it may go on in another task's file)


@dataclass(frozen=True)
class TaskResult:
    index: int
    part: CreatorPart
    stats: tuple[tuple[int, ReadStats], ...]  # (event log position, what it added)
    creators: frozenset[str]  # hosts of the event-log LIVEs read
    rooms: frozenset[str]
    lives: int
    events: int
    orphans: frozenset[str] = frozenset()  # rooms no line of this task's files names the host of


def ingest_task(task: Task, *, creator: str | None, skip_bad_lines: bool, timezone: str,
                defaults: dict[str, Any], diamond_usd: float) -> TaskResult:
    """Read the task's event logs with one reader, then the local per-creator step on all its creators' LIVEs."""
    orphans: list[str] | None = None if task.strict else []
    sessions, stats = read_event_logs(list(task.files), creator=creator, skip_bad_lines=skip_bad_lines, orphans=orphans)
    every = list(task.summary_sessions) + sessions  # the local order: summary rows first, then event LIVEs
    info = with_defaults(task.info, every, defaults)
    part = build_part(every, info, task.labels, timezone=timezone, diamond_usd=diamond_usd)
    return TaskResult(
        task.index, part, tuple(zip(task.file_ids, stats)), frozenset(s.creator_id for s in sessions),
        frozenset(s.room_id for s in sessions), len(every), sum(s.events for s in stats), frozenset(orphans or ()),
    )


def conflicts(tasks: dict[int, Task], results: dict[int, TaskResult], known: set[str]) -> list[set[int]]:
    """Sets of task indexes that must run again as one task (empty when every result stands).

    A result stands when each creator and room it found is found by no other
    task, and each creator it found that has facts, summary rows or labels
    (``known``) was claimed by it (so it got them). A room whose host no line
    of the task's files names (``orphans``) joins the task that has the room;
    when no other task has it, the caller re-runs the task ``strict``, which
    raises the local reader's error.
    """
    parent = {i: i for i in results}

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    dirty: set[int] = set()
    owner = {c: i for i, t in tasks.items() for c in t.claims}
    seen_creator: dict[str, int] = {}
    seen_room: dict[str, int] = {}
    for i, r in results.items():
        for c in r.creators:
            j = owner.get(c)
            if j is not None and j != i:
                union(i, j)
                dirty |= {i, j}
            elif j is None and c in known:
                dirty.add(i)  # it must get the creator's facts / summary rows / labels
            if c in seen_creator and seen_creator[c] != i:
                union(i, seen_creator[c])
                dirty |= {i, seen_creator[c]}
            seen_creator.setdefault(c, i)
        for room in r.rooms | r.orphans:
            if room in seen_room and seen_room[room] != i:
                union(i, seen_room[room])
                dirty |= {i, seen_room[room]}
            seen_room.setdefault(room, i)
    merged: dict[int, set[int]] = {}
    for i in dirty:
        merged.setdefault(find(i), set()).add(i)
    return list(merged.values())
