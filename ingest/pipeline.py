"""Files in, history out: the whole ``livelift ingest`` run.

``ingest(paths, ...)`` detects each file's kind (event log or LIVE summary
table), streams the event logs into sessions, reads the summaries into
sessions, builds the weekly history, labels the weeks and reports what
happened. ``write_outputs`` validates the history against the data contract
and writes it (and the sessions table) atomically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .eventlog import EVENT_EXTENSIONS, EventLogReader
from .labels import SOURCES, label_weeks, read_labels
from .money import CreatorMoney, money_by_creator
from .summaries import SUMMARY_EXTENSIONS, read_summaries
from .weekly import CreatorInfoMissing, WeekSkip, current_profiles, sessions_frame, weekly_history

__all__ = ["ingest", "write_outputs", "read_creators", "file_kind", "IngestResult", "IngestReport",
           "HISTORY_OUTPUT_COLUMNS"]

HISTORY_OUTPUT_COLUMNS = (
    "creator_id", "week", "followers", "avg_viewers", "engagement_rate", "streams_per_week", "avg_stream_minutes",
    "retention_rate", "prior_weekly_diamonds", "category", "creator_age", "region", "strategy", "gift_diamonds",
    "likes", "comments", "new_followers", "gifts", "strategy_source",
)
"""The data contract's columns (region only when every creator has one), then two of ingest's own:
``gifts`` and ``strategy_source`` (``train`` notes them as ignored)."""

CLIENT_NOTE = (
    "Event counts are as observed by an unofficial TikTok LIVE client (TikTokLive / TikTok-Live-Connector); "
    "they can differ from TikTok's LIVE Analytics. USD is an estimate from the rules' diamond_usd parameter."
)


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run read, made and skipped."""

    files: tuple[str, ...]
    event_lines: int
    events: int
    duplicates: int
    ignored_events: int
    unknown_types: dict[str, int]
    summary_rows: int
    bad_lines: int
    bad_reasons: tuple[str, ...]
    sessions: dict[str, int]
    weeks: int
    skipped_weeks: tuple[WeekSkip, ...]
    strategies: dict[str, dict[str, int]]
    money: tuple[CreatorMoney, ...]
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "event_lines": self.event_lines, "events": self.events, "duplicates": self.duplicates,
            "ignored_events": self.ignored_events, "unknown_types": dict(self.unknown_types),
            "summary_rows": self.summary_rows, "bad_lines": self.bad_lines, "bad_reasons": list(self.bad_reasons),
            "sessions": dict(self.sessions), "weeks": self.weeks,
            "skipped_weeks": [s.__dict__ for s in self.skipped_weeks],
            "strategies": {k: dict(v) for k, v in self.strategies.items()},
            "money": [m.as_dict() for m in self.money],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class IngestResult:
    history: Any  # pandas DataFrame, HISTORY_OUTPUT_COLUMNS
    sessions: Any  # pandas DataFrame, weekly.SESSION_COLUMNS + week
    report: IngestReport
    profiles: Any = None  # pandas DataFrame: each creator's profile now (weekly.current_profiles)


def file_kind(path: str | Path) -> str:
    """'events' or 'summary' by extension (a .csv whose first character is '{' is an event log)."""
    p = Path(path)
    name = p.name.lower()
    if any(name.endswith(ext) for ext in EVENT_EXTENSIONS):
        return "events"
    if p.suffix.lower() in SUMMARY_EXTENSIONS:
        if p.suffix.lower() == ".csv" and p.is_file():
            with open(p, "rb") as fh:
                if fh.read(64).lstrip()[:1] == b"{":
                    return "events"
        return "summary"
    raise InputError(
        "unknown input file type", loc=str(p),
        expected="an event log (" + ", ".join(EVENT_EXTENSIONS) + ") or a LIVE summary table ("
        + ", ".join(SUMMARY_EXTENSIONS) + ")", input=p.suffix or p.name,
    )


def _check_timezone(tz: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("unknown time zone", loc="--timezone", expected="an IANA zone such as 'UTC' or "
                         "'Europe/Berlin'", input=tz) from None
    return tz


def ingest(paths: list[str | Path], *, diamond_usd: float, creator: str | None = None,
           creators: dict[str, dict[str, Any]] | None = None, defaults: dict[str, Any] | None = None,
           labels: str | Path | None = None,
           timezone: str = "UTC", skip_bad_lines: bool = False) -> IngestResult:
    """Read event logs and summary tables (any mix) -> history, sessions and a report.

    ``creators`` (id -> followers, category, creator_age, region) overrides what
    summary rows say; ``defaults`` fills what neither gives, for every creator.
    """
    if not paths:
        raise InputError("no input files", loc="FILES", expected="one or more event logs or summary tables")
    _check_timezone(timezone)
    for p in paths:
        if not Path(p).is_file():
            raise InputError("file not found", loc=str(p), expected="an existing event log or summary table")
    label_map = read_labels(labels) if labels is not None else {}
    read = _read_all(paths, creator=creator, timezone=timezone, skip_bad_lines=skip_bad_lines)
    info = _creator_facts(read, creators or {}, defaults or {})
    sdf = sessions_frame(read.sessions, timezone)
    hist, skips, counts, notes = _history(sdf, info, label_map)
    notes += [f"{s.creator_id} room {s.room_id}: {s.notes}" for s in read.sessions if s.notes]
    log = read.log
    report = IngestReport(
        files=tuple(map(str, paths)), event_lines=log.lines, events=log.events, duplicates=log.duplicates,
        ignored_events=log.ignored, unknown_types=dict(log.unknown.most_common()), summary_rows=read.summary_rows,
        bad_lines=read.bad, bad_reasons=tuple(read.reasons),
        sessions=dict(Counter(s.source for s in read.sessions)), weeks=len(hist), skipped_weeks=tuple(skips),
        strategies={k: dict(v) for k, v in counts.items()},
        money=tuple(money_by_creator(sdf, diamond_usd=diamond_usd, date_col="start", diamonds_col="diamonds",
                                     count_lives=True)),
        notes=tuple(notes),
    )
    profiles = current_profiles(sdf, info)
    if "region" in profiles.columns and profiles["region"].isna().any():
        profiles = profiles.drop(columns="region")
    return IngestResult(history=hist, sessions=sdf, report=report, profiles=profiles)


@dataclass
class _Read:
    log: EventLogReader
    sessions: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    summary_rows: int = 0
    bad: int = 0
    reasons: list = field(default_factory=list)


def _read_all(paths: list[str | Path], *, creator: str | None, timezone: str, skip_bad_lines: bool) -> _Read:
    """Every file, by kind: event logs into one reader (rooms may span files), summaries row by row."""
    kinds = {str(p): file_kind(p) for p in paths}
    read = _Read(EventLogReader(creator=creator, skip_bad_lines=skip_bad_lines))
    summary_reasons: list[str] = []
    for p in paths:
        if kinds[str(p)] == "events":
            read.log.read(p)
            continue
        s = read_summaries(p, creator=creator, timezone=timezone, skip_bad_lines=skip_bad_lines)
        read.sessions += s.sessions
        read.summary_rows += s.rows
        read.bad += s.bad
        summary_reasons += s.reasons
        for who, facts in s.creator_info.items():
            read.info.setdefault(who, {}).update({k: v for k, v in facts.items() if not k.startswith("_")})
    read.sessions += read.log.sessions()
    read.bad += read.log.bad
    read.reasons = (read.log.reasons + summary_reasons)[:5]
    if not read.sessions:
        raise InputError("no LIVE found in the input", loc=", ".join(map(str, paths)),
                         expected="event lines with a room id and time, or summary rows")
    return read


def _creator_facts(read: _Read, creators: dict[str, dict[str, Any]], defaults: dict[str, Any]) -> dict:
    """Summary rows' facts, overridden by --creators, with --followers/--category/--creator-age for gaps."""
    info = {who: dict(f) for who, f in read.info.items()}
    for who, facts in creators.items():
        info.setdefault(who, {}).update({k: v for k, v in facts.items() if v is not None})
    for who in {s.creator_id for s in read.sessions}:
        for k, v in defaults.items():
            info.setdefault(who, {}).setdefault(k, v)
    return info


def _history(sdf: Any, info: dict, label_map: dict) -> tuple[Any, list[WeekSkip], dict, list[str]]:
    try:
        hist, skips = weekly_history(sdf, info)
    except CreatorInfoMissing as exc:
        listed = "; ".join(f"{c}: {', '.join(k)}" for c, k in sorted(exc.missing.items()))
        raise InputError(
            f"no {', '.join(sorted({k for v in exc.missing.values() for k in v}))} for creator(s) with history "
            f"weeks ({listed})", loc="creators",
            expected="followers (now), category and creator_age for each creator",
            hint="give them with --followers N --category C --creator-age A (applies to every creator), "
                 "--creators FILE (CSV/JSON with creator_id, followers, category, creator_age[, region]) "
                 "or as columns of a summary table",
        ) from None
    notes = [CLIENT_NOTE]
    counts: dict[str, Counter] = {s: Counter() for s in SOURCES}
    if len(hist):
        hist, counts, label_notes = label_weeks(hist, label_map)
        notes += label_notes
        if "region" in hist.columns and hist["region"].isna().any():
            hist = hist.drop(columns="region")
            notes.append("region left out: not every creator has one")
        hist = hist[[c for c in HISTORY_OUTPUT_COLUMNS if c in hist.columns]]
    elif label_map:
        notes.append(f"{len(label_map)} label(s) unused: no history weeks")
    return hist, skips, counts, notes


def write_outputs(result: IngestResult, history_path: str | Path, sessions_path: str | Path | None = None,
                  profiles_path: str | Path | None = None) -> None:
    """Validate the history (and profiles) against the data contract, then write them atomically."""
    from ..data.contract import validate_history, validate_profiles
    from ..data.writers import write_frame

    hist = result.history
    if len(hist) == 0:
        skipped = result.report.skipped_weeks
        shown = "; ".join(f"{s.creator_id} {s.week}: {s.reason}" for s in skipped[:5])
        raise InputError(
            "no creator-week has a 4-week profile yet, so there is no history to write"
            + (f" ({len(skipped)} week(s) skipped: {shown})" if skipped else ""),
            loc=str(history_path), expected="LIVEs spanning at least 5 calendar weeks per creator",
        )
    validate_history(hist, source="ingested history")  # raises InputError on any contract breach
    if profiles_path is not None:
        if result.profiles is None or len(result.profiles) == 0:
            raise InputError("no creator has 4 recorded weeks, so there is no current profile to write",
                             loc=str(profiles_path), expected="LIVEs spanning at least 4 calendar weeks")
        validate_profiles(result.profiles, source="current profiles")
    write_frame(hist, history_path, inputs=tuple(result.report.files))
    if profiles_path is not None:
        write_frame(result.profiles, profiles_path, inputs=tuple(result.report.files))
    if sessions_path is not None:
        sess = result.sessions.copy()
        for col in ("start", "end"):
            sess[col] = sess[col].map(lambda t: t.isoformat())
        write_frame(sess, sessions_path, inputs=tuple(result.report.files))


def read_creators(path: str | Path) -> dict[str, dict[str, Any]]:
    """Creator facts the events cannot show: ``creator_id, followers, category, creator_age[, region]``
    from a .csv, .parquet, .json (one object or a list) or .jsonl file."""
    import json

    import pandas as pd

    p = Path(path)
    ext = p.suffix.lower()
    try:
        if ext == ".json":
            raw = json.loads(p.read_text(encoding="utf-8"))
            df = pd.DataFrame([raw] if isinstance(raw, dict) else raw)
        elif ext == ".jsonl":
            df = pd.read_json(p, lines=True, dtype=False)
        elif ext == ".parquet":
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot read the creators file ({str(exc).splitlines()[0]})", loc=str(p),
                         expected="CSV/JSON with creator_id, followers, category, creator_age") from None
    if "creator_id" not in df.columns:
        raise InputError("missing column 'creator_id'", loc=str(p),
                         expected="columns creator_id, followers, category, creator_age[, region]",
                         input=[str(c) for c in df.columns])
    out: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(df.to_dict("records")):
        who = str(rec["creator_id"]).strip().lstrip("@")
        facts: dict[str, Any] = {}
        for col in ("followers", "creator_age"):
            v = rec.get(col)
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            try:
                facts[col] = float(v)
            except (TypeError, ValueError):
                raise InputError("not a number", loc=f"{p}, row {i + 1}, column {col!r}", expected="a number",
                                 input=v) from None
        for col in ("category", "region"):
            v = rec.get(col)
            if v is not None and str(v).strip() and str(v) != "nan":
                facts[col] = str(v).strip()
        out[who] = facts
    return out
