"""LIVE summary tables (.csv, .parquet): one row per LIVE, as TikTok's LIVE summary /
LIVE Analytics shows it, copied by hand or by a tool.

Columns (names are matched without case, spaces or punctuation; a few
common spellings are accepted, see ``COLUMNS``):

========================  =========================================================  ========
column                    meaning                                                    needed
========================  =========================================================  ========
creator_id                the host's @handle (or pass ``--creator``)                 yes*
start                     when the LIVE started (ISO 8601; no zone = ``--timezone``)  yes
duration_minutes          LIVE length in minutes                                     yes
diamonds                  diamonds received                                          yes
viewers                   unique viewers                                             yes
avg_viewers               average concurrent viewers (or give ``avg_watch_minutes``)  one of
avg_watch_minutes         average watch time per viewer, minutes                     these
peak_viewers, gifters, gifts, likes, comments, shares, new_followers, room_id,       no
collaboration (true/false: co-host, battle or multi-guest), followers, category,
creator_age, region
========================  =========================================================  ========

A bad value stops with an error naming the file, row and column, or with
``skip_bad_lines`` the row is skipped and counted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..data.fields import column
from ..data.messages import describe
from ..data.readers import _csv_header as csv_header  # one header check for every CSV livelift reads
from ..data.values import OK, check_value
from ..errors import InputError
from .rooms import Session

__all__ = ["read_summaries", "SUMMARY_EXTENSIONS", "COLUMNS", "SummaryRead", "fact_value"]

SUMMARY_EXTENSIONS = (".csv", ".parquet")

COLUMNS: dict[str, tuple[str, ...]] = {
    "creator_id": ("creator_id", "creator", "unique_id", "host", "account"),
    "room_id": ("room_id", "live_id", "stream_id"),
    "start": ("start", "start_time", "started_at", "live_start", "date"),
    "duration_minutes": ("duration_minutes", "duration_min", "duration", "minutes", "live_duration"),
    "diamonds": ("diamonds", "gift_diamonds", "diamonds_received"),
    "viewers": ("viewers", "unique_viewers", "total_viewers"),
    "avg_viewers": ("avg_viewers", "average_viewers", "avg_concurrent_viewers", "acv"),
    "avg_watch_minutes": ("avg_watch_minutes", "average_watch_time", "avg_watch_time"),
    "peak_viewers": ("peak_viewers", "top_viewer_count", "max_viewers"),
    "gifters": ("gifters", "viewers_who_sent_gifts"),
    "gifts": ("gifts",),
    "likes": ("likes",),
    "comments": ("comments",),
    "shares": ("shares",),
    "new_followers": ("new_followers", "follows", "followers_gained"),
    "collaboration": ("collaboration", "collab", "multi_guest", "guests"),
    "followers": ("followers",),
    "category": ("category",),
    "creator_age": ("creator_age", "age"),
    "region": ("region", "country"),
}
_NUMBERS = ("duration_minutes", "diamonds", "viewers", "avg_viewers", "avg_watch_minutes", "peak_viewers",
            "gifters", "gifts", "likes", "comments", "shares", "new_followers", "followers", "creator_age")
_REQUIRED = ("start", "duration_minutes", "diamonds", "viewers")


def _norm(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


_ALIAS = {alias: canon for canon, aliases in COLUMNS.items() for alias in aliases}


class SummaryRead:
    """Sessions from one summary file, plus creator facts its rows carry and what was skipped."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sessions: list[Session] = []
        self.creator_info: dict[str, dict[str, Any]] = {}
        self.rows = 0
        self.bad = 0
        self.reasons: list[str] = []


def read_summaries(path: str | Path, *, creator: str | None = None, timezone: str = "UTC",
                   skip_bad_lines: bool = False) -> SummaryRead:
    """Read a LIVE summary table into sessions (source 'summary')."""
    import pandas as pd

    path = Path(path)
    src = str(path)
    if path.suffix.lower() != ".parquet":
        csv_header(path, src)  # the contract reader's header check: ';'/tab-delimited, UTF-16, binary, JSON
    try:
        if path.suffix.lower() == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(f"cannot read the summary table ({str(exc).splitlines()[0] if str(exc) else exc})",
                         loc=src, expected="a CSV with a header row, or a Parquet file") from None
    names = {}
    for col in df.columns:
        canon = _ALIAS.get(_norm(col))
        if canon and canon not in names.values():
            names[col] = canon
    df = df.rename(columns=names)[list(names.values())]
    missing = [c for c in _REQUIRED if c not in df.columns]
    if "creator_id" not in df.columns and not creator:
        missing.insert(0, "creator_id")
    if "avg_viewers" not in df.columns and "avg_watch_minutes" not in df.columns:
        missing.append("avg_viewers (or avg_watch_minutes)")
    if missing:
        raise InputError(
            "summary table is missing column(s): " + ", ".join(missing), loc=src,
            expected="columns " + ", ".join(("creator_id",) + _REQUIRED) + ", and avg_viewers or avg_watch_minutes",
            input=[str(c) for c in names] or list(map(str, df.columns))[:12],
            hint="creator_id can come from --creator instead",
        )
    out = SummaryRead(src)
    out.rows = len(df)
    row_offset = 2 if path.suffix.lower() == ".csv" else 1  # CSV: line numbers (header is line 1)
    starts = _starts_ms(df["start"], timezone)
    for i, rec in enumerate(df.to_dict("records")):
        rec["_start_ms"] = starts[i]
        try:
            _row(rec, out, creator, timezone, i + 1)
        except _BadRow as exc:
            where = f"{src}, {'line' if row_offset == 2 else 'row'} {i + row_offset}, column {exc.column!r}"
            if not skip_bad_lines:
                raise InputError(exc.msg, loc=where, expected=exc.expected, input=exc.value,
                                 hint="fix the row, or pass --skip-bad-lines to skip bad rows and count them") from None
            out.bad += 1
            if len(out.reasons) < 5:
                out.reasons.append(f"{where}: {exc.msg} (got {exc.value!r:.60})")
    return out


class _BadRow(Exception):
    def __init__(self, column: str, msg: str, expected: str, value: Any) -> None:
        self.column, self.msg, self.expected, self.value = column, msg, expected, value


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _num(rec: dict, col: str, *, required: bool = False) -> float | None:
    v = rec.get(col)
    if _blank(v):
        if required:
            raise _BadRow(col, "empty", "a number >= 0", v)
        return None
    try:
        f = float(str(v).replace(",", "")) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        raise _BadRow(col, "not a number", "a number >= 0", v) from None
    if f != f or f < 0 or f == float("inf"):
        raise _BadRow(col, "negative" if f < 0 else "not a finite number", "a number >= 0", v)
    return f


def _starts_ms(col: Any, timezone: str) -> list:
    """Every start parsed at once (epoch ms, or None where a row needs the one-by-one path)."""
    import pandas as pd

    try:
        ts = pd.to_datetime(col.astype(str), errors="coerce", format="ISO8601")
    except (TypeError, ValueError):
        return [None] * len(col)
    if getattr(ts.dt, "tz", None) is None:
        try:
            ts = ts.dt.tz_localize(timezone, nonexistent="shift_forward", ambiguous="NaT")
        except (TypeError, ValueError):
            return [None] * len(col)
    ms = (ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return [None if bad else int(v) for v, bad in zip(ms.tolist(), ts.isna().tolist())]


def _start_ms(rec: dict, timezone: str) -> int:
    import pandas as pd

    if rec.get("_start_ms") is not None:
        return rec["_start_ms"]
    v = rec.get("start")
    if _blank(v):
        raise _BadRow("start", "empty", "an ISO 8601 date-time such as 2026-01-05T19:30", v)
    try:
        ts = pd.Timestamp(v)
    except (TypeError, ValueError):
        raise _BadRow("start", "not a date-time", "an ISO 8601 date-time such as 2026-01-05T19:30", v) from None
    if ts is pd.NaT:
        raise _BadRow("start", "not a date-time", "an ISO 8601 date-time such as 2026-01-05T19:30", v)
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone)
    return int(ts.timestamp() * 1000)


def _row(rec: dict, out: SummaryRead, creator: str | None, timezone: str, n: int) -> None:
    who = creator or str(rec.get("creator_id", "")).strip().lstrip("@")
    if not who:
        raise _BadRow("creator_id", "empty", "the host's @handle", rec.get("creator_id"))
    start = _start_ms(rec, timezone)
    try:
        minutes = _num(rec, "duration_minutes", required=True)
    except _BadRow as exc:
        raise _BadRow(exc.column, exc.msg, "minutes > 0 and <= 1440", exc.value) from None
    if minutes == 0 or minutes > 1440:
        raise _BadRow("duration_minutes", "out of range", "minutes > 0 and <= 1440", rec.get("duration_minutes"))
    diamonds = _within(_num(rec, "diamonds", required=True), "diamonds", "prior_weekly_diamonds", rec)
    viewers = _num(rec, "viewers", required=True)
    avg = _within(_num(rec, "avg_viewers"), "avg_viewers", "avg_viewers", rec)
    facts = {col: _fact(rec, col) for col in _FACTS}  # checked before the LIVE counts: a bad row adds nothing
    watch = _num(rec, "avg_watch_minutes")
    if avg is None and watch is None:
        raise _BadRow("avg_viewers", "empty (and no avg_watch_minutes)", "a number >= 0", None)
    if avg is None:
        avg = viewers * watch / minutes  # concurrent viewers = viewer-minutes / minutes
    retention = min(1.0, watch / minutes) if watch is not None else (min(1.0, avg / viewers) if viewers else None)
    vals = {c: _num(rec, c) for c in ("peak_viewers", "gifters", "gifts", "likes", "comments", "shares", "new_followers")}
    collab = str(rec.get("collaboration", "")).strip().lower() in ("1", "true", "yes", "y")
    engaged = min(viewers, sum(vals[c] or 0 for c in ("gifters", "comments", "shares")))
    out.sessions.append(Session(
        creator_id=who, room_id=str(rec.get("room_id") or f"summary:{who}:{start}"), start_ms=start,
        end_ms=start + int(minutes * 60000), minutes=minutes, diamonds=diamonds, gifts=int(vals["gifts"] or 0),
        gifters=int(vals["gifters"] or 0), likes=vals["likes"] or 0.0, comments=vals["comments"] or 0.0,
        shares=vals["shares"] or 0.0, follows=vals["new_followers"] or 0.0, avg_viewers=avg,
        peak_viewers=vals["peak_viewers"] if vals["peak_viewers"] is not None else avg, unique_viewers=viewers,
        engaged_viewers=engaged, retention=retention, guests=0, collaboration=collab, guest_diamonds=0.0,
        source="summary",
    ))
    info = out.creator_info.setdefault(who, {})
    for col, v in facts.items():
        if v is not None and start >= info.get("_at_" + col, start):  # the latest LIVE's value wins
            info[col] = v
            info["_at_" + col] = start


_FACTS = ("followers", "category", "creator_age", "region")


def _fact(rec: dict, name: str) -> Any:
    """A creator fact from a row (None when empty); a bad one is a bad row."""
    v = rec.get(name)
    if _blank(v):
        return None
    value, problem = fact_value(name, v)
    if problem is not None:
        raise _BadRow(name, problem[0], problem[1], v)
    return value


def fact_value(name: str, v: Any) -> tuple[Any, tuple[str, str] | None]:
    """(value, None), or (None, (message, expected)): a creator fact (followers, category, creator_age,
    region) by the data contract's rule for its column. ``category`` is kept as written: the contract
    maps unknown niches to 'other' (with a note)."""
    if name == "category":
        return str(v).strip(), None
    col = column(name)
    status, value = check_value(col, v.replace(",", "") if isinstance(v, str) and col.kind == "int" else v)
    if status != OK:
        return None, (describe(col, status, v)[0], f"{col.expected} (the data contract's {name})")
    return (float(value) if col.kind == "int" else value), None


def _within(f: float | None, name: str, contract: str, rec: dict) -> float | None:
    """A LIVE's number no larger than the data contract allows for its weekly column ``contract``."""
    top = column(contract).max
    if f is not None and top is not None and f > top:
        raise _BadRow(name, "out of range", f"a number between 0 and {top:,.0f} (the data contract's limit "
                      f"for {contract}: no real LIVE comes near it)", rec.get(name))
    return f
