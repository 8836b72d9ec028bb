"""The boosted models the ranker is built from, and the array layouts they read.

* :func:`hgb_regressor` / :func:`hgb_classifier`: HistGradientBoosting set up
  from an :class:`~livelift.recommender.estimator.UpliftRanker`'s parameters.
* :func:`fit_s_learner`: one S-learner (profile + strategy) on ``log1p(r)``
  (mean of ``r`` by Duan's smearing) or on the scaled target ``r`` itself.
* :func:`arm_means`, :func:`proba`: a fitted model's outcome per arm and class
  probabilities per arm.
* Layouts: ``coded`` features plus an arm column (:func:`coded_with_arm`),
  and one row per (profile, treatment arm) in coded or dense form
  (:func:`stack_coded`, :func:`stack_dense`; profile-major).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .features import CATEGORY_INDEX, N_CODED

__all__ = ["hgb_regressor", "hgb_classifier", "fit_s_learner", "arm_means", "proba", "coded_with_arm",
           "stack_coded", "stack_dense", "subsample", "categorical_mask"]


def hgb_regressor(est: Any, *, categorical=None, loss="squared_error", max_iter=None, min_samples_leaf=None,
                  learning_rate=None, max_leaf_nodes=None, l2_regularization=1.0):
    """A HistGradientBoostingRegressor with the ranker's boosting settings (each overridable)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        loss=loss,
        learning_rate=est.learning_rate if learning_rate is None else learning_rate,
        max_iter=est.max_iter if max_iter is None else max_iter,
        max_leaf_nodes=est.max_leaf_nodes if max_leaf_nodes is None else max_leaf_nodes,
        min_samples_leaf=est.min_samples_leaf if min_samples_leaf is None else min_samples_leaf,
        l2_regularization=l2_regularization,
        categorical_features=categorical,
        early_stopping=bool(est.early_stopping) and loss == "squared_error",
        validation_fraction=0.15,
        n_iter_no_change=15,
        random_state=est.random_state,
    )


def hgb_classifier(est: Any):
    """The propensity model: a small multinomial HistGradientBoostingClassifier on dense features."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.15,
        max_iter=40,
        max_leaf_nodes=15,
        min_samples_leaf=est.min_samples_leaf,
        l2_regularization=1.0,
        categorical_features=None,
        early_stopping=False,
        random_state=est.random_state,
    )


def categorical_mask(with_arm: bool) -> np.ndarray:
    """Which coded columns are categorical (the category code; and the arm code when appended)."""
    mask = np.zeros(N_CODED + int(with_arm), bool)
    mask[CATEGORY_INDEX] = True
    if with_arm:
        mask[-1] = True
    return mask


def proba(model, D: np.ndarray, n_arms: int) -> np.ndarray:
    """predict_proba with columns for every arm 0..n_arms-1 (0 for a class absent in training)."""
    p = model.predict_proba(D)
    out = np.zeros((len(D), n_arms))
    out[:, model.classes_.astype(int)] = p
    return out


def coded_with_arm(F: np.ndarray, arm: np.ndarray) -> np.ndarray:
    return np.column_stack([F, arm.astype(np.float64)])


def stack_dense(D: np.ndarray, n_treat: int) -> np.ndarray:
    """Rows (profile, treatment arm j=1..n_treat) -> dense features + one-hot arm; profile-major."""
    n, p = D.shape
    out = np.zeros((n * n_treat, p + n_treat), dtype=np.float64)
    out[:, :p] = np.repeat(D, n_treat, axis=0)
    out[np.arange(n * n_treat), p + np.tile(np.arange(n_treat), n)] = 1.0
    return out


def stack_coded(F: np.ndarray, n_treat: int) -> np.ndarray:
    """Rows (profile, arm j=1..n_treat) -> coded features + arm code; profile-major."""
    return np.column_stack([np.repeat(F, n_treat, axis=0), np.tile(np.arange(1, n_treat + 1), len(F)).astype(np.float64)])


def subsample(idx: np.ndarray, cap: int, random_state: Any, salt: int) -> np.ndarray:
    """At most ``cap`` of the row indices ``idx`` (a deterministic random subset, kept in order)."""
    if len(idx) <= cap:
        return idx
    rng = np.random.default_rng(None if random_state is None else [int(random_state), salt])
    return np.sort(rng.choice(idx, size=cap, replace=False))


class _LogOutcome:
    """An HGB fit to ``log1p(r)``, predicting the mean of ``r`` by Duan's smearing (fit-time only)."""

    def __init__(self, model: Any, smear: float) -> None:
        self.model = model
        self.smear = smear

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.smear * np.exp(self.model.predict(X)) - 1.0


def fit_s_learner(est: Any, F: np.ndarray, arm: np.ndarray, r: np.ndarray, tr: np.ndarray, target: str):
    """One S-learner (features + strategy) on the rows ``tr``: on ``log1p(r)`` or on ``r`` itself."""
    X = coded_with_arm(F[tr], arm[tr])
    cat_arm = categorical_mask(with_arm=True)
    if target == "ratio":
        return hgb_regressor(est, categorical=cat_arm, loss=est.outcome_loss,
                             l2_regularization=est.l2_regularization).fit(X, r[tr])
    z = np.log1p(r[tr])
    model = hgb_regressor(est, categorical=cat_arm, l2_regularization=est.l2_regularization).fit(X, z)
    # E[r] = E[exp(z)] - 1: smearing with the mean exponentiated residual (Duan 1983)
    return _LogOutcome(model, float(np.mean(np.exp(z - model.predict(X)))))


def arm_means(model: Any, F: np.ndarray, K: int) -> np.ndarray:
    """An S-learner's predicted outcome for each profile under each arm 0..K-1: (n, K)."""
    return np.column_stack([model.predict(coded_with_arm(F, np.full(len(F), k))) for k in range(K)])
