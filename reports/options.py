"""A Recommendation's options as the page and the report show them (no numbers computed here).

Both the web page (``web/page``) and the report (``livelift report``) draw the
same thing from :class:`livelift.domain.Recommendation`:

* the chart: the recommended strategies (best first), then ``none`` (change
  nothing: the zero reference, "what you do now"), then the strategies
  predicted to add nothing or lose income, drawn muted and labelled "not
  recommended". Blocked and unknown options are never bars;
* the table: every option, in the service's order, with its status in plain
  words and its flags (``implausible``, ``extrapolation``) next to the number;
* the reasons of each option, each labelled with its kind (eligibility,
  block, boost, caution, model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..advice.verdict import LABELS

__all__ = ["STATUS_TEXT", "Reason", "Option", "options", "chart_options", "eligibility_ids"]

STATUS_TEXT = {
    "recommended": "recommended",
    "keep": "what you do now",
    "not_recommended": "not recommended",
    "unknown": "uplift unknown",
    "blocked": "blocked",
}
"""Each option status (``StrategyAdvice.status``) in the words the page and the report use."""

CHARTED = ("recommended", "keep", "not_recommended")


@dataclass(frozen=True)
class Reason:
    """One reason of one option: the rule (or ``model.*``) id, its kind and its text."""

    id: str
    kind: str
    text: str


@dataclass(frozen=True)
class Option:
    """One option (``none`` or a strategy) of a Recommendation, ready to show."""

    strategy: str
    label: str
    status: str
    rank: int | None
    value: float | None
    low: float | None
    high: float | None
    usd: float | None
    extrapolation: bool
    implausible: bool
    reasons: tuple[Reason, ...]

    @property
    def status_text(self) -> str:
        if self.status == "recommended" and self.rank:
            return f"recommended (#{self.rank})"
        return STATUS_TEXT.get(self.status, self.status)

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags that go next to this option's number, in words."""
        return tuple(f for f, on in (("implausible", self.implausible), ("extrapolation", self.extrapolation)) if on)

    @property
    def charted(self) -> bool:
        return self.status in CHARTED and self.value is not None


def _reasons(s: Any) -> tuple[Reason, ...]:
    kinds = tuple(s.reason_kinds) if len(s.reason_kinds) == len(s.reasons) else ("",) * len(s.reasons)
    ids = tuple(s.rule_ids) if len(s.rule_ids) == len(s.reasons) else ("",) * len(s.reasons)
    return tuple(Reason(i, k, t) for i, k, t in zip(ids, kinds, s.reasons))


def _option(s: Any) -> Option:
    return Option(
        strategy=s.strategy, label=LABELS.get(s.strategy, s.strategy), status=s.status, rank=s.rank,
        value=s.uplift_diamonds, low=s.uplift_low, high=s.uplift_high, usd=s.uplift_usd,
        extrapolation=bool(s.extrapolation and s.allowed), implausible=bool(s.implausible),
        reasons=_reasons(s),
    )


def options(rec: Any) -> tuple[Option, ...]:
    """Every option of ``rec``: recommended by rank, ``none``, not recommended (best first), unknown, blocked."""
    every = [_option(s) for s in rec.strategies]
    ranked = sorted((o for o in every if o.charted and o.status != "not_recommended"), key=lambda o: o.rank or 0)
    worse = sorted((o for o in every if o.charted and o.status == "not_recommended"), key=lambda o: -(o.value or 0))
    return (*ranked, *worse, *(o for o in every if not o.charted))


def chart_options(rec: Any) -> tuple[Option, ...]:
    """The chart's rows (the options with a number, in :func:`options` order); blocked and unknown never.

    Empty when no strategy has a number (every one blocked or unknown): a chart
    of ``none`` alone would show nothing.
    """
    rows = tuple(o for o in options(rec) if o.charted)
    return rows if any(o.strategy != "none" for o in rows) else ()


def eligibility_ids(facts: Sequence[Any]) -> set[str]:
    """Ids of the eligibility hits (shown once, above the options; not repeated per option)."""
    return {h.id for h in facts if h.kind == "eligibility"}
