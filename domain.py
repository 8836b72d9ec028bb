"""Plain typed objects the service layer takes and returns.

Validation happens at the boundary (``contract.py`` for files, dicts and
frames; the HTTP schemas for request bodies). Inside, everything is one of
these frozen dataclasses: no pydantic, no click, no FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Profile", "RuleHit", "StrategyAdvice", "ModelSummary", "Recommendation", "Fact", "EarningsEstimate"]


@dataclass(frozen=True)
class Profile:
    """A creator's profile as it stands now (data-contract.md, profile columns).

    Build one with :func:`livelift.data.contract.parse_profile`, which validates every field.
    """

    creator_id: str
    followers: int
    avg_viewers: float
    engagement_rate: float
    streams_per_week: float
    avg_stream_minutes: float
    retention_rate: float
    prior_weekly_diamonds: float
    category: str
    creator_age: int
    region: str | None = None


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired for a profile: its id, kind, plain-language reason, sources."""

    id: str
    kind: str
    reason: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """A monetization fact (a ``kind: fact`` rule), with its sources."""

    id: str
    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class StrategyAdvice:
    """One option for one profile: ``none`` (change nothing) or one of the five strategies.

    ``uplift_*`` are expected extra weekly gift diamonds vs doing nothing new;
    ``None`` when the rules block the strategy (``status='blocked'``: no
    number, only the blocking rules' reasons) or the model could not learn it
    (``'unknown'``). ``status`` is ``recommended`` (predicted to add income),
    ``keep`` (``none`` itself), ``not_recommended`` (predicted to add nothing
    or lose income), ``unknown`` or ``blocked``. ``rank`` is 1 for the best
    option and ``None`` unless recommended or ``none``. ``implausible``: the
    uplift is far above the creator's recent weekly diamonds.
    ``reason_kinds`` labels each reason (eligibility, allow, block, boost,
    caution, or model).
    """

    strategy: str
    rank: int | None
    allowed: bool
    uplift_diamonds: float | None
    uplift_low: float | None
    uplift_high: float | None
    uplift_usd: float | None
    extrapolation: bool
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    status: str = ""
    implausible: bool = False
    reason_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSummary:
    """What the predictions came from (from the model card)."""

    name: str
    synthetic: bool
    created: str
    trained_rows: int
    interval: float
    note: str
    calibrated: bool = True
    """False when the model card says its intervals were not calibrated (a model trained on the user's own
    history: no true uplift to calibrate against); they are then too narrow, and every text showing one says so."""

    @property
    def source(self) -> str:
        """Where the numbers come from, in one sentence a creator reads."""
        if self.synthetic:
            return "(Estimated by a model trained on SIMULATED creators, not on real TikTok data.)"
        return "(Estimated by a model trained on the history supplied to `livelift train`.)"


@dataclass(frozen=True)
class Recommendation:
    """The full answer for one profile: the plain verdict, every option, facts, provenance."""

    profile: Profile
    strategies: tuple[StrategyAdvice, ...]
    facts: tuple[RuleHit, ...]
    rules_fired: tuple[RuleHit, ...]
    can_earn_gifts: bool
    model: ModelSummary
    notes: tuple[str, ...] = ()
    verdict: str = ""

    @property
    def ranked(self) -> tuple[StrategyAdvice, ...]:
        """The recommended strategies, best first, then ``none`` (change nothing)."""
        return tuple(sorted((s for s in self.strategies if s.rank is not None), key=lambda s: s.rank or 0))

    @property
    def not_recommended(self) -> tuple[StrategyAdvice, ...]:
        """Allowed strategies predicted to add nothing or lose income (no rank)."""
        return tuple(s for s in self.strategies if s.status == "not_recommended")

    @property
    def blocked(self) -> tuple[StrategyAdvice, ...]:
        return tuple(s for s in self.strategies if not s.allowed)


@dataclass(frozen=True)
class EarningsEstimate:
    """Diamonds/coins -> estimated USD, with the parameters used and their sources."""

    diamonds: float
    usd: float
    usd_low: float
    usd_high: float
    coins: float | None = None
    parameters: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
