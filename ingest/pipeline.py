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
from .eventlog import EVENT_EXTENSIONS
from .labels import SOURCES, label_weeks, read_labels
from .money import CreatorMoney, money_by_creator
from .summaries import SUMMARY_EXTENSIONS, fact_value
from .rooms import Session
from .facts import base_facts, with_defaults
from .reading import ReadStats, merge_stats, read_all
from .weekly import CreatorInfoMissing, WeekSkip, current_profiles, sessions_frame, weekly_history

__all__ = ["ingest", "write_outputs", "read_creators", "file_kind", "IngestResult", "IngestReport",
           "HISTORY_OUTPUT_COLUMNS", "check_inputs", "build_part", "finish", "CreatorPart", "validate_outputs",
           "sessions_for_output"]

HISTORY_OUTPUT_COLUMNS = (
    "creator_id", "week", "followers", "avg_viewers", "engagement_rate", "streams_per_week", "avg_stream_minutes",
    "retention_rate", "prior_weekly_diamonds", "category", "creator_age", "region", "strategy", "gift_diamonds",
    "likes", "comments", "new_followers", "gifts", "strategy_source",
)
"""The data contract's columns (region only when every creator has one), with its optional ``gifts`` and
``strategy_source`` (which ingest fills; readers accept them quietly)."""

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


def check_inputs(paths: list[str | Path], *, timezone: str, labels: str | Path | None) -> tuple[dict, dict]:
    """Checks before any reading -> ({path: 'events' | 'summary'}, labels map)."""
    if not paths:
        raise InputError("no input files", loc="FILES", expected="one or more event logs or summary tables")
    _check_timezone(timezone)
    for p in paths:
        if not Path(p).is_file():
            raise InputError("file not found", loc=str(p), expected="an existing event log or summary table")
    label_map = read_labels(labels) if labels is not None else {}
    return {str(p): file_kind(p) for p in paths}, label_map


def ingest(paths: list[str | Path], *, diamond_usd: float, creator: str | None = None,
           creators: dict[str, dict[str, Any]] | None = None, defaults: dict[str, Any] | None = None,
           labels: str | Path | None = None,
           timezone: str = "UTC", skip_bad_lines: bool = False) -> IngestResult:
    """Read event logs and summary tables (any mix) -> history, sessions and a report.

    ``creators`` (id -> followers, category, creator_age, region) overrides what
    summary rows say; ``defaults`` fills what neither gives, for every creator.
    The steps are the ones ``livelift ingest --engine dask`` runs per creator
    (:func:`read_event_logs`, :func:`build_part`) and after gathering (:func:`finish`).
    """
    kinds, label_map = check_inputs(paths, timezone=timezone, labels=labels)
    read = read_all(paths, kinds, creator=creator, timezone=timezone, skip_bad_lines=skip_bad_lines)
    info = with_defaults(base_facts(read.info, creators or {}), read.sessions, defaults or {})
    part = build_part(read.sessions, info, label_map, timezone=timezone, diamond_usd=diamond_usd)
    return finish(paths, read.stats, [part], label_map)


# ---------------------------------------------------------------------- per creator
@dataclass(frozen=True)
class CreatorPart:
    """Everything ingest makes for a set of creators from ALL of their sessions (one creator is never
    split between parts): :func:`finish` puts parts together in creator order."""

    sessions: Any  # weekly.sessions_frame
    history: Any  # labelled weekly history, every column (x_* and region still there)
    skipped: tuple[WeekSkip, ...]
    missing: dict[str, list[str]]  # creators with history weeks but no followers / category / age
    money: tuple[CreatorMoney, ...]
    profiles: Any
    notes: tuple[tuple[str, int, str], ...]  # (creator_id, start_ms, note) of sessions with notes


def build_part(sessions: list[Session], info: dict, label_map: dict, *, timezone: str,
               diamond_usd: float) -> CreatorPart:
    """The per-creator step: sessions -> weekly history with 4-week trailing profiles, labels, money, profiles."""
    import pandas as pd

    notes = tuple((s.creator_id, s.start_ms, f"{s.creator_id} room {s.room_id}: {s.notes}") for s in sessions if s.notes)
    empty = pd.DataFrame()
    if not sessions:
        return CreatorPart(empty, empty, (), {}, (), empty, notes)
    sdf = sessions_frame(sessions, timezone)
    try:
        hist, skips = weekly_history(sdf, info)
    except CreatorInfoMissing as exc:
        return CreatorPart(sdf, empty, (), dict(exc.missing), (), empty, notes)
    if len(hist):
        hist = label_weeks(hist, label_map)[0]
    money = money_by_creator(sdf, diamond_usd=diamond_usd, date_col="start", diamonds_col="diamonds", count_lives=True)
    return CreatorPart(sdf, hist, tuple(skips), {}, tuple(money), current_profiles(sdf, info), notes)


# ---------------------------------------------------------------------- after gathering
def finish(paths: list[str | Path], stats: list[ReadStats], parts: list[CreatorPart], label_map: dict) -> IngestResult:
    """Parts (creators disjoint) -> the one result: the global steps are here (missing facts across all
    creators, label counts and unused labels, whether every creator has a region, notes, the report)."""
    missing = {k: v for p in parts for k, v in p.missing.items()}
    if missing:
        raise _missing_facts(missing)
    read = merge_stats(stats)
    sdf = _stack([p.sessions for p in parts])
    hist, counts, notes = _finish_history(_stack([p.history for p in parts]), label_map)
    skips = sorted((s for p in parts for s in p.skipped), key=lambda s: s.creator_id)
    notes += [n for _, _, n in sorted((n for p in parts for n in p.notes), key=lambda n: (n[0], n[1]))]
    unknown = Counter(dict(read.unknown))
    report = IngestReport(
        files=tuple(map(str, paths)), event_lines=read.event_lines, events=read.events, duplicates=read.duplicates,
        ignored_events=read.ignored, unknown_types=dict(unknown.most_common()), summary_rows=read.summary_rows,
        bad_lines=read.bad, bad_reasons=(read.event_reasons + read.summary_reasons)[:5],
        sessions=dict(read.sessions), weeks=len(hist), skipped_weeks=tuple(skips),
        strategies={k: dict(v) for k, v in counts.items()},
        money=tuple(sorted((m for p in parts for m in p.money), key=lambda m: m.creator_id)),
        notes=tuple(notes),
    )
    profiles = _stack([p.profiles for p in parts])
    if "region" in profiles.columns and profiles["region"].isna().any():
        profiles = profiles.drop(columns="region")
    return IngestResult(history=hist, sessions=sdf, report=report, profiles=profiles)


def _stack(frames: list[Any]) -> Any:
    """Per-creator frames -> one, as if built in one go: creator order, and each column's type inferred
    from all its values (a part whose values are all missing must not turn a float column to object)."""
    import pandas as pd

    frames = [f for f in frames if len(f)]
    if len(frames) <= 1:
        return frames[0] if frames else pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    for col in out.columns:
        if len({str(f[col].dtype) if col in f.columns else "" for f in frames}) > 1:
            out[col] = pd.Series(out[col].tolist(), index=out.index)
    return out.sort_values("creator_id", kind="stable").reset_index(drop=True)


def _missing_facts(missing: dict[str, list[str]]) -> InputError:
    listed = "; ".join(f"{c}: {', '.join(k)}" for c, k in sorted(missing.items()))
    return InputError(
        f"no {', '.join(sorted({k for v in missing.values() for k in v}))} for creator(s) with history "
        f"weeks ({listed})", loc="creators",
        expected="followers (now), category and creator_age for each creator",
        hint="give them with --followers N --category C --creator-age A (applies to every creator), "
             "--creators FILE (CSV/JSON with creator_id, followers, category, creator_age[, region]) "
             "or as columns of a summary table",
    )


def _finish_history(hist: Any, label_map: dict) -> tuple[Any, dict, list[str]]:
    """Counts of strategies by source, unused labels, the region column (only when every creator has one)."""
    notes = [CLIENT_NOTE]
    counts: dict[str, Counter] = {s: Counter() for s in SOURCES}
    if len(hist):
        for st, so in zip(hist["strategy"], hist["strategy_source"]):
            counts[so][st] += 1
        used = {(c, w.isoformat()) for c, w, so in zip(hist["creator_id"], hist["week"], hist["strategy_source"])
                if so == "labelled"}
        unused = {k: v for k, v in label_map.items() if k not in used}
        if unused:  # label_weeks words the note: every label it is given names no week of an empty frame
            notes += label_weeks(hist.iloc[:0], unused)[2]
        if "region" in hist.columns and hist["region"].isna().any():
            hist = hist.drop(columns="region")
            notes.append("region left out: not every creator has one")
        hist = hist[[c for c in HISTORY_OUTPUT_COLUMNS if c in hist.columns]]
    elif label_map:
        notes.append(f"{len(label_map)} label(s) unused: no history weeks")
    return hist, counts, notes


def validate_outputs(result: IngestResult, history_path: str | Path, profiles_path: str | Path | None = None) -> None:
    """The history (and profiles) must hold rows and meet the data contract before anything is written."""
    from ..data.contract import validate_history, validate_profiles

    hist = result.history
    if len(hist) == 0:
        skipped = result.report.skipped_weeks
        shown = "; ".join(f"{s.creator_id} {s.week}: {s.reason}" for s in skipped[:5])
        raise InputError(
            "no creator-week has a 4-week profile yet, so there is no history to write"
            + (f" ({len(skipped)} week(s) skipped: {shown})" if skipped else ""),
            loc=str(history_path), expected="LIVEs spanning at least 5 calendar weeks per creator",
        )
    try:
        validate_history(hist, source="ingested history")  # raises InputError on any contract breach
    except InputError as exc:
        raise _breach(exc, hist, result.report.files) from None
    if profiles_path is not None:
        if result.profiles is None or len(result.profiles) == 0:
            raise InputError("no creator has 4 recorded weeks, so there is no current profile to write",
                             loc=str(profiles_path), expected="LIVEs spanning at least 4 calendar weeks")
        validate_profiles(result.profiles, source="current profiles")


def _breach(exc: InputError, hist: Any, files: Any) -> InputError:
    """A contract breach of the built history, told as the creator-week and input files behind it
    (frame row numbers mean nothing to the user, and ingest has no --skip-bad-rows)."""
    import re

    from ..errors import Problem

    inputs = ", ".join(map(str, files)) or "the inputs"

    def where(p: Problem) -> str:
        m = re.search(r"row (\d+), column (\w+)", p.loc)
        if m is None:
            return f"history built from {inputs}"
        row = hist.iloc[int(m.group(1)) - 1]
        week = str(row["week"])[:10] if "week" in hist.columns else "?"
        return f"history built from {inputs}: creator {row['creator_id']}, week {week}, column {m.group(2)}"

    problems = [Problem(where(p), p.msg, p.expected, p.input) for p in exc.problems]
    hint = ("This value comes from that creator's inputs: the LIVEs of that week and the 4 weeks before (write "
            "them with --sessions to see them) or the creator's facts (--creators, summary rows, options). Check "
            "those; --skip-bad-lines skips bad input lines, not weeks computed from good ones.")
    headline = None if len(problems) == 1 else f"the history built from {inputs} breaks the data contract"
    return InputError.from_problems(problems, headline=headline, hint=hint)


def sessions_for_output(sessions: Any) -> Any:
    """The sessions table as written: start / end as ISO 8601 text in the creator's time zone."""
    sess = sessions.copy()
    for col in ("start", "end"):
        sess[col] = sess[col].map(lambda t: t.isoformat())
    return sess


def write_outputs(result: IngestResult, history_path: str | Path, sessions_path: str | Path | None = None,
                  profiles_path: str | Path | None = None) -> None:
    """Validate the history (and profiles) against the data contract, then write them atomically."""
    from ..data.writers import write_frame

    validate_outputs(result, history_path, profiles_path)
    write_frame(result.history, history_path, inputs=tuple(result.report.files))
    if profiles_path is not None:
        write_frame(result.profiles, profiles_path, inputs=tuple(result.report.files))
    if sessions_path is not None:
        write_frame(sessions_for_output(result.sessions), sessions_path, inputs=tuple(result.report.files))


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
    where = "line" if ext not in (".json", ".parquet") else "row"  # CSV/JSONL: the file's line (CSV header = 1)
    first = 2 if ext not in (".json", ".jsonl", ".parquet") else 1
    for i, rec in enumerate(df.to_dict("records")):
        who = str(rec["creator_id"]).strip().lstrip("@")
        facts: dict[str, Any] = {}
        for col in ("followers", "creator_age", "category", "region"):
            v = rec.get(col)
            if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v):
                continue
            facts[col], problem = fact_value(col, v)
            if problem is not None:
                raise InputError(problem[0], loc=f"{p}, {where} {i + first}, column {col!r}",
                                 expected=problem[1], input=v)
        out[who] = facts
    return out
