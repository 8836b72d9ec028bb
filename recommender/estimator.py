"""UpliftRanker: per-strategy weekly gift uplift vs ``none``, from observational history.

Method (see ../shared/docs/uplift.md; nothing here is tuned to our simulator):

1. **Scaled target.** Diamonds are heavy-tailed and zero-inflated and effects
   grow with a creator's level, so every learner models
   ``r = gift_diamonds / (level(x) + scale_offset)``, winsorized above its
   ``target_clip_quantile`` (rare huge gifts otherwise dominate every squared
   error). ``level(x)`` is a Poisson-loss HGB fit of weekly diamonds on the
   profile (``scale="fitted"``, default: a smoother level than the noisy
   4-week ``prior_weekly_diamonds``) or ``prior_weekly_diamonds`` itself
   (``scale="prior"``). Uplift is mapped back to diamonds by multiplying by
   the same per-profile divisor.
2. **Cross-fitting** over ``n_folds`` folds, grouped by creator when
   ``groups`` is given (creator-weeks of one creator never straddle folds).
   Each fold fits, on the other folds: a multinomial propensity model
   (HistGradientBoostingClassifier), an S-learner (one HGB on features +
   strategy, native categorical), and a T-learner (one HGB per strategy).
   The S-learner fits ``log1p(r)`` with squared error and predicts the mean
   of ``r`` by Duan's smearing (``s_learner_target="log"``): the log tames
   the heavy-tailed, multiplicative noise of gift income, and a strategy that
   multiplies income is one additive shift in the trees. The T-learner uses
   Poisson loss on ``r`` (``outcome_loss``: a log link, same reason). Inputs
   include the ratio features of ``features.DERIVED_FEATURES``. (Each choice
   measured on our simulator and on the independent benchmarks/alt_dgp.py
   over 4-6 seeds; see benchmarks/bench_recommender.py. The log target lifted
   gain captured on ours from 0.70 to 0.75 (6 seeds, 30k fresh profiles) and
   moved alt_dgp by -0.01.)
3. **Doubly-robust pseudo-outcomes** (AIPW) per strategy on held-out rows,
   ``D_k = mu_k - mu_0 + 1[T=k](r - mu_k)/e_k - 1[T=0](r - mu_0)/e_0`` with
   the propensity clipped below at ``propensity_clip``; a DR-learner regresses
   them on the profile (one stacked HGB with strategy as a feature), again
   cross-fitted.
4. **Selection by DR score.** The three candidates' out-of-fold uplift
   estimates are blended with simplex weights minimizing the held-out DR loss
   ``mean (D_k - tau_k)^2`` (weight 1 on one candidate = picking it).
5. **Distilled prediction heads.** The blended fold models (teacher) are
   distilled into one HGB for the uplift and one (Poisson loss) for its error
   variance, estimated from the spread of the fold models (corrected for the
   folds' overlap) plus the candidates' disagreement. The S-learner's part
   also counts a ratio-target S-learner fit beside it (same uplift, other
   biases, which the fold spread cannot see): the variance of a 50/50 choice
   between the two, centred on the log one. Intervals are
   ``uplift +- z * sd``. With the propensity model that gives three model calls
   per prediction, whatever the number of profiles.
6. **Extrapolation flag**: estimated propensity of the strategy (or of
   ``none``) below ``extrapolation_propensity`` at that profile, or a numeric
   feature outside the training 0.5-99.5 percentile range.

Strategies with fewer than ``min_rows`` rows are not learned: their uplift is
NaN (unknown, not zero) and they are listed in ``unknown_strategies_``.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from numbers import Integral, Real

from ..errors import InputError
from ..data.fields import ALL_STRATEGIES, CONTROL, NUMERIC_FEATURES, STRATEGIES
from .forest import FAST_ROWS, flatten, raw_predict
from .features import CATEGORY_INDEX, DENSE_NAMES, N_CODED, coded_features, dense_from_coded, strategy_codes

__all__ = ["UpliftRanker", "UpliftPrediction", "CANDIDATES", "cross_fit_nuisances", "make_folds"]

CANDIDATES: tuple[str, ...] = ("s_learner", "t_learner", "dr_learner")
_PRIOR = NUMERIC_FEATURES.index("prior_weekly_diamonds")


@dataclass(frozen=True)
class UpliftPrediction:
    """Predicted weekly gift uplift vs ``none`` for each profile and strategy.

    ``uplift``, ``low``, ``high`` are float arrays (n, 5) in diamonds per week,
    columns in ``strategies`` order; NaN where the strategy is unknown (too
    little history). ``extrapolation`` is a bool array (n, 5). ``interval`` is
    the nominal coverage of ``[low, high]``.
    """

    strategies: tuple[str, ...]
    uplift: np.ndarray
    low: np.ndarray
    high: np.ndarray
    extrapolation: np.ndarray
    interval: float

    def __len__(self) -> int:
        return int(self.uplift.shape[0])

    def best(self) -> np.ndarray:
        """Index of the highest known uplift per profile (-1 when all are unknown)."""
        u = np.where(np.isnan(self.uplift), -np.inf, self.uplift)
        out = np.argmax(u, axis=1)
        out[np.all(np.isnan(self.uplift), axis=1)] = -1
        return out

    def to_frame(self, ids: Any = None):
        """Long form: one row per (profile, strategy)."""
        import pandas as pd

        n, k = self.uplift.shape
        row = np.repeat(np.arange(n), k)
        out = pd.DataFrame(
            {
                "row": row,
                "strategy": pd.Categorical(np.tile(np.array(self.strategies), n), categories=self.strategies),
                "uplift_diamonds": self.uplift.ravel(),
                "uplift_low": self.low.ravel(),
                "uplift_high": self.high.ravel(),
                "extrapolation": self.extrapolation.ravel(),
            }
        )
        if ids is not None:
            out.insert(0, "creator_id", np.repeat(np.asarray(ids), k))
        return out


def _hgb_regressor(est: "UpliftRanker", *, categorical=None, loss="squared_error", max_iter=None,
                   min_samples_leaf=None, learning_rate=None, max_leaf_nodes=None, l2_regularization=1.0):
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


def _hgb_classifier(est: "UpliftRanker"):
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


def _proba(model, D: np.ndarray, n_arms: int) -> np.ndarray:
    """predict_proba with columns for every arm 0..n_arms-1 (0 for a class absent in training)."""
    p = model.predict_proba(D)
    out = np.zeros((len(D), n_arms))
    out[:, model.classes_.astype(int)] = p
    return out


_CONTROLLER: list = []


def _openmp_limit(n_threads: int):
    """Context limiting OpenMP threads, through one cached threadpoolctl controller."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=n_threads, user_api="openmp")


def _exp(raw: np.ndarray) -> np.ndarray:
    """Elementwise exp of a contiguous copy (one numpy code path for every batch size)."""
    return np.exp(np.ascontiguousarray(raw, dtype=np.float64))


def _predict_head(model, flat, X: np.ndarray) -> np.ndarray:
    """HGB regressor prediction from its raw score; bitwise the same for a row in any batch."""
    raw = raw_predict(model, flat, X)[:, 0]
    return _exp(raw) if model.loss == "poisson" else np.ascontiguousarray(raw)


def _proba_head(model, flat, X: np.ndarray, n_arms: int) -> np.ndarray:
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


def _coded_with_arm(F: np.ndarray, arm: np.ndarray) -> np.ndarray:
    return np.column_stack([F, arm.astype(np.float64)])


def _stack_dense(D: np.ndarray, n_treat: int) -> np.ndarray:
    """Rows (profile, treatment arm j=1..n_treat) -> dense features + one-hot arm; profile-major."""
    n, p = D.shape
    out = np.zeros((n * n_treat, p + n_treat), dtype=np.float64)
    out[:, :p] = np.repeat(D, n_treat, axis=0)
    out[np.arange(n * n_treat), p + np.tile(np.arange(n_treat), n)] = 1.0
    return out


def _stack_coded(F: np.ndarray, n_treat: int) -> np.ndarray:
    """Rows (profile, arm j=1..n_treat) -> coded features + arm code; profile-major."""
    return np.column_stack([np.repeat(F, n_treat, axis=0), np.tile(np.arange(1, n_treat + 1), len(F)).astype(np.float64)])


def _cap(idx: np.ndarray, cap: int, random_state: Any, salt: int) -> np.ndarray:
    """At most ``cap`` of the row indices ``idx`` (a deterministic random subset, kept in order)."""
    if len(idx) <= cap:
        return idx
    rng = np.random.default_rng(None if random_state is None else [int(random_state), salt])
    return np.sort(rng.choice(idx, size=cap, replace=False))


def _simplex_grid(n: int, step: float) -> np.ndarray:
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


class _LogOutcome:
    """An HGB fit to ``log1p(r)``, predicting the mean of ``r`` by Duan's smearing (fit-time only)."""

    def __init__(self, model: Any, smear: float) -> None:
        self.model = model
        self.smear = smear

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.smear * np.exp(self.model.predict(X)) - 1.0


def _fit_s_learner(est: "UpliftRanker", F: np.ndarray, arm: np.ndarray, r: np.ndarray, tr: np.ndarray,
                   cat_arm: np.ndarray, target: str):
    """One S-learner (features + strategy) on the rows ``tr``: on ``log1p(r)`` or on ``r`` itself."""
    X = _coded_with_arm(F[tr], arm[tr])
    if target == "ratio":
        return _hgb_regressor(est, categorical=cat_arm, loss=est.outcome_loss,
                              l2_regularization=est.l2_regularization).fit(X, r[tr])
    z = np.log1p(r[tr])
    model = _hgb_regressor(est, categorical=cat_arm, l2_regularization=est.l2_regularization).fit(X, z)
    # E[r] = E[exp(z)] - 1: smearing with the mean exponentiated residual (Duan 1983)
    return _LogOutcome(model, float(np.mean(np.exp(z - model.predict(X)))))


def _arm_means(model: Any, F: np.ndarray, K: int) -> np.ndarray:
    """An S-learner's predicted outcome for each profile under each arm 0..K-1: (n, K)."""
    return np.column_stack([model.predict(_coded_with_arm(F, np.full(len(F), k))) for k in range(K)])


def _full_fit_variance(fold_preds: np.ndarray, axis: int) -> np.ndarray:
    """Variance of a full-data fit from the spread of ``n_folds`` fold models along ``axis``.

    Fold models share (nf-2)/(nf-1) of their data, so their spread understates it.
    """
    nf = fold_preds.shape[axis]
    return fold_preds.var(axis=axis, ddof=1) * (nf - 1) ** 2 / nf


def cross_fit_nuisances(est: "UpliftRanker", F: np.ndarray, arm: np.ndarray, r: np.ndarray, folds: list,
                        K: int, say: Callable[[str], None] = lambda m: None, reference: bool = False):
    """Out-of-fold propensity (n, K) and S-/T-learner outcome means (n, K) of the scaled target.

    ``arm`` holds codes 0..K-1 (0 = none). Returns ``(e, mu_s, mu_t, fold_models)``.
    With ``reference`` and a log-target S-learner, each fold also fits the
    ratio-target S-learner (``fold_models[f]["s_ref"]``): a second reasonable
    outcome model whose disagreement enters the interval.
    """
    n = len(F)
    D = dense_from_coded(F)
    cat_mask = np.zeros(N_CODED, bool)
    cat_mask[CATEGORY_INDEX] = True
    cat_arm = np.append(cat_mask, True)
    e_oof = np.zeros((n, K))
    muS = np.zeros((n, K))
    muT = np.zeros((n, K))
    fold_models: list[dict] = []
    for f, (tr, te) in enumerate(folds):
        say(f"fold {f + 1}/{len(folds)}: propensity, S- and T-learner on {len(tr):,} rows")
        sub = _cap(tr, est.max_nuisance_rows, est.random_state, f)
        prop = _hgb_classifier(est).fit(D[sub], arm[sub])
        e_oof[te] = _proba(prop, D[te], K)
        s_model = _fit_s_learner(est, F, arm, r, tr, cat_arm, est.s_learner_target)
        muS[te] = _arm_means(s_model, F[te], K)
        t_models = []
        for k in range(K):
            idx = tr[arm[tr] == k]
            if len(idx) == 0:  # arm absent from this fold's training rows: fall back to the S-learner
                muT[te, k] = muS[te, k]
                t_models.append(None)
                continue
            m = _hgb_regressor(est, categorical=cat_mask, loss=est.outcome_loss,
                               l2_regularization=est.l2_regularization).fit(F[idx], r[idx])
            muT[te, k] = m.predict(F[te])
            t_models.append(m)
        fold_models.append({"s": s_model, "t": t_models})
        if reference and est.s_learner_target != "ratio":
            fold_models[-1]["s_ref"] = _fit_s_learner(est, F, arm, r, tr, cat_arm, "ratio")
    return e_oof, muS, muT, fold_models


class UpliftRanker(BaseEstimator):
    """Ranks strategies by predicted weekly gift uplift vs ``none`` (scikit-learn estimator).

    Parameters
    ----------
    n_folds : cross-fitting folds (grouped by creator when ``groups`` is given).
    scale : ``"fitted"`` (level model) or ``"prior"`` (prior_weekly_diamonds) as the target divisor.
    scale_offset : ``c`` in the target ``gift_diamonds / (level + c)``.
    early_stopping : early stopping of the boosting stages (off: it stops before learning weak effects).
    target_clip_quantile : winsorize the scaled target above this quantile (None: off).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization : boosting settings.
    s_learner_target : ``"log"``: the S-learner fits ``log1p(r)`` (squared error) and predicts the mean
        of ``r`` by smearing, which tames the heavy-tailed, multiplicative noise of gift income;
        ``"ratio"``: it fits ``r`` with ``outcome_loss``.
    outcome_loss : loss of the outcome models fit on the scaled target itself (the T-learner, and
        the S-learner when ``s_learner_target="ratio"``)
        (``"poisson"``: log link, for multiplicative strategy effects).
    propensity_clip : lower clip of propensities in the doubly-robust pseudo-outcomes.
    extrapolation_propensity : flag a (profile, strategy) as extrapolation below this propensity.
    min_rows : strategies with fewer training rows are reported unknown (NaN), not learned.
    interval : nominal coverage of the uplift interval.
    max_distill_rows : profiles used to distill the prediction heads (subsampled above).
    max_nuisance_rows : rows for each propensity fit and DR final stage (subsampled above; the
        S- and T-learners always use every row).
    n_threads : OpenMP threads for HistGradientBoosting (1 is much faster on small shared VMs).
    random_state : seed for folds and subsampling; fixed seed -> identical model.
    """

    _parameter_constraints: dict = {
        "n_folds": [Interval(Integral, 2, 20, closed="both")],
        "scale_offset": [Interval(Real, 0, None, closed="neither")],
        "scale": [StrOptions({"prior", "fitted"})],
        "target_clip_quantile": [Interval(Real, 0.5, 1, closed="right"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "outcome_loss": [StrOptions({"squared_error", "poisson"})],
        "s_learner_target": [StrOptions({"log", "ratio"})],
        "propensity_clip": [Interval(Real, 0, 0.5, closed="neither")],
        "extrapolation_propensity": [Interval(Real, 0, 1, closed="left")],
        "min_rows": [Interval(Integral, 2, None, closed="left")],
        "interval": [Interval(Real, 0, 1, closed="neither")],
        "max_distill_rows": [Interval(Integral, 100, None, closed="left")],
        "max_nuisance_rows": [Interval(Integral, 100, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        n_folds: int = 3,
        scale: str = "fitted",
        scale_offset: float = 10.0,
        target_clip_quantile: float | None = 0.99,
        max_iter: int = 150,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 100,
        l2_regularization: float = 1.0,
        outcome_loss: str = "poisson",
        s_learner_target: str = "log",
        propensity_clip: float = 0.03,
        extrapolation_propensity: float = 0.03,
        min_rows: int = 100,
        interval: float = 0.8,
        max_distill_rows: int = 200_000,
        max_nuisance_rows: int = 200_000,
        n_threads: int = 1,
        early_stopping: bool = False,
        random_state: int | None = 0,
    ) -> None:
        self.n_folds = n_folds
        self.scale = scale
        self.scale_offset = scale_offset
        self.target_clip_quantile = target_clip_quantile
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.outcome_loss = outcome_loss
        self.s_learner_target = s_learner_target
        self.propensity_clip = propensity_clip
        self.extrapolation_propensity = extrapolation_propensity
        self.min_rows = min_rows
        self.interval = interval
        self.max_distill_rows = max_distill_rows
        self.max_nuisance_rows = max_nuisance_rows
        self.n_threads = n_threads
        self.early_stopping = early_stopping
        self.random_state = random_state

    def __setstate__(self, state: dict) -> None:
        # models saved before a parameter existed load with that parameter's default
        defaults = {"l2_regularization": 1.0, "outcome_loss": "squared_error", "s_learner_target": "ratio"}
        for name, value in defaults.items():
            state.setdefault(name, value)
        super().__setstate__(state)

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, strategy: Any, y: Any, *, groups: Any = None,
            progress: Callable[[str], None] | None = None) -> "UpliftRanker":
        """Learn uplift from history rows: profile features ``X``, ``strategy`` labels, outcome ``y``.

        ``groups`` (e.g. ``creator_id``) keeps each creator's weeks in one fold.
        ``progress`` receives short status messages during long fits.
        """
        from threadpoolctl import threadpool_limits

        self._validate_params()
        say = progress or (lambda message: None)
        F = coded_features(X, source="X")
        arm_all = strategy_codes(strategy)
        yv = self._outcome(y, len(F))
        if len(arm_all) != len(F):
            raise InputError("strategy has a different length than X", loc="strategy",
                             expected=f"{len(F)} labels", input=len(arm_all))
        g = None if groups is None else np.asarray(groups)
        if g is not None and len(g) != len(F):
            raise InputError("groups has a different length than X", loc="groups",
                             expected=f"{len(F)} values", input=len(g))
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self._fit(F, arm_all, yv, g, say)
        return self

    @staticmethod
    def _outcome(y: Any, n: int) -> np.ndarray:
        try:
            yv = np.asarray(y, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError("gift_diamonds is not numeric", loc="y", expected="numbers >= 0") from None
        if len(yv) != n:
            raise InputError("y has a different length than X", loc="y", expected=f"{n} values", input=len(yv))
        bad = ~np.isfinite(yv) | (yv < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"row {i}: gift_diamonds must be a finite number >= 0 ({int(bad.sum())} bad row(s))",
                             loc="y", expected="a number >= 0", input=float(yv[i]))
        return yv

    def _fit(self, F, arm_all, y, groups, say) -> None:
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)  # a refit starts clean (no stale fast-path forests)
        rng = np.random.default_rng(self.random_state)
        counts = np.bincount(arm_all, minlength=len(ALL_STRATEGIES))
        known_all = [i for i, c in enumerate(counts) if c >= self.min_rows]
        if 0 not in known_all:
            raise InputError(
                f"too few '{CONTROL}' rows to learn from: uplift is measured against weeks with strategy '{CONTROL}'",
                loc="strategy", expected=f"at least {self.min_rows} rows with strategy '{CONTROL}'",
                input=int(counts[0]))
        treat = [i for i in known_all if i != 0]
        if not treat:
            raise InputError("no strategy other than 'none' has enough rows to learn from", loc="strategy",
                             expected=f"at least {self.min_rows} rows for at least one strategy",
                             input={ALL_STRATEGIES[i]: int(c) for i, c in enumerate(counts)})
        keep = np.isin(arm_all, known_all)
        F, y, a_full = F[keep], y[keep], arm_all[keep]
        groups = None if groups is None else groups[keep]
        lut = np.full(len(ALL_STRATEGIES), -1)
        lut[known_all] = np.arange(len(known_all))
        arm = lut[a_full]  # 0 = none, 1..A = learned strategies
        K = len(known_all)
        A = K - 1
        n = len(F)
        self.arms_ = tuple(ALL_STRATEGIES[i] for i in known_all)
        self.unknown_strategies_ = tuple(s for s in STRATEGIES if s not in self.arms_)

        if self.scale == "fitted":
            say("level model for the target scale")
            self.level_ = _hgb_regressor(self, loss="poisson", max_iter=60, learning_rate=0.15).fit(
                dense_from_coded(F), y)
        else:
            self.level_ = None
        scale = self.scale_of(F)
        r = y / scale
        clip_at = None
        if self.target_clip_quantile is not None and self.target_clip_quantile < 1:
            clip_at = float(np.quantile(r, self.target_clip_quantile))
            r = np.minimum(r, clip_at)
        D = dense_from_coded(F)
        folds = self._folds(n, groups)
        cat_mask = np.zeros(N_CODED, bool)
        cat_mask[CATEGORY_INDEX] = True
        cat_arm = np.append(cat_mask, True)

        e_oof, muS, muT, fold_models = cross_fit_nuisances(self, F, arm, r, folds, K, say, reference=True)

        # doubly-robust pseudo-outcomes on held-out rows (nuisances never saw the row)
        mu = 0.5 * (muS + muT)
        e = np.maximum(e_oof, self.propensity_clip)
        rows = np.arange(n)
        resid = r - mu[rows, arm]
        corr = np.zeros((n, K))
        corr[rows, arm] = resid / e[rows, arm]
        pseudo = (mu[:, 1:] - mu[:, [0]]) + corr[:, 1:] - corr[:, [0]]  # (n, A)

        tau_dr = np.zeros((n, A))
        for f, (tr, te) in enumerate(folds):
            say(f"fold {f + 1}/{len(folds)}: doubly-robust final stage")
            sub = _cap(tr, self.max_nuisance_rows, self.random_state, 100 + f)
            dr = _hgb_regressor(self, categorical=cat_arm, min_samples_leaf=max(4 * self.min_samples_leaf, 100),
                                learning_rate=0.05).fit(_stack_coded(F[sub], A), pseudo[sub].ravel())
            tau_dr[te] = dr.predict(_stack_coded(F[te], A)).reshape(len(te), A)
            fold_models[f]["dr"] = dr

        oof = {
            "s_learner": muS[:, 1:] - muS[:, [0]],
            "t_learner": muT[:, 1:] - muT[:, [0]],
            "dr_learner": tau_dr,
        }
        scores = {c: float(np.mean((pseudo - oof[c]) ** 2)) for c in CANDIDATES}
        grid = _simplex_grid(len(CANDIDATES), 0.05)
        stack = np.stack([oof[c] for c in CANDIDATES])  # (C, n, A)
        # mean (P - sum_c w_c X_c)^2 = mean P^2 - 2 w.b + w'Gw: one pass per candidate pair, then the grid is cheap
        flat_c = stack.reshape(len(CANDIDATES), -1)
        gram = flat_c @ flat_c.T / flat_c.shape[1]
        cross = flat_c @ pseudo.ravel() / flat_c.shape[1]
        losses = float(np.mean(pseudo**2)) - 2 * grid @ cross + np.einsum("gi,ij,gj->g", grid, gram, grid)
        w = grid[int(np.argmin(losses))]
        blend_score = float(losses.min())
        # cross-fitted value of "follow the top strategy" vs none, from the held-out pseudo-outcomes
        blend_oof = np.tensordot(w, stack, axes=1)
        top = np.argmax(blend_oof, axis=1)
        gain_scaled = pseudo[rows, top]
        policy_value = {
            "top_strategy_vs_none_scaled": float(gain_scaled.mean()),
            "top_strategy_vs_none_scaled_se": float(gain_scaled.std(ddof=1) / np.sqrt(n)),
            "top_strategy_vs_none_diamonds": float((gain_scaled * scale).mean()),
            "top_strategy_vs_none_diamonds_se": float((gain_scaled * scale).std(ddof=1) / np.sqrt(n)),
        }
        say("blend weights by held-out DR loss: " + ", ".join(f"{c}={wi:.2f}" for c, wi in zip(CANDIDATES, w)))

        # teacher on a subsample of training profiles: blended fold-model mean and error variance
        m = min(n, self.max_distill_rows)
        pick = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
        Fp = F[pick]
        preds = np.zeros((len(CANDIDATES), len(folds), m, A))
        for f, fm in enumerate(fold_models):
            s_mu = _arm_means(fm["s"], Fp, K)
            preds[0, f] = s_mu[:, 1:] - s_mu[:, [0]]
            t_mu = np.column_stack([s_mu[:, k] if t is None else t.predict(Fp) for k, t in enumerate(fm["t"])])
            preds[1, f] = t_mu[:, 1:] - t_mu[:, [0]]
            preds[2, f] = fm["dr"].predict(_stack_coded(Fp, A)).reshape(m, A)
        cand_mean = preds.mean(axis=1)  # (C, m, A)
        cand_var = _full_fit_variance(preds, axis=1)
        if "s_ref" in fold_models[0]:
            # the log- and ratio-target S-learners estimate the same uplift with different biases;
            # the S-learner's uncertainty is that of a 50/50 choice between them, centred on the
            # log one: 1/2 var_log + 1/2 (var_ratio + (tau_ratio - tau_log)^2) (law of total variance)
            ref_mu = np.stack([_arm_means(fm["s_ref"], Fp, K) for fm in fold_models])  # (folds, m, K)
            ref = ref_mu[..., 1:] - ref_mu[..., [0]]
            cand_var[0] = 0.5 * cand_var[0] + 0.5 * (_full_fit_variance(ref, axis=0)
                                                     + (ref.mean(axis=0) - cand_mean[0]) ** 2)
        teacher = np.tensordot(w, cand_mean, axes=1)
        var = np.tensordot(w, cand_var, axes=1) + np.tensordot(w, (cand_mean - teacher) ** 2, axes=1)
        var = np.maximum(var, 1e-12)

        say(f"distilling prediction heads on {m:,} profiles x {A} strategies")
        Dp_stack = _stack_dense(D[pick], A)
        # the teacher is noise-free: few, larger trees distill it well and keep prediction cheap
        self.uplift_head_ = _hgb_regressor(self, max_iter=100, learning_rate=0.2, max_leaf_nodes=63,
                                           min_samples_leaf=20).fit(Dp_stack, teacher.ravel())
        self.variance_head_ = _hgb_regressor(self, loss="poisson", max_iter=40, learning_rate=0.2,
                                             min_samples_leaf=20).fit(Dp_stack, var.ravel())
        say("propensity model for extrapolation flags")
        pm = min(n, self.max_nuisance_rows)
        ppick = np.sort(rng.choice(n, size=pm, replace=False)) if pm < n else np.arange(n)
        self.propensity_ = _hgb_classifier(self).fit(D[ppick], arm[ppick])
        self.flat_ = {
            "uplift": flatten(self.uplift_head_),
            "variance": flatten(self.variance_head_),
            "propensity": flatten(self.propensity_),
            "level": None if self.level_ is None else flatten(self.level_),
        }
        self.feature_low_ = np.quantile(F[:, :CATEGORY_INDEX], 0.005, axis=0)
        self.feature_high_ = np.quantile(F[:, :CATEGORY_INDEX], 0.995, axis=0)
        self.n_features_in_ = len(NUMERIC_FEATURES) + 1
        self.dense_features_ = DENSE_NAMES
        self.blend_weights_ = dict(zip(CANDIDATES, (float(x) for x in w)))
        self.training_report_ = {
            "rows": int(len(arm_all)),
            "rows_used": int(n),
            "strategy_counts": {s: int(c) for s, c in zip(ALL_STRATEGIES, counts)},
            "unknown_strategies": list(self.unknown_strategies_),
            "unknown_reason": {
                s: f"{int(counts[ALL_STRATEGIES.index(s)])} rows < min_rows={self.min_rows}"
                for s in self.unknown_strategies_
            },
            "folds": len(folds),
            "grouped_folds": groups is not None,
            "scale_offset": float(self.scale_offset),
            "target_clip": clip_at,
            "dr_loss": {**scores, "blend": blend_score},
            "blend_weights": dict(self.blend_weights_),
            "cross_fitted_policy_value": policy_value,
            "propensity_below_clip_share": float(np.mean(e_oof[rows, arm] < self.propensity_clip)),
            "interval": float(self.interval),
        }

    def _folds(self, n, groups):
        return make_folds(n, groups, self.n_folds, self.random_state)

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        check_is_fitted(
            self, "uplift_head_",
            msg=("This %(name)s instance is not fitted yet. Call 'fit' with creator-week history "
                 "(or load a trained model with livelift.recommender.persistence.load_model) before predicting."),
        )

    def predict_uplift(self, X: Any, *, chunk_size: int = 50_000) -> UpliftPrediction:
        """Expected extra weekly gift diamonds of each strategy vs ``none``, with interval and flags.

        A profile's numbers are bitwise the same whatever else is in ``X``
        (alone, in a coalesced batch, in any order): every step is row-wise and
        the tree sums follow one fixed order (see ``forest.raw_predict``).
        OpenMP is always limited to ``n_threads`` (a cached threadpool
        controller: ~20 us, not the ~3 ms of a fresh ``threadpool_limits``).
        """
        self._check_fitted()
        F = coded_features(X, source="X")
        n = len(F)
        S = len(STRATEGIES)
        uplift = np.full((n, S), np.nan)
        low = np.full((n, S), np.nan)
        high = np.full((n, S), np.nan)
        extrap = np.ones((n, S), dtype=bool)
        if n == 0:
            return UpliftPrediction(STRATEGIES, uplift, low, high, extrap, float(self.interval))
        cols = [STRATEGIES.index(s) for s in self.arms_[1:]]
        with _openmp_limit(self.n_threads):
            for start in range(0, n, chunk_size):
                sl = slice(start, min(n, start + chunk_size))
                u, lo, hi, ex = self._predict_block(F[sl])
                uplift[sl, cols], low[sl, cols], high[sl, cols], extrap[sl, cols] = u, lo, hi, ex
        return UpliftPrediction(STRATEGIES, uplift, low, high, extrap, float(self.interval))

    def _flat(self, name: str, profiles: int):
        """The flat forest of a head for a small block (numpy walk), None for a large one (compiled)."""
        if profiles > FAST_ROWS:
            return None
        return getattr(self, "flat_", {}).get(name)

    def _predict_block(self, F: np.ndarray):
        A = len(self.arms_) - 1
        m = len(F)
        D = dense_from_coded(F)
        stacked = _stack_dense(D, A)
        tau = _predict_head(self.uplift_head_, self._flat("uplift", m), stacked).reshape(m, A)
        var = _predict_head(self.variance_head_, self._flat("variance", m), stacked)
        sd = np.sqrt(np.maximum(var, 0.0)).reshape(m, A)
        scale = self.scale_of(F, D)[:, None]
        z = NormalDist().inv_cdf(0.5 + self.interval / 2)
        uplift = tau * scale
        half = z * sd * scale
        e = _proba_head(self.propensity_, self._flat("propensity", m), D, A + 1)
        num = F[:, :CATEGORY_INDEX]
        outside = ((num < self.feature_low_) | (num > self.feature_high_)).any(axis=1)
        thr = self.extrapolation_propensity
        ex = (e[:, 1:] < thr) | (e[:, [0]] < thr) | outside[:, None]
        return uplift, uplift - half, uplift + half, ex

    def scale_of(self, F: np.ndarray, D: np.ndarray | None = None) -> np.ndarray:
        """Per-profile divisor of the target: prior (or fitted level) + ``scale_offset``, in diamonds."""
        if getattr(self, "level_", None) is not None:
            level = _predict_head(self.level_, self._flat("level", len(F)), dense_from_coded(F) if D is None else D)
            return level + self.scale_offset
        return F[:, _PRIOR] + self.scale_offset

    def predict_propensity(self, X: Any):
        """Estimated probability that a creator like this picks each strategy (DataFrame, known arms)."""
        import pandas as pd

        self._check_fitted()
        F = coded_features(X, source="X")
        return pd.DataFrame(_proba(self.propensity_, dense_from_coded(F), len(self.arms_)), columns=list(self.arms_))
