"""Charts as inline SVG, drawn in Python: the page needs no script to show them.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that say
in words what it shows (the page also prints the numbers as a table). Colours
keep a contrast of at least 4.5:1 against white for text and 3:1 for marks.
The strategy chart draws the recommended strategies (blue; extrapolation
hatched brown), ``none`` as a black mark at zero ("what you do now"), and the
not-recommended ones in grey under their own heading; each number sits in a
column right of the plot with its flags (implausible, extrapolation) after it.
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
BAR_MUTED = "#8c8c8c"
FLAG = "#a33b00"
GRID = "#d0d0d0"
FONT = "font-family=\"system-ui, sans-serif\" font-size=\"13\""


@dataclass(frozen=True)
class Bar:
    """One option's row: uplift and interval (diamonds/week), its status and its flags in words.

    ``status`` is ``recommended``, ``keep`` (``none``: the zero reference) or
    ``not_recommended`` (drawn muted, under a "not recommended" heading).
    """

    key: str
    label: str
    value: float
    low: float
    high: float
    status: str = "recommended"
    flags: tuple[str, ...] = ()


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
    """'+1,234' / '-56' / '0' (rounded first: never '-0')."""
    r = round(float(x))
    return f"{r:+,.0f}" if r else "0"


def _plain(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.1f}"


@dataclass(frozen=True)
class _Layout:
    """Where things go: labels | plot (x axis) | value column | flags column; rows top to bottom."""

    label_w: float
    plot_w: float
    value_w: float
    flags_w: float
    lo: float
    hi: float
    row_h: float = 34
    top: float = 10

    @property
    def width(self) -> float:
        return self.label_w + self.plot_w + self.value_w + self.flags_w

    @property
    def value_x(self) -> float:
        """Right edge of the value column (values are right-aligned, flags follow)."""
        return self.label_w + self.plot_w + self.value_w

    def x(self, v: float) -> float:
        return self.label_w + (v - self.lo) / (self.hi - self.lo) * self.plot_w


def _layout(bars: Sequence[Bar]) -> tuple[_Layout, list[float]]:
    label_w = min(200.0, 16 + max((8.1 if b.status == "keep" else 7.4) * len(b.label) for b in bars))  # keep: bold
    value_w = 18 + 7.5 * max(len(_num(b.value)) for b in bars)
    flags = [f for b in bars for f in b.flags]  # one flag a line
    flags_w = 14 + 7.8 * max(len(f) for f in flags) if flags else 0.0
    plot_w = max(360.0, 680 - label_w - value_w - flags_w)
    lo = min([0.0, *(b.low for b in bars)])
    hi = max([0.0, *(b.high for b in bars)])
    ticks = nice_ticks(lo, hi, 5 if plot_w >= 420 else 4)
    return _Layout(label_w, plot_w, value_w, flags_w, min(lo, ticks[0]), max(hi, ticks[-1])), ticks


def _bar_mark(b: Bar, at: _Layout, y: float) -> str:
    tip = f"<title>{escape(b.label)}: {_num(b.value)} ({_num(b.low)} to {_num(b.high)})</title>"
    head = f'<rect class="bar" data-strategy="{escape(b.key)}" data-status="{escape(b.status)}" '
    if b.status == "keep":
        return head + f'x="{at.x(0) - 2:.1f}" y="{y + 6}" width="4" height="{at.row_h - 12}" fill="{INK}">{tip}</rect>'
    x0, x1 = sorted((at.x(0), at.x(b.value)))
    if b.status == "not_recommended":
        style = f'fill="{BAR_MUTED}"'
    elif "extrapolation" in b.flags:
        style = f'fill="{BAR_FLAGGED}" fill-opacity="0.75" stroke="#5c3c00" stroke-dasharray="4 2"'
    else:
        style = f'fill="{BAR}"'
    return head + (f'x="{x0:.1f}" y="{y + 8}" width="{max(x1 - x0, 1):.1f}" height="{at.row_h - 16}" '
                   f'{style}>{tip}</rect>')


def _bar_row(b: Bar, at: _Layout, y: float) -> list[str]:
    mid = y + at.row_h / 2
    ink = MUTED if b.status == "not_recommended" else INK
    weight = ' font-weight="600"' if b.status == "keep" else ""
    parts = [f'<text x="{at.label_w - 8}" y="{mid + 4:.1f}" text-anchor="end" fill="{ink}"{weight}>'
             f'{escape(b.label)}</text>', _bar_mark(b, at, y)]
    if b.low != b.high:
        parts.append(f'<line class="interval" x1="{at.x(b.low):.1f}" x2="{at.x(b.high):.1f}" y1="{mid:.1f}" '
                     f'y2="{mid:.1f}" stroke="{INK}" stroke-width="1.5"/>')
        for v in (b.low, b.high):
            parts.append(f'<line x1="{at.x(v):.1f}" x2="{at.x(v):.1f}" y1="{mid - 6:.1f}" y2="{mid + 6:.1f}" '
                         f'stroke="{INK}" stroke-width="1.5"/>')
    parts.append(f'<text class="value" x="{at.value_x:.1f}" y="{mid + 4:.1f}" text-anchor="end" fill="{ink}"'
                 f'{weight}>{_num(b.value)}</text>')
    for k, flag in enumerate(b.flags):  # stacked: one flag a line, centred on the row
        dy = 4 + 14 * (k - (len(b.flags) - 1) / 2)
        parts.append(f'<text class="flag" x="{at.value_x + 8:.1f}" y="{mid + dy:.1f}" fill="{FLAG}" '
                     f'font-size="12" font-weight="600">{escape(flag)}</text>')
    return parts


def _describe(bars: Sequence[Bar], level: str) -> str:
    words = {"recommended": "recommended", "keep": "what you do now", "not_recommended": "not recommended"}
    return "; ".join(
        f"{b.key}, {words.get(b.status, b.status)}: {_num(b.value)} diamonds per week"
        + (f" ({level} interval {_num(b.low)} to {_num(b.high)})" if b.low != b.high else "")
        + (", " + ", ".join(b.flags) if b.flags else "")
        for b in bars
    )


_MUTED_HEADING = "Not recommended: predicted to add nothing or to lose gift income"


def strategy_chart(bars: Sequence[Bar], *, title: str, interval: float, chart_id: str = "strategy-chart") -> Markup:
    """Horizontal bars (uplift) with interval whiskers: recommended, ``none`` at zero, then the not recommended.

    Each row's number is in a column right of the plot, its flags (implausible,
    extrapolation) right after it.
    """
    at, ticks = _layout(bars)
    axis_h, head_h = 48, 26
    muted_at = next((i for i, b in enumerate(bars) if b.status == "not_recommended"), None)
    base = at.top + at.row_h * len(bars) + (head_h if muted_at is not None else 0)
    width, height = at.width, base + axis_h
    level = f"{interval:.0%}"
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(bars, level))}</desc>',
    ]
    for t in ticks:
        parts.append(f'<line x1="{at.x(t):.1f}" x2="{at.x(t):.1f}" y1="{at.top}" y2="{base}" stroke="{GRID}"/>')
        parts.append(f'<text x="{at.x(t):.1f}" y="{base + 18}" text-anchor="middle" fill="{MUTED}">{_num(t)}</text>')
    parts.append(f'<text x="{at.label_w + at.plot_w / 2:.1f}" y="{base + 40}" text-anchor="middle" fill="{MUTED}">'
                 f'extra gift diamonds per week vs what you do now (line: {level} interval)</text>')
    parts.append(f'<line x1="{at.x(0):.1f}" x2="{at.x(0):.1f}" y1="{at.top}" y2="{base}" stroke="{INK}"/>')
    y = at.top
    for i, b in enumerate(bars):
        if i == muted_at:
            parts.append(f'<line x1="8" x2="{width - 8:.0f}" y1="{y + 4:.1f}" y2="{y + 4:.1f}" stroke="{MUTED}" '
                         f'stroke-dasharray="3 3"/>')
            parts.append(f'<rect x="6" y="{y + 7:.1f}" width="{7.2 * len(_MUTED_HEADING) + 4:.0f}" height="17" '
                         f'fill="#ffffff"/>')
            parts.append(f'<text class="muted-heading" x="8" y="{y + 19:.1f}" fill="{MUTED}" font-style="italic">'
                         f'{_MUTED_HEADING}</text>')
            y += head_h
        parts += _bar_row(b, at, y)
        y += at.row_h
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


def bars_from(options: Sequence[Any]) -> list[Bar]:
    """Bars for the chart's options (``reports.options.chart_options``: blocked ones are never bars)."""
    out = []
    for o in options:
        low = o.low if o.low is not None else o.value
        high = o.high if o.high is not None else o.value
        label = "none (what you do now)" if o.status == "keep" else o.strategy
        out.append(Bar(o.strategy, label, float(o.value), float(low), float(high), o.status, tuple(o.flags)))
    return out
