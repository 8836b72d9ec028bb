"""Reasons that agree with the rank: each labelled by kind, none arguing against the number.

A strategy's reasons are the rules that shaped its verdict (eligibility,
allow, block, boost, caution). Shown beside a ranked answer they must not
contradict it:

- a strategy predicted to add nothing or lose income shows no ``boost``
  reason (the rule's general advice does not hold for this creator, says the
  model) and says so in a ``model`` reason;
- the top pick with no ``boost`` rule says it rests on the model alone;
- ``caution`` reasons stay, labelled as cautions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Reason", "agreeing_reasons", "NO_GAIN", "MODEL_ONLY"]


class Reason(NamedTuple):
    id: str
    kind: str
    text: str


NO_GAIN = Reason("model.no_gain", "model", "The model predicts this would not add gift income for you.")
MODEL_ONLY = Reason(
    "model.only", "model", "Ranked first on the model's prediction alone: no rule speaks for it."
)


def agreeing_reasons(reasons: Sequence[Reason], *, status: str, rank: int) -> tuple[Reason, ...]:
    """The reasons to show for one strategy with this ``status`` and ``rank`` (0 = unranked)."""
    if status == "not_recommended":
        return (*(r for r in reasons if r.kind != "boost"), NO_GAIN)
    out = tuple(reasons)
    if status == "recommended" and rank == 1 and not any(r.kind == "boost" for r in out):
        out = (*out, MODEL_ONLY)
    return out
