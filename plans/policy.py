"""Which strategy to try next week: earn now, and learn what pays for this creator.

Three policies over the personal posterior (``posterior.py``), each choosing
only among the strategies the rules allow, plus ``none``:

* ``greedy`` (default): the best posterior mean expected uplift. The
  creator's own weeks already move that mean; the benchmark
  (benchmarks/bench_plan.py, 600 simulated creators, 12 weeks, seeds 1-3)
  found it the best of the three on both regimes taken together: regret /
  population top pick 0.77 / 0.82 / 0.74 with creator effects (kg 0.78 /
  0.86 / 0.70) and 1.03 / 1.19 / 0.86 without (kg 1.22 / 1.36 / 1.02,
  thompson 1.0-4.7); with 2,000 creators kg is as good or better on the
  diamond sum (0.73 / 0.73 / 0.88 and 1.10 / 0.66 / 0.78 against 0.79 /
  0.71 / 0.88 and 1.47 / 0.76 / 1.01) but not per creator. Week-to-week gifts are so noisy (single whale gifts,
  gamma-Poisson counts) that a week spent exploring rarely teaches enough
  to pay for itself within 12 weeks; a knowledge gradient over the
  remaining weeks only (H = 12 - t) instead of a rolling 12 was no better
  (measured in-memory with the simulator's true spread, 600 creators).
* ``kg``: finite-horizon knowledge gradient (Frazier, Powell and Dayanik
  2009, correlated beliefs). For each candidate k, score_k = value_k + H x
  KG_k, where value_k is the posterior mean effect (uplift / level, 0 for
  'none') and KG_k is how much one more week of k is expected to raise the
  best posterior mean (E[max_j mu'_j] - max_j mu_j, over the Gaussian update
  of all arms: a week of 'none' teaches the baseline and so every effect).
  H = ``horizon`` - 1 weeks to use what is learnt.
* ``thompson``: draw one set of effects from the posterior, pick its best.

Every pick says what one more week of it would teach (how much its range
narrows), whichever policy chose it.

Randomness (Thompson draws, the "chance it is your best" in reasons) comes
from a hash of (seed, creator_id, week): the same week gives the same picks
whatever else is in the batch.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .posterior import ARMS, Posterior, Prior

__all__ = ["POLICIES", "Picks", "choose", "hashed_normals"]

POLICIES = ("greedy", "kg", "thompson")
_NODES = (np.arange(48) + 0.5) / 48.0  # quantile mid-points for E[max of lines]
_DRAWS = 64


def hashed_normals(keys: list[str], seed: int, count: int) -> np.ndarray:
    """(len(keys), count) standard normals, a pure function of (seed, key) (splitmix64 -> inverse normal CDF)."""
    from scipy.special import ndtri

    raw = np.array([zlib.crc32(k.encode()) << 32 | zlib.adler32(k.encode()) for k in keys], dtype=np.uint64)
    with np.errstate(over="ignore"):
        base = raw ^ np.uint64((int(seed) * 0x9E3779B97F4A7C15) & ((1 << 64) - 1))
        x = base[:, None] + np.arange(1, count + 1, dtype=np.uint64)[None, :] * np.uint64(0xD1B54A32D192ED03)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return ndtri(((x >> np.uint64(11)).astype(float) + 0.5) / 2.0**53)


@dataclass(frozen=True)
class Picks:
    """One pick per creator: arm index into ALL_STRATEGIES, and what explains it."""

    arm: np.ndarray  # (n,)
    p_best: np.ndarray  # posterior chance the pick is the best allowed option
    narrows: np.ndarray  # how much one more week of the pick narrows its sd (0..1)
    exploring: np.ndarray  # bool: picked for what it teaches more than for its expected gain


def _values(theta: np.ndarray) -> np.ndarray:
    """Arm values (uplift / level) from (a, d_1..d_5): none -> 0, s -> d_s."""
    out = theta.copy()
    out[..., 0] = 0.0
    return out


def _kg(post: Posterior, sigma2: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Knowledge gradient per arm (n, 6), correlated Gaussian beliefs, one week of noise sigma2."""
    n = post.cov.shape[0]
    mu = np.where(allowed, _values(post.theta_mean), -np.inf)
    best = mu.max(axis=1)
    z = _norm_ppf(_NODES)
    kg = np.zeros((n, ARMS))
    for k in range(ARMS):
        x = np.zeros(ARMS)
        x[0] = 1.0
        if k:
            x[k] = 1.0
        sx = post.cov @ x  # (n, 6)
        denom = np.sqrt(sx @ x + sigma2)
        change = _values(sx / denom[:, None])  # how each arm's mean moves per unit Z
        lines = mu[:, :, None] + change[:, :, None] * z[None, None, :]  # (n, 6, nodes)
        kg[:, k] = lines.max(axis=1).mean(axis=1) - best
    return np.maximum(kg, 0.0)


def _norm_ppf(p: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(p)


def _draws(post: Posterior, keys: list[str], seed: int, count: int) -> np.ndarray:
    """(n, count, 6) posterior draws of the arm values."""
    n = post.cov.shape[0]
    L = np.linalg.cholesky(post.cov + 1e-12 * np.eye(ARMS))
    z = hashed_normals(keys, seed, count * ARMS).reshape(n, count, ARMS)
    theta = post.theta_mean[:, None, :] + np.einsum("nij,ncj->nci", L, z)
    return _values(theta)


def choose(post: Posterior, prior: Prior, sigma2: np.ndarray, allowed5: np.ndarray, keys: list[str], *,
           seed: int, policy: str = "greedy", horizon: int = 12) -> Picks:
    """Pick an arm per creator. ``allowed5`` (n, 5) from the rules; 'none' is always allowed."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES} (got {policy!r})")
    n = len(keys)
    allowed = np.concatenate([np.ones((n, 1), bool), allowed5 & np.isfinite(prior.mean)], axis=1)
    draws = _draws(post, keys, seed, _DRAWS)
    masked = np.where(allowed[:, None, :], draws, -np.inf)
    wins = np.bincount((np.argmax(masked, axis=2) + ARMS * np.arange(n)[:, None]).ravel(),
                       minlength=n * ARMS).reshape(n, ARMS) / _DRAWS
    mu = np.where(allowed, _values(post.theta_mean), -np.inf)
    greedy = np.argmax(mu, axis=1)
    if policy == "thompson":
        arm = np.argmax(masked[:, 0, :], axis=1)
    elif policy == "greedy":
        arm = greedy
    else:
        score = mu + max(horizon - 1, 0) * _kg(post, sigma2, allowed)
        arm = np.argmax(np.where(allowed, score, -np.inf), axis=1)
    rows = np.arange(n)
    var_now = np.concatenate([np.full((n, 1), np.nan), post.sd**2], axis=1)[rows, arm]
    narrows = np.where(arm > 0, 1.0 - np.sqrt(1.0 / (1.0 + var_now / sigma2)), 0.0)
    return Picks(arm, wins[rows, arm], np.nan_to_num(narrows), arm != greedy)
