"""The creator's own answer to "do likes pay?": likes, gifts, diamonds and what each earned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CreatorMoney", "money_by_creator"]


@dataclass(frozen=True)
class CreatorMoney:
    """One creator's period: what viewers gave and what it was worth (USD is an estimate)."""

    creator_id: str
    first: str
    last: str
    lives: int | None
    likes: float
    gifts: int | None
    diamonds: float
    usd_est: float
    likes_usd: float
    diamond_usd: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def money_by_creator(frame: Any, *, diamond_usd: float, date_col: str, diamonds_col: str,
                     count_lives: bool) -> list[CreatorMoney]:
    """Per creator: sums of likes / gifts / diamonds over ``frame`` (sessions or history weeks).

    Likes earn nothing (facts.md section 2: only gifts turn into diamonds), so
    ``likes_usd`` is 0 by definition, not by estimate; ``usd_est`` is diamonds
    x the rules' ``diamond_usd`` parameter.
    """
    out = []
    has_gifts = "gifts" in frame.columns
    for creator, part in frame.groupby("creator_id", sort=True):
        dates = part[date_col]
        diamonds = float(part[diamonds_col].sum())
        out.append(CreatorMoney(
            creator_id=str(creator),
            first=_day(dates.min()), last=_day(dates.max()),
            lives=int(len(part)) if count_lives else None,
            likes=float(part["likes"].sum()) if "likes" in part else 0.0,
            gifts=int(part["gifts"].sum()) if has_gifts else None,
            diamonds=diamonds,
            usd_est=round(diamonds * diamond_usd, 2),
            likes_usd=0.0,
            diamond_usd=diamond_usd,
        ))
    return out


def _day(v: Any) -> str:
    return v.date().isoformat() if hasattr(v, "date") and callable(v.date) else str(v)[:10]
