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

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..data.fields import ALL_STRATEGIES, CONTROL, STRATEGIES, TRUTH_PREFIX

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
    return out


def _mean_se(values: np.ndarray, groups: Any) -> tuple[float, float]:
    """Mean and its standard error; clustered by group (creator) when groups are given."""
    n = len(values)
    mean = float(values.mean())
    if groups is None:
        return mean, float(values.std(ddof=1) / np.sqrt(n))
    import pandas as pd

    sums = pd.Series(values - mean).groupby(np.asarray(groups), sort=False).sum().to_numpy()
    g = len(sums)
    return mean, float(np.sqrt(g / max(g - 1, 1) * np.sum(sums**2)) / n)


def _estimate(values: np.ndarray, groups: Any) -> dict[str, float]:
    m, se = _mean_se(values, groups)
    return {"estimate": m, "se": se, "ci95_low": m - 1.96 * se, "ci95_high": m + 1.96 * se}


@dataclass(frozen=True)
class DRScores:
    """Cross-fitted doubly-robust (AIPW) scores of each arm for the rows of a history.

    ``gamma[i, k]`` estimates row i's outcome under ``arms[k]`` on the scaled
    target (diamonds / ``scale``); ``arms[0]`` is ``none``. Rows whose logged
    strategy the ranker does not know, or that this history tried too rarely,
    are left out: ``keep`` marks the rows used, in the frame's order.
    """

    arms: tuple[str, ...]
    gamma: np.ndarray
    r: np.ndarray
    scale: np.ndarray
    arm: np.ndarray
    clipped: np.ndarray
    keep: np.ndarray
    groups: Any
    min_rows: int

    def uplift_diamonds(self, k: int) -> np.ndarray:
        """Per-row DR estimate of arm ``k``'s uplift over ``none``, in diamonds."""
        return (self.gamma[:, k] - self.gamma[:, 0]) * self.scale


def dr_scores(ranker: Any, df: Any, *, groups: Any = None, n_folds: int = 3,
              random_state: int | None = 0) -> DRScores:
    """The cross-fitted AIPW scores behind :func:`evaluate_off_policy` (nuisances fitted on ``df``)."""
    from threadpoolctl import threadpool_limits

    from .estimator import cross_fit_nuisances, make_folds
    from .features import coded_features, strategy_codes

    for col in ("strategy", "gift_diamonds"):
        if col not in df.columns:
            raise InputError(f"missing column {col}", loc="data",
                             expected="history rows (profile columns, strategy, gift_diamonds)")
    if groups is None and "creator_id" in df.columns:
        groups = df["creator_id"].to_numpy()
    F = coded_features(df, source="data")
    a_all = strategy_codes(df["strategy"])
    y = np.asarray(df["gift_diamonds"], dtype=np.float64)
    counts = np.bincount(a_all, minlength=len(ALL_STRATEGIES))
    min_rows = max(2 * n_folds, 20)
    # Arms the ranker knows AND this history tried often enough to estimate their value.
    arms = tuple(s for s in ranker.arms_ if counts[ALL_STRATEGIES.index(s)] >= min_rows)
    if CONTROL not in arms:
        raise InputError(f"too little history to evaluate: need at least {min_rows} rows with strategy '{CONTROL}'",
                         loc="data", expected=f"history with '{CONTROL}' weeks (the comparison baseline)",
                         input=int(counts[ALL_STRATEGIES.index(CONTROL)]))
    if len(arms) < 2:
        raise InputError(f"too little history to evaluate: no strategy other than '{CONTROL}' has {min_rows}+ rows",
                         loc="data", expected="history in which creators tried some strategies",
                         input={s: int(counts[i]) for i, s in enumerate(ALL_STRATEGIES)})
    codes = [ALL_STRATEGIES.index(s) for s in arms]
    keep = np.isin(a_all, codes)
    lut = np.full(len(ALL_STRATEGIES), -1)
    lut[codes] = np.arange(len(codes))
    F, y, arm = F[keep], y[keep], lut[a_all[keep]]
    g = None if groups is None else np.asarray(groups)[keep]
    K = len(arms)
    scale = ranker.scale_of(F)
    r = y / scale
    folds = make_folds(len(F), g, n_folds, random_state)
    with threadpool_limits(limits=ranker.n_threads, user_api="openmp"):
        e, mu_s, mu_t, _ = cross_fit_nuisances(ranker, F, arm, r, folds, K)
    mu = 0.5 * (mu_s + mu_t)
    clipped = e < ranker.propensity_clip
    e = np.maximum(e, ranker.propensity_clip)
    rows = np.arange(len(F))
    gamma = mu.copy()
    gamma[rows, arm] += (r - mu[rows, arm]) / e[rows, arm]  # (n, K) AIPW scores, scaled target
    return DRScores(arms, gamma, r, scale, arm, clipped, keep, g, min_rows)


def evaluate_off_policy(ranker: Any, df: Any, *, groups: Any = None, n_folds: int = 3,
                        random_state: int | None = 0, scores: DRScores | None = None) -> dict[str, Any]:
    """Doubly-robust (AIPW) value of following the ranker's top strategy, from history alone.

    Use history the ranker was NOT trained on (a later period or other
    creators); the nuisance models are cross-fitted on ``df`` itself, unless
    ``scores`` (from :func:`dr_scores` on the same ``df``) are given.
    """
    dr = scores if scores is not None else dr_scores(ranker, df, groups=groups, n_folds=n_folds,
                                                     random_state=random_state)
    arms, gamma, r, scale, keep, g, min_rows = dr.arms, dr.gamma, dr.r, dr.scale, dr.keep, dr.groups, dr.min_rows
    clipped, K = dr.clipped, len(dr.arms)
    rows = np.arange(len(r))

    # The policy: the ranker's top strategy among all it knows. Where that pick was
    # (almost) never tried in this history its value is not identified: leave those rows out.
    pred = ranker.predict_uplift(df.iloc[np.flatnonzero(keep)] if not keep.all() else df)
    known = [s for s in pred.strategies]
    top_name = np.asarray(known, dtype=object)[np.argmax(np.nan_to_num(pred.uplift, nan=-np.inf), axis=1)]
    lut_arm = {s: i for i, s in enumerate(arms)}
    top = np.array([lut_arm.get(s, -1) for s in top_name])
    ok = top > 0
    warnings: list[str] = []
    if not ok.any():
        raise InputError(
            "cannot estimate the model's value on this history: its top strategy for every profile "
            "was never (or too rarely) tried here", loc="data",
            expected=f"history where the model's picks ({', '.join(sorted(set(top_name)))}) were tried "
                     f"at least {min_rows} times each",
        )
    skipped_arms = [s for s in ranker.arms_ if s not in arms]
    if skipped_arms:
        warnings.append(f"strategies with fewer than {min_rows} rows in this history were left out: "
                        + ", ".join(skipped_arms))
    if not ok.all():
        warnings.append(f"{1 - ok.mean():.0%} of rows were left out of the policy estimates: the model's top "
                        "pick there was never (or too rarely) tried in this history, so its value is not identified")
    weak = float(np.mean(clipped[rows[ok], top[ok]]))
    if weak > 0.1:
        warnings.append(f"weak overlap: for {weak:.0%} of rows, creators like these rarely chose the model's pick "
                        f"(propensity < {ranker.propensity_clip:g}); estimates lean on the outcome model")
    v_pi = gamma[rows[ok], top[ok]]
    gk = None if g is None else g[ok]
    out: dict[str, Any] = {"mode": "off_policy", "rows": int(len(r)), "rows_skipped_unknown_strategy": int((~keep).sum()),
                           "rows_in_policy_estimates": int(ok.sum()), "clustered_by_creator": g is not None}
    for name, scl in (("scaled", np.ones(len(r))), ("diamonds", scale)):
        out[name] = {
            "top_vs_none": _estimate((v_pi - gamma[ok, 0]) * scl[ok], gk),
            "top_vs_logged": _estimate((v_pi - r[ok]) * scl[ok], gk),
            "per_strategy_vs_none": {arms[k]: _estimate((gamma[:, k] - gamma[:, 0]) * scl, g)["estimate"]
                                     for k in range(1, K)},
        }
    top = top[ok]
    v_all = gamma[ok]
    best_single = max(out["scaled"]["per_strategy_vs_none"].items(), key=lambda kv: kv[1])[0]
    kb = arms.index(best_single)
    out["scaled"]["top_vs_best_single_strategy"] = _estimate(v_pi - v_all[:, kb], gk)
    out["best_single_strategy"] = best_single
    out["top_strategy_share"] = {s: float(np.mean(top_name == s)) for s in known}
    out["warnings"] = warnings
    return out


def evaluate(ranker: Any, df: Any, *, allowed: Any = None, groups: Any = None) -> dict[str, Any]:
    """Truth-based metrics when ``true_uplift_*`` columns are present, else off-policy; a plain dict."""
    if any(c in df.columns for c in TRUTH_COLUMNS):
        return evaluate_with_truth(ranker, df, allowed=allowed)
    return evaluate_off_policy(ranker, df, groups=groups)
