"""Service results -> what the templates show (plain dicts and SVG markup).

Nothing here computes a number the service did not: the verdict is the
service's own (``rec.verdict``), uplift, intervals, statuses and flags come
from the Recommendation (shown as ``reports.options`` says, like the report),
USD from the rules' diamond value.
"""

from __future__ import annotations

from typing import Any

from ...service import SYNTHETIC_NOTE
from ...reports.options import chart_options, eligibility_ids, options
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


def _reason(r: Any) -> dict[str, Any]:
    return {"id": r.id, "kind": r.kind, "text": r.text}


def strategy_rows(rec: Any) -> list[dict[str, Any]]:
    """Every option (``none`` included), in the chart's order then unknown and blocked: status, numbers, flags, labelled reasons."""
    rows = []
    for o in options(rec):
        numbers = o.value is not None
        rows.append({
            "strategy": o.strategy, "label": o.label, "status": o.status, "status_text": o.status_text,
            "rank": o.rank or "", "allowed": o.status != "blocked",
            "uplift": signed(o.value) if numbers else "",
            "interval": (f"{signed(o.low)} to {signed(o.high)}"
                         if numbers and o.low is not None and o.status != "keep" else ""),  # none: 0 by definition
            "usd": signed(o.usd, 2) if o.usd is not None else "",
            "flags": list(o.flags),
            "reasons": [_reason(r) for r in o.reasons],
        })
    return rows


def _why(rows: list[dict[str, Any]], shown: set[str]) -> list[dict[str, Any]]:
    """Options with a number and their own reasons (eligibility is shown once, above), each labelled by kind."""
    out = []
    for r in rows:
        if r["status"] == "blocked":
            continue
        own = [x for x in r["reasons"] if x["id"] not in shown]
        if own:
            out.append({"strategy": r["strategy"], "status": r["status"], "status_text": r["status_text"],
                        "reasons": own})
    return out


def _blocked(rows: list[dict[str, Any]], shown: set[str]) -> list[dict[str, Any]]:
    """Blocked options with the reasons that are theirs (eligibility is shown once, above), never a number."""
    return [
        {"strategy": r["strategy"], "reasons": [x for x in r["reasons"] if x["id"] not in shown] or r["reasons"]}
        for r in rows if r["status"] == "blocked"
    ]


def answer(rec: Any) -> dict[str, Any]:
    """The template context for one Recommendation: the verdict first, then the options."""
    bars = bars_from(chart_options(rec))
    eligibility = [_hit(h) for h in rec.facts if h.kind == "eligibility"]
    shown = eligibility_ids(rec.facts)
    rows = strategy_rows(rec)
    return {
        "creator_id": rec.profile.creator_id,
        "verdict": rec.verdict,
        "can_earn_gifts": bool(rec.can_earn_gifts),
        "chart": strategy_chart(bars, title=f"Expected extra weekly gift diamonds per option for "
                                            f"{rec.profile.creator_id}", interval=rec.model.interval)
        if bars else None,
        "bar_count": len(bars),
        "muted_bars": sum(b.status == "not_recommended" for b in bars),
        "interval": f"{rec.model.interval:.0%}",
        "rows": rows,
        "any_flags": any(r["flags"] for r in rows),
        "blocked": _blocked(rows, shown),
        "eligibility": eligibility,
        "why": _why(rows, shown),
        "facts": [_hit(h) for h in rec.facts if h.kind == "fact"],
        "notes": [n for n in rec.notes if n != SYNTHETIC_NOTE],
        "source": rec.model.source,
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
