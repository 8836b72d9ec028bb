"""Personal posteriors: the population model is the prior, the creator's own weeks update it.

The model (one joint linear-Gaussian model per creator, on a scaled outcome)
----------------------------------------------------------------------------
Week t of creator c has gift diamonds ``y_t``, strategy ``s_t`` and the
profile it was played with. ``B_t`` is the population's *baseline* for that
profile: the population model's fitted weekly income level at the week's
profile (``UpliftRanker.scale_of``: its level model + 10 diamonds; a model
without one falls back to ``prior_weekly_diamonds`` + K). Then::

    r_t = (y_t + K) / B_t                             K = 10 diamonds
    r_t = a_c + d_c[s_t] + e_t,   e_t ~ N(0, sigma^2(B_t)),   d_c[none] = 0

* ``a_c`` is the creator's own offset against the population baseline
  (flat prior N(base_mean, 100)), learnt jointly from all its weeks, so each
  strategy is judged against the creator's own plain weeks, and weeks played
  at other profiles are put on one footing by their own B_t. This per-week
  baseline is what makes old weeks usable: in the simulator a creator's
  expected income grows ~50% over an 8-week history (followers, engagement,
  the lasting part of engage / improve weeks), so dividing every week by
  the *latest* level (an earlier version) made the early, mostly 'none'
  weeks look poor and whatever was tried later look good: with no personal
  effects at all the plan's regret was 1.30x the population pick's; with
  B_t it is ~1.0x (benchmarks/bench_plan.py).
* ``d_c[s]`` is the creator's own uplift of s at its latest profile divided
  by B (its latest baseline): uplift in diamonds = B x d. Prior
  N(m_s, tau_s^2 + het_s): ``m_s = uplift_s / B`` from the population model
  at the latest profile; ``tau_s`` = the width of its 80% interval / B /
  (2 x 1.2816), so the prior is exactly as strong as the model is sure;
  ``het_s = h^2 (base_mean + m_s)^2`` is how far a creator's own effect may
  sit from the population's (a creator's gifts under s are the
  population's times a mean-1 multiplier of relative variance h^2).
* ``h^2`` is estimated by empirical Bayes across all creators of the ``plan
  init`` history, on the log scale where single whale gifts do not swamp
  it: for each creator and strategy tried alongside 'none', the contrast
  e = mean log r(s) - mean log r(none) - log(1 + m_s / base_mean) has
  variance v + v_h, with v = the population model's (log-scale) interval
  variance + the sampling variance of the two means (pooled log noise);
  v_h maximises the normal likelihood of all contrasts (standard error
  from its curvature), and h^2 = exp(v_h) - 1. Without personal effects it
  is ~0 (then the plan stays on the population's intervals); the estimate
  has a standard error of ~0.09 on 600 creators x 8 weeks and ~0.05 on
  2,000. ``plan init --spread`` replaces it.
* ``sigma^2(B)`` is the week-to-week noise of r: the pooled within-(creator,
  strategy) variance in 8 bins of B, from the ``plan init`` history, made
  non-increasing in B (pool adjacent violators weighted by degrees of
  freedom: for gamma-Poisson counts of heavy-tailed gifts Var(r) ~ a / B +
  b). It is large, and a bin's raw estimate swings with the one or two whale
  gifts it happened to see (5 to 600 between seeds for the smallest
  creators); pooling steadied it and moved the benchmark's picks slightly
  toward better (600 creators, seeds 1-3, per-creator regret ratio 1.24 ->
  1.15, 1.09 -> 1.03, 0.98 -> 0.95 without effects). Weeks are not trimmed: capping whale weeks
  (tried again with B_t: at a bin's 99th percentile, rescaled to keep the
  bin's mean) helped with personal effects but made the picks worse than
  the population's without them.

The posterior is Gaussian in (a, d_1..d_5): precision = prior precision +
X'WX, mean = precision^-1 (prior precision x prior mean + X'Wr), with X the
rows [1, onehot(s)]. Only per-creator, per-strategy sums of w = 1/sigma^2 and
w r are needed (``weekly_sums``), so 100k creators take one batched 6x6 solve.

Intervals: mean +- the posterior sd, in the population interval's own
asymmetry (a split normal: the prior's lower and upper half-widths, widened
by het_s and shrunk in proportion to the posterior sd). With no own weeks the
expected uplift is exactly the population's and, when h = 0, so is its
interval; with many weeks the creator's data win. The interval is for the
creator's expected uplift at its latest profile (what the simulator's
``true_personal_uplift_<s>`` columns hold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.fields import ALL_STRATEGIES

__all__ = ["K", "Z80", "Hyper", "fit_hyper", "scaled_outcome", "weekly_sums", "Prior", "prior_from_population",
           "Posterior", "posterior", "het_from_contrasts"]

K = 10.0
"""Diamonds added to the outcome (zero-gift weeks are common)."""
Z80 = 1.2815515655446004
"""Standard-normal 0.9 quantile: an 80% interval is mean +- Z80 sd."""
BASE_VAR = 100.0
"""Prior variance of the offset a_c: flat, so it is learnt from the creator's own weeks only."""
_MIN_REL = -0.95  # relative uplifts below -95% of the level are not believable; clipped
_N_BINS = 8
_MAX_LOG_HET = 4.0  # upper bound of the log-scale spread searched (sd 2: a creator's effect x/÷ 7)
ARMS = len(ALL_STRATEGIES)


@dataclass(frozen=True)
class Hyper:
    """Empirical-Bayes hyper-parameters, estimated once from the ``plan init`` history."""

    noise_edges: tuple[float, ...]  # inner bin edges on log(B)
    noise_var: tuple[float, ...]  # sigma^2 of r per bin (len(noise_edges) + 1)
    base_mean: float  # mean of r on 'none' weeks
    base_var: float
    het_var: float  # h^2: relative creator-to-creator spread of effects (exp(het_log) - 1)
    weeks_used: int
    het_log: float = 0.0  # the log-scale spread v_h it comes from
    het_se: float = float("nan")  # its standard error
    het_pairs: int = 0  # creator-strategy contrasts it was estimated from

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Hyper":
        return cls(tuple(d["noise_edges"]), tuple(d["noise_var"]), float(d["base_mean"]),
                   float(d["base_var"]), float(d["het_var"]), int(d["weeks_used"]),
                   float(d.get("het_log", 0.0)), float(d.get("het_se", float("nan"))), int(d.get("het_pairs", 0)))

    def sigma2(self, base: np.ndarray) -> np.ndarray:
        """Week-to-week noise variance of r for a week with baseline B."""
        idx = np.searchsorted(np.asarray(self.noise_edges), np.log(np.asarray(base, dtype=float)))
        return np.asarray(self.noise_var)[idx]

    def het(self, m: np.ndarray) -> np.ndarray:
        """het_s = h^2 (base_mean + m_s)^2: the spread of own effects around the population's."""
        return self.het_var * (self.base_mean + m) ** 2


def scaled_outcome(gift: np.ndarray, base: np.ndarray) -> np.ndarray:
    """r = (gift + K) / B, B the week's population baseline (already >= K)."""
    return (np.asarray(gift, dtype=float) + K) / np.asarray(base, dtype=float)


def _arm_codes(strategy: pd.Series) -> np.ndarray:
    return pd.Categorical(strategy.astype(str), categories=list(ALL_STRATEGIES)).codes.astype(np.intp)


def _pooled_noise(df: pd.DataFrame, col: str, n_bins: int, *, with_dof: bool = False):
    """Pooled within-(creator, arm) variance of ``col`` per baseline bin (E[dev^2] = sigma^2 (n-1)/n)."""
    g = df.groupby(["c", "arm"])[col]
    dev = df[col] - g.transform("mean")
    n = g.transform("size")
    total = float(np.var(df[col])) if len(df) > 1 else 1.0
    out, dofs = [], []
    for b in range(n_bins):
        rows = (df["bin"] == b) & (n >= 2)
        dof = float(((n[rows] - 1) / n[rows]).sum())
        out.append(float((dev[rows] ** 2).sum() / dof) if dof >= 10 else total)
        dofs.append(max(dof, 1.0))
    return (out, dofs) if with_dof else out


def _non_increasing(values: list[float], weights: list[float]) -> list[float]:
    """Weighted least-squares non-increasing fit (pool adjacent violators): noise of r falls with B."""
    from sklearn.isotonic import IsotonicRegression

    x = np.arange(len(values))
    return [float(v) for v in IsotonicRegression(increasing=False).fit(x, values, sample_weight=weights).predict(x)]


def fit_hyper(weeks: pd.DataFrame, base: np.ndarray, prior: "Prior | None" = None) -> Hyper:
    """Hyper-parameters from a history (creator_id, strategy, gift_diamonds) and each week's baseline B_t.

    ``prior`` is the population prior at each creator's latest profile, rows in
    ``sorted(creator_id.unique())`` order; without it the spread ``het_var`` is 0.
    """
    creators = np.array(sorted(weeks["creator_id"].astype(str).unique()))
    base = np.asarray(base, dtype=float)
    df = pd.DataFrame({
        "c": np.searchsorted(creators, weeks["creator_id"].astype(str).to_numpy()),
        "arm": _arm_codes(weeks["strategy"]),
        "r": scaled_outcome(weeks["gift_diamonds"], base),
        "lv": np.log(base),
    })
    df["z"] = np.log(df["r"])
    enough = len(df) >= 8 * _N_BINS
    edges = np.unique(np.quantile(df["lv"], np.linspace(0, 1, _N_BINS + 1)[1:-1])) if enough else np.array([])
    df["bin"] = np.searchsorted(edges, df["lv"])
    noise = _non_increasing(*_pooled_noise(df, "r", len(edges) + 1, with_dof=True))
    none = df[df["arm"] == 0]
    base_mean = float(none["r"].mean()) if len(none) else float(df["r"].mean()) if len(df) else 1.0
    v_h, se, pairs = 0.0, float("nan"), 0
    if prior is not None:
        df["s2z"] = np.asarray(_pooled_noise(df, "z", len(edges) + 1))[df["bin"]]
        v_h, se, pairs = _log_het(df, prior, base_mean)
    return Hyper(tuple(map(float, edges)), tuple(noise), base_mean, BASE_VAR, float(np.expm1(v_h)), len(df),
                 v_h, se, pairs)


def _log_het(df: pd.DataFrame, prior: "Prior", base_mean: float) -> tuple[float, float, int]:
    """(v_h, its standard error, contrasts used): the log-scale spread (see the module docstring)."""
    stats = dict(m=("z", "mean"), n=("z", "size"), s2=("s2z", "mean"))
    none = df[df["arm"] == 0].groupby("c").agg(**stats)
    arms = df[df["arm"] > 0].groupby(["c", "arm"]).agg(**stats).join(none.add_suffix("_none"), on="c", how="inner")
    if arms.empty:
        return 0.0, float("nan"), 0
    ci = arms.index.get_level_values("c").to_numpy()
    ai = arms.index.get_level_values("arm").to_numpy() - 1
    m, below, above = prior.mean[ci, ai], prior.below[ci, ai], prior.above[ci, ai]
    rel = lambda x: np.log1p(np.maximum(x / base_mean, _MIN_REL))  # noqa: E731  ratio-scale uplift -> log effect
    tau2_log = ((rel(m + above) - rel(m - below)) / (2 * Z80)) ** 2
    e = (arms["m"] - arms["m_none"]).to_numpy() - rel(m)
    v = tau2_log + (arms["s2"] / arms["n"] + arms["s2_none"] / arms["n_none"]).to_numpy()
    ok = np.isfinite(e) & np.isfinite(v) & (v > 0)
    return het_from_contrasts(e[ok], v[ok])


def het_from_contrasts(e: np.ndarray, v: np.ndarray) -> tuple[float, float, int]:
    """Maximum-likelihood v_h >= 0 for contrasts e_i ~ N(0, v_i + v_h); (v_h, standard error, count)."""
    from scipy.optimize import minimize_scalar

    e, v = np.asarray(e, dtype=float), np.asarray(v, dtype=float)
    if len(e) < 2:
        return 0.0, float("nan"), int(len(e))

    def nll(x: float) -> float:
        return 0.5 * float(np.sum(np.log(v + x) + e**2 / (v + x)))

    x = float(minimize_scalar(nll, bounds=(0.0, _MAX_LOG_HET), method="bounded", options={"xatol": 1e-4}).x)
    x = 0.0 if nll(0.0) <= nll(x) else x  # the boundary: no spread beyond the model's uncertainty
    info = 0.5 * float(np.sum(1.0 / (v + x) ** 2))  # expected Fisher information
    return x, info ** -0.5, int(len(e))


def weekly_sums(weeks: pd.DataFrame, base: np.ndarray, creators: np.ndarray, hyper: Hyper
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per creator (in ``creators`` order) and arm: sum of w = 1/sigma^2(B_t) and of w r, shapes (n, 6)."""
    n = len(creators)
    W = np.zeros((n, ARMS))
    WZ = np.zeros((n, ARMS))
    if len(weeks) == 0:
        return W, WZ
    s2 = hyper.sigma2(base)
    ci = np.searchsorted(creators, weeks["creator_id"].astype(str).to_numpy())
    ai = _arm_codes(weeks["strategy"])
    r = scaled_outcome(weeks["gift_diamonds"], base)
    np.add.at(W, (ci, ai), 1.0 / s2)
    np.add.at(WZ, (ci, ai), r / s2)
    return W, WZ


@dataclass(frozen=True)
class Prior:
    """The population model's answer on the scaled outcome, per creator and strategy (n, 5)."""

    scale: np.ndarray  # B: the population baseline at the latest profile, (n,)
    mean: np.ndarray  # m_s
    var: np.ndarray  # tau_s^2 (population interval only)
    below: np.ndarray  # m_s - low_s / B (lower half-width of the 80% interval)
    above: np.ndarray  # H_s - m_s


def prior_from_population(base: np.ndarray, uplift: np.ndarray, low: np.ndarray, high: np.ndarray) -> Prior:
    """Population uplift and 80% interval in diamonds (n, 5) -> prior on d for baselines B (n,)."""
    B = np.asarray(base, dtype=float)[:, None]

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
