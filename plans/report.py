"""What `livelift plan show` prints: a creator's own estimates beside the population's, and the weeks."""

from __future__ import annotations

import json

import numpy as np

from .planner import CreatorView

__all__ = ["show_text", "show_json"]


def _n(x: float) -> str:
    return "unknown" if not np.isfinite(x) else f"{x:+,.0f}"


def show_text(view: CreatorView) -> str:
    lines = [f"creator {view.creator_id}: uplift in gift diamonds/week vs doing nothing new, for the week of {view.week}",
             f"{'strategy':<20}{'allowed':<9}{'population (80% range)':<30}{'yours (80% range)':<30}{'own weeks':>9}"]
    for r in view.table.itertuples():
        pop = f"{_n(r.population_uplift)} ({_n(r.population_low)} to {_n(r.population_high)})"
        own = f"{_n(r.personal_uplift)} ({_n(r.personal_low)} to {_n(r.personal_high)})"
        lines.append(f"{r.strategy:<20}{'yes' if r.allowed else 'no':<9}{pop:<30}{own:<30}{int(r.own_weeks):>9}")
    lines.append(f"\nweeks behind it ({len(view.weeks)}):")
    for w in view.weeks.itertuples():
        lines.append(f"  {w.week}  {w.strategy:<20}{w.gift_diamonds:>12,.0f} diamonds"
                     f"  (4-week average before: {w.prior_weekly_diamonds:,.0f})")
    if view.synthetic_model:
        lines.append("\nnote: the population answer comes from a model trained on SIMULATED data, not TikTok data.")
    return "\n".join(lines)


def show_json(view: CreatorView) -> str:
    table = view.table.astype(object).where(view.table.notna(), None)
    return json.dumps({
        "creator_id": view.creator_id, "week": view.week, "synthetic_model": view.synthetic_model,
        "strategies": table.to_dict("records"),
        "weeks": view.weeks.to_dict("records"),
    }, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o))
