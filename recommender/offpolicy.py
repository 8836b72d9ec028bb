"""Off-policy evaluation on real history: doubly-robust (AIPW) value of following a ranker.

Cross-fitted on the evaluation history itself (its nuisance models are never
taken from the ranker): the value of "follow the top recommendation" against
always ``none`` and against the creators' own logged choices, and each
strategy against ``none``, with standard errors (clustered by creator when
``groups`` is given) and 95% intervals, on the scaled target and in diamonds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.fields import ALL_STRATEGIES, CONTROL
from ..errors import InputError

__all__ = ["evaluate_off_policy", "dr_scores", "DRScores"]


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


def _evaluable_arms(ranker: Any, counts: np.ndarray, min_rows: int) -> tuple[str, ...]:
    """Arms the ranker knows AND this history tried often enough to estimate their value."""
    arms = tuple(s for s in ranker.arms_ if counts[ALL_STRATEGIES.index(s)] >= min_rows)
    if CONTROL not in arms:
        raise InputError(f"too little history to evaluate: need at least {min_rows} rows with strategy '{CONTROL}'",
                         loc="data", expected=f"history with '{CONTROL}' weeks (the comparison baseline)",
                         input=int(counts[ALL_STRATEGIES.index(CONTROL)]))
    if len(arms) < 2:
        raise InputError(f"too little history to evaluate: no strategy other than '{CONTROL}' has {min_rows}+ rows",
                         loc="data", expected="history in which creators tried some strategies",
                         input={s: int(counts[i]) for i, s in enumerate(ALL_STRATEGIES)})
    return arms


def _aipw_scores(ranker: Any, F: np.ndarray, arm: np.ndarray, r: np.ndarray, g: Any, K: int, n_folds: int,
                 random_state: Any) -> tuple[np.ndarray, np.ndarray]:
    """(n, K) AIPW scores of each arm on the scaled target, and where the propensity was clipped."""
    from threadpoolctl import threadpool_limits

    from .crossfit import cross_fit_nuisances, make_folds

    folds = make_folds(len(F), g, n_folds, random_state)
    with threadpool_limits(limits=ranker.n_threads, user_api="openmp"):
        e, mu_s, mu_t, _ = cross_fit_nuisances(ranker, F, arm, r, folds, K)
    mu = 0.5 * (mu_s + mu_t)
    clipped = e < ranker.propensity_clip
    e = np.maximum(e, ranker.propensity_clip)
    rows = np.arange(len(F))
    gamma = mu.copy()
    gamma[rows, arm] += (r - mu[rows, arm]) / e[rows, arm]
    return gamma, clipped


def _warnings(ranker: Any, arms, min_rows: int, rows: int, skipped_rows_share: float, weak: float,
              per_strategy: dict) -> list[str]:
    out: list[str] = []
    skipped_arms = [s for s in ranker.arms_ if s not in arms]
    if skipped_arms:
        out.append(f"strategies with fewer than {min_rows} rows in this history were left out: "
                   + ", ".join(skipped_arms))
    if skipped_rows_share > 0:
        out.append(f"{skipped_rows_share:.0%} of rows were left out of the policy estimates: the model's top "
                   "pick there was never (or too rarely) tried in this history, so its value is not identified")
    if weak > 0.1:
        out.append(f"weak overlap: for {weak:.0%} of rows, creators like these rarely chose the model's pick "
                   f"(propensity < {ranker.propensity_clip:g}); estimates lean on the outcome model")
    best = max(per_strategy, key=lambda s: per_strategy[s]["estimate"])
    b = per_strategy[best]
    if all(e["ci95_low"] <= 0 <= e["ci95_high"] for e in per_strategy.values()):
        out.append(f"this history ({rows:,} rows) is too small to tell any strategy from 'none': every "
                   "strategy's 95% interval against 'none' includes 0")
    elif len(per_strategy) > 1 and all(e["ci95_high"] >= b["ci95_low"] for s, e in per_strategy.items() if s != best):
        out.append(f"this history ({rows:,} rows) is too small to tell the strategies apart: the 95% interval of "
                   f"the best-looking one ({best}) overlaps every other strategy's")
    return out


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
    min_rows = max(2 * n_folds, 20)
    arms = _evaluable_arms(ranker, np.bincount(a_all, minlength=len(ALL_STRATEGIES)), min_rows)
    codes = [ALL_STRATEGIES.index(s) for s in arms]
    keep = np.isin(a_all, codes)
    lut = np.full(len(ALL_STRATEGIES), -1)
    lut[codes] = np.arange(len(codes))
    F, y, arm = F[keep], y[keep], lut[a_all[keep]]
    g = None if groups is None else np.asarray(groups)[keep]
    scale = ranker.scale_of(df)[keep]
    r = y / scale
    gamma, clipped = _aipw_scores(ranker, F, arm, r, g, len(arms), n_folds, random_state)
    return DRScores(arms, gamma, r, scale, clipped, keep, g, min_rows)


def evaluate_off_policy(ranker: Any, df: Any, *, groups: Any = None, n_folds: int = 3,
                        random_state: int | None = 0, scores: DRScores | None = None) -> dict[str, Any]:
    """Doubly-robust (AIPW) value of following the ranker's top strategy, from history alone.

    Use history the ranker was NOT trained on (a later period or other
    creators); the nuisance models are cross-fitted on ``df`` itself, unless
    ``scores`` (from :func:`dr_scores` on the same ``df``) are given.
    """
    dr = scores if scores is not None else dr_scores(ranker, df, groups=groups, n_folds=n_folds,
                                                     random_state=random_state)
    arms, gamma, r, scale, clipped, keep, g, min_rows = (
        dr.arms, dr.gamma, dr.r, dr.scale, dr.clipped, dr.keep, dr.groups, dr.min_rows
    )

    # The policy: the ranker's top strategy among all it knows. Where that pick was
    # (almost) never tried in this history its value is not identified: leave those rows out.
    pred = ranker.predict_uplift(df.iloc[np.flatnonzero(keep)] if not keep.all() else df)
    top_name = np.asarray(pred.strategies, dtype=object)[np.argmax(np.nan_to_num(pred.uplift, nan=-np.inf), axis=1)]
    lut_arm = {s: i for i, s in enumerate(arms)}
    top = np.array([lut_arm.get(s, -1) for s in top_name])
    ok = top > 0
    if not ok.any():
        raise InputError(
            "cannot estimate the model's value on this history: its top strategy for every profile "
            "was never (or too rarely) tried here", loc="data",
            expected=f"history where the model's picks ({', '.join(sorted(set(top_name)))}) were tried "
                     f"at least {min_rows} times each",
        )
    out: dict[str, Any] = {"mode": "off_policy", "rows": int(len(r)),
                           "rows_skipped_unknown_strategy": int((~keep).sum()),
                           "rows_in_policy_estimates": int(ok.sum()), "clustered_by_creator": g is not None}
    out.update(_report(gamma, r, scale, top, ok, g, arms))
    out["top_strategy_share"] = {s: float(np.mean(top_name == s)) for s in pred.strategies}
    weak = float(np.mean(clipped[np.flatnonzero(ok), top[ok]]))
    out["warnings"] = _warnings(ranker, arms, min_rows, len(r), 1 - ok.mean(), weak,
                                out["diamonds"]["per_strategy_vs_none_interval"])
    return out


def _report(gamma: np.ndarray, r: np.ndarray, scale: np.ndarray, top: np.ndarray, ok: np.ndarray, g: Any,
            arms: tuple[str, ...]) -> dict[str, Any]:
    """Estimates of the policy and of each strategy vs none, scaled and in diamonds."""
    rows = np.arange(len(r))
    v_pi = gamma[rows[ok], top[ok]]
    gk = None if g is None else g[ok]
    out: dict[str, Any] = {}
    for name, scl in (("scaled", np.ones(len(r))), ("diamonds", scale)):
        per = {arms[k]: _estimate((gamma[:, k] - gamma[:, 0]) * scl, g) for k in range(1, len(arms))}
        out[name] = {
            "top_vs_none": _estimate((v_pi - gamma[ok, 0]) * scl[ok], gk),
            "top_vs_logged": _estimate((v_pi - r[ok]) * scl[ok], gk),
            "per_strategy_vs_none": {s: e["estimate"] for s, e in per.items()},
            "per_strategy_vs_none_interval": per,
        }
    best_single = max(out["scaled"]["per_strategy_vs_none"].items(), key=lambda kv: kv[1])[0]
    out["scaled"]["top_vs_best_single_strategy"] = _estimate(v_pi - gamma[ok, arms.index(best_single)], gk)
    out["best_single_strategy"] = best_single
    return out
