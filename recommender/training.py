"""Training a ranker from a validated history frame (what ``livelift train`` runs)."""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ..errors import InputError
from ..data.fields import ALL_STRATEGIES, FEATURE_COLUMNS

__all__ = ["train_model", "summarize_history"]


def summarize_history(df: Any) -> dict[str, Any]:
    """Rows, creators, per-strategy counts and date range of a history frame (JSON-able)."""
    import pandas as pd

    counts = pd.Series(df["strategy"].astype("string")).value_counts()
    out: dict[str, Any] = {
        "rows": int(len(df)),
        "creators": int(df["creator_id"].nunique()) if "creator_id" in df.columns else None,
        "strategy_counts": {s: int(counts.get(s, 0)) for s in ALL_STRATEGIES},
        "gift_diamonds_mean": float(np.mean(df["gift_diamonds"])) if len(df) else None,
        "gift_diamonds_median": float(np.median(df["gift_diamonds"])) if len(df) else None,
    }
    if "week" in df.columns and len(df):
        weeks = pd.to_datetime(df["week"], errors="coerce").dropna()
        if len(weeks):
            out["date_range"] = [weeks.min().date().isoformat(), weeks.max().date().isoformat()]
    return out


def train_model(df: Any, *, random_state: int | None = 0, progress: Callable[[str], None] | None = None,
                **params: Any) -> tuple[Any, dict[str, Any]]:
    """Fit an :class:`UpliftRanker` on validated history; return ``(ranker, summary)``.

    ``summary`` holds ``training_data`` (for the model card), ``metrics``
    (cross-fitted quality figures from the fit itself), ``fit_seconds`` and the
    ranker's ``report``. Folds are grouped by ``creator_id`` when present.
    ``params`` are passed to :class:`UpliftRanker`.
    """
    from .estimator import UpliftRanker

    missing = [c for c in (*FEATURE_COLUMNS, "strategy", "gift_diamonds") if c not in df.columns]
    if missing:
        raise InputError("history is missing column(s): " + ", ".join(missing), loc="data",
                         expected="the history columns of the data contract")
    y = np.asarray(df["gift_diamonds"], dtype=np.float64)
    if len(y) == 0 or not np.any(y > 0):
        raise InputError("every gift_diamonds value is 0: there is no gift income to learn from", loc="data",
                         expected="history in which some weeks received gifts", input=int(len(y)))
    say = progress or (lambda message: None)
    groups = df["creator_id"].to_numpy() if "creator_id" in df.columns else None
    ranker = UpliftRanker(random_state=random_state, **params)
    t0 = time.perf_counter()
    ranker.fit(df[list(FEATURE_COLUMNS)], df["strategy"], df["gift_diamonds"], groups=groups, progress=say)
    seconds = time.perf_counter() - t0
    say(f"done in {seconds:.1f} s")
    report = ranker.training_report_
    training_data = summarize_history(df)
    training_data["unknown_strategies"] = list(ranker.unknown_strategies_)
    training_data["rows_used"] = report["rows_used"]
    metrics = {
        "cross_fitted_policy_value": report["cross_fitted_policy_value"],
        "held_out_dr_loss": report["dr_loss"],
        "blend_weights": report["blend_weights"],
    }
    summary = {
        "training_data": training_data,
        "metrics": metrics,
        "fit_seconds": round(seconds, 2),
        "report": report,
    }
    return ranker, summary
