"""What the CLI prints for a creator's own history: the ingest report, likes vs gifts per creator."""

from __future__ import annotations

from typing import Any

__all__ = ["money_table", "ingest_report"]


def money_table(money: Any) -> str:
    from .tables import fmt_num, table

    rows = [[m.creator_id, f"{m.first}..{m.last}", fmt_num(m.likes), fmt_num(m.gifts), fmt_num(m.diamonds),
             f"${m.usd_est:,.2f}", "$0"] for m in money]
    return table(["creator", "period", "likes", "gifts", "diamonds", "est. USD", "likes earned"], rows,
                 align="llrrrrr", width=120)


def ingest_report(report: Any, fmt: str) -> str:
    from .tables import table, to_json

    if fmt == "json":
        return to_json(report.as_dict())
    out = [f"read {len(report.files)} file(s): {report.events:,} events from {report.event_lines:,} lines, "
           f"{report.summary_rows:,} summary rows; LIVEs: "
           + ", ".join(f"{n:,} from {k}" for k, n in report.sessions.items())]
    if report.duplicates or report.ignored_events or report.unknown_types:
        unknown = ", ".join(f"{k} x{v}" for k, v in list(report.unknown_types.items())[:5])
        out.append(f"duplicates dropped: {report.duplicates:,}; known events not used: {report.ignored_events:,}; "
                   f"unknown event types ignored: {sum(report.unknown_types.values()):,}" + (f" ({unknown})" if unknown else ""))
    if report.bad_lines:
        out.append(f"skipped {report.bad_lines:,} bad line(s)/row(s); first reasons:")
        out += [f"  - {r}" for r in report.bad_reasons]
    out.append("")
    out.append(f"history: {report.weeks:,} creator-weeks; strategies by source:")
    strategies = sorted({s for c in report.strategies.values() for s in c})
    rows = [[s] + [report.strategies.get(src, {}).get(s, 0) for src in ("detected", "labelled", "default")]
            + [sum(report.strategies.get(src, {}).get(s, 0) for src in report.strategies)] for s in strategies]
    out.append(table(["strategy", "detected", "labelled", "default", "total"], rows, align="lrrrr") if rows else "  (none)")
    if report.skipped_weeks:
        out.append(f"{len(report.skipped_weeks)} week(s) with LIVEs are not history rows (too early for a 4-week profile):")
        out += [f"  - {s.creator_id} {s.week}: {s.reason}" for s in report.skipped_weeks[:8]]
        if len(report.skipped_weeks) > 8:
            out.append(f"  - ... and {len(report.skipped_weeks) - 8} more (see --format json)")
    out.append("")
    out.append("Do likes pay? Your own numbers (all LIVEs read):")
    out.append(money_table(report.money))
    out += [f"note: {n}" for n in report.notes[:12]]
    if len(report.notes) > 12:
        out.append(f"note: ... and {len(report.notes) - 12} more (see --format json)")
    return "\n".join(out)
