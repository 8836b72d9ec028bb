"""How good is a ranker? Against known truth (simulated data) or off-policy (real history).

* :func:`evaluate_with_truth` needs ``true_uplift_<strategy>`` columns (the
  simulator writes them): gain captured, top-1 accuracy, per-profile Spearman,
  uplift RMSE and interval coverage.
* :func:`evaluate_off_policy` needs only history (profile, ``strategy``,
  ``gift_diamonds``): cross-fitted doubly-robust (AIPW) estimates of the value of
  "follow the top recommendation" against always ``none`` and against the
  creators' own logged choices, with standard errors (clustered by creator
  when ``groups`` is given) and 95% intervals, on the scaled target and in
  diamonds. Its nuisance models are fitted on the evaluation data itself
  (cross-fitted), never taken from the ranker.
* :func:`evaluate` picks one by the columns present and returns a plain dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..data.fields import STRATEGIES, TRUTH_PREFIX
from .intervals import coverage_by_band
from .offpolicy import DRScores, dr_scores, evaluate_off_policy

__all__ = ["evaluate", "evaluate_with_truth", "evaluate_off_policy", "dr_scores", "DRScores", "score_uplift", "gain_captured", "truth_matrix"]

TRUTH_COLUMNS = tuple(TRUTH_PREFIX + s for s in STRATEGIES)


def truth_matrix(df: Any) -> np.ndarray:
    """(n, 5) true uplift in ``STRATEGIES`` order; InputError naming missing columns."""
    missing = [c for c in TRUTH_COLUMNS if c not in df.columns]
    if missing:
        raise InputError("missing true-uplift column(s): " + ", ".join(missing), loc="data",
                         expected="the simulator's true_uplift_<strategy> columns (simulate --with-truth)")
    return df[list(TRUTH_COLUMNS)].to_numpy(dtype=np.float64)


def _allowed(allowed: Any, shape: tuple[int, int]) -> np.ndarray:
    if allowed is None:
        return np.ones(shape, dtype=bool)
    a = np.asarray(allowed, dtype=bool)
    if a.shape != shape:
        raise InputError("allowed mask has the wrong shape", loc="allowed", expected=f"shape {shape}", input=a.shape)
    return a


def gain_captured(chosen_value: np.ndarray, truth: np.ndarray, allowed: np.ndarray) -> float:
    """(value of the chosen - a random allowed one) / (oracle - random), averaged over profiles."""
    t = np.where(allowed, truth, np.nan)
    ok = allowed.any(axis=1)
    rand = np.nanmean(t[ok], axis=1)
    oracle = np.nanmax(t[ok], axis=1)
    denom = float(np.mean(oracle - rand))
    if denom <= 0:
        return float("nan")
    return float(np.mean(chosen_value[ok] - rand) / denom)


def _rank_rows(a: np.ndarray) -> np.ndarray:
    """Average ranks along axis 1 (ties share a rank), NaN kept as NaN."""
    import pandas as pd

    return pd.DataFrame(a).rank(axis=1, method="average").to_numpy()


def _mean_spearman(pred: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    p = np.where(mask, pred, np.nan)
    t = np.where(mask, truth, np.nan)
    rp, rt = _rank_rows(p), _rank_rows(t)
    rp = rp - np.nanmean(rp, axis=1, keepdims=True)
    rt = rt - np.nanmean(rt, axis=1, keepdims=True)
    num = np.nansum(rp * rt, axis=1)
    den = np.sqrt(np.nansum(rp**2, axis=1) * np.nansum(rt**2, axis=1))
    good = (mask.sum(axis=1) >= 2) & (den > 0)
    if not good.any():
        return float("nan")
    return float(np.mean(num[good] / den[good]))


def score_uplift(uplift: np.ndarray, truth: np.ndarray, *, allowed: Any = None, low: Any = None,
                 high: Any = None, extrapolation: Any = None) -> dict[str, Any]:
    """Truth-based metrics for any (n, 5) uplift matrix (``STRATEGIES`` order; NaN = unknown).

    The policy picks the allowed strategy with the highest predicted uplift.
    """
    u = np.asarray(uplift, dtype=np.float64)
    n = len(truth)
    allow = _allowed(allowed, truth.shape)
    known = ~np.isnan(u)
    usable = allow & known
    choice = np.argmax(np.where(usable, u, -np.inf), axis=1)
    rows = np.arange(n)
    has_choice = usable.any(axis=1)
    chosen_value = np.where(has_choice, truth[rows, choice], np.nan)
    best = np.argmax(np.where(allow, truth, -np.inf), axis=1)
    hit = np.isclose(chosen_value, truth[rows, best]) & has_choice  # a tie for the best counts as a hit
    with_truth = usable & np.isfinite(truth)
    err = (u - truth)[with_truth]
    rand = np.nanmean(np.where(allow, truth, np.nan), axis=1)
    value = np.where(has_choice, chosen_value, rand)  # no usable strategy: as good as a random one
    out: dict[str, Any] = {
        "profiles": int(n),
        "gain_captured": gain_captured(value, truth, allow),
        "top1_accuracy": float(np.mean(hit[allow.any(axis=1)])),
        "mean_spearman": _mean_spearman(u, truth, usable),
        "uplift_rmse_diamonds": float(np.sqrt(np.mean(err**2))) if err.size else float("nan"),
        "uplift_mae_diamonds": float(np.mean(np.abs(err))) if err.size else float("nan"),
        "true_uplift_sd_diamonds": float(np.std(truth[with_truth])) if err.size else float("nan"),
    }
    if low is not None and high is not None:
        inside = ((truth >= np.asarray(low)) & (truth <= np.asarray(high)))[with_truth]
        out["interval_coverage"] = float(np.mean(inside)) if inside.size else float("nan")
        width = (np.asarray(high) - np.asarray(low))[with_truth]
        out["interval_median_width_diamonds"] = float(np.median(width)) if width.size else float("nan")
    if extrapolation is not None:
        ex = np.asarray(extrapolation, dtype=bool)
        out["extrapolation_share"] = float(np.mean(ex[known])) if known.any() else float("nan")
        # the same policy judged only where no usable strategy is flagged: is the flag informative?
        clear = allow.any(axis=1) & ~(ex & usable).any(axis=1)
        out["unflagged_profile_share"] = float(np.mean(clear[allow.any(axis=1)])) if allow.any() else float("nan")
        out["gain_captured_unflagged"] = (
            gain_captured(value[clear], truth[clear], allow[clear])
            if clear.any() else float("nan")
        )
    out["unknown_strategies"] = [s for j, s in enumerate(STRATEGIES) if not known[:, j].any()]
    return out


def evaluate_with_truth(ranker: Any, df: Any, allowed: Any = None) -> dict[str, Any]:
    """Score a ranker on profiles with known true uplift (simulated data).

    ``allowed`` is an optional (n, 5) bool mask of the strategies the rules
    allow (columns in ``fields.STRATEGIES`` order); by default all are.
    """
    truth = truth_matrix(df)
    pred = ranker.predict_uplift(df)
    order = [list(pred.strategies).index(s) for s in STRATEGIES]
    out = {"mode": "truth", "interval_level": float(pred.interval)}
    out.update(score_uplift(pred.uplift[:, order], truth, allowed=allowed, low=pred.low[:, order],
                            high=pred.high[:, order], extrapolation=pred.extrapolation[:, order]))
    out["interval_coverage_by_band"] = coverage_by_band(pred, truth, df["followers"])
    return out


def evaluate(ranker: Any, df: Any, *, allowed: Any = None, groups: Any = None) -> dict[str, Any]:
    """Truth-based metrics when ``true_uplift_*`` columns are present, else off-policy; a plain dict."""
    if any(c in df.columns for c in TRUTH_COLUMNS):
        return evaluate_with_truth(ranker, df, allowed=allowed)
    return evaluate_off_policy(ranker, df, groups=groups)
