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
        if r.allowed:
            pop = f"{_n(r.population_uplift)} ({_n(r.population_low)} to {_n(r.population_high)})"
            own = f"{_n(r.personal_uplift)} ({_n(r.personal_low)} to {_n(r.personal_high)})"
        else:  # the rules rule it out: no estimate, the reason below
            pop, own = "blocked by the rules", "no estimate (see below)"
        lines.append(f"{r.strategy:<20}{'yes' if r.allowed else 'no':<9}{pop:<30}{own:<30}{int(r.own_weeks):>9}")
    lines += _blocked(view)
    lines.append(f"\nweeks behind it ({len(view.weeks)}):")
    for w in view.weeks.itertuples():
        lines.append(f"  {w.week}  {w.strategy:<20}{w.gift_diamonds:>12,.0f} diamonds"
                     f"  (4-week average before: {w.prior_weekly_diamonds:,.0f})")
    if view.synthetic_model:
        lines.append("\nnote: the population answer comes from a model trained on SIMULATED data, not TikTok data.")
    return "\n".join(lines)


def _blocked(view: CreatorView) -> list[str]:
    """'Blocked by the rules' lines: one per distinct reason, with the rule ids (as `recommend` prints them)."""
    blocked = view.table[~view.table["allowed"].astype(bool)]
    if blocked.empty:
        return []
    groups: dict[tuple[str, str], list[str]] = {}
    for r in blocked.itertuples():
        groups.setdefault((r.reason or "blocked by the rules", r.rule_ids), []).append(r.strategy)
    lines = ["", "Blocked by the rules (no estimate is given):"]
    for (reason, ids), names in groups.items():
        shown = ", ".join(i for i in ids.split(";") if i)
        lines.append(f"  {', '.join(names)}: {reason}" + (f" [{shown}]" if shown else ""))
    return lines


def show_json(view: CreatorView) -> str:
    table = view.table.assign(
        status=np.where(view.table["allowed"].astype(bool), "allowed", "blocked"),
        rule_ids=[[i for i in ids.split(";") if i] for ids in view.table["rule_ids"]],
    )
    table = table.astype(object).where(table.notna(), None)
    return json.dumps({
        "creator_id": view.creator_id, "week": view.week, "synthetic_model": view.synthetic_model,
        "strategies": table.to_dict("records"),
        "weeks": view.weeks.to_dict("records"),
    }, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o))
