"""What each CLI command prints: one function per view, ``fmt`` = 'table' or 'json'.

Views take the service layer's typed results and return text. JSON views
use the same dict shapes as the HTTP service (``service.recommendation_to_dict``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .render import fmt_num, table, to_json, wrap

__all__ = [
    "recommendation",
    "long_table",
    "facts",
    "earnings",
    "train_summary",
    "evaluation",
    "rules_check",
    "explanation",
]


def _signed(x: float | None) -> str:
    if x is None:
        return "?"
    s = fmt_num(x)
    return s if s.startswith("-") or s == "0" else "+" + s


def _interval(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "?"
    return f"[{_signed(lo)}, {_signed(hi)}]"


def recommendation(rec: Any, fmt: str) -> str:
    from .service import recommendation_to_dict

    if fmt == "json":
        return to_json(recommendation_to_dict(rec))
    level = int(round(rec.model.interval * 100))
    out = [
        wrap(f"Recommendations for {rec.profile.creator_id}: expected extra gift diamonds per week "
             f"vs doing nothing new (model {rec.model.name})")
    ]
    ranked = rec.ranked
    if ranked:
        rows = [
            [
                s.rank,
                s.strategy,
                _signed(s.uplift_diamonds),
                _interval(s.uplift_low, s.uplift_high),
                ("+" if (s.uplift_usd or 0) >= 0 else "") + fmt_num(s.uplift_usd, 2),
                "extrapolation" if s.extrapolation else "",
            ]
            for s in ranked
        ]
        out.append("")
        out.append(table(["rank", "strategy", "uplift", f"{level}% interval", "USD", "flag"], rows, align="rlrrrl"))
    else:
        out.append("")
        out.append("No strategy is recommended for this profile.")
    unknown = [s for s in rec.strategies if s.allowed and s.uplift_diamonds is None]
    if unknown:
        out.append("")
        out.append("Allowed, but uplift unknown (too little history): " + ", ".join(s.strategy for s in unknown))
    blocked = rec.blocked
    if blocked:
        out.append("")
        out.append("Not advised:")
        for s in blocked:
            reason = " ".join(s.reasons) or "blocked by the rules"
            out.append(wrap(f"{s.strategy}: {reason} [{', '.join(s.rule_ids)}]", indent="  "))
    why = [s for s in ranked if s.reasons]
    if why:
        out.append("")
        out.append("Why:")
        for s in why:
            out.append(wrap(f"{s.strategy}: {' '.join(s.reasons)} [{', '.join(s.rule_ids)}]", indent="  "))
    if rec.facts:
        out.append("")
        out.append("Facts that apply:")
        shown = [f for f in rec.facts if f.kind != "fact"] + [f for f in rec.facts if f.kind == "fact"][:2]
        for f in shown:
            out.append(wrap(f"{f.reason} [{f.id}]", indent="  - ", hanging="    "))
        more = len(rec.facts) - len(shown)
        if more:
            out.append(f"  ... and {more} more: `livelift facts` lists them with sources.")
    if rec.notes:
        out.append("")
        for n in rec.notes:
            out.append(wrap("Note: " + n))
    return "\n".join(out)


def long_table(df: Any, fmt: str, *, synthetic: bool) -> str:
    if fmt == "json":
        return to_json(df.astype(object).where(df.notna(), None).to_dict(orient="records"))
    rows = []
    shown = df[df["rank"].notna()]
    order = {c: i for i, c in enumerate(dict.fromkeys(df["creator_id"]))}
    shown = shown.assign(_o=shown["creator_id"].map(order)).sort_values(["_o", "rank"], kind="stable")
    for r in shown.itertuples(index=False):
        if _missing(r.rank):
            continue
        rows.append([str(r.creator_id), int(r.rank), str(r.strategy), _signed(_f(r.uplift_diamonds)),
                     _interval(_f(r.uplift_low), _f(r.uplift_high)), "extrap." if r.extrapolation else ""])
    text = table(["creator_id", "rank", "strategy", "uplift", "interval", "flag"], rows, align="lrlrrl") if rows else "No strategy is allowed for any of these profiles."
    blocked = int((~df["allowed"].astype(bool)).sum())
    text += f"\n\n{len(df) // 5:,} profiles; {blocked:,} (profile, strategy) pairs not advised by the rules (see -o for reasons)."
    if synthetic:
        from .service import SYNTHETIC_NOTE

        text += "\n" + wrap("Note: " + SYNTHETIC_NOTE)
    return text


def _missing(x: Any) -> bool:
    import pandas as pd

    return x is None or bool(pd.isna(x))


def _f(x: Any) -> float | None:
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return None
    return None if xf != xf else xf


def facts(items: Any, fmt: str) -> str:
    if fmt == "json":
        return to_json([{"id": f.id, "text": f.text, "sources": list(f.sources)} for f in items])
    out = []
    for f in items:
        out.append(wrap(f.text, indent="- ", hanging="  "))
        out.append(f"  [{f.id}] sources: {', '.join(f.sources)}")
    return "\n".join(out)


def earnings(est: Any, fmt: str) -> str:
    if fmt == "json":
        return to_json(asdict(est))
    out = []
    if est.coins is not None:
        out.append(f"{fmt_num(est.coins)} coins spent on gifts ≈ {fmt_num(est.diamonds)} diamonds for the creator")
    out.append(
        f"{fmt_num(est.diamonds)} diamonds ≈ ${fmt_num(est.usd, 2)} "
        f"(range ${fmt_num(est.usd_low, 2)} – ${fmt_num(est.usd_high, 2)})"
    )
    if est.parameters:
        out.append("")
        out.append("Parameters used:")
        for p in est.parameters:
            name = p.get("name", "?")
            val = p.get("value")
            lo, hi = p.get("low"), p.get("high")
            rng = f" (sources range {lo}–{hi})" if lo is not None and hi is not None and lo != hi else ""
            out.append(wrap(f"{name} = {val} {p.get('unit', '')}{rng}", indent="  - ", hanging="    "))
            srcs = p.get("sources") or ()
            if srcs:
                out.append(wrap("sources: " + ", ".join(map(str, srcs)), indent="      "))
    for n in est.notes:
        out.append(wrap("Note: " + n))
    return "\n".join(out)


def _metrics_rows(metrics: dict[str, Any], prefix: str = "") -> list[list[str]]:
    rows: list[list[str]] = []
    for k, v in metrics.items():
        if isinstance(v, dict):
            rows += _metrics_rows(v, prefix + k + ".")
        elif isinstance(v, (list, tuple)):
            rows.append([prefix + k, ", ".join(map(str, v)) or "-"])
        elif isinstance(v, float):
            rows.append([prefix + k, f"{v:,.4g}"])
        else:
            rows.append([prefix + k, str(v)])
    return rows


def train_summary(summary: dict[str, Any], card: Any, path: Any, fmt: str) -> str:
    if fmt == "json":
        return to_json({"model": str(path), "summary": summary, "card": card})
    out = [f"Wrote {path} and its model card."]
    rows = _metrics_rows(summary)
    if rows:
        out.append("")
        out.append(table(["quality summary", "value"], rows, align="ll"))
    return "\n".join(out)


def evaluation(metrics: dict[str, Any], card: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json({"metrics": metrics, "model_synthetic": bool(card.get("synthetic"))})
    out = [table(["metric", "value"], _metrics_rows(metrics), align="ll")]
    if card.get("synthetic"):
        from .service import SYNTHETIC_NOTE

        out.append("")
        out.append(wrap("Note: " + SYNTHETIC_NOTE))
    return "\n".join(out)


def rules_check(problems: Any, summary: str, fmt: str) -> str:
    if fmt == "json":
        return to_json({"ok": not problems, "summary": summary, "problems": [p.as_dict() if hasattr(p, "as_dict") else str(p) for p in problems]})
    if not problems:
        return f"OK: {summary}"
    return f"{len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)


def explanation(profile: Any, ev: Any, fmt: str) -> str:
    verdicts = ev.strategies
    if fmt == "json":
        return to_json(
            {
                "profile": asdict(profile),
                "can_go_live": getattr(ev, "can_go_live", None),
                "can_earn_gifts": ev.can_earn_gifts,
                "fired": [{"id": h.id, "kind": h.kind, "reason": h.reason, "sources": list(h.sources)} for h in ev.fired],
                "strategies": {
                    s: {"allowed": v.allowed, "boosted": v.boosted, "caution": v.caution,
                        "rule_ids": list(v.rule_ids), "reasons": list(v.reasons)}
                    for s, v in verdicts.items()
                },
            }
        )
    out = [f"Rules for {profile.creator_id}: {len(ev.fired)} fired"]
    for h in ev.fired:
        out.append(wrap(f"[{h.kind}] {h.id}: {h.reason}", indent="  "))
    out.append("")
    rows = []
    for s, v in verdicts.items():
        state = "allowed" if v.allowed else "blocked"
        if v.allowed and v.boosted:
            state += ", boosted"
        if v.allowed and v.caution:
            state += ", caution"
        rows.append([s, state, ", ".join(v.rule_ids) or "(no rule: default)"])
    out.append(table(["strategy", "verdict", "rules"], rows, align="lll"))
    return "\n".join(out)
