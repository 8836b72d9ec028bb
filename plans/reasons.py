"""Why this pick, in plain words: expected gain, how sure, what trying it teaches."""

from __future__ import annotations

import numpy as np

from ..data.fields import ALL_STRATEGIES
from .policy import Picks

__all__ = ["reasons"]


def _d(x: float) -> str:
    return f"{x:+,.0f}"


def reasons(picks: Picks, up: np.ndarray, lo: np.ndarray, hi: np.ndarray, own: np.ndarray,
            own_arm: np.ndarray, *, synthetic: bool) -> list[str]:
    """One sentence group per creator."""
    source = "a population model trained on SIMULATED data" if synthetic else "the population model"
    out = []
    for i in range(len(picks.arm)):
        name = ALL_STRATEGIES[int(picks.arm[i])]
        if picks.arm[i] == 0:
            gain = "Do nothing new: no allowed strategy is expected to add gifts for you"
            teach = "a plain week also measures your baseline, which sharpens every other estimate."
        else:
            gain = (f"Try {name}: expected {_d(up[i])} diamonds/week vs doing nothing new "
                    f"(80% range {_d(lo[i])} to {_d(hi[i])})")
            teach = (f"one more week of it narrows that range by about {100 * picks.narrows[i]:.0f}%"
                     + (", which is why it is worth trying now." if picks.exploring[i] else "."))
        basis = (f"based on {source} only (no weeks of your own yet)" if own[i] == 0 else
                 f"based on {int(own[i])} week{'s' if own[i] != 1 else ''} of your own "
                 f"({int(own_arm[i])} with {name}) on top of {source}")
        sure = f"{100 * picks.p_best[i]:.0f}% chance it is your best allowed option, {basis}"
        out.append(f"{gain}. {sure.capitalize()}. Trying it: {teach}")
    return out
