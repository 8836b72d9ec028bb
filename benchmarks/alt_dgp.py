"""A second, independent data-generating process for the recommender benchmark (a SIMULATION).

Same contract shape as ``livelift.recommender.simulate`` (profile columns,
``strategy``, ``gift_diamonds``, ``creator_id``; ``true_uplift_<s>`` from
:func:`true_uplift`) but deliberately different assumptions, so that a change
tuned to our own simulator shows up as a loss here:

* **Effects are additive**, in diamonds, and mostly not proportional to the
  creator's income: engage_audience adds a fixed amount per stream for
  low-engagement creators; promote scales with *followers* times (retention -
  0.3) (negative for low retention); improve_content scales with stream length
  times (0.5 - retention); collaborate is a category effect (+ for gaming /
  music / dance, - elsewhere) plus a small multiplicative part;
  increase_frequency is the per-stream income times (1 - streams/8) (negative
  for frequent streamers).
* **Noise is lognormal** (sigma 1.1, mean-preserving) with 15% zero weeks, not
  a gamma-Poisson count times a gift-price mix.
* **Confounding is different**: creators partly select on their own gains
  (logit term in tanh(uplift / (level + 50))), bigger and higher-earning
  creators promote, category drives collaborate; every strategy keeps a 4%
  propensity floor.
* **Panel**: a creator's profile jitters a little week to week; the prior is
  the mean of the creator's previous 4 simulated weeks under ``none``-like noise.

Nothing here is calibrated to TikTok. Use::

    from alt_dgp import simulate_history, simulate_profiles, true_uplift
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livelift.data.fields import ALL_STRATEGIES, CATEGORIES, STRATEGIES, TRUTH_PREFIX

__all__ = ["simulate_profiles", "simulate_history", "true_uplift", "expected_outcomes"]

_SIGMA = 1.1
_ZERO = 0.15
_FLOOR = 0.04
_CAT_RATE = np.linspace(0.7, 1.4, len(CATEGORIES))
_COLLAB_CATS = {"gaming", "music", "dance"}


def _base_state(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    followers = np.round(np.exp(rng.normal(np.log(3000), 1.3, size=n))).clip(10, 5e6)
    viewers = 0.5 * followers**0.4 * np.exp(rng.normal(0, 0.5, size=n))
    return {
        "followers": followers,
        "avg_viewers": viewers,
        "engagement_rate": np.clip(rng.beta(2.0, 10.0, size=n), 0.002, 0.9),
        "streams_per_week": np.round(rng.uniform(1, 14, size=n) * 2) / 2,
        "avg_stream_minutes": np.clip(np.round(np.exp(rng.normal(np.log(90), 0.4, size=n))), 15, 400),
        "retention_rate": np.clip(rng.beta(2.0, 4.0, size=n), 0.02, 0.98),
        "cat": rng.integers(0, len(CATEGORIES), size=n),
        "creator_age": np.clip(np.round(18 + rng.gamma(2.0, 6.0, size=n)), 18, 80),
    }


def _arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
    lut = {c: i for i, c in enumerate(CATEGORIES)}
    out = {k: df[k].to_numpy(dtype=float) for k in ("followers", "avg_viewers", "engagement_rate",
                                                      "streams_per_week", "avg_stream_minutes", "retention_rate")}
    out["cat"] = np.array([lut.get(str(c), lut["other"]) for c in df["category"]])
    return out


def _level(p: dict[str, np.ndarray]) -> np.ndarray:
    """Mean weekly diamonds under 'none'."""
    return (2.0 * p["avg_viewers"] * p["streams_per_week"] * (p["avg_stream_minutes"] / 60) ** 0.7
            * (0.4 + 3.0 * p["engagement_rate"]) * _CAT_RATE[p["cat"]])


def expected_outcomes(p: dict[str, np.ndarray]) -> np.ndarray:
    """(n, 6) mean weekly diamonds under each of ``ALL_STRATEGIES`` (never negative)."""
    m0 = _level(p)
    spw, e, ret = p["streams_per_week"], p["engagement_rate"], p["retention_rate"]
    collab_cat = np.isin(np.asarray(CATEGORIES)[p["cat"]], list(_COLLAB_CATS))
    tau = np.column_stack([
        25.0 * spw * np.maximum(0.0, 0.15 - e) / 0.15 - 5.0,                       # engage_audience
        0.03 * p["followers"] * (ret - 0.3),                                        # promote
        1.5 * p["avg_stream_minutes"] * (0.5 - ret) * np.sqrt(spw),                 # improve_content
        np.where(collab_cat, 60.0, -30.0) + 0.1 * m0 * np.where(collab_cat, 1, -1),  # collaborate
        m0 / spw * (1.0 - spw / 8.0),                                               # increase_frequency
    ])
    return np.maximum(np.column_stack([m0, m0[:, None] + tau]), 0.0)


def true_uplift(profiles: pd.DataFrame) -> pd.DataFrame:
    mu = expected_outcomes(_arrays(profiles))
    return pd.DataFrame({TRUTH_PREFIX + s: mu[:, 1 + j] - mu[:, 0] for j, s in enumerate(STRATEGIES)},
                        index=profiles.index)


def _draw(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    noise = np.exp(rng.normal(-_SIGMA**2 / 2, _SIGMA, size=mean.shape))
    keep = rng.random(mean.shape) >= _ZERO
    return np.round(mean * noise * keep / (1 - _ZERO))


def _propensity(p: dict[str, np.ndarray], mu: np.ndarray) -> np.ndarray:
    m0 = mu[:, 0]
    gain = np.tanh((mu[:, 1:] - m0[:, None]) / (m0[:, None] + 50.0))
    lf = np.log10(p["followers"] + 1)
    collab_cat = np.isin(np.asarray(CATEGORIES)[p["cat"]], list(_COLLAB_CATS))
    logit = np.column_stack([
        np.zeros(len(m0)) + 0.8,
        1.5 * gain[:, 0] - 4 * p["engagement_rate"],
        1.5 * gain[:, 1] + 0.6 * (lf - 3.5) + 0.2 * np.log1p(m0) - 1.0,
        1.5 * gain[:, 2] - 0.5,
        1.5 * gain[:, 3] + 0.8 * collab_cat - 0.3,
        1.5 * gain[:, 4] - 0.1 * p["streams_per_week"] + 0.3,
    ])
    z = np.exp(logit - logit.max(axis=1, keepdims=True))
    prob = z / z.sum(axis=1, keepdims=True)
    return _FLOOR + (1 - _FLOOR * prob.shape[1]) * prob


def _frame(p: dict[str, np.ndarray], prior: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "creator_id": ids,
        "followers": p["followers"].astype(np.int64),
        "avg_viewers": np.round(p["avg_viewers"], 2),
        "engagement_rate": np.round(p["engagement_rate"], 4),
        "streams_per_week": p["streams_per_week"],
        "avg_stream_minutes": p["avg_stream_minutes"],
        "retention_rate": np.round(p["retention_rate"], 4),
        "prior_weekly_diamonds": np.round(prior, 2),
        "category": np.asarray(CATEGORIES, dtype=object)[p["cat"]],
        "creator_age": p["creator_age"].astype(np.int64),
    })


def _rounded(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The state as written to the frame (so truth uses exactly what the frame shows)."""
    q = dict(p)
    q["avg_viewers"] = np.round(p["avg_viewers"], 2)
    q["engagement_rate"] = np.round(p["engagement_rate"], 4)
    q["retention_rate"] = np.round(p["retention_rate"], 4)
    return q


def simulate_profiles(n: int, *, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = _rounded(_base_state(rng, n))
    prior = np.mean([_draw(rng, _level(p)) for _ in range(4)], axis=0)
    return _frame(p, prior, np.array([f"alt{i:07d}" for i in range(n)], dtype=object))


def simulate_history(creators: int = 2000, weeks: int = 12, *, seed: int = 0) -> pd.DataFrame:
    """One row per creator-week: profile as it stood before the week, strategy, gift_diamonds."""
    rng = np.random.default_rng(seed)
    base = _base_state(rng, creators)
    buf = [_draw(rng, _level(_rounded(base))) for _ in range(4)]
    ids = np.array([f"alt{i:07d}" for i in range(creators)], dtype=object)
    frames = []
    for _ in range(weeks):
        p = dict(base)
        p["avg_viewers"] = base["avg_viewers"] * np.exp(rng.normal(0, 0.1, size=creators))
        p["engagement_rate"] = np.clip(base["engagement_rate"] * np.exp(rng.normal(0, 0.1, size=creators)), 0.001, 0.99)
        p["retention_rate"] = np.clip(base["retention_rate"] + rng.normal(0, 0.02, size=creators), 0.01, 0.99)
        p = _rounded(p)
        mu = expected_outcomes(p)
        prob = _propensity(p, mu)
        code = (prob.cumsum(axis=1) < rng.random(creators)[:, None]).sum(axis=1).clip(0, len(ALL_STRATEGIES) - 1)
        y = _draw(rng, mu[np.arange(creators), code])
        f = _frame(p, np.mean(buf, axis=0), ids)
        f["strategy"] = np.asarray(ALL_STRATEGIES, dtype=object)[code]
        f["gift_diamonds"] = y
        frames.append(f)
        buf = buf[1:] + [y]
        base["followers"] = base["followers"] * (1 + 0.003 * (code == ALL_STRATEGIES.index("promote"))) + 5
    out = pd.concat(frames, ignore_index=True)
    order = np.argsort(out["creator_id"].to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)
