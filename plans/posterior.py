"""Personal posteriors: the population model is the prior, the creator's own weeks update it.

The model (normal-normal, conjugate, on a log scale)
----------------------------------------------------
For creator c and week t with gift diamonds ``y_t``, strategy ``s_t`` and the
profile's ``prior_weekly_diamonds`` ``P_t`` (mean of the 4 weeks before)::

    z_t = log((y_t + K) / (P_t + K))                 K = 10 diamonds (the ratio target's c)
    z_t = a_c + d_c[s_t] + e_t,   e_t ~ N(0, sigma^2(P_t)),   d_c[none] = 0

* ``a_c`` is the creator's baseline offset: how its 'none' weeks compare with
  its own recent level (on the log scale, so it also absorbs the gap between
  the mean of a log and the log of a mean). Prior N(base_mean, base_var).
* ``d_c[s]`` is the creator's own effect of strategy s: log(E[y | s] / E[y | none]).
  Prior N(m_s, tau_s^2 + het_var), from the population model at the creator's
  current profile with B = P + K:
  ``m_s = log1p(uplift_s / B)``; ``tau_s`` = the log-scale width of the
  model's 80% interval [low, high] divided by 2 x 1.2816 (the normal 80%
  quantile), so the prior is exactly as strong as the model is sure.
  ``het_var`` is the creator-to-creator spread of true effects around the
  population's answer, measured on the history given to ``plan init``
  (method of moments, 0 if the history shows none): a creator is not the
  average creator, and an interval that ignored this would be too narrow.
* ``sigma^2(P)`` (week-to-week noise), ``base_mean`` / ``base_var`` and
  ``het_var`` are empirical-Bayes hyper-parameters estimated once from the
  history (``fit_hyper``); weekly ``z`` is winsorised at 3.5 sigma around the typical z, because one
  whale gift must not rewrite a creator's plan.

The posterior is Gaussian in (a, d_1..d_5): precision = prior precision +
X'WX, mean = precision^-1 (prior precision x prior mean + X'Wz), with X the
rows [1, onehot(s)]. Only per-creator, per-strategy sums of w = 1/sigma^2 and
w z are needed (``weekly_sums``), so 100k creators take one batched 6x6 solve.

Back in diamonds: uplift_s = B x expm1(d_s); the 80% interval maps the
posterior's log-scale quantiles the same way, with the prior's asymmetry
around m_s kept and shrunk in proportion to the posterior sd (a split
normal). With no own weeks the expected uplift is exactly the population's
and, when ``het_var`` = 0, so is its interval; with many weeks the data win.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.fields import ALL_STRATEGIES, CONTROL, STRATEGIES

__all__ = ["K", "Z80", "Hyper", "fit_hyper", "log_outcome", "weekly_sums", "Prior", "prior_from_population",
           "Posterior", "posterior"]

K = 10.0
"""Diamonds added to the outcome and the level before taking logs (zero-gift weeks are common)."""
Z80 = 1.2815515655446004
"""Standard-normal 0.9 quantile: an 80% interval is mean +- Z80 sd."""
_CLIP = 3.5
_MIN_REL = -0.95  # an uplift below -95% of the level cannot be put on the log scale
_N_BINS = 8
BASE_VAR = 100.0  # the baseline offset is learnt from the creator's own weeks only (a flat prior)
ARMS = len(ALL_STRATEGIES)


@dataclass(frozen=True)
class Hyper:
    """Empirical-Bayes hyper-parameters, estimated once from the ``plan init`` history."""

    noise_edges: tuple[float, ...]  # inner bin edges on log(P + K)
    noise_var: tuple[float, ...]  # sigma^2 per bin (len(noise_edges) + 1)
    base_mean: float
    base_var: float
    het_var: float
    weeks_used: int

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Hyper":
        return cls(tuple(d["noise_edges"]), tuple(d["noise_var"]), float(d["base_mean"]),
                   float(d["base_var"]), float(d["het_var"]), int(d["weeks_used"]))

    def sigma2(self, level: np.ndarray) -> np.ndarray:
        """Noise variance of z for weeks with ``prior_weekly_diamonds`` = level."""
        idx = np.searchsorted(np.asarray(self.noise_edges), np.log(np.asarray(level, dtype=float) + K))
        return np.asarray(self.noise_var)[idx]


def log_outcome(gift: np.ndarray, level: np.ndarray) -> np.ndarray:
    """z = log((gift + K) / (level + K)), before winsorising."""
    return np.log((np.asarray(gift, dtype=float) + K) / (np.asarray(level, dtype=float) + K))


def _arm_codes(strategy: pd.Series) -> np.ndarray:
    return pd.Categorical(strategy.astype(str), categories=list(ALL_STRATEGIES)).codes.astype(np.intp)


def fit_hyper(weeks: pd.DataFrame, prior: "Prior | None" = None) -> Hyper:
    """Hyper-parameters from a history (columns creator_id, strategy, gift_diamonds, prior_weekly_diamonds).

    Noise: pooled within-(creator, strategy) variance of z, in 8 bins of the
    level. Baseline: mean and between-creator variance (less noise) of the
    creators' mean z on 'none' weeks. ``het_var``: given the population prior
    at each creator's latest profile (``prior``, rows in the order of
    ``sorted(creator_id.unique())``), the mean of (d_hat - m)^2 - tau^2 -
    sampling variance over creator-strategy pairs with both 'none' and that
    strategy, floored at 0.
    """
    level = creator_level(weeks)
    df = pd.DataFrame({
        "c": weeks["creator_id"].astype(str).to_numpy(),
        "arm": _arm_codes(weeks["strategy"]),
        "z": log_outcome(weeks["gift_diamonds"], level),
        "lv": np.log(level + K),
    })
    edges = np.unique(np.quantile(df["lv"], np.linspace(0, 1, _N_BINS + 1)[1:-1])) if len(df) >= 8 * _N_BINS else np.array([])
    df["bin"] = np.searchsorted(edges, df["lv"])
    g = df.groupby(["c", "arm"])["z"]
    df["dev"] = df["z"] - g.transform("mean")
    df["n"] = g.transform("size")
    rep = df[df["n"] >= 2]
    total_var = float(np.var(df["z"])) if len(df) > 1 else 1.0
    noise = []
    for b in range(len(edges) + 1):
        sub = rep[rep["bin"] == b]
        dof = float(((sub["n"] - 1) / sub["n"]).sum())  # E[dev^2] = sigma^2 (n - 1) / n, row by row
        noise.append(float((sub["dev"] ** 2).sum() / dof) if dof >= 10 else total_var)
    hyper = Hyper(tuple(map(float, edges)), tuple(noise), 0.0, 1.0, 0.0, len(df))
    s2 = hyper.sigma2(np.exp(df["lv"]) - K)
    df["s2"] = s2
    df["zc"] = _winsorise(df["z"].to_numpy(), s2, float(np.median(df["z"])) if len(df) else 0.0)
    none = df[df["arm"] == 0].groupby("c").agg(m=("zc", "mean"), n=("zc", "size"), s2=("s2", "mean"))
    if len(none) >= 2:
        base_mean = float(none["m"].mean())
    else:
        base_mean = float(df["zc"].mean()) if len(df) else 0.0
    base_var = BASE_VAR
    het = _het_var(df, none, prior) if prior is not None else 0.0
    return Hyper(hyper.noise_edges, hyper.noise_var, base_mean, base_var, het, len(df))


def _winsorise(z: np.ndarray, s2: np.ndarray, centre: float) -> np.ndarray:
    """Clip z to centre +- 3.5 sigma (one whale gift must not rewrite a creator's plan)."""
    half = _CLIP * np.sqrt(s2)
    return np.clip(z, centre - half, centre + half)


def _het_var(df: pd.DataFrame, none: pd.DataFrame, prior: "Prior") -> float:
    creators = np.array(sorted(df["c"].unique()))
    arms = df[df["arm"] > 0].groupby(["c", "arm"]).agg(m=("zc", "mean"), n=("zc", "size"), s2=("s2", "mean"))
    arms = arms.join(none.add_suffix("_none"), on="c", how="inner")
    if arms.empty:
        return 0.0
    ci = np.searchsorted(creators, arms.index.get_level_values("c").to_numpy())
    ai = arms.index.get_level_values("arm").to_numpy() - 1
    m = prior.mean[ci, ai]
    tau2 = prior.var[ci, ai]
    ok = np.isfinite(m) & np.isfinite(tau2)
    d_hat = (arms["m"] - arms["m_none"]).to_numpy()
    sv = (arms["s2"] / arms["n"] + arms["s2_none"] / arms["n_none"]).to_numpy()
    excess = (d_hat - m) ** 2 - tau2 - sv
    return float(max(np.mean(excess[ok]), 0.0)) if ok.any() else 0.0


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
    z = _winsorise(log_outcome(weeks["gift_diamonds"], level), s2, hyper.base_mean)
    ci = np.searchsorted(creators, weeks["creator_id"].astype(str).to_numpy())
    ai = _arm_codes(weeks["strategy"])
    np.add.at(W, (ci, ai), 1.0 / s2)
    np.add.at(WZ, (ci, ai), z / s2)
    return W, WZ


@dataclass(frozen=True)
class Prior:
    """The population model's answer on the log scale, per creator and strategy (n, 5)."""

    scale: np.ndarray  # B = P + K, (n,)
    mean: np.ndarray  # m_s
    var: np.ndarray  # tau_s^2 (population interval only)
    below: np.ndarray  # m_s - L_s (lower half-width of the 80% interval, log scale)
    above: np.ndarray  # H_s - m_s


def prior_from_population(level: np.ndarray, uplift: np.ndarray, low: np.ndarray, high: np.ndarray) -> Prior:
    """Population uplift and 80% interval in diamonds (n, 5) -> log-scale prior at level P (n,)."""
    B = np.asarray(level, dtype=float)[:, None] + K

    def lg(x: np.ndarray) -> np.ndarray:
        return np.log1p(np.maximum(np.asarray(x, dtype=float) / B, _MIN_REL))

    m, lo, hi = lg(uplift), lg(low), lg(high)
    lo, hi = np.minimum(lo, m), np.maximum(hi, m)
    tau = np.maximum((hi - lo) / (2.0 * Z80), 1e-3)
    return Prior(B[:, 0], m, tau**2, m - lo, hi - m)


@dataclass(frozen=True)
class Posterior:
    """Posterior of each creator's own strategy effects, and the same in diamonds (all (n, 5))."""

    mean: np.ndarray  # log scale
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
    v0 = np.concatenate([np.full((n, 1), hyper.base_var), np.where(known, prior.var + hyper.het_var, 1e6)], axis=1)
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
    tau_all = np.sqrt(np.where(known, prior.var + hyper.het_var, np.nan))
    shrink = sd / tau_all
    # split normal: keep the population interval's asymmetry, widened by het_var, shrunk with the sd
    widen = np.sqrt((prior.var + hyper.het_var) / prior.var)
    lo_log = d - prior.below * widen * shrink
    hi_log = d + prior.above * widen * shrink
    B = prior.scale[:, None]
    out_nan = ~known
    up, lo, hi = (np.where(out_nan, np.nan, B * np.expm1(x)) for x in (d, lo_log, hi_log))
    return Posterior(np.where(out_nan, np.nan, d), np.where(out_nan, np.nan, sd), cov, theta, up, lo, hi, counts)


def strategy_index(name: str) -> int:
    """Column of ``name`` in the (n, 5) arrays (STRATEGIES order); CONTROL is not a column."""
    if name == CONTROL:
        raise ValueError("'none' has no column: its effect is 0 by definition")
    return STRATEGIES.index(name)
