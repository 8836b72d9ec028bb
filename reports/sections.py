"""The numbers behind each section of a report, computed once (no plotting here).

* weekly diamonds and likes: :mod:`.weeks`;
* per-strategy uplift with intervals for the latest profile: ``Recommender.recommend``;
* calibration of predicted vs realized uplift by decile, and the off-policy value
  of following the model vs the creators' own choices: the cross-fitted
  doubly-robust scores of :mod:`livelift.recommender.evaluation`, on the whole file;
* data coverage: weeks per strategy, and what is extrapolation.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.fields import ALL_STRATEGIES, CONTROL, TRUTH_PREFIX
from ..errors import InputError
from .weeks import CreatorWeeks, creator_weeks

__all__ = ["CalibrationBin", "ModelCheck", "Coverage", "Report", "build_report", "calibration_bins"]

DECILES = 10
FEW_WEEKS = 20
"""Strategies tried in fewer rows than this in the file are flagged (the evaluation's own minimum)."""


@dataclass(frozen=True)
class CalibrationBin:
    """One decile of predicted uplift: mean predicted, and the DR estimate of realized uplift with a 95% CI."""

    decile: int
    pairs: int
    predicted: float
    realized: float
    low: float
    high: float
    truth: float | None = None
    """Mean true uplift in the bin, when the file is simulated with ``true_uplift_*`` columns."""


@dataclass(frozen=True)
class ModelCheck:
    """Calibration and off-policy value on the file, or why they could not be estimated."""

    bins: tuple[CalibrationBin, ...] = ()
    top_vs_logged: dict[str, float] | None = None
    top_vs_none: dict[str, float] | None = None
    rows: int = 0
    warnings: tuple[str, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class Coverage:
    """Weeks per strategy (file and creator) and what is flagged."""

    file_weeks: dict[str, int]
    creator_weeks: dict[str, int]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    source: str
    rows: int
    weeks: CreatorWeeks
    choice_note: str | None
    recommendation: Any
    gifts: Any
    model_check: ModelCheck
    coverage: Coverage
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def _estimate(values: np.ndarray, groups: Any) -> dict[str, float]:
    from ..recommender.offpolicy import _estimate as dr_estimate  # the off-policy evaluation's clustered SE

    return dr_estimate(values, groups)


def calibration_bins(predicted: np.ndarray, realized: np.ndarray, groups: Any, deciles: int = DECILES,
                     truth: np.ndarray | None = None) -> tuple[CalibrationBin, ...]:
    """Pairs sorted by predicted uplift, cut into ``deciles`` equal-count bins (``truth``: simulator's, optional)."""
    ok = np.isfinite(predicted) & np.isfinite(realized)
    predicted, realized = predicted[ok], realized[ok]
    truth = None if truth is None else np.asarray(truth, dtype=float)[ok]
    g = None if groups is None else np.asarray(groups)[ok]
    order = np.argsort(predicted, kind="stable")
    out = []
    for d, idx in enumerate(np.array_split(order, deciles)):
        if len(idx) < 2:
            continue
        est = _estimate(realized[idx], None if g is None else g[idx])
        out.append(CalibrationBin(d + 1, int(len(idx)), float(predicted[idx].mean()), est["estimate"],
                                  est["ci95_low"], est["ci95_high"],
                                  None if truth is None else float(truth[idx].mean())))
    return tuple(out)


def model_check(ranker: Any, frame: Any) -> ModelCheck:
    """Calibration by decile and off-policy value, on every row of the file (all creators)."""
    from ..recommender.evaluation import dr_scores, evaluate_off_policy

    try:
        dr = dr_scores(ranker, frame)
        policy = evaluate_off_policy(ranker, frame, scores=dr)
    except InputError as exc:
        return ModelCheck(problem=str(exc), rows=len(frame))
    kept = frame.iloc[np.flatnonzero(dr.keep)]
    pred = ranker.predict_uplift(kept)
    names = list(pred.strategies)
    predicted, realized, groups, truth = [], [], [], []
    for k, arm in enumerate(dr.arms):
        if arm == CONTROL or arm not in names:
            continue
        predicted.append(np.asarray(pred.uplift, dtype=float)[:, names.index(arm)])
        realized.append(dr.uplift_diamonds(k))
        if dr.groups is not None:
            groups.append(dr.groups)
        if TRUTH_PREFIX + arm in kept.columns:
            truth.append(kept[TRUTH_PREFIX + arm].to_numpy(dtype=float))
    bins = calibration_bins(np.concatenate(predicted), np.concatenate(realized),
                            np.concatenate(groups) if groups else None,
                            truth=np.concatenate(truth) if len(truth) == len(realized) else None)
    return ModelCheck(bins=bins, top_vs_logged=policy["diamonds"]["top_vs_logged"],
                      top_vs_none=policy["diamonds"]["top_vs_none"], rows=int(policy["rows"]),
                      warnings=tuple(policy.get("warnings", ())))


def coverage(frame: Any, weeks: CreatorWeeks, rec: Any) -> Coverage:
    counts = frame["strategy"].astype(str).value_counts()
    file_weeks = {s: int(counts.get(s, 0)) for s in ALL_STRATEGIES}
    flags = []
    for s in ALL_STRATEGIES:
        if file_weeks[s] < FEW_WEEKS:
            flags.append(f"{s}: only {file_weeks[s]} week(s) in the file (fewer than {FEW_WEEKS}); "
                         "the file says little about it")
    for s in rec.strategies:
        if s.allowed and s.extrapolation:
            flags.append(f"{s.strategy}: extrapolation for the latest profile (similar creators rarely tried it "
                         "in the model's training data, or the profile is outside its range)")
    return Coverage(file_weeks, weeks.weeks_per_strategy(), tuple(flags))


def build_report(frame: Any, recommender: Any, *, source: str, creator_id: str | None = None,
                 progress: Any = None) -> Report:
    """Every section's numbers for one creator of a validated history ``frame``."""
    say = progress or (lambda message: None)
    say("weekly diamonds and likes")
    weeks, note = creator_weeks(frame, creator_id)
    say("recommendation for the latest week's profile")
    rec = recommender.recommend(weeks.latest_profile)
    gifts = recommender.earnings(diamonds=weeks.total_diamonds)
    say("calibration and off-policy value (cross-fitting on the file)")
    check = model_check(recommender.model.ranker, frame)
    return Report(source=source, rows=len(frame), weeks=weeks, choice_note=note, recommendation=rec, gifts=gifts,
                  model_check=check, coverage=coverage(frame, weeks, rec))

