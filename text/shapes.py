"""The JSON shapes of livelift's results: one per result type, used by the CLI's
``--format json``, the HTTP service and the docs alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from ..domain import Recommendation, RuleHit, StrategyAdvice

__all__ = ["recommendation_to_dict", "batch_to_dict", "advice_to_dict", "hit_to_dict"]


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    """The one JSON shape of a Recommendation."""
    return {
        "creator_id": rec.profile.creator_id,
        "verdict": rec.verdict,
        "can_earn_gifts": rec.can_earn_gifts,
        "ranked": [s.strategy for s in rec.ranked],
        "strategies": [advice_to_dict(s) for s in rec.strategies],
        "facts": [hit_to_dict(h) for h in rec.facts],
        "rules_fired": [hit_to_dict(h) for h in rec.rules_fired],
        "model": {**asdict(rec.model), "source": rec.model.source},
        "notes": list(rec.notes),
        "profile": asdict(rec.profile),
    }


def batch_to_dict(recs: Sequence[Recommendation]) -> dict[str, Any]:
    """The one JSON shape of several Recommendations (a batch, or any file of profiles): in input order."""
    return {"results": [recommendation_to_dict(r) for r in recs], "count": len(recs)}


def advice_to_dict(s: StrategyAdvice) -> dict[str, Any]:
    """One option: null uplift, interval and USD when blocked or unknown."""
    return {
        "strategy": s.strategy,
        "rank": s.rank,
        "status": s.status,
        "allowed": s.allowed,
        "uplift_diamonds": s.uplift_diamonds,
        "uplift_low": s.uplift_low,
        "uplift_high": s.uplift_high,
        "uplift_usd": s.uplift_usd,
        "extrapolation": s.extrapolation,
        "implausible": s.implausible,
        "rule_ids": list(s.rule_ids),
        "reasons": list(s.reasons),
        "reason_kinds": list(s.reason_kinds),
    }


def hit_to_dict(h: RuleHit) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "reason": h.reason, "sources": list(h.sources)}
