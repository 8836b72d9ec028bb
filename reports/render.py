"""A :class:`~.sections.Report` -> one self-contained HTML file (or a PDF).

Images are PNGs embedded as ``data:`` URIs and the styles are inline: the file
references nothing outside itself, so it can be mailed, archived or opened
offline. Files are written atomically (``livelift.data.writers.atomic_path``).
"""

from __future__ import annotations

import base64
import os
import textwrap
from typing import Any

from ..data.writers import atomic_path
from . import plots
from .options import chart_options, eligibility_ids, options
from .sections import Report

__all__ = ["render_html", "write_report", "FORMATS"]

FORMATS = ("html", "pdf")


def _img(fig: Any) -> str:
    return "data:image/png;base64," + base64.b64encode(plots.png(fig)).decode("ascii")


def _figures(report: Report) -> dict[str, str]:
    check = report.model_check
    out = {
        "weekly": _img(plots.weekly_figure(report.weeks)),
        "uplift": _img(plots.uplift_figure(report.recommendation)),
        "coverage": _img(plots.coverage_figure(report.coverage)),
    }
    if check.bins:
        out["calibration"] = _img(plots.calibration_figure(check.bins))
    if check.top_vs_logged is not None:
        out["policy"] = _img(plots.policy_figure(check))
    return out


def render_html(report: Report) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("livelift.reports", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["n0"] = lambda x: "unknown" if x is None else f"{x:,.0f}"
    env.filters["s0"] = lambda x: "unknown" if x is None else (f"{x:+,.0f}" if round(x) else "0")
    env.filters["usd"] = lambda x: f"{x:+,.2f}" if round(x, 2) else "0.00"
    rec = report.recommendation
    return env.get_template("report.html").render(
        r=report, img=_figures(report), options=options(rec), chart=chart_options(rec),
        eligibility=[h for h in rec.facts if h.kind == "eligibility"], shown=eligibility_ids(rec.facts),
        notes=[n for n in rec.notes if n != rec.model.note],
    )


def _write_pdf(report: Report, path: Any) -> None:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    rec, weeks = report.recommendation, report.weeks
    with PdfPages(path, metadata={"Title": f"livelift report: {weeks.creator_id}", "Creator": "livelift"}) as pdf:
        cover = Figure(figsize=(8.27, 11.69))
        lines = [
            f"livelift report: {weeks.creator_id}",
            f"{report.source}: {len(weeks.weeks)} weeks of this creator, {report.rows:,} rows in the file",
            f"model {rec.model.name}: " + ("SIMULATED history, illustrations only" if rec.model.synthetic
                                           else "trained on the user's history"),
            f"gifts: {weeks.total_diamonds:,.0f} diamonds = ${report.gifts.usd:,.2f}; likes pay $0",
        ]
        for i, text in enumerate(lines):
            cover.text(0.08, 0.92 - i * 0.04, text, fontsize=16 if i == 0 else 11, parse_math=False)  # "$" is money
        verdict = textwrap.fill(f"For the latest week ({weeks.weeks[-1]}): {rec.verdict}", width=66)
        cover.text(0.08, 0.92 - len(lines) * 0.04 - 0.02, verdict, fontsize=12, fontweight="bold", va="top",
                   color="#7a0016" if not rec.can_earn_gifts else "#1a1a1a", parse_math=False)
        pdf.savefig(cover)
        figs = [plots.weekly_figure(weeks), plots.uplift_figure(rec), plots.coverage_figure(report.coverage)]
        if report.model_check.bins:
            figs.append(plots.calibration_figure(report.model_check.bins))
        if report.model_check.top_vs_logged is not None:
            figs.append(plots.policy_figure(report.model_check))
        for fig in figs:
            pdf.savefig(fig)


def write_report(report: Report, path: str | os.PathLike[str], fmt: str = "html") -> None:
    """Write ``report`` to ``path`` as ``fmt`` ('html' or 'pdf'), atomically."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS} (got {fmt!r})")
    with atomic_path(path) as tmp:
        if fmt == "html":
            tmp.write_text(render_html(report), encoding="utf-8")
        else:
            _write_pdf(report, tmp)
