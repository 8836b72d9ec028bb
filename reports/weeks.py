"""One creator's weeks out of a validated history frame (pandas only; no plotting).

Shared by the report (``livelift report``) and the web page's upload tab: the
weekly gift diamonds and likes over time, the totals behind "your likes earned
$0; your gifts earned $31", the strategies tried, and the latest week's profile
(what the recommendation is made for).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..data.fields import ALL_STRATEGIES, PROFILE_COLUMNS
from ..errors import InputError

__all__ = ["CreatorWeeks", "creator_weeks", "pick_creator"]

_PROFILE_KEYS = tuple(c.name for c in PROFILE_COLUMNS) + ("region",)


@dataclass(frozen=True)
class CreatorWeeks:
    """A creator's history, week by week, oldest first.

    ``weeks`` are ISO dates when the file has a ``week`` column, else 'row 1',
    'row 2', ... in file order. ``likes`` is None when the file has no likes.
    ``latest_profile`` holds the profile fields of the latest week (a plain dict
    ready for ``Recommender.recommend``).
    """

    creator_id: str
    creators_in_file: int
    weeks: tuple[str, ...]
    diamonds: tuple[float, ...]
    likes: tuple[float, ...] | None
    strategies: tuple[str, ...]
    latest_profile: dict[str, Any]
    dated: bool

    @property
    def total_diamonds(self) -> float:
        return float(sum(self.diamonds))

    @property
    def total_likes(self) -> float | None:
        return None if self.likes is None else float(sum(self.likes))

    def weeks_per_strategy(self) -> dict[str, int]:
        return {s: sum(1 for t in self.strategies if t == s) for s in ALL_STRATEGIES}


def pick_creator(frame: Any, creator_id: str | None = None) -> tuple[str, str | None]:
    """(the creator to show, a note about the choice or None).

    With ``creator_id`` it must be in the file; otherwise the creator with the
    most weeks (the first in the file on a tie) is chosen, and the note says so.
    """
    ids = frame["creator_id"].astype(str)
    counts = ids.value_counts(sort=False)
    if creator_id:
        if creator_id not in counts.index:
            sample = ", ".join(repr(c) for c in list(counts.index[:5]))
            raise InputError("no rows for this creator in the history", loc="creator_id", input=creator_id,
                             expected=f"one of the {len(counts):,} creator ids in the file, e.g. {sample}")
        return creator_id, None
    if len(counts) == 1:
        return str(counts.index[0]), None
    top = counts.max()
    chosen = next(c for c in ids.drop_duplicates() if counts[c] == top)
    return str(chosen), (f"The file holds {len(counts):,} creators; showing {chosen!r}, who has the most weeks "
                         f"({top}). Choose another creator id to see theirs.")


def _num(x: Any) -> float:
    x = float(x)
    return 0.0 if math.isnan(x) else x


def _repeated_weeks(chosen: str, labels: tuple[str, ...]) -> str | None:
    """A week given by more than one row is drawn once per row: say so, naming the weeks."""
    seen: dict[str, int] = {}
    for week in labels:
        seen[week] = seen.get(week, 0) + 1
    repeated = [w for w, n in seen.items() if n > 1]
    if not repeated:
        return None
    shown = ", ".join(repeated[:3]) + (f" and {len(repeated) - 3} more" if len(repeated) > 3 else "")
    return (f"{len(labels) - len(seen):,} row(s) of {chosen!r} repeat a week already in the file ({shown}): "
            f"{len(seen):,} distinct weeks, each row drawn and counted as its own week; remove the repeats "
            "if they are copies.")


def _join(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def creator_weeks(frame: Any, creator_id: str | None = None) -> tuple[CreatorWeeks, str | None]:
    """The chosen creator's weeks (see :func:`pick_creator`) and the note about the choice."""
    chosen, note = pick_creator(frame, creator_id)
    rows = frame[frame["creator_id"].astype(str) == chosen]
    dated = "week" in rows.columns and rows["week"].notna().all()
    if dated:
        rows = rows.sort_values("week", kind="stable")
        labels = tuple(d.date().isoformat() for d in rows["week"])
        note = _join(note, _repeated_weeks(chosen, labels))
    else:
        labels = tuple(f"row {i + 1}" for i in range(len(rows)))
    likes = None
    if "likes" in rows.columns and rows["likes"].notna().any():
        likes = tuple(_num(v) for v in rows["likes"])
    last = rows.iloc[-1]
    profile = {}
    for key in _PROFILE_KEYS:
        if key in rows.columns:
            value = last[key]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            profile[key] = value.item() if hasattr(value, "item") else value
    profile["creator_id"] = chosen
    return (
        CreatorWeeks(
            creator_id=chosen,
            creators_in_file=int(frame["creator_id"].nunique()),
            weeks=labels,
            diamonds=tuple(_num(v) for v in rows["gift_diamonds"]),
            likes=likes,
            strategies=tuple(str(s) for s in rows["strategy"]),
            latest_profile=profile,
            dated=bool(dated),
        ),
        note,
    )
