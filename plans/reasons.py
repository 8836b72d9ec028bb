"""Why this pick, in plain words: expected gain, how sure, what trying it teaches."""

from __future__ import annotations

import numpy as np

from ..data.fields import ALL_STRATEGIES
from .policy import Picks
from .posterior import Hyper

__all__ = ["reasons", "spread_note"]


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


def spread_note(hyper: Hyper) -> str:
    """What the history said about how far creators' own effects sit from the population's."""
    if hyper.het_pairs < 2:
        return ("the history has too few creators who tried a strategy beside weeks of 'none' to tell how much "
                "creators differ, so the plan starts from the population's intervals (set --spread if you know)")
    how = (f"log-scale variance {hyper.het_log:.2f} +- {hyper.het_se:.2f} from {hyper.het_pairs:,} creator-strategy "
           f"contrasts in the history")
    if hyper.het_var == 0:
        return (f"the history does not show creators' own effects spreading beyond the population model's "
                f"uncertainty ({how}), so the plan starts from the population's intervals "
                f"(set --spread if you know creators differ)")
    return (f"creators' own effects spread around the population's by a relative sd of ~{hyper.het_var ** 0.5:.2f} "
            f"({how}; with few creators this is rough: --spread sets it)")
