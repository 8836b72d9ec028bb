"""Service results -> what the templates show (plain dicts and SVG markup).

Nothing here computes a number the service did not: the verdict is the
service's own (``rec.verdict``, when the service provides one), uplift and
intervals come from the Recommendation, USD from the rules' diamond value.
"""

from __future__ import annotations

from typing import Any

from ...service import SYNTHETIC_NOTE
from .charts import bars_from, strategy_chart, weekly_chart

__all__ = ["answer", "history_answer", "strategy_rows", "signed"]


def signed(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "unknown"
    text = f"{x:+,.{digits}f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def _source(s: str) -> dict[str, Any]:
    return {"text": s, "href": s if s.startswith(("https://", "http://")) else None}


def _hit(h: Any) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "reason": h.reason, "sources": [_source(s) for s in h.sources]}


def strategy_rows(rec: Any) -> list[dict[str, Any]]:
    """Every strategy, in the service's order: status, numbers and its rule reasons (with kinds)."""
    kinds = {h.id: h.kind for h in rec.rules_fired}
    rows = []
    for s in rec.strategies:
        if not s.allowed:
            status = "blocked"
        elif s.uplift_diamonds is None:
            status = "uplift unknown"
        else:
            status = f"rank {s.rank}"
        pairs = list(zip(s.rule_ids, s.reasons)) if len(s.rule_ids) == len(s.reasons) else \
            [(", ".join(s.rule_ids), " ".join(s.reasons))]
        rows.append({
            "strategy": s.strategy, "status": status, "allowed": s.allowed,
            "uplift": signed(s.uplift_diamonds) if s.allowed else "",
            "interval": (f"{signed(s.uplift_low)} to {signed(s.uplift_high)}"
                         if s.allowed and s.uplift_low is not None and s.uplift_high is not None else ""),
            "usd": signed(s.uplift_usd, 2) if s.allowed and s.uplift_usd is not None else "",
            "extrapolation": bool(s.extrapolation) and s.allowed,
            "reasons": [{"id": i, "kind": kinds.get(i, ""), "text": r} for i, r in pairs],
        })
    return rows


def _blocked(rec: Any, shown: set[str]) -> list[dict[str, Any]]:
    """Blocked strategies with the reasons that are theirs (eligibility is shown once, above)."""
    out = []
    for s in rec.strategies:
        if s.allowed:
            continue
        own = [r for i, r in zip(s.rule_ids, s.reasons) if i not in shown] or list(s.reasons)
        out.append({"strategy": s.strategy, "reasons": own})
    return out


def answer(rec: Any) -> dict[str, Any]:
    """The template context for one Recommendation."""
    bars = bars_from(rec.strategies)
    eligibility = [_hit(h) for h in rec.facts if h.kind != "fact"]
    shown = {h["id"] for h in eligibility}
    advice = [
        {"strategy": r["strategy"], "kind": x["kind"], "id": x["id"], "text": x["text"]}
        for r in strategy_rows(rec) if r["allowed"]
        for x in r["reasons"] if x["kind"] in ("boost", "caution")
    ]
    return {
        "creator_id": rec.profile.creator_id,
        "verdict": getattr(rec, "verdict", None),
        "can_earn_gifts": bool(rec.can_earn_gifts),
        "chart": strategy_chart(bars, title=f"Expected extra weekly gift diamonds per strategy for "
                                            f"{rec.profile.creator_id}", interval=rec.model.interval)
        if bars else None,
        "bar_count": len(bars),
        "interval": f"{rec.model.interval:.0%}",
        "rows": strategy_rows(rec),
        "blocked": _blocked(rec, shown),
        "eligibility": eligibility,
        "advice": advice,
        "facts": [_hit(h) for h in rec.facts if h.kind == "fact"],
        "notes": [n for n in rec.notes if n != SYNTHETIC_NOTE],
        "synthetic": bool(rec.model.synthetic),
        "model": rec.model,
    }


def _usd(x: float) -> str:
    return f"${x:,.2f}" if x < 100 else f"${x:,.0f}"


def history_answer(weeks: Any, note: str | None, rec: Any, gifts: Any) -> dict[str, Any]:
    """The upload tab's context: weekly chart, likes vs gifts, the latest week's recommendation."""
    chart = weekly_chart(
        list(weeks.weeks), list(weeks.diamonds),
        title=f"Gift diamonds per week for {weeks.creator_id}", unit="gift diamonds",
        notes=[f"strategy: {s}" for s in weeks.strategies], chart_id="weekly-chart",
    )
    likes = weeks.total_likes
    table = [
        {"week": w, "diamonds": f"{d:,.0f}", "likes": "" if weeks.likes is None else f"{weeks.likes[i]:,.0f}",
         "strategy": weeks.strategies[i]}
        for i, (w, d) in enumerate(zip(weeks.weeks, weeks.diamonds))
    ]
    return {
        "creator_id": weeks.creator_id,
        "note": note,
        "week_count": len(weeks.weeks),
        "first": weeks.weeks[0], "last": weeks.weeks[-1],
        "chart": chart,
        "table": table,
        "likes_total": None if likes is None else f"{likes:,.0f}",
        "diamonds_total": f"{weeks.total_diamonds:,.0f}",
        "gifts_usd": _usd(gifts.usd),
        "gifts_usd_range": (_usd(gifts.usd_low), _usd(gifts.usd_high)) if gifts.usd_low != gifts.usd_high else None,
        "gift_parameters": gifts.parameters,
        "weeks_per_strategy": {k: v for k, v in weeks.weeks_per_strategy().items() if v},
        "answer": answer(rec),
    }
