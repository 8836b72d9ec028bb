"""UpliftPrediction: what ``UpliftRanker.predict_uplift`` returns (arrays per profile x strategy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

    def __len__(self) -> int:
        return int(self.uplift.shape[0])

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
