"""Charts as inline SVG, drawn in Python: the page needs no script to show them.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that say
in words what it shows (the page also prints the numbers as a table). Colours
keep a contrast of at least 4.5:1 against white for text and 3:1 for marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

__all__ = ["Bar", "strategy_chart", "weekly_chart", "nice_ticks"]

INK = "#1a1a1a"
MUTED = "#555555"
BAR = "#1f5fa8"
BAR_FLAGGED = "#8a5a00"
GRID = "#d0d0d0"
FONT = "font-family=\"system-ui, sans-serif\" font-size=\"13\""


@dataclass(frozen=True)
class Bar:
    """One strategy's estimate: value and interval (diamonds/week), and its extrapolation flag."""

    label: str
    value: float
    low: float
    high: float
    flagged: bool = False


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (about ``count`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def _num(x: float) -> str:
    return f"{x:+,.0f}" if x else "0"


def _plain(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.1f}"


def strategy_chart(bars: Sequence[Bar], *, title: str, interval: float, chart_id: str = "strategy-chart") -> Markup:
    """Horizontal bars (uplift) with interval whiskers, one row per strategy, a zero line."""
    label_w, right_pad, row_h, top, axis_h = 170, 70, 34, 10, 48
    width = 680
    plot_w = width - label_w - right_pad
    height = top + row_h * max(len(bars), 1) + axis_h
    lo = min([0.0, *(b.low for b in bars)])
    hi = max([0.0, *(b.high for b in bars)])
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def x(v: float) -> float:
        return label_w + (v - lo) / (hi - lo) * plot_w

    level = f"{interval:.0%}"
    desc = "; ".join(
        f"{b.label}: {_num(b.value)} diamonds per week ({level} interval {_num(b.low)} to {_num(b.high)})"
        + (", extrapolation" if b.flagged else "")
        for b in bars
    )
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    base = top + row_h * len(bars)
    for t in ticks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{base}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{base + 18}" text-anchor="middle" fill="{MUTED}">{_num(t)}</text>')
    parts.append(f'<text x="{label_w + plot_w / 2:.1f}" y="{base + 40}" text-anchor="middle" fill="{MUTED}">'
                 f'extra gift diamonds per week vs doing nothing new (line: {level} interval)</text>')
    for i, b in enumerate(bars):
        y = top + i * row_h
        mid = y + row_h / 2
        x0, x1 = sorted((x(0), x(b.value)))
        colour = BAR_FLAGGED if b.flagged else BAR
        name = escape(b.label) + (" *" if b.flagged else "")
        parts.append(f'<text x="{label_w - 8}" y="{mid + 4:.1f}" text-anchor="end" fill="{INK}">{name}</text>')
        parts.append(
            f'<rect class="bar" data-strategy="{escape(b.label)}" x="{x0:.1f}" y="{y + 8}" '
            f'width="{max(x1 - x0, 1):.1f}" height="{row_h - 16}" fill="{colour}"'
            + (' fill-opacity="0.75" stroke="#5c3c00" stroke-dasharray="4 2"' if b.flagged else "")
            + f'><title>{escape(b.label)}: {_num(b.value)} ({_num(b.low)} to {_num(b.high)})</title></rect>'
        )
        parts.append(f'<line class="interval" x1="{x(b.low):.1f}" x2="{x(b.high):.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
                     f'stroke="{INK}" stroke-width="1.5"/>')
        for v in (b.low, b.high):
            parts.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{mid - 6:.1f}" y2="{mid + 6:.1f}" '
                         f'stroke="{INK}" stroke-width="1.5"/>')
        parts.append(f'<text x="{x(max(b.high, 0)) + 6:.1f}" y="{mid + 4:.1f}" fill="{INK}">{_num(b.value)}</text>')
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top}" y2="{base}" stroke="{INK}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def weekly_chart(weeks: Sequence[str], values: Sequence[float], *, title: str, unit: str,
                 notes: Sequence[str] = (), chart_id: str = "weekly-chart") -> Markup:
    """Vertical bars, one per week (``weeks`` are labels such as '2025-09-01')."""
    width, left, right, top, bottom = 680, 64, 16, 12, 46
    height = 260
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(values), 1)
    ticks = nice_ticks(0.0, max([0.0, *values]) or 1.0, 4)
    hi = ticks[-1]
    slot = plot_w / n
    desc = f"{len(values)} weeks from {weeks[0]} to {weeks[-1]}; " if weeks else "no weeks; "
    if values:
        peak = max(range(len(values)), key=lambda i: values[i])
        desc += (f"total {_plain(sum(values))} {unit}, weekly average {_plain(sum(values) / len(values))}, "
                 f"highest {_plain(values[peak])} in the week of {weeks[peak]}.")
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    base = top + plot_h
    for t in ticks:
        y = base - t / hi * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_plain(t)}</text>')
    every = max(1, math.ceil(n / 8))
    for i, (week, v) in enumerate(zip(weeks, values)):
        h = v / hi * plot_h
        x = left + i * slot
        note = f" ({notes[i]})" if i < len(notes) and notes[i] else ""
        parts.append(f'<rect class="week" x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(h, 0):.1f}" fill="{BAR}"><title>{escape(week)}: {_plain(v)} {escape(unit)}'
                     f'{escape(note)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base + 16}" text-anchor="middle" fill="{MUTED}">'
                         f'{escape(week[5:] if len(week) == 10 else week)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="{INK}"/>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">'
                 f'week starting (month-day); height: {escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_from(strategies: Sequence[Any]) -> list[Bar]:
    """Bars for the allowed strategies with a known uplift (blocked ones are never bars)."""
    out = []
    for s in strategies:
        if not s.allowed or s.uplift_diamonds is None:
            continue
        low = s.uplift_low if s.uplift_low is not None else s.uplift_diamonds
        high = s.uplift_high if s.uplift_high is not None else s.uplift_diamonds
        out.append(Bar(s.strategy, float(s.uplift_diamonds), float(low), float(high), bool(s.extrapolation)))
    return out
