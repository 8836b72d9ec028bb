"""The plain verdict: one or two sentences a creator reads before any table.

Cases, in order:

1. gifts are not possible yet (age, region, followers): say so and why, and
   name the best allowed strategy (e.g. to grow followers) without promising income now;
2. every strategy is blocked by the rules: say so;
3. nothing is predicted to add income: "Keep doing what you do";
4. the best option's interval includes losing income (and so does every
   other recommended one's): "No option is clearly better than what you do
   now", with the best guess and its range;
5. otherwise: "Try <best>", with its likely range in diamonds and USD.

Flags ride along: implausible (far above recent income), extrapolation
(few similar creators behind the estimate), an interval the model could not
calibrate (trained on the user's own history: read it as too narrow), and
where the numbers come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["plain_verdict", "signed", "LABELS", "UNCALIBRATED", "UNCALIBRATED_NOTE", "intervals_calibrated"]

UNCALIBRATED = "interval not calibrated: read it as too narrow"
"""Said next to every interval of a model whose card says ``intervals.calibrated: false``."""

UNCALIBRATED_NOTE = (
    "The intervals are not calibrated: this model was trained on your own history, which has no known true "
    "uplift to calibrate them against, so read them as too narrow (the README's 'How good is it?' shows how "
    "often such intervals missed on simulated creators)."
)


def intervals_calibrated(card: Any, ranker: Any = None) -> bool:
    """Whether a model's intervals were calibrated: the card's ``intervals.calibrated``; without one (an
    older card), whether the fitted ranker holds calibration factors."""
    intervals = card.get("intervals") if isinstance(card, dict) else None
    if isinstance(intervals, dict) and "calibrated" in intervals:
        return bool(intervals["calibrated"])
    return getattr(ranker, "interval_calibration_", None) is not None

LABELS = {
    "none": "keep doing what you do",
    "engage_audience": "engage your audience more",
    "promote": "promote your LIVEs",
    "improve_content": "improve your content",
    "collaborate": "collaborate with other creators",
    "increase_frequency": "go LIVE more often",
}


def signed(x: float, digits: int = 0) -> str:
    """'+1,234' / '-56' / '0': rounded first, so never '-0' or '+0'."""
    r = round(float(x), digits)
    if r == 0:
        return f"{0:.{digits}f}"
    return f"{r:+,.{digits}f}"


def _usd(x: float) -> str:
    r = round(abs(x), 2)
    text = f"${r:,.2f}" if r < 100 else f"${r:,.0f}"
    return ("-" if x < 0 and r > 0 else "") + text


def plain_verdict(
    options: Sequence[Any],
    *,
    can_earn_gifts: bool,
    gifts_reason: str | None,
    usd_per_diamond: float,
    interval: float,
    prior_weekly_diamonds: float,
    source: str,
    calibrated: bool = True,
) -> str:
    """The verdict for one profile; ``options`` are its StrategyAdvice (``none`` included)."""
    recommended = sorted((o for o in options if o.status == "recommended"), key=lambda o: o.rank)
    if not can_earn_gifts:
        why = f" {gifts_reason}" if gifts_reason else ""
        if not recommended:
            return f"You cannot receive LIVE gifts yet, so no strategy can raise your gift income now.{why}"
        best = recommended[0]
        return (
            f"You cannot receive LIVE gifts yet, so nothing raises your gift income now.{why} "
            f"Of what the rules allow meanwhile, the model ranks {best.strategy} first: its estimate "
            f"({signed(best.uplift_diamonds)} gift diamonds a week) is for once you can receive gifts. {source}"
        )
    strategies = [o for o in options if o.strategy != "none"]
    if strategies and all(o.status == "blocked" for o in strategies):
        return "The rules block every strategy for you right now: see the reasons below."
    if not recommended:
        return (
            "Keep doing what you do: no strategy is predicted to add gift income for you "
            f"(each is predicted to earn the same or less). {source}"
        )
    best = recommended[0]
    level = int(round(interval * 100))
    rng = f"{level}% likely between {signed(best.uplift_low)} and {signed(best.uplift_high)}"
    if not calibrated:
        rng += f" ({UNCALIBRATED})"
    amount = (
        f"{signed(best.uplift_diamonds)} gift diamonds a week "
        f"(about {_usd(best.uplift_diamonds * usd_per_diamond)}), {rng}"
    )
    if all(o.uplift_low is None or o.uplift_low <= 0 for o in recommended):
        text = (
            "No option is clearly better than what you do now. "
            f"The best guess is to {LABELS[best.strategy]} ({best.strategy}): {amount}, a range that includes earning nothing more."
        )
    else:
        text = f"Try to {LABELS[best.strategy]} ({best.strategy}): {amount}."
    return " ".join([text, *_flags(best, prior_weekly_diamonds), source])


def _flags(best: Any, prior: float) -> list[str]:
    out = []
    if getattr(best, "implausible", False):
        times = best.uplift_diamonds / max(prior, 1.0)
        out.append(
            f"Caution: that is {times:,.0f}x your recent weekly diamonds ({prior:,.0f}); "
            "results this large are rare, so treat the figure as optimistic."
        )
    if best.extrapolation:
        out.append("Few creators like you tried it in the training data (extrapolation): the estimate is less sure.")
    return out
