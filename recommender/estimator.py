"""UpliftRanker: per-strategy weekly gift uplift vs ``none``, from observational history.

The estimator coordinates steps that live in their own modules (method and
reasons: ../shared/docs/uplift.md; measured quality: the README and
benchmarks/bench_recommender.py, never quoted here):

1. **Scaled target.** Diamonds are heavy-tailed and zero-inflated and effects
   grow with a creator's level, so every learner models
   ``r = gift_diamonds / (level(x) + scale_offset)``, winsorized above its
   ``target_clip_quantile``. ``level(x)`` is a Poisson-loss HGB fit of weekly
   diamonds on the profile (``scale="fitted"``) or ``prior_weekly_diamonds``
   itself (``scale="prior"``). Uplift is mapped back to diamonds by the same
   per-profile divisor.
2. **Cross-fitted nuisances** (``crossfit``): per fold (grouped by creator)
   a propensity model, an S-learner on ``log1p(r)`` (mean by Duan's
   smearing; ``learners.fit_s_learner``) and a Poisson-loss T-learner.
3. **Doubly-robust pseudo-outcomes** (AIPW, ``crossfit.dr_pseudo_outcomes``)
   and a cross-fitted DR-learner on them.
4. **Blend** (``blending``): simplex weights of the S-, T- and DR-learners
   minimizing the held-out DR loss.
5. **Distilled heads** (``heads``): one HGB for the blended uplift, one for
   its error variance.
6. **Intervals** (``intervals``): ``uplift +- z * sd``, times a per-band,
   per-strategy factor when the model was calibrated against known truth
   (``intervals.calibrate_intervals``).
7. **Extrapolation flag**: estimated propensity of the strategy (or of
   ``none``) below ``extrapolation_propensity`` at that profile, or a numeric
   feature outside the training 0.5-99.5 percentile range.

Strategies with fewer than ``min_rows`` rows are not learned: their uplift is
NaN (unknown, not zero) and they are listed in ``unknown_strategies_``.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data.fields import ALL_STRATEGIES, CONTROL, NUMERIC_FEATURES, STRATEGIES
from ..errors import InputError
from .blending import CANDIDATES, Blend, blend_candidates, policy_value
from .crossfit import cross_fit_dr_learner, cross_fit_nuisances, dr_pseudo_outcomes, make_folds
from .features import CATEGORY_INDEX, DENSE_NAMES, coded_features, dense_from_coded, strategy_codes
from .forest import FAST_ROWS, flatten, pack_trees, unpack_trees
from .heads import distil_heads, openmp_limit, predict_head, proba_head, teacher
from .intervals import half_width
from .learners import hgb_classifier, hgb_regressor, stack_dense
from .prediction import UpliftPrediction

__all__ = ["UpliftRanker", "UpliftPrediction"]

_PRIOR = NUMERIC_FEATURES.index("prior_weekly_diamonds")
_PACKED_MODELS = ("level_", "uplift_head_", "variance_head_", "propensity_")


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

    def __getstate__(self) -> dict:
        # the prediction-time models' trees as a few packed arrays (a model file reads much faster)
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the live __dict__
        for name in _PACKED_MODELS:
            if state.get(name) is not None:
                state[name], state[name + "trees"] = pack_trees(state[name])
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in _PACKED_MODELS:
            if name + "trees" in state:
                state[name] = unpack_trees(state[name], state.pop(name + "trees"))
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
        known_all = self._learnable_arms(counts)
        keep = np.isin(arm_all, known_all)
        F, y = F[keep], y[keep]
        groups = None if groups is None else groups[keep]
        lut = np.full(len(ALL_STRATEGIES), -1)
        lut[known_all] = np.arange(len(known_all))
        arm = lut[arm_all[keep]]  # 0 = none, 1..A = learned strategies
        K = len(known_all)
        self.arms_ = tuple(ALL_STRATEGIES[i] for i in known_all)
        self.unknown_strategies_ = tuple(s for s in STRATEGIES if s not in self.arms_)
        r, scale, clip_at = self._scaled_target(F, y, say)
        folds = make_folds(len(F), groups, self.n_folds, self.random_state)

        e_oof, mu_s, mu_t, fold_models = cross_fit_nuisances(self, F, arm, r, folds, K, say, reference=True)
        # doubly-robust pseudo-outcomes on held-out rows (nuisances never saw the row)
        pseudo = dr_pseudo_outcomes(0.5 * (mu_s + mu_t), np.maximum(e_oof, self.propensity_clip), arm, r)
        tau_dr = cross_fit_dr_learner(self, F, pseudo, folds, fold_models, say)
        blend = blend_candidates({"s_learner": mu_s[:, 1:] - mu_s[:, [0]], "t_learner": mu_t[:, 1:] - mu_t[:, [0]],
                                  "dr_learner": tau_dr}, pseudo)
        say("blend weights by held-out DR loss: " + ", ".join(f"{c}={wi:.2f}" for c, wi in zip(CANDIDATES, blend.weights)))

        self._fit_heads(F, fold_models, blend.weights, K, rng, say)
        self._fit_flags(F, arm, rng, say)
        self.blend_weights_ = dict(zip(CANDIDATES, (float(x) for x in blend.weights)))
        self.training_report_ = self._report(counts, len(F), folds, groups is not None, clip_at, blend,
                                             policy_value(pseudo, blend.oof, scale),
                                             float(np.mean(e_oof[np.arange(len(F)), arm] < self.propensity_clip)))

    def _learnable_arms(self, counts: np.ndarray) -> list[int]:
        """Codes of the strategies with at least ``min_rows`` rows; InputError without 'none' or any other."""
        known = [i for i, c in enumerate(counts) if c >= self.min_rows]
        if 0 not in known:
            raise InputError(
                f"too few '{CONTROL}' rows to learn from: uplift is measured against weeks with strategy '{CONTROL}'",
                loc="strategy", expected=f"at least {self.min_rows} rows with strategy '{CONTROL}'",
                input=int(counts[0]))
        if len(known) < 2:
            raise InputError("no strategy other than 'none' has enough rows to learn from", loc="strategy",
                             expected=f"at least {self.min_rows} rows for at least one strategy",
                             input={ALL_STRATEGIES[i]: int(c) for i, c in enumerate(counts)})
        return known

    def _scaled_target(self, F: np.ndarray, y: np.ndarray, say) -> tuple[np.ndarray, np.ndarray, float | None]:
        """Fit the level model (``scale="fitted"``); return the winsorized scaled target, the divisor, the clip."""
        if self.scale == "fitted":
            say("level model for the target scale")
            self.level_ = hgb_regressor(self, loss="poisson", max_iter=60, learning_rate=0.15).fit(
                dense_from_coded(F), y)
        else:
            self.level_ = None
        scale = self._scale(F)
        r = y / scale
        clip_at = None
        if self.target_clip_quantile is not None and self.target_clip_quantile < 1:
            clip_at = float(np.quantile(r, self.target_clip_quantile))
            r = np.minimum(r, clip_at)
        return r, scale, clip_at

    def _fit_heads(self, F: np.ndarray, fold_models: list, weights: np.ndarray, K: int, rng, say) -> None:
        """Distil the blended fold models (teacher) into the uplift and variance heads on a subsample."""
        n = len(F)
        m = min(n, self.max_distill_rows)
        pick = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
        mean, var = teacher(fold_models, weights, F[pick], K)
        say(f"distilling prediction heads on {m:,} profiles x {K - 1} strategies")
        self.uplift_head_, self.variance_head_ = distil_heads(self, dense_from_coded(F[pick]), mean, var)

    def _fit_flags(self, F: np.ndarray, arm: np.ndarray, rng, say) -> None:
        """Propensity model and feature ranges for the extrapolation flag; flat forests of the heads."""
        say("propensity model for extrapolation flags")
        n = len(F)
        D = dense_from_coded(F)
        pm = min(n, self.max_nuisance_rows)
        ppick = np.sort(rng.choice(n, size=pm, replace=False)) if pm < n else np.arange(n)
        self.propensity_ = hgb_classifier(self).fit(D[ppick], arm[ppick])
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

    def _report(self, counts, n, folds, grouped, clip_at, blend: Blend, value: dict, below_clip: float) -> dict:
        return {
            "rows": int(counts.sum()),
            "rows_used": int(n),
            "strategy_counts": {s: int(c) for s, c in zip(ALL_STRATEGIES, counts)},
            "unknown_strategies": list(self.unknown_strategies_),
            "unknown_reason": {
                s: f"{int(counts[ALL_STRATEGIES.index(s)])} rows < min_rows={self.min_rows}"
                for s in self.unknown_strategies_
            },
            "folds": len(folds),
            "grouped_folds": grouped,
            "scale_offset": float(self.scale_offset),
            "target_clip": clip_at,
            "dr_loss": {**blend.scores, "blend": blend.loss},
            "blend_weights": dict(self.blend_weights_),
            "cross_fitted_policy_value": value,
            "propensity_below_clip_share": below_clip,
            "interval": float(self.interval),
        }

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
        OpenMP is always limited to ``n_threads`` (through one cached threadpool
        controller: a fresh ``threadpool_limits`` per call is far slower).
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
        with openmp_limit(self.n_threads):
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
        stacked = stack_dense(D, A)
        tau = predict_head(self.uplift_head_, self._flat("uplift", m), stacked).reshape(m, A)
        var = predict_head(self.variance_head_, self._flat("variance", m), stacked)
        sd = np.sqrt(np.maximum(var, 0.0)).reshape(m, A)
        scale = self._scale(F, D)[:, None]
        uplift = tau * scale
        half = half_width(sd, scale, self.interval, self._interval_factors(), F)
        e = proba_head(self.propensity_, self._flat("propensity", m), D, A + 1)
        num = F[:, :CATEGORY_INDEX]
        outside = ((num < self.feature_low_) | (num > self.feature_high_)).any(axis=1)
        thr = self.extrapolation_propensity
        ex = (e[:, 1:] < thr) | (e[:, [0]] < thr) | outside[:, None]
        return uplift, uplift - half, uplift + half, ex

    def _interval_factors(self) -> np.ndarray | None:
        """Calibrated interval factors (bands x strategies), None for an uncalibrated model."""
        factors = getattr(self, "interval_factors_", None)
        if factors is not None and self.interval_calibration_["level"] != self.interval:
            raise InputError(
                f"the intervals were calibrated for {self.interval_calibration_['level']:.0%}, not {self.interval:.0%}",
                loc="interval", expected=f"interval={self.interval_calibration_['level']}",
                input=self.interval, hint="set interval back, or calibrate again (intervals.calibrate_intervals)")
        return factors

    def scale_of(self, X: Any) -> np.ndarray:
        """Per-profile divisor of the target in diamonds: fitted level (or prior) + ``scale_offset``."""
        self._check_fitted()
        return self._scale(coded_features(X, source="X"))

    def _scale(self, F: np.ndarray, D: np.ndarray | None = None) -> np.ndarray:
        if getattr(self, "level_", None) is not None:
            level = predict_head(self.level_, self._flat("level", len(F)), dense_from_coded(F) if D is None else D)
            return level + self.scale_offset
        return F[:, _PRIOR] + self.scale_offset
