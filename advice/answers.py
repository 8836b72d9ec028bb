"""Typed answers out of the one ranking: a Recommendation per profile, or the long table.

Both come from :func:`~livelift.advice.ranking.rank_options`, so a profile
gets the same ranks, statuses, flags and reasons alone or in a batch of a
million.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..data.fields import STRATEGIES
from ..domain import ModelSummary, Profile, Recommendation, StrategyAdvice
from ..data.plain import none_if_nan
from .ranking import OPTIONS, Ranking, rank_options
from .reasons import Reason, agreeing_reasons
from .verdict import UNCALIBRATED_NOTE, plain_verdict

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["LONG_TABLE_COLUMNS", "predicted_arrays", "recommendation", "long_table"]

LONG_TABLE_COLUMNS: tuple[str, ...] = (
    "creator_id",
    "strategy",
    "rank",
    "status",
    "uplift_diamonds",
    "uplift_low",
    "uplift_high",
    "uplift_usd",
    "allowed",
    "extrapolation",
    "implausible",
    "rule_ids",
    "reason",
)
"""The long recommendation table: one row per (profile, option), ``none`` first."""


def predicted_arrays(pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(uplift, low, high, extrapolation) as ``(n, 5)`` arrays in ``STRATEGIES`` order."""
    order = [list(pred.strategies).index(s) for s in STRATEGIES]
    return (
        np.asarray(pred.uplift, dtype=float)[:, order],
        np.asarray(pred.low, dtype=float)[:, order],
        np.asarray(pred.high, dtype=float)[:, order],
        np.asarray(pred.extrapolation, dtype=bool)[:, order],
    )


def recommendation(
    profile: Profile,
    evaluation: Any,
    predicted: tuple[np.ndarray, ...],
    *,
    model: ModelSummary,
    usd_per_diamond: float,
    notes: Sequence[str] = (),
) -> Recommendation:
    """The answer for one profile; ``predicted`` are 1-row arrays from :func:`predicted_arrays`."""
    allowed = np.array([[evaluation.strategies[s].allowed for s in STRATEGIES]])
    ranking = rank_options(*predicted, allowed, np.array([profile.prior_weekly_diamonds]))
    kinds = {h.id: h.kind for h in evaluation.fired}
    advice = [
        _advice(ranking, j, evaluation.strategies.get(option), kinds, usd_per_diamond)
        for j, option in enumerate(OPTIONS)
    ]
    advice.sort(key=_display_order)
    gifts_reason = next((h.reason for h in evaluation.facts if h.kind == "eligibility"), None)
    verdict = plain_verdict(
        advice,
        can_earn_gifts=bool(evaluation.can_earn_gifts),
        gifts_reason=gifts_reason,
        usd_per_diamond=usd_per_diamond,
        interval=model.interval,
        prior_weekly_diamonds=float(profile.prior_weekly_diamonds),
        source=model.source,
        calibrated=model.calibrated,
    )
    return Recommendation(
        profile=profile,
        strategies=tuple(advice),
        facts=tuple(evaluation.facts),
        rules_fired=tuple(evaluation.fired),
        can_earn_gifts=bool(evaluation.can_earn_gifts),
        model=model,
        notes=tuple(notes) + _flag_notes(advice) + (() if model.calibrated else (UNCALIBRATED_NOTE,)),
        verdict=verdict,
    )


_STATUS_ORDER = {"recommended": 0, "keep": 0, "not_recommended": 1, "unknown": 2, "blocked": 3}


def _display_order(a: StrategyAdvice) -> tuple:
    return (_STATUS_ORDER[a.status], a.rank or 0, OPTIONS.index(a.strategy))


def _advice(ranking: Ranking, j: int, verdict: Any, kinds: Mapping[str, str], usd: float) -> StrategyAdvice:
    status, rank = str(ranking.status[0, j]), int(ranking.rank[0, j])
    own = [] if verdict is None else [
        Reason(i, kinds.get(i, "allow"), r) for i, r in zip(verdict.rule_ids, verdict.reasons)
    ]
    shown = agreeing_reasons(own, status=status, rank=rank)
    up = none_if_nan(ranking.uplift[0, j])
    return StrategyAdvice(
        strategy=OPTIONS[j],
        rank=rank or None,
        allowed=bool(ranking.allowed[0, j]),
        uplift_diamonds=up,
        uplift_low=none_if_nan(ranking.low[0, j]),
        uplift_high=none_if_nan(ranking.high[0, j]),
        uplift_usd=None if up is None else up * usd,
        extrapolation=bool(ranking.extrapolation[0, j]),
        rule_ids=tuple(r.id for r in shown),
        reasons=tuple(r.text for r in shown),
        status=status,
        implausible=bool(ranking.implausible[0, j]),
        reason_kinds=tuple(r.kind for r in shown),
    )


def _flag_notes(advice: Sequence[StrategyAdvice]) -> tuple[str, ...]:
    notes = []
    unknown = [a.strategy for a in advice if a.status == "unknown"]
    if unknown:
        notes.append("Uplift unknown (too few rows of history to learn from): " + ", ".join(unknown) + ".")
    if any(a.extrapolation for a in advice if a.allowed):
        notes.append(
            "Estimates flagged 'extrapolation' are for strategies rarely tried by similar creators "
            "in the training history, or for a profile outside its range: treat them with caution."
        )
    if any(a.implausible for a in advice):
        notes.append(
            "Estimates flagged 'implausible' are more than 3x your recent weekly diamonds (at least 300): "
            "far above what creators like you usually gain; treat them as optimistic."
        )
    return tuple(notes)


def long_table(
    frame: "pd.DataFrame", rules: "pd.DataFrame", predicted: tuple[np.ndarray, ...], *, ruleset: Any, usd_per_diamond: float
) -> "pd.DataFrame":
    """The long table for a validated profile frame; ``rules`` is the vectorized ``strategy_table``."""
    import pandas as pd

    n, k = len(frame), len(OPTIONS)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LONG_TABLE_COLUMNS})
    allowed = rules["allowed"].to_numpy(dtype=bool).reshape(n, len(STRATEGIES))
    ranking = rank_options(*predicted, allowed, frame["prior_weekly_diamonds"].to_numpy(dtype=float))
    rank = pd.array(ranking.rank.ravel(), dtype="Int8")
    rank[ranking.rank.ravel() == 0] = pd.NA
    ids, reasons = _table_reasons(rules, ranking, ruleset)
    uplift = ranking.uplift.ravel()
    return pd.DataFrame(
        {
            "creator_id": np.repeat(frame["creator_id"].to_numpy(), k),
            "strategy": pd.Categorical(np.tile(np.array(OPTIONS), n), categories=OPTIONS),
            "rank": rank,
            "status": pd.Categorical(ranking.status.ravel(), categories=_STATUSES),
            "uplift_diamonds": uplift,
            "uplift_low": ranking.low.ravel(),
            "uplift_high": ranking.high.ravel(),
            "uplift_usd": uplift * usd_per_diamond,
            "allowed": ranking.allowed.ravel(),
            "extrapolation": ranking.extrapolation.ravel(),
            "implausible": ranking.implausible.ravel(),
            "rule_ids": ids,
            "reason": reasons,
        },
        columns=list(LONG_TABLE_COLUMNS),
    )


_STATUSES = ["recommended", "keep", "not_recommended", "unknown", "blocked"]


def _table_reasons(rules: "pd.DataFrame", ranking: Ranking, ruleset: Any) -> tuple[Any, Any]:
    """(rule_ids, reason) columns: the same :func:`agreeing_reasons` as one answer, per distinct case."""
    import pandas as pd

    n, s = len(ranking), len(STRATEGIES)
    id_cats = list(rules["rule_ids"].cat.categories)
    id_codes = np.asarray(rules["rule_ids"].cat.codes).reshape(n, s)
    full_codes = np.concatenate([np.full((n, 1), -1), id_codes], axis=1).ravel()  # -1: none has no rules
    status = ranking.status.ravel()
    top = (ranking.rank.ravel() == 1)
    # distinct (rule ids, status, top) cases, in the order of sorting them as records (ids, then status
    # text, then top), from one int64 key: np.unique over a record array with a text field sorts slowly
    st_codes, st_values = pd.factorize(status)
    by_text = np.argsort(np.asarray(st_values, dtype=object))
    st_rank = np.empty(len(st_values), dtype=np.int64)
    st_rank[by_text] = np.arange(len(st_values))
    width = 2 * max(len(st_values), 1)
    keys, inverse = np.unique((full_codes.astype(np.int64) + 1) * width + st_rank[st_codes] * 2 + top, return_inverse=True)
    st_sorted = [st_values[i] for i in by_text]
    out_ids, out_reasons = [], []
    for code, st, is_top in ((int(k) // width - 1, st_sorted[int(k) % width // 2], bool(k % 2)) for k in keys):
        rule_ids = id_cats[code].split(";") if code >= 0 and id_cats[code] else []
        own = [Reason(i, ruleset.rule(i).kind, ruleset.rule(i).reason) for i in rule_ids]
        shown = agreeing_reasons(own, status=st, rank=1 if is_top else 0)
        out_ids.append(";".join(r.id for r in shown))
        out_reasons.append(" ".join(r.text for r in shown))
    ids = pd.Categorical.from_codes(*_codes(out_ids, inverse))
    reasons = pd.Categorical.from_codes(*_codes(out_reasons, inverse))
    return ids, reasons


def _codes(values: list[str], inverse: np.ndarray) -> tuple[np.ndarray, list[str]]:
    cats = list(dict.fromkeys(values))
    where = {v: i for i, v in enumerate(cats)}
    return np.array([where[v] for v in values], dtype=np.int32)[inverse.ravel()], cats
