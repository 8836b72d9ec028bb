"""Personal posteriors: the population model is the prior, the creator's own weeks update it.

The model (normal-normal, conjugate, on a scaled outcome)
---------------------------------------------------------
For creator c with level L_c (its latest ``prior_weekly_diamonds``, the
mean of the 4 weeks before) and week t with gift diamonds ``y_t`` and
strategy ``s_t``::

    r_t = (y_t + K) / (L_c + K)                       K = 10 diamonds (uplift.md's ratio target)
    r_t = a_c + d_c[s_t] + e_t,   e_t ~ N(0, sigma^2(L_c)),   d_c[none] = 0

* Uplift is additive by definition (E[y | s] = E[y | none] + uplift_s), so on
  this scale it is exactly linear: ``d_c[s]`` = the creator's own uplift of s
  divided by B = L_c + K, and in diamonds uplift_s = B x d_s. No log, so no
  bias from the mean of a log not being the log of a mean (measured: a log
  scale made the plan pick worse than the population for small creators,
  whose weeks are mostly 0-3 gifts).
* ``a_c`` is the creator's baseline (its 'none' weeks relative to its level),
  with a flat prior N(base_mean, 100): it is learnt from the creator's own
  weeks only, and each effect is judged against the creator's own plain weeks.
* Prior of ``d_c[s]``: N(m_s, tau_s^2 + het_s) from the population model at
  the creator's current profile: ``m_s = uplift_s / B``; ``tau_s`` = the width
  of the model's 80% interval [low, high] / B / (2 x 1.2816), so the prior is
  exactly as strong as the model is sure. ``het_s = h^2 (base_mean + m_s)^2``
  is how far a creator's own effect may sit from the population's: a relative
  spread h (a creator's gifts under s are the population's times exp(b),
  b ~ N(0, h^2)), estimated from the ``plan init`` history on the log scale,
  where whale gifts do not swamp it (method of moments: mean over
  creator-strategy pairs of (d_hat - m)^2 - tau^2 - sampling variance,
  less one standard error, floored at 0). The estimate is noisy: its
  standard error is ~0.14 for a 500-creator x 8-week history. Without the
  standard error subtracted, a simulated true spread of 0.5 (h^2 = 0.25)
  gave 0.12, 0.18, 0.37 and 0.59 on four seeds (500 creators) and 0.00 and
  0.44 on two (600), and no spread gave 0 on three seeds but 0.18 and 0.10
  on two others; less two standard errors (an earlier version) it was 0
  even with effects, so intervals covered only ~0.28 of the personal truth
  (benchmarks/bench_plan.py). Winsorizing log(r) at the level bin's 2% / 5%
  quantiles, and matching medians against a within-creator label
  permutation, were tried and were no steadier. A creator is not the average
  creator; an interval that ignored this would be too narrow. ``plan init
  --spread`` sets h when a bigger history or experience says more.
* ``sigma^2(L)`` is the week-to-week noise of r: pooled within-(creator,
  strategy) variance in 8 bins of the level, from the ``plan init`` history.
  It is large (single whale gifts): a creator's own weeks move the estimate
  only as fast as they really inform it. Weeks are not trimmed: capping
  whale weeks (tried: at a strategy's median + the pooled 99th percentile)
  biased the strategies tried most downwards and made the plan worse in
  benchmarks/bench_plan.py. Also tried and dropped (seed 1, 500 creators,
  no creator effects, regret vs the population pick): a per-creator noise
  shrunk to its bin's (4 prior weeks) 2.21x against 2.04x pooled; an
  empirical-Bayes prior on the baseline a_c instead of a flat one made the
  picks from the history alone 2.58x against 1.56x.

The posterior is Gaussian in (a, d_1..d_5): precision = prior precision +
X'WX, mean = precision^-1 (prior precision x prior mean + X'Wr), with X the
rows [1, onehot(s)]. Only per-creator, per-strategy sums of w = 1/sigma^2 and
w r are needed (``weekly_sums``), so 100k creators take one batched 6x6 solve.

Intervals: mean +- the posterior sd, in the population interval's own
asymmetry (a split normal: the prior's lower and upper half-widths, widened
by het_s and shrunk in proportion to the posterior sd). With no own weeks the
expected uplift is exactly the population's and, when h = 0, so is its
interval; with many weeks the creator's data win.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.fields import ALL_STRATEGIES

__all__ = ["K", "Z80", "Hyper", "fit_hyper", "scaled_outcome", "weekly_sums", "Prior", "prior_from_population",
           "Posterior", "posterior", "creator_level"]

K = 10.0
"""Diamonds added to the outcome and the level (zero-gift weeks are common)."""
Z80 = 1.2815515655446004
"""Standard-normal 0.9 quantile: an 80% interval is mean +- Z80 sd."""
BASE_VAR = 100.0
"""Prior variance of the baseline a_c: flat, so it is learnt from the creator's own weeks only."""
_MIN_REL = -0.95  # relative uplifts below -95% of the level are not believable; clipped
_N_BINS = 8
ARMS = len(ALL_STRATEGIES)


@dataclass(frozen=True)
class Hyper:
    """Empirical-Bayes hyper-parameters, estimated once from the ``plan init`` history."""

    noise_edges: tuple[float, ...]  # inner bin edges on log(L + K)
    noise_var: tuple[float, ...]  # sigma^2 of r per bin (len(noise_edges) + 1)
    base_mean: float  # mean of r on 'none' weeks
    base_var: float
    het_var: float  # h^2: relative creator-to-creator spread of effects
    weeks_used: int

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Hyper":
        return cls(tuple(d["noise_edges"]), tuple(d["noise_var"]), float(d["base_mean"]),
                   float(d["base_var"]), float(d["het_var"]), int(d["weeks_used"]))

    def sigma2(self, level: np.ndarray) -> np.ndarray:
        """Week-to-week noise variance of r for a creator at level L."""
        idx = np.searchsorted(np.asarray(self.noise_edges), np.log(np.asarray(level, dtype=float) + K))
        return np.asarray(self.noise_var)[idx]

    def het(self, m: np.ndarray) -> np.ndarray:
        """het_s = h^2 (base_mean + m_s)^2: the spread of own effects around the population's."""
        return self.het_var * (self.base_mean + m) ** 2


def scaled_outcome(gift: np.ndarray, level: np.ndarray) -> np.ndarray:
    """r = (gift + K) / (level + K)."""
    return (np.asarray(gift, dtype=float) + K) / (np.asarray(level, dtype=float) + K)


def _arm_codes(strategy: pd.Series) -> np.ndarray:
    return pd.Categorical(strategy.astype(str), categories=list(ALL_STRATEGIES)).codes.astype(np.intp)


def _pooled_noise(df: pd.DataFrame, col: str, n_bins: int) -> list[float]:
    """Pooled within-(creator, arm) variance of ``col`` per level bin (E[dev^2] = sigma^2 (n-1)/n)."""
    g = df.groupby(["c", "arm"])[col]
    dev = df[col] - g.transform("mean")
    n = g.transform("size")
    total = float(np.var(df[col])) if len(df) > 1 else 1.0
    out = []
    for b in range(n_bins):
        rows = (df["bin"] == b) & (n >= 2)
        dof = float(((n[rows] - 1) / n[rows]).sum())
        out.append(float((dev[rows] ** 2).sum() / dof) if dof >= 10 else total)
    return out


def fit_hyper(weeks: pd.DataFrame, prior: "Prior | None" = None) -> Hyper:
    """Hyper-parameters from a history (creator_id, strategy, gift_diamonds, prior_weekly_diamonds; sorted by week).

    ``prior`` is the population prior at each creator's latest profile, rows in
    ``sorted(creator_id.unique())`` order; without it ``het_var`` is 0.
    """
    level = creator_level(weeks)
    df = pd.DataFrame({
        "c": weeks["creator_id"].astype(str).to_numpy(),
        "arm": _arm_codes(weeks["strategy"]),
        "r": scaled_outcome(weeks["gift_diamonds"], level),
        "lv": np.log(level + K),
    })
    df["z"] = np.log(df["r"])
    enough = len(df) >= 8 * _N_BINS
    edges = np.unique(np.quantile(df["lv"], np.linspace(0, 1, _N_BINS + 1)[1:-1])) if enough else np.array([])
    df["bin"] = np.searchsorted(edges, df["lv"])
    noise = _pooled_noise(df, "r", len(edges) + 1)
    none = df[df["arm"] == 0]
    base_mean = float(none["r"].mean()) if len(none) else float(df["r"].mean()) if len(df) else 1.0
    het = 0.0
    if prior is not None:
        df["s2z"] = np.asarray(_pooled_noise(df, "z", len(edges) + 1))[df["bin"]]
        het = _log_het(df, prior, base_mean)
    return Hyper(tuple(map(float, edges)), tuple(noise), base_mean, BASE_VAR, het, len(df))


def _log_het(df: pd.DataFrame, prior: "Prior", base_mean: float) -> float:
    """h^2 by the method of moments on log(r) (see the module docstring)."""
    creators = np.array(sorted(df["c"].unique()))
    stats = dict(m=("z", "mean"), n=("z", "size"), s2=("s2z", "mean"))
    none = df[df["arm"] == 0].groupby("c").agg(**stats)
    arms = df[df["arm"] > 0].groupby(["c", "arm"]).agg(**stats).join(none.add_suffix("_none"), on="c", how="inner")
    if arms.empty:
        return 0.0
    ci = np.searchsorted(creators, arms.index.get_level_values("c").to_numpy())
    ai = arms.index.get_level_values("arm").to_numpy() - 1
    m, below, above = prior.mean[ci, ai], prior.below[ci, ai], prior.above[ci, ai]
    rel = lambda x: np.log1p(np.maximum(x / base_mean, _MIN_REL))  # noqa: E731  ratio-scale uplift -> log effect
    m_log = rel(m)
    tau2_log = ((rel(m + above) - rel(m - below)) / (2 * Z80)) ** 2
    d_hat = (arms["m"] - arms["m_none"]).to_numpy()
    sv = (arms["s2"] / arms["n"] + arms["s2_none"] / arms["n_none"]).to_numpy()
    v = tau2_log + sv  # each pair's variance without the spread: E[(d_hat - m)^2] = v + h^2
    ok = np.isfinite(d_hat - m_log) & np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return 0.0
    # the moment estimate less one standard error, floored at 0 (the SE is ~0.14 for 500 creators x 8
    # weeks: less two of them estimated 0 even for a true log-scale spread of 0.5; less none, 0.10 with no spread)
    excess = ((d_hat - m_log) ** 2 - v)[ok]
    return float(max(np.mean(excess) - np.std(excess, ddof=1) / np.sqrt(len(excess)), 0.0))


def creator_level(weeks: pd.DataFrame) -> np.ndarray:
    """Each row's creator level L_c: the creator's latest ``prior_weekly_diamonds`` (rows sorted by week)."""
    return weeks.groupby("creator_id", sort=False)["prior_weekly_diamonds"].transform("last").to_numpy(dtype=float)


def weekly_sums(weeks: pd.DataFrame, creators: np.ndarray, hyper: Hyper) -> tuple[np.ndarray, np.ndarray]:
    """Per creator (in ``creators`` order) and arm: sum of w = 1/sigma^2 and of w z, shapes (n, 6)."""
    n = len(creators)
    W = np.zeros((n, ARMS))
    WZ = np.zeros((n, ARMS))
    if len(weeks) == 0:
        return W, WZ
    level = creator_level(weeks)
    s2 = hyper.sigma2(level)
    ci = np.searchsorted(creators, weeks["creator_id"].astype(str).to_numpy())
    ai = _arm_codes(weeks["strategy"])
    z = scaled_outcome(weeks["gift_diamonds"], level)
    np.add.at(W, (ci, ai), 1.0 / s2)
    np.add.at(WZ, (ci, ai), z / s2)
    return W, WZ


@dataclass(frozen=True)
class Prior:
    """The population model's answer on the scaled outcome, per creator and strategy (n, 5)."""

    scale: np.ndarray  # B = P + K, (n,)
    mean: np.ndarray  # m_s
    var: np.ndarray  # tau_s^2 (population interval only)
    below: np.ndarray  # m_s - low_s / B (lower half-width of the 80% interval)
    above: np.ndarray  # H_s - m_s


def prior_from_population(level: np.ndarray, uplift: np.ndarray, low: np.ndarray, high: np.ndarray) -> Prior:
    """Population uplift and 80% interval in diamonds (n, 5) -> prior on d at level L (n,)."""
    B = np.asarray(level, dtype=float)[:, None] + K

    def lg(x: np.ndarray) -> np.ndarray:
        return np.maximum(np.asarray(x, dtype=float) / B, _MIN_REL)

    m, lo, hi = lg(uplift), lg(low), lg(high)
    lo, hi = np.minimum(lo, m), np.maximum(hi, m)
    tau = np.maximum((hi - lo) / (2.0 * Z80), 1e-3)
    return Prior(B[:, 0], m, tau**2, m - lo, hi - m)


@dataclass(frozen=True)
class Posterior:
    """Posterior of each creator's own strategy effects, and the same in diamonds (all (n, 5))."""

    mean: np.ndarray  # d (uplift / B)
    sd: np.ndarray
    cov: np.ndarray  # (n, 6, 6): (a, d_1..d_5)
    theta_mean: np.ndarray  # (n, 6)
    uplift: np.ndarray  # diamonds
    low: np.ndarray
    high: np.ndarray
    weeks: np.ndarray  # (n, 6) own weeks per arm


def posterior(prior: Prior, hyper: Hyper, W: np.ndarray, WZ: np.ndarray, counts: np.ndarray) -> Posterior:
    """Batched conjugate update (see the module docstring)."""
    n = len(prior.scale)
    known = np.isfinite(prior.mean)
    m0 = np.concatenate([np.full((n, 1), hyper.base_mean), np.where(known, prior.mean, 0.0)], axis=1)
    het = hyper.het(np.where(known, prior.mean, 0.0))
    v0 = np.concatenate([np.full((n, 1), hyper.base_var), np.where(known, prior.var + het, 1e6)], axis=1)
    prec = np.zeros((n, ARMS, ARMS))
    idx = np.arange(ARMS)
    prec[:, idx, idx] = 1.0 / v0
    prec[:, 0, 0] += W.sum(axis=1)
    prec[:, 0, 1:] += W[:, 1:]
    prec[:, 1:, 0] += W[:, 1:]
    prec[:, idx[1:], idx[1:]] += W[:, 1:]
    rhs = m0 / v0
    rhs[:, 0] += WZ.sum(axis=1)
    rhs[:, 1:] += WZ[:, 1:]
    cov = np.linalg.inv(prec)
    theta = np.einsum("nij,nj->ni", cov, rhs)
    d = theta[:, 1:]
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2)[:, 1:])
    tau_all = np.sqrt(np.where(known, prior.var + het, np.nan))
    shrink = sd / tau_all
    # split normal: keep the population interval's asymmetry, widened by het_var, shrunk with the sd
    widen = np.sqrt((prior.var + het) / prior.var)
    lo_d = d - prior.below * widen * shrink
    hi_d = d + prior.above * widen * shrink
    B = prior.scale[:, None]
    out_nan = ~known
    up, lo, hi = (np.where(out_nan, np.nan, B * x) for x in (d, lo_d, hi_d))
    return Posterior(np.where(out_nan, np.nan, d), np.where(out_nan, np.nan, sd), cov, theta, up, lo, hi, counts)
