"""Choosing among the candidate learners by held-out doubly-robust loss.

The S-, T- and DR-learners' out-of-fold uplift estimates are blended with
simplex weights (a 0.05 grid) minimizing ``mean (D_k - tau_k)^2`` against the
doubly-robust pseudo-outcomes ``D``; weight 1 on one candidate is picking it.
The same pseudo-outcomes give a cross-fitted value of "follow the top
strategy" vs ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CANDIDATES", "Blend", "blend_candidates", "policy_value", "simplex_grid"]

CANDIDATES: tuple[str, ...] = ("s_learner", "t_learner", "dr_learner")


def simplex_grid(n: int, step: float) -> np.ndarray:
    """Every weight vector of length ``n`` on the simplex with coordinates in multiples of ``step``."""
    m = int(round(1 / step))
    pts = []

    def rec(prefix, left, k):
        if k == 1:
            pts.append(prefix + [left])
            return
        for i in range(left + 1):
            rec(prefix + [i], left - i, k - 1)

    rec([], m, n)
    return np.array(pts, dtype=np.float64) / m


@dataclass(frozen=True)
class Blend:
    """Blend weights (in ``CANDIDATES`` order), each candidate's DR loss, the blend's, and its OOF uplift (n, A)."""

    weights: np.ndarray
    scores: dict[str, float]
    loss: float
    oof: np.ndarray


def blend_candidates(oof: dict[str, np.ndarray], pseudo: np.ndarray, step: float = 0.05) -> Blend:
    """Simplex weights of the candidates' out-of-fold uplift (n, A) minimizing the DR loss."""
    scores = {c: float(np.mean((pseudo - oof[c]) ** 2)) for c in CANDIDATES}
    grid = simplex_grid(len(CANDIDATES), step)
    stack = np.stack([oof[c] for c in CANDIDATES])  # (C, n, A)
    # mean (P - sum_c w_c X_c)^2 = mean P^2 - 2 w.b + w'Gw: one pass per candidate pair, then the grid is cheap
    flat_c = stack.reshape(len(CANDIDATES), -1)
    gram = flat_c @ flat_c.T / flat_c.shape[1]
    cross = flat_c @ pseudo.ravel() / flat_c.shape[1]
    losses = float(np.mean(pseudo**2)) - 2 * grid @ cross + np.einsum("gi,ij,gj->g", grid, gram, grid)
    w = grid[int(np.argmin(losses))]
    return Blend(w, scores, float(losses.min()), np.tensordot(w, stack, axes=1))


def policy_value(pseudo: np.ndarray, blend_oof: np.ndarray, scale: np.ndarray) -> dict[str, float]:
    """Cross-fitted value of "follow the top strategy" vs none (scaled and in diamonds, with SEs)."""
    n = len(pseudo)
    top = np.argmax(blend_oof, axis=1)
    gain_scaled = pseudo[np.arange(n), top]
    return {
        "top_strategy_vs_none_scaled": float(gain_scaled.mean()),
        "top_strategy_vs_none_scaled_se": float(gain_scaled.std(ddof=1) / np.sqrt(n)),
        "top_strategy_vs_none_diamonds": float((gain_scaled * scale).mean()),
        "top_strategy_vs_none_diamonds_se": float((gain_scaled * scale).std(ddof=1) / np.sqrt(n)),
    }
