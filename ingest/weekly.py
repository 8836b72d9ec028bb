"""Sessions -> the weekly history of the data contract (one row per creator-week).

For each week in which a creator went LIVE (weeks start on Monday in the
creator's time zone), the row holds:

- the **profile as it stood before the week**, from the 4 calendar weeks
  before it: ``avg_viewers`` (minute-weighted mean of the LIVEs' time-weighted
  average viewers), ``engagement_rate`` (viewers who liked, commented or
  shared / unique viewers; from summaries, (gifters + comments + shares) /
  viewers, an upper-bound proxy), ``streams_per_week`` (LIVEs / 4),
  ``avg_stream_minutes``, ``retention_rate`` (average watch time / LIVE
  length = average viewers / unique viewers, minute-weighted),
  ``prior_weekly_diamonds`` (diamonds / 4), ``followers`` at the week's start
  (the creator's current followers minus the new followers seen since);
- the week's **strategy** (see :func:`label_weeks`) and **gift_diamonds**;
- ``week``, ``likes``, ``comments``, ``new_followers``.

A week needs a full 4-week window inside the recorded period (its first
week + 4 or later) and at least one LIVE in that window; the others are
reported as skipped, with the reason, never dropped silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..data.fields import CONTROL
from .rooms import Session

__all__ = ["sessions_frame", "weekly_history", "WeekSkip", "FREQUENCY_MARGIN", "SESSION_COLUMNS", "CreatorInfoMissing",
           "current_profiles", "WINDOW_WEEKS"]

WINDOW_WEEKS = 4
FREQUENCY_MARGIN = 0.5
"""A week counts as ``increase_frequency`` when its LIVEs reach the trailing 4-week weekly rate
x (1 + 0.5) and at least one LIVE more than that rate."""

SESSION_COLUMNS = (
    "creator_id", "room_id", "start", "end", "minutes", "diamonds", "gifts", "gifters", "likes", "comments",
    "shares", "follows", "avg_viewers", "peak_viewers", "unique_viewers", "engaged_viewers", "retention",
    "guests", "collaboration", "guest_diamonds", "source", "notes",
)


class CreatorInfoMissing(Exception):
    """Creators with history weeks whose followers / category / age no input gave."""

    def __init__(self, missing: dict[str, list[str]]) -> None:
        self.missing = missing
        super().__init__(missing)


@dataclass(frozen=True)
class WeekSkip:
    """A creator-week that is not a history row, and why."""

    creator_id: str
    week: str
    reason: str


def sessions_frame(sessions: list[Session], timezone: str) -> "Any":
    """Sessions as a table: start/end in the creator's time zone, plus the ISO ``week`` (Monday)."""
    import pandas as pd

    rows = [asdict(s) for s in sessions]
    df = pd.DataFrame(rows, columns=[f for f in Session.__dataclass_fields__])
    df["start"] = pd.to_datetime(df.pop("start_ms"), unit="ms", utc=True).dt.tz_convert(timezone)
    df["end"] = pd.to_datetime(df.pop("end_ms"), unit="ms", utc=True).dt.tz_convert(timezone)
    df = df[list(SESSION_COLUMNS)]
    local = df["start"].dt.tz_localize(None)
    df["week"] = (local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    return df.sort_values(["creator_id", "start"], kind="stable").reset_index(drop=True)


def _weekly(df: Any) -> Any:
    """Per creator-week sums (every calendar week between the first and last LIVE, zero-filled)."""
    import pandas as pd

    d = df.assign(
        v_min=df["avg_viewers"] * df["minutes"],
        r_min=df["retention"].astype(float).fillna(0.0) * df["minutes"],
        r_w=df["retention"].notna() * df["minutes"],
        streams=1,
    )
    sums = ["streams", "minutes", "diamonds", "likes", "comments", "shares", "follows", "v_min", "r_min", "r_w",
            "unique_viewers", "engaged_viewers", "gifts"]
    g = d.groupby(["creator_id", "week"], sort=True)
    weekly = g[sums].sum()
    weekly["collaboration"] = g["collaboration"].any()
    out = []
    for creator, part in weekly.groupby(level=0, sort=True):
        part = part.droplevel(0)
        part.index = pd.to_datetime(part.index)
        full = pd.date_range(part.index.min(), part.index.max(), freq="7D")
        part = part.reindex(full)
        part[sums] = part[sums].fillna(0.0)
        part["collaboration"] = part["collaboration"].fillna(False).astype(bool)
        part["creator_id"] = creator
        out.append(part.rename_axis("week").reset_index())
    return pd.concat(out, ignore_index=True)


def _profile(p: Any, followers: float, info: dict[str, Any]) -> dict[str, Any]:
    """The contract's profile columns from 4 weeks of sums ``p``."""
    return {
        "followers": int(max(0.0, followers)),
        "avg_viewers": p["v_min"] / p["minutes"],
        "engagement_rate": min(1.0, p["engaged_viewers"] / p["unique_viewers"]) if p["unique_viewers"] > 0 else 0.0,
        "streams_per_week": p["streams"] / WINDOW_WEEKS,
        "avg_stream_minutes": min(1440.0, p["minutes"] / p["streams"]),
        "retention_rate": min(1.0, p["r_min"] / p["r_w"]) if p["r_w"] > 0 else 0.0,
        "prior_weekly_diamonds": p["diamonds"] / WINDOW_WEEKS,
        "category": info["category"],
        "creator_age": int(info["creator_age"]),
        **({"region": info["region"]} if info.get("region") else {}),
    }


_ROLL = ["streams", "minutes", "diamonds", "v_min", "r_min", "r_w", "unique_viewers", "engaged_viewers"]


def _creator_rows(creator: str, part: Any, info: dict[str, Any], skips: list[WeekSkip]) -> list[dict[str, Any]]:
    part = part.reset_index(drop=True)
    later_follows = part["follows"][::-1].cumsum()[::-1].to_numpy()  # follows from this week on
    prev = part[_ROLL].rolling(WINDOW_WEEKS, min_periods=WINDOW_WEEKS).sum().shift(1)
    rows = []
    for i, wk in part.iterrows():
        if wk["streams"] == 0:
            continue
        label = wk["week"].date().isoformat()
        if i < WINDOW_WEEKS:
            skips.append(WeekSkip(creator, label, f"only {i} recorded week(s) before it; a profile needs {WINDOW_WEEKS}"))
            continue
        p = prev.iloc[i]
        if p["streams"] == 0 or p["minutes"] <= 0:
            skips.append(WeekSkip(creator, label, f"no LIVE with a length in the {WINDOW_WEEKS} weeks before it"))
            continue
        rows.append({
            "creator_id": creator, "week": wk["week"].date(),
            **_profile(p, float(info["followers"]) - float(later_follows[i]), info),
            "strategy": CONTROL, "gift_diamonds": float(wk["diamonds"]), "likes": float(wk["likes"]),
            "comments": float(wk["comments"]), "new_followers": float(wk["follows"]), "gifts": int(wk["gifts"]),
            "x_streams": int(wk["streams"]), "x_rate": p["streams"] / WINDOW_WEEKS,
            "x_collab": bool(wk["collaboration"]),
        })
    return rows


def _lacking(info: dict[str, Any]) -> list[str]:
    return [k for k in ("followers", "category", "creator_age") if info.get(k) is None]


def weekly_history(sessions_df: Any, creators: dict[str, dict[str, Any]]) -> tuple[Any, list[WeekSkip]]:
    """-> (history frame without strategies yet, skipped weeks). ``creators`` maps id -> followers
    (now), category, creator_age (and optionally region); a creator with history weeks but without
    them raises :class:`CreatorInfoMissing`."""
    import pandas as pd

    rows, skips, missing = [], [], {}
    for creator, part in _weekly(sessions_df).groupby("creator_id", sort=True):
        info = creators.get(creator, {})
        if _lacking(info):
            found = _creator_rows(creator, part, {"followers": 0, "category": "", "creator_age": 0}, [])
            if found:
                missing[creator] = _lacking(info)
            continue
        rows += _creator_rows(creator, part, info, skips)
    if missing:
        raise CreatorInfoMissing(missing)
    hist = pd.DataFrame(rows)
    if "region" in hist.columns:
        hist["region"] = hist["region"].astype(object).where(hist["region"].notna(), None)
    return hist, skips


def current_profiles(sessions_df: Any, creators: dict[str, dict[str, Any]]) -> Any:
    """Each creator's profile as it stands now: the 4 weeks up to and including the last week with a
    LIVE (for ``livelift recommend``). Creators with fewer weeks, or without facts, are left out."""
    import pandas as pd

    rows = []
    for creator, part in _weekly(sessions_df).groupby("creator_id", sort=True):
        info = creators.get(creator, {})
        if len(part) < WINDOW_WEEKS or _lacking(info):
            continue
        p = part[_ROLL].tail(WINDOW_WEEKS).sum()
        if p["streams"] == 0 or p["minutes"] <= 0:
            continue
        rows.append({"creator_id": creator, **_profile(p, float(info["followers"]), info)})
    return pd.DataFrame(rows)
