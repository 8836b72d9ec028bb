"""UpliftPrediction: what ``UpliftRanker.predict_uplift`` returns (arrays per profile x strategy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["UpliftPrediction"]


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
