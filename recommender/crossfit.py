"""Cross-fitting: out-of-fold nuisance models, doubly-robust pseudo-outcomes, the DR-learner.

Every estimate a row receives here comes from models fitted on the other
folds (grouped by creator when ``groups`` is given), so the doubly-robust
pseudo-outcomes and the blend scores never see the row they judge.

* :func:`make_folds`: GroupKFold by creator, else shuffled KFold.
* :func:`cross_fit_nuisances`: per fold a multinomial propensity model, an
  S-learner (profile + strategy) and a T-learner (one model per strategy);
  out-of-fold propensity and outcome means.
* :func:`dr_pseudo_outcomes`: AIPW pseudo-outcomes
  ``D_k = mu_k - mu_0 + 1[T=k](r - mu_k)/e_k - 1[T=0](r - mu_0)/e_0``.
* :func:`cross_fit_dr_learner`: regress the pseudo-outcomes on the profile
  (one stacked HGB with the strategy as a feature), again out of fold.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import InputError
from .features import dense_from_coded
from .learners import (arm_means, categorical_mask, fit_s_learner, hgb_classifier, hgb_regressor, proba,
                       stack_coded, subsample)

__all__ = ["make_folds", "cross_fit_nuisances", "dr_pseudo_outcomes", "cross_fit_dr_learner", "full_fit_variance"]


def make_folds(n: int, groups: Any, n_folds: int, random_state: Any) -> list:
    """Cross-fitting folds: GroupKFold by creator when ``groups`` is given, else shuffled KFold."""
    from sklearn.model_selection import GroupKFold, KFold

    if groups is not None:
        import pandas as pd

        # integer codes: GroupKFold's isin on object (string) ids is quadratic-slow at 1M rows
        groups = pd.factorize(np.asarray(groups))[0]
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        if n_groups < n_folds:
            raise InputError(f"only {n_groups} creator(s): cross-fitting needs at least n_folds={n_folds}",
                             loc="groups", expected=f">= {n_folds} distinct creators", input=n_groups)
        splitter = GroupKFold(n_folds, shuffle=True, random_state=random_state)
        return list(splitter.split(np.zeros(n), groups=groups))
    if n < n_folds:
        raise InputError(f"only {n} row(s): cross-fitting needs at least n_folds={n_folds}", loc="X",
                         expected=f">= {n_folds} rows", input=n)
    splitter = KFold(n_folds, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(n)))


def full_fit_variance(fold_preds: np.ndarray, axis: int) -> np.ndarray:
    """Variance of a full-data fit from the spread of ``n_folds`` fold models along ``axis``.

    Fold models share (nf-2)/(nf-1) of their data, so their spread understates it.
    """
    nf = fold_preds.shape[axis]
    return fold_preds.var(axis=axis, ddof=1) * (nf - 1) ** 2 / nf


def _fit_t_learner(est: Any, F: np.ndarray, arm: np.ndarray, r: np.ndarray, tr: np.ndarray, te: np.ndarray,
                   K: int, mu_s_te: np.ndarray) -> tuple[np.ndarray, list]:
    """One outcome model per arm on the fold's training rows; held-out means (an absent arm: the S-learner's)."""
    mu = np.zeros((len(te), K))
    models: list = []
    for k in range(K):
        idx = tr[arm[tr] == k]
        if len(idx) == 0:  # arm absent from this fold's training rows: fall back to the S-learner
            mu[:, k] = mu_s_te[:, k]
            models.append(None)
            continue
        m = hgb_regressor(est, categorical=categorical_mask(with_arm=False), loss=est.outcome_loss,
                          l2_regularization=est.l2_regularization).fit(F[idx], r[idx])
        mu[:, k] = m.predict(F[te])
        models.append(m)
    return mu, models


def cross_fit_nuisances(est: Any, F: np.ndarray, arm: np.ndarray, r: np.ndarray, folds: list, K: int,
                        say: Callable[[str], None] = lambda m: None, reference: bool = False):
    """Out-of-fold propensity (n, K) and S-/T-learner outcome means (n, K) of the scaled target.

    ``arm`` holds codes 0..K-1 (0 = none). Returns ``(e, mu_s, mu_t, fold_models)``.
    With ``reference`` and a log-target S-learner, each fold also fits the
    ratio-target S-learner (``fold_models[f]["s_ref"]``): a second reasonable
    outcome model whose disagreement enters the interval.
    """
    n = len(F)
    D = dense_from_coded(F)
    e_oof = np.zeros((n, K))
    mu_s = np.zeros((n, K))
    mu_t = np.zeros((n, K))
    fold_models: list[dict] = []
    for f, (tr, te) in enumerate(folds):
        say(f"fold {f + 1}/{len(folds)}: propensity, S- and T-learner on {len(tr):,} rows")
        sub = subsample(tr, est.max_nuisance_rows, est.random_state, f)
        prop = hgb_classifier(est).fit(D[sub], arm[sub])
        e_oof[te] = proba(prop, D[te], K)
        s_model = fit_s_learner(est, F, arm, r, tr, est.s_learner_target)
        mu_s[te] = arm_means(s_model, F[te], K)
        mu_t[te], t_models = _fit_t_learner(est, F, arm, r, tr, te, K, mu_s[te])
        fold_models.append({"s": s_model, "t": t_models})
        if reference and est.s_learner_target != "ratio":
            fold_models[-1]["s_ref"] = fit_s_learner(est, F, arm, r, tr, "ratio")
    return e_oof, mu_s, mu_t, fold_models


def dr_pseudo_outcomes(mu: np.ndarray, e: np.ndarray, arm: np.ndarray, r: np.ndarray) -> np.ndarray:
    """AIPW pseudo-outcome of each treatment arm vs arm 0 per row: (n, K-1).

    ``mu`` (n, K) outcome means and ``e`` (n, K) propensities (already clipped)
    must be out of fold for the row.
    """
    n, K = mu.shape
    rows = np.arange(n)
    resid = r - mu[rows, arm]
    corr = np.zeros((n, K))
    corr[rows, arm] = resid / e[rows, arm]
    return (mu[:, 1:] - mu[:, [0]]) + corr[:, 1:] - corr[:, [0]]


def cross_fit_dr_learner(est: Any, F: np.ndarray, pseudo: np.ndarray, folds: list, fold_models: list,
                         say: Callable[[str], None] = lambda m: None) -> np.ndarray:
    """Out-of-fold DR-learner uplift (n, A); each fold's model is kept as ``fold_models[f]["dr"]``."""
    n, A = pseudo.shape
    tau = np.zeros((n, A))
    for f, (tr, te) in enumerate(folds):
        say(f"fold {f + 1}/{len(folds)}: doubly-robust final stage")
        sub = subsample(tr, est.max_nuisance_rows, est.random_state, 100 + f)
        dr = hgb_regressor(est, categorical=categorical_mask(with_arm=True),
                           min_samples_leaf=max(4 * est.min_samples_leaf, 100),
                           learning_rate=0.05).fit(stack_coded(F[sub], A), pseudo[sub].ravel())
        tau[te] = dr.predict(stack_coded(F[te], A)).reshape(len(te), A)
        fold_models[f]["dr"] = dr
    return tau
