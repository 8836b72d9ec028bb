"""The one ranking: rule verdicts + predicted uplifts -> ranks, statuses and flags.

Every answer livelift gives (one profile, a batch, the long table, HTTP, the
page) is ranked here, on arrays of shape ``(n, 6)`` over :data:`OPTIONS`
(``none`` first, then the five strategies):

- ``none`` (change nothing) is an option like the others: uplift 0 by
  definition, interval ``[0, 0]``, always allowed.
- A strategy the rules **block** has no number: uplift, interval and USD are
  NaN (``None`` in typed results and JSON), status ``blocked``.
- An allowed strategy the model could not learn is ``unknown`` (no number).
- An allowed strategy predicted to add income (uplift > 0) is
  ``recommended``; one predicted to add nothing or lose income is
  ``not_recommended`` and gets no rank: it is never shown above ``none``.
- Ranks go to the recommended strategies by predicted uplift, best first
  (ties by option order), then to ``none``, which is last of the ranked.
- ``implausible``: an uplift more than ``plausible_multiple`` times the
  creator's recent weekly diamonds (at least ``plausible_floor`` diamonds)
  is flagged: such a figure is far outside what creators like this earn, and
  is shown with the flag wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.fields import ALL_STRATEGIES

__all__ = [
    "OPTIONS",
    "STATUSES",
    "PLAUSIBLE_MULTIPLE",
    "PLAUSIBLE_FLOOR",
    "Ranking",
    "rank_options",
]

OPTIONS: tuple[str, ...] = ALL_STRATEGIES
"""``none`` then the five strategies: the columns of every :class:`Ranking` array."""

STATUSES: tuple[str, ...] = ("recommended", "keep", "not_recommended", "unknown", "blocked")
"""``keep`` is the status of ``none``: what the creator does now."""

PLAUSIBLE_MULTIPLE = 3.0
"""An uplift above this many times the creator's recent weekly diamonds is flagged implausible."""

PLAUSIBLE_FLOOR = 100.0
"""Diamonds a week below which a creator's income is too small to judge against: use this instead."""


@dataclass(frozen=True)
class Ranking:
    """Ranked options for ``n`` profiles: arrays ``(n, len(OPTIONS))``.

    ``uplift``/``low``/``high`` are NaN where the option is blocked or
    unknown; ``rank`` is 0 where the option has no rank; ``status`` holds
    strings from :data:`STATUSES`.
    """

    uplift: np.ndarray
    low: np.ndarray
    high: np.ndarray
    allowed: np.ndarray
    extrapolation: np.ndarray
    implausible: np.ndarray
    rank: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return int(self.uplift.shape[0])


def _with_control(values: np.ndarray, control: float | bool) -> np.ndarray:
    n = values.shape[0]
    return np.concatenate([np.full((n, 1), control, dtype=values.dtype), values], axis=1)


def _statuses(allowed: np.ndarray, uplift: np.ndarray) -> np.ndarray:
    status = np.where(uplift > 0, "recommended", "not_recommended").astype(object)
    status[np.isnan(uplift)] = "unknown"
    status[~allowed] = "blocked"
    status[:, 0] = "keep"
    return status


def _ranks(uplift: np.ndarray, rankable: np.ndarray) -> np.ndarray:
    """1.. by uplift (desc), ties in option order; 0 where not rankable."""
    n, k = uplift.shape
    score = np.where(rankable, uplift, -np.inf)
    order = np.argsort(-score, axis=1, kind="stable")
    ranks = np.empty((n, k), dtype=np.int64)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, k + 1), (n, k)), axis=1)
    return np.where(rankable, ranks, 0)


def rank_options(
    uplift: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    extrapolation: np.ndarray,
    allowed: np.ndarray,
    prior_weekly_diamonds: np.ndarray,
    *,
    plausible_multiple: float = PLAUSIBLE_MULTIPLE,
    plausible_floor: float = PLAUSIBLE_FLOOR,
) -> Ranking:
    """Rank ``none`` and the strategies; inputs are ``(n, 5)`` in ``STRATEGIES`` order.

    ``allowed`` comes from the rules (either engine), ``uplift``/``low``/
    ``high``/``extrapolation`` from the model, ``prior_weekly_diamonds`` is
    the profile column (length ``n``).
    """
    allowed = _with_control(np.asarray(allowed, dtype=bool), True)
    blocked = ~allowed

    def numbers(a: np.ndarray) -> np.ndarray:
        out = _with_control(np.asarray(a, dtype=float), 0.0)
        out[blocked] = np.nan
        return out

    up, lo, hi = numbers(uplift), numbers(low), numbers(high)
    status = _statuses(allowed, up)
    rankable = (status == "recommended") | (status == "keep")
    prior = np.asarray(prior_weekly_diamonds, dtype=float).reshape(-1, 1)
    limit = plausible_multiple * np.maximum(np.nan_to_num(prior, nan=0.0), plausible_floor)
    with np.errstate(invalid="ignore"):
        implausible = allowed & (up > limit)
    extrap = _with_control(np.asarray(extrapolation, dtype=bool), False) & allowed
    return Ranking(
        uplift=up, low=lo, high=hi, allowed=allowed, extrapolation=extrap,
        implausible=implausible, rank=_ranks(up, rankable), status=status,
    )
