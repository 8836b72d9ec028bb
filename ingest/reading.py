"""Reading ingest's inputs: event logs through one reader (a LIVE may span files), summary tables row by
row, and the counts each file adds (:class:`ReadStats`), so one run and many tasks report alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from .eventlog import EventLogReader
from .facts import merge_facts
from .rooms import Session
from .summaries import read_summaries

__all__ = ["ReadStats", "merge_stats", "read_event_logs", "summary_stats", "read_all", "no_lives"]


@dataclass(frozen=True)
class ReadStats:
    """Counts from reading some input files. :func:`merge_stats` adds them up in input order (summary
    files, then event logs), so the first reasons and the first-seen unknown types come out as one read."""

    event_lines: int = 0
    events: int = 0
    duplicates: int = 0
    ignored: int = 0
    unknown: tuple[tuple[str, int], ...] = ()  # (event type, count), first seen first
    summary_rows: int = 0
    bad: int = 0
    event_reasons: tuple[str, ...] = ()
    summary_reasons: tuple[str, ...] = ()
    sessions: tuple[tuple[str, int], ...] = ()  # (source, LIVEs)


def merge_stats(parts: list[ReadStats]) -> ReadStats:
    unknown: Counter = Counter()
    sessions: Counter = Counter()
    for s in parts:
        for k, v in s.unknown:
            unknown[k] += v
        for k, v in s.sessions:
            sessions[k] += v
    return ReadStats(
        event_lines=sum(s.event_lines for s in parts), events=sum(s.events for s in parts),
        duplicates=sum(s.duplicates for s in parts), ignored=sum(s.ignored for s in parts),
        unknown=tuple(unknown.items()), summary_rows=sum(s.summary_rows for s in parts), bad=sum(s.bad for s in parts),
        event_reasons=tuple(r for s in parts for r in s.event_reasons),
        summary_reasons=tuple(r for s in parts for r in s.summary_reasons),
        sessions=tuple((k, v) for k, v in sessions.items() if v),
    )


def _read_events_into(log: EventLogReader, path: str | Path) -> ReadStats:
    """One event log into ``log`` (rooms may continue from earlier files); -> what this file added."""
    before = (log.lines, log.events, log.ignored, log.bad, len(log.reasons), Counter(log.unknown))
    log.read(path)
    seen = before[5]
    return ReadStats(
        event_lines=log.lines - before[0], events=log.events - before[1], ignored=log.ignored - before[2],
        bad=log.bad - before[3], event_reasons=tuple(log.reasons[before[4]:]),
        unknown=tuple((k, v - seen.get(k, 0)) for k, v in log.unknown.items() if v != seen.get(k, 0)),
    )


def read_event_logs(paths: list[str | Path], *, creator: str | None, skip_bad_lines: bool,
                    orphans: list[str] | None = None) -> tuple[list[Session], list[ReadStats]]:
    """Event logs, in this order, through one reader (a room may span files) -> (sessions, counts per file).

    A room whose host no line names is an error, unless ``orphans`` is a list:
    then its id is appended there and it is left out (``ingest --engine dask``
    reads a file alone whose LIVE began in another file).
    """
    log = EventLogReader(creator=creator, skip_bad_lines=skip_bad_lines)
    stats = [_read_events_into(log, p) for p in paths]
    if orphans is not None:
        for room in [r for r, state in log.rooms.items() if not state.creator]:
            orphans.append(room)
            del log.rooms[room]
    sessions = log.sessions()
    if stats:
        stats[0] = replace(stats[0], duplicates=log.duplicates, sessions=(("events", len(sessions)),))
    return sessions, stats


def summary_stats(s: Any) -> ReadStats:
    """What one summary file (a :class:`~.summaries.SummaryRead`) adds to the counts."""
    return ReadStats(summary_rows=s.rows, bad=s.bad, summary_reasons=tuple(s.reasons),
                     sessions=(("summary", len(s.sessions)),))


@dataclass
class Read:
    sessions: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    stats: list = field(default_factory=list)


def read_all(paths: list[str | Path], kinds: dict, *, creator: str | None, timezone: str,
              skip_bad_lines: bool) -> Read:
    """Every file, by kind: event logs into one reader (rooms may span files), summaries row by row."""
    read = Read()
    log = EventLogReader(creator=creator, skip_bad_lines=skip_bad_lines)
    event_stats = []
    for p in paths:
        if kinds[str(p)] == "events":
            event_stats.append(_read_events_into(log, p))
            continue
        s = read_summaries(p, creator=creator, timezone=timezone, skip_bad_lines=skip_bad_lines)
        read.sessions += s.sessions
        read.stats.append(summary_stats(s))
        merge_facts(read.info, s.creator_info)
    events = log.sessions()
    if event_stats:
        event_stats[0] = replace(event_stats[0], duplicates=log.duplicates, sessions=(("events", len(events)),))
    read.sessions += events
    read.stats += event_stats
    if not read.sessions:
        raise no_lives(paths)
    return read


def no_lives(paths: list[str | Path]) -> InputError:
    return InputError("no LIVE found in the input", loc=", ".join(map(str, paths)),
                      expected="event lines with a room id and time, or summary rows")
