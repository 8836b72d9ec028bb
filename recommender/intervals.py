"""Uplift intervals: the model's own spread, calibrated against known truth where there is one.

A prediction's interval is ``uplift +- z * sd * scale * factor``:

* ``sd`` is the variance head's estimate of the teacher's error (fold spread,
  learner disagreement; see ``heads``), ``scale`` the per-profile divisor of
  the target and ``z`` the normal quantile of the nominal level;
* ``factor`` is 1 for an uncalibrated model. The spread cannot see the bias
  every fold model shares (regularization shrinks large effects alike in all
  of them), so on its own it under-covers where effects are large, and more
  so the more history a model has (its spread shrinks, its bias less).

:func:`calibrate_intervals` fixes that by **split-conformal calibration**:
on profiles the model never saw, with known true uplift (the simulator's),
the score ``|truth - uplift| / (z * sd * scale)`` is computed for every
(profile, strategy); in each cell (follower band x strategy) the factor is
the conformal quantile of those scores, ``ceil((n + 1) * level)``-th smallest
of ``n``. On fresh profiles from the same source the interval then covers the
truth with probability >= ``level`` in every cell (and so overall and in every
band), and at most ``level + 1/(n+1)`` above it. A cell with fewer than
``min_cell`` scores borrows its band's pooled factor (and a small band the
overall one).

Real history has no truth, so a model trained on it cannot be calibrated this
way: its factors stay 1 and its card says so (``"calibrated": false``); how
the uncalibrated intervals covered on the simulator is in the README.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

from ..data.fields import NUMERIC_FEATURES, STRATEGIES
from ..errors import InputError

__all__ = ["FOLLOWER_BANDS", "BAND_NAMES", "follower_band", "half_width", "calibrate_intervals",
           "coverage_by_band"]

FOLLOWER_BANDS: tuple[float, ...] = (10_000, 100_000, 1_000_000)
"""Band edges on followers: a profile is in band i when ``edges[i-1] <= followers < edges[i]``."""
BAND_NAMES: tuple[str, ...] = ("<10k", "10k-100k", "100k-1M", ">1M")
_FOLLOWERS = NUMERIC_FEATURES.index("followers")


def follower_band(followers: Any) -> np.ndarray:
    """Band index (0..3, ``BAND_NAMES`` order) of each follower count."""
    return np.searchsorted(np.asarray(FOLLOWER_BANDS, dtype=np.float64), np.asarray(followers, dtype=np.float64),
                           side="right")


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def half_width(sd: np.ndarray, scale: np.ndarray, level: float, factors: np.ndarray | None,
               F: np.ndarray) -> np.ndarray:
    """Half-width (m, A) of the interval in diamonds for coded profiles ``F`` (factors: (bands, A) or None)."""
    half = _z(level) * sd * scale
    if factors is None:
        return half
    return half * factors[follower_band(F[:, _FOLLOWERS])]


def _conformal_factor(scores: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) level)``-th smallest score (inf when n is too small for that)."""
    n = len(scores)
    k = int(np.ceil((n + 1) * level))
    if k > n:
        return float("inf")
    return float(np.partition(scores, k - 1)[k - 1])


def calibrate_intervals(ranker: Any, X: Any, truth: np.ndarray, *, min_cell: int = 200) -> dict[str, Any]:
    """Learn the ranker's interval factors from profiles ``X`` it never saw and their true uplift.

    ``truth`` is (n, 5) in ``fields.STRATEGIES`` order (the simulator's
    ``true_uplift_<s>``). Sets ``ranker.interval_factors_`` (bands x learned
    strategies) and returns a JSON-able report, also kept as
    ``ranker.interval_calibration_``.
    """
    from .features import coded_features

    ranker._check_fitted()
    truth = np.asarray(truth, dtype=np.float64)
    if truth.shape != (len(X), len(STRATEGIES)):
        raise InputError("truth has the wrong shape", loc="truth", expected=f"({len(X)}, {len(STRATEGIES)})",
                         input=truth.shape)
    for name in ("interval_factors_", "interval_calibration_"):
        if hasattr(ranker, name):
            delattr(ranker, name)  # score the uncalibrated intervals
    pred = ranker.predict_uplift(X)
    cols = [STRATEGIES.index(s) for s in ranker.arms_[1:]]
    band = follower_band(coded_features(X, source="X")[:, _FOLLOWERS])
    base = (pred.high - pred.uplift)[:, cols]
    scores = np.abs(truth[:, cols] - pred.uplift[:, cols]) / base
    ok = np.isfinite(scores)
    level = float(ranker.interval)
    overall = _conformal_factor(scores[ok], level)
    factors = np.ones((len(BAND_NAMES), len(cols)))
    for b in range(len(BAND_NAMES)):
        in_b = ok & (band == b)[:, None]
        pooled = _conformal_factor(scores[in_b], level) if in_b.sum() >= min_cell else overall
        for j in range(len(cols)):
            cell = scores[in_b[:, j], j]
            factors[b, j] = _conformal_factor(cell, level) if len(cell) >= min_cell else pooled
    ranker.interval_factors_ = factors
    ranker.interval_calibration_ = {
        "calibrated": True,
        "method": "split-conformal: per follower band x strategy, the ceil((n+1) level)-th smallest "
                  "|truth - uplift| / (z sd scale) on held-out profiles with known true uplift",
        "level": level,
        "profiles": int(len(X)),
        "bands": list(BAND_NAMES),
        "band_profiles": [int((band == b).sum()) for b in range(len(BAND_NAMES))],
        "strategies": list(ranker.arms_[1:]),
        "factors": factors.round(4).tolist(),
        "uncalibrated_coverage": float(np.mean(scores[ok] <= 1.0)),
    }
    return ranker.interval_calibration_


def coverage_by_band(pred: Any, truth: np.ndarray, followers: Any) -> dict[str, dict[str, float]]:
    """Share of (profile, strategy) true uplifts inside ``[low, high]``, overall and per follower band."""
    truth = np.asarray(truth, dtype=np.float64)
    order = [list(pred.strategies).index(s) for s in STRATEGIES]
    low, high = pred.low[:, order], pred.high[:, order]
    known = np.isfinite(low) & np.isfinite(truth)
    inside = (truth >= low) & (truth <= high)
    band = follower_band(followers)
    out = {"overall": {"profiles": int(len(truth)), "coverage": float(inside[known].mean())}}
    for b, name in enumerate(BAND_NAMES):
        m = known & (band == b)[:, None]
        out[name] = {"profiles": int((band == b).sum()),
                     "coverage": float(inside[m].mean()) if m.any() else float("nan")}
    return out
