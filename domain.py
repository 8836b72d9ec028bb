"""Plain typed objects the service layer takes and returns.

Validation happens at the boundary (``contract.py`` for files, dicts and
frames; the HTTP schemas for request bodies). Inside, everything is one of
these frozen dataclasses: no pydantic, no click, no FastAPI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Profile", "RuleHit", "StrategyAdvice", "ModelSummary", "Recommendation", "Fact", "EarningsEstimate"]


@dataclass(frozen=True)
class Profile:
    """A creator's profile as it stands now (data-contract.md, profile columns).

    Build one with :func:`livelift.data.contract.parse_profile`, which
    validates every field.
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
    """One strategy for one profile.

    ``uplift_*`` are expected extra weekly gift diamonds vs doing nothing new
    (``None`` when the model could not learn the strategy: unknown, not zero).
    ``rank`` is 1 for the best allowed strategy and ``None`` when the rules do
    not allow it or its uplift is unknown.
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


@dataclass(frozen=True)
class ModelSummary:
    """What the predictions came from (from the model card)."""

    name: str
    synthetic: bool
    created: str
    trained_rows: int
    interval: float
    note: str


@dataclass(frozen=True)
class Recommendation:
    """The full answer for one profile: ranked strategies, blocked ones, facts, provenance."""

    profile: Profile
    strategies: tuple[StrategyAdvice, ...]
    facts: tuple[RuleHit, ...]
    rules_fired: tuple[RuleHit, ...]
    can_earn_gifts: bool
    model: ModelSummary
    notes: tuple[str, ...] = ()

    @property
    def ranked(self) -> tuple[StrategyAdvice, ...]:
        """Allowed strategies with a known uplift, best first."""
        return tuple(s for s in self.strategies if s.rank is not None)

    @property
    def blocked(self) -> tuple[StrategyAdvice, ...]:
        return tuple(s for s in self.strategies if not s.allowed)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ranked"] = [s.strategy for s in self.ranked]
        return out


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
