"""The prediction heads: distilling the blended fold models, and scoring with the distilled models.

At fit time the blended fold models (the *teacher*) are evaluated on a
subsample of training profiles: their mean uplift and an error variance made
of the fold models' spread (corrected for the folds' overlap), the
candidates' disagreement and, for a log-target S-learner, its disagreement
with a ratio-target S-learner fit beside it (same uplift, other biases, which
the fold spread cannot see: the variance of a 50/50 choice between the two,
centred on the log one). One HGB is distilled for the uplift and one
(Poisson loss) for the variance, so a prediction costs three model calls
(with the propensity model) whatever the number of profiles.

At prediction time :func:`predict_head` and :func:`proba_head` compute from
the raw tree scores, row by row, so a profile's numbers are bitwise the same
in any batch (see ``forest.raw_predict``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blending import CANDIDATES
from .crossfit import full_fit_variance
from .forest import raw_predict
from .learners import arm_means, hgb_regressor, stack_coded, stack_dense

__all__ = ["teacher", "distil_heads", "predict_head", "proba_head", "openmp_limit"]


def _fold_uplifts(fold_models: list, F: np.ndarray, K: int) -> np.ndarray:
    """Each candidate's uplift from each fold's models: (candidates, folds, n, K-1)."""
    m, A = len(F), K - 1
    preds = np.zeros((len(CANDIDATES), len(fold_models), m, A))
    for f, fm in enumerate(fold_models):
        s_mu = arm_means(fm["s"], F, K)
        preds[0, f] = s_mu[:, 1:] - s_mu[:, [0]]
        t_mu = np.column_stack([s_mu[:, k] if t is None else t.predict(F) for k, t in enumerate(fm["t"])])
        preds[1, f] = t_mu[:, 1:] - t_mu[:, [0]]
        preds[2, f] = fm["dr"].predict(stack_coded(F, A)).reshape(m, A)
    return preds


def teacher(fold_models: list, weights: np.ndarray, F: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """The blended fold models' uplift (n, K-1) and its error variance (n, K-1) at profiles ``F``."""
    preds = _fold_uplifts(fold_models, F, K)
    cand_mean = preds.mean(axis=1)  # (C, m, A)
    cand_var = full_fit_variance(preds, axis=1)
    if "s_ref" in fold_models[0]:
        # the log- and ratio-target S-learners estimate the same uplift with different biases;
        # the S-learner's uncertainty is that of a 50/50 choice between them, centred on the
        # log one: 1/2 var_log + 1/2 (var_ratio + (tau_ratio - tau_log)^2) (law of total variance)
        ref_mu = np.stack([arm_means(fm["s_ref"], F, K) for fm in fold_models])  # (folds, m, K)
        ref = ref_mu[..., 1:] - ref_mu[..., [0]]
        cand_var[0] = 0.5 * cand_var[0] + 0.5 * (full_fit_variance(ref, axis=0)
                                                 + (ref.mean(axis=0) - cand_mean[0]) ** 2)
    mean = np.tensordot(weights, cand_mean, axes=1)
    var = np.tensordot(weights, cand_var, axes=1) + np.tensordot(weights, (cand_mean - mean) ** 2, axes=1)
    return mean, np.maximum(var, 1e-12)


def distil_heads(est: Any, D: np.ndarray, mean: np.ndarray, var: np.ndarray) -> tuple[Any, Any]:
    """Fit the uplift head and the (Poisson) variance head on dense profiles x treatment arms."""
    stacked = stack_dense(D, mean.shape[1])
    # the teacher is noise-free: few, larger trees distill it well and keep prediction cheap
    uplift = hgb_regressor(est, max_iter=100, learning_rate=0.2, max_leaf_nodes=63,
                           min_samples_leaf=20).fit(stacked, mean.ravel())
    variance = hgb_regressor(est, loss="poisson", max_iter=40, learning_rate=0.2,
                             min_samples_leaf=20).fit(stacked, var.ravel())
    return uplift, variance


_CONTROLLER: list = []


def openmp_limit(n_threads: int):
    """Context limiting OpenMP threads, through one cached threadpoolctl controller."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=n_threads, user_api="openmp")


def _exp(raw: np.ndarray) -> np.ndarray:
    """Elementwise exp of a contiguous copy (one numpy code path for every batch size)."""
    return np.exp(np.ascontiguousarray(raw, dtype=np.float64))


def predict_head(model, flat, X: np.ndarray) -> np.ndarray:
    """HGB regressor prediction from its raw score; bitwise the same for a row in any batch."""
    raw = raw_predict(model, flat, X)[:, 0]
    return _exp(raw) if model.loss == "poisson" else np.ascontiguousarray(raw)


def proba_head(model, flat, X: np.ndarray, n_arms: int) -> np.ndarray:
    """Class probabilities (columns for every arm) from the raw score, row by row."""
    raw = raw_predict(model, flat, X)
    if raw.shape[1] == 1:  # binary
        p1 = 1.0 / (1.0 + _exp(-raw[:, 0]))
        p = np.column_stack([1.0 - p1, p1])
    else:
        z = _exp(raw - raw.max(axis=1, keepdims=True))
        total = z[:, 0].copy()
        for j in range(1, z.shape[1]):  # sequential row sums (no layout-dependent pairwise sum)
            total += z[:, j]
        p = z / total[:, None]
    out = np.zeros((len(X), n_arms))
    out[:, model.classes_.astype(int)] = p
    return out
