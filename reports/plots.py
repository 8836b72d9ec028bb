"""The report's figures, drawn with matplotlib (Agg: no display, no browser).

Each function returns a :class:`matplotlib.figure.Figure`; :func:`png` turns one
into PNG bytes for embedding. Colours match the web page's.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["weekly_figure", "uplift_figure", "calibration_figure", "policy_figure", "coverage_figure", "png"]

BLUE = "#1f5fa8"
ORANGE = "#b35c00"
INK = "#1a1a1a"
GREY = "#777777"


def _figure(width: float = 8.0, height: float = 3.2) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig


def png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def weekly_figure(weeks: Any) -> Any:
    """Gift diamonds per week (bars) and likes per week (line, own axis)."""
    fig = _figure(8.0, 3.4)
    ax = fig.add_subplot()
    x = range(len(weeks.weeks))
    ax.bar(x, weeks.diamonds, color=BLUE, label="gift diamonds")
    ax.set_ylabel("gift diamonds / week", color=BLUE)
    step = max(1, len(weeks.weeks) // 8)
    ax.set_xticks(list(x)[::step], [w[5:] if weeks.dated else w for w in weeks.weeks][::step])
    ax.set_xlabel("week starting (month-day)" if weeks.dated else "row in the file")
    if weeks.likes is not None:
        ax2 = ax.twinx()
        ax2.plot(list(x), weeks.likes, color=ORANGE, marker="o", markersize=3, label="likes")
        ax2.set_ylabel("likes / week (pay $0)", color=ORANGE)
        ax2.set_ylim(bottom=0)
    ax.set_title(f"{weeks.creator_id}: gift diamonds and likes per week")
    ax.spines[["top"]].set_visible(False)
    return fig


def uplift_figure(rec: Any) -> Any:
    """Allowed strategies: expected uplift with the model's interval (blocked ones are listed in the text)."""
    items = [s for s in rec.strategies if s.allowed and s.uplift_diamonds is not None]
    fig = _figure(8.0, 0.55 * max(len(items), 1) + 1.3)
    ax = fig.add_subplot()
    if not items:
        ax.text(0.5, 0.5, "No strategy is allowed for this profile (see the reasons below)", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    items = items[::-1]
    y = range(len(items))
    values = [s.uplift_diamonds for s in items]
    lows = [s.uplift_diamonds - (s.uplift_low if s.uplift_low is not None else s.uplift_diamonds) for s in items]
    highs = [(s.uplift_high if s.uplift_high is not None else s.uplift_diamonds) - s.uplift_diamonds for s in items]
    colours = [ORANGE if s.extrapolation else BLUE for s in items]
    ax.barh(list(y), values, color=colours, height=0.55)
    ax.errorbar(values, list(y), xerr=[lows, highs], fmt="none", ecolor=INK, capsize=4, lw=1.2)
    ax.set_yticks(list(y), [s.strategy + (" (extrapolation)" if s.extrapolation else "") for s in items])
    ax.axvline(0, color=INK, lw=0.8)
    ax.set_xlabel(f"extra gift diamonds / week vs doing nothing new ({rec.model.interval:.0%} interval)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def calibration_figure(bins: Any) -> Any:
    """Mean predicted uplift per decile against the doubly-robust estimate of realized uplift."""
    fig = _figure(6.0, 4.2)
    ax = fig.add_subplot()
    pred = [b.predicted for b in bins]
    real = [b.realized for b in bins]
    err = [[b.realized - b.low for b in bins], [b.high - b.realized for b in bins]]
    ax.errorbar(pred, real, yerr=err, fmt="o", color=BLUE, ecolor=GREY, capsize=3, label="decile, DR estimate (95% CI)")
    if all(b.truth is not None for b in bins):
        ax.plot(pred, [b.truth for b in bins], "D", color=ORANGE, label="decile, true uplift (simulator)")
    lo = min(pred + [b.low for b in bins] + [0.0])
    hi = max(pred + [b.high for b in bins] + [0.0])
    ax.plot([lo, hi], [lo, hi], color=INK, lw=0.8, ls="--", label="perfect calibration")
    # symmetric log axes: one wide interval (few rows, big creators) must not flatten the other deciles
    ax.set_xscale("symlog", linthresh=10)
    ax.set_yscale("symlog", linthresh=10)
    ax.set_xlabel("predicted uplift (diamonds / week), decile mean; symlog scale")
    ax.set_ylabel("realized uplift, diamonds / week; symlog")
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def policy_figure(check: Any) -> Any:
    """Value of following the model's top pick vs the creators' own choices and vs doing nothing new."""
    fig = _figure(7.0, 2.2)
    ax = fig.add_subplot()
    rows = [("vs doing nothing new", check.top_vs_none), ("vs own choices", check.top_vs_logged)]
    for i, (_, est) in enumerate(rows):
        ax.errorbar([est["estimate"]], [i], xerr=[[est["estimate"] - est["ci95_low"]], [est["ci95_high"] - est["estimate"]]],
                    fmt="o", color=BLUE, ecolor=INK, capsize=5)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.axvline(0, color=INK, lw=0.8)
    ax.set_xlabel("gift diamonds / week from following the model (95% CI)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def coverage_figure(cov: Any) -> Any:
    """Weeks per strategy in the whole file and for the creator."""
    fig = _figure(8.0, 2.8)
    axes = fig.subplots(1, 2)
    for ax, counts, title in ((axes[0], cov.file_weeks, "whole file"), (axes[1], cov.creator_weeks, "this creator")):
        names = list(counts)
        ax.barh(range(len(names)), [counts[n] for n in names], color=BLUE)
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_title(f"weeks per strategy: {title}", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
    return fig
