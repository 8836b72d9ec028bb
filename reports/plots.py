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
MUTED_BAR = "#8c8c8c"
FLAG = "#a33b00"


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
    """The options as the page draws them: recommended, ``none`` (zero), then not recommended (grey, hatched).

    Blocked and unknown options are never bars (the text lists them); flags
    (implausible, extrapolation) follow each number.
    """
    from .options import chart_options

    items = list(chart_options(rec))
    fig = _figure(8.0, 0.5 * max(len(items), 1) + 1.4)
    ax = fig.add_subplot()
    if not items:
        ax.text(0.5, 0.5, "No strategy has an estimate for this profile (see the reasons below)", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    items = items[::-1]
    y = list(range(len(items)))
    for yi, o in zip(y, items):
        _option_bar(ax, yi, o)
    ax.set_yticks(y, [("none (what you do now)" if o.status == "keep" else o.strategy)
                      + (" (not recommended)" if o.status == "not_recommended" else "") for o in items])
    for tick, o in zip(ax.get_yticklabels(), items):
        tick.set_color(GREY if o.status == "not_recommended" else INK)
        tick.set_fontweight("bold" if o.status == "keep" else "normal")
    ax.axvline(0, color=INK, lw=0.8)
    muted = [yi for yi, o in zip(y, items) if o.status == "not_recommended"]
    if muted:  # a dashed rule between what is recommended (and none) and what is not
        ax.axhline(max(muted) + 0.5, color=GREY, lw=0.8, ls="--")
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _signed(v)))
    for yi, o in zip(y, items):
        text = f"{_signed(o.value)}" + (f"  {', '.join(o.flags)}" if o.flags else "")
        ax.annotate(text, (1.0, yi), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", color=FLAG if o.flags else INK, fontsize=9)
    ax.set_xlabel(f"extra gift diamonds / week vs what you do now ({rec.model.interval:.0%} interval)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _signed(x: float) -> str:
    r = round(float(x))
    return f"{r:+,.0f}" if r else "0"


def _option_bar(ax: Any, y: int, o: Any) -> None:
    if o.status == "keep":
        ax.plot([0], [y], marker="|", markersize=16, mew=3, color=INK)
        return
    muted = o.status == "not_recommended"
    colour = MUTED_BAR if muted else (ORANGE if o.extrapolation else BLUE)
    ax.barh([y], [o.value], color=colour, height=0.55, hatch="//" if muted else None,
            edgecolor="#ffffff" if muted else colour)
    low = o.low if o.low is not None else o.value
    high = o.high if o.high is not None else o.value
    ax.errorbar([o.value], [y], xerr=[[o.value - low], [high - o.value]], fmt="none", ecolor=INK, capsize=4, lw=1.2)


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
