"""What each CLI command prints: one function per view, ``fmt`` = 'table' or 'json'.

Views take the service layer's typed results and return text. JSON views
use the same dict shapes as the HTTP service (``text.shapes.recommendation_to_dict``).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..advice.ranking import OPTIONS
from ..advice.verdict import UNCALIBRATED_NOTE, signed
from ..data.plain import none_if_nan
from .tables import fmt_num, table, to_json, wrap

__all__ = [
    "recommendation",
    "recommendation_batch",
    "long_table",
    "facts",
    "earnings",
    "train_summary",
    "evaluation",
    "rules_check",
    "explanation",
]


def _signed(x: float | None, digits: int = 0) -> str:
    """'+1,234' / '-56' / '0' (rounded first: never '-0'); '?' for unknown."""
    return "?" if x is None else signed(x, digits)


def _interval(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "?"
    return f"[{_signed(lo)}, {_signed(hi)}]"


def _usd(x: float | None) -> str:
    return "?" if x is None else ("$" + _signed(x, 2)).replace("$+", "+$").replace("$-", "-$")


def _flags(s: Any) -> str:
    flags = [f for f, on in (("implausible", s.implausible), ("extrapolation", s.extrapolation)) if on]
    if s.strategy == "none":
        flags.append("what you do now")
    return ", ".join(flags)


def recommendation(rec: Any, fmt: str) -> str:
    from .shapes import recommendation_to_dict

    if fmt == "json":
        return to_json(recommendation_to_dict(rec))
    level = int(round(rec.model.interval * 100))
    out = [wrap("Verdict: " + rec.verdict, hanging="  "), ""]
    out.append(wrap(f"Options for {rec.profile.creator_id}: expected extra gift diamonds per week "
                    f"vs changing nothing (model {rec.model.name})"))
    shown = list(rec.ranked) + list(rec.not_recommended)
    rows = [
        [s.rank or "-", s.strategy, _signed(s.uplift_diamonds), _interval(s.uplift_low, s.uplift_high),
         _usd(s.uplift_usd), _flags(s) if s.rank else ", ".join(filter(None, ["not recommended", _flags(s)]))]
        for s in shown
    ]
    head = f"{level}% interval" + ("" if getattr(rec.model, "calibrated", True) else " (not calibrated)")
    out += ["", table(["rank", "option", "uplift", head, "USD", "note"], rows, align="rlrrrl")]
    unknown = [s for s in rec.strategies if s.status == "unknown"]
    if unknown:
        out += ["", "Allowed, but uplift unknown (too little history): " + ", ".join(s.strategy for s in unknown)]
    eligibility = [f for f in rec.facts if f.kind == "eligibility"]
    shown_ids = {f.id for f in eligibility}
    if eligibility:
        out += ["", "Eligibility:"]
        out += [wrap(f"{f.reason} [{f.id}]", indent="  - ", hanging="    ") for f in eligibility]
    if rec.blocked:
        out += ["", "Blocked by the rules (no estimate is given):"]
        out += _grouped_reasons(rec.blocked, shown_ids, "blocked by the rules")
    why = [s for s in shown if _own_reasons(s, shown_ids)]
    if why:
        out += ["", "Why:"]
        out += _grouped_reasons(why, shown_ids, "")
    general = [f for f in rec.facts if f.kind == "fact"]
    if general:
        out += ["", "Facts:"]
        out += [wrap(f"{f.reason} [{f.id}]", indent="  - ", hanging="    ") for f in general[:2]]
        if len(general) > 2:
            out.append(f"  ... and {len(general) - 2} more: `livelift facts` lists them with sources.")
    if rec.notes:
        out.append("")
        out += [wrap("Note: " + n) for n in rec.notes]
    return "\n".join(out)


def _own_reasons(s: Any, skip_ids: set[str]) -> list[tuple[str, str]]:
    """(rule id, 'kind: reason') pairs of an option, minus the ones already shown (eligibility)."""
    kinds = s.reason_kinds if len(s.reason_kinds) == len(s.reasons) else ("",) * len(s.reasons)
    return [
        (i, f"{k}: {r}" if k in ("boost", "caution", "model") else r)
        for i, k, r in zip(s.rule_ids, kinds, s.reasons)
        if i not in skip_ids
    ]


def _grouped_reasons(items: Any, skip_ids: set[str], default: str) -> list[str]:
    """One line per distinct explanation; strategies that share it are listed together."""
    groups: dict[tuple, list[str]] = {}
    for s in items:
        groups.setdefault(tuple(_own_reasons(s, skip_ids)), []).append(s.strategy)
    lines = []
    for pairs, names in groups.items():
        text = " ".join(r for _, r in pairs) or default
        ids = ", ".join(i for i, _ in pairs if not i.startswith("model."))
        label = "all five strategies" if len(names) == 5 else ", ".join(names)
        if text:
            lines.append(wrap(f"{label}: {text}" + (f" [{ids}]" if ids else ""), indent="  ", hanging="    "))
    return lines


def recommendation_batch(recs: Any) -> str:
    """``--format json`` for a file of profiles: the HTTP batch shape, ``{"results": [...], "count": n}``."""
    from .shapes import batch_to_dict

    return to_json(batch_to_dict(recs))


def dataset_written(result: Any, output: str) -> str:
    """The line `recommend --engine dask` prints when its Parquet dataset is written."""
    rate = result.profiles_per_second
    shown = "n/a" if rate != rate else f"{rate:,.0f}" if rate >= 10 else f"{rate:,.1f}"
    options = result.rows // max(result.profiles, 1)
    return (
        f"wrote {result.rows:,} rows ({result.profiles:,} profiles x {options} options) from {result.files:,} file(s) "
        f"as {result.parts:,} part(s) to {output} in {result.seconds:,.1f} s ({shown} profiles/s "
        f"on {result.workers} worker(s))"
    )


def long_table(df: Any, *, synthetic: bool, calibrated: bool = True) -> str:
    """The table format of a batch: each profile's ranked options (``-o`` writes every row)."""
    rows = []
    shown = df[df["rank"].notna()]
    order = {c: i for i, c in enumerate(dict.fromkeys(df["creator_id"]))}
    shown = shown.assign(_o=shown["creator_id"].map(order)).sort_values(["_o", "rank"], kind="stable")
    for r in shown.itertuples(index=False):
        flags = [f for f, on in (("implausible", r.implausible), ("extrap.", r.extrapolation)) if on]
        rows.append([str(r.creator_id), int(r.rank), str(r.strategy), _signed(none_if_nan(r.uplift_diamonds)),
                     _interval(none_if_nan(r.uplift_low), none_if_nan(r.uplift_high)), ", ".join(flags)])
    head = "interval" if calibrated else "interval (not calibrated)"
    text = table(["creator_id", "rank", "option", "uplift", head, "flag"], rows, align="lrlrrl")
    blocked = int((df["status"] == "blocked").sum())
    worse = int((df["status"] == "not_recommended").sum())
    unknown = int((df["status"] == "unknown").sum())
    text += (
        f"\n\n{len(df) // len(OPTIONS):,} profiles; ranked: the strategies predicted to add income, then 'none' "
        f"(change nothing). Not shown (see -o for all rows and reasons): {worse:,} (profile, strategy) pairs "
        f"predicted to add nothing or lose income, {blocked:,} blocked by the rules"
        + (f", {unknown:,} the model has too little history to estimate." if unknown else ".")
    )
    if synthetic:
        from ..service import SYNTHETIC_NOTE

        text += "\n" + wrap("Note: " + SYNTHETIC_NOTE)
    if not calibrated:
        text += "\n" + wrap("Note: " + UNCALIBRATED_NOTE)
    return text


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


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _est(d: Any, unit: str = "", digits: int = 0) -> str:
    """'+129 (95% CI -12 to +270)' from {'estimate', 'se', 'ci95_low', 'ci95_high'}."""
    if not isinstance(d, dict) or d.get("estimate") is None:
        return "?"
    text = _signed(d["estimate"], digits) + unit
    if d.get("ci95_low") is not None and d.get("ci95_high") is not None:
        text += f" (95% CI {_signed(d['ci95_low'], digits)} to {_signed(d['ci95_high'], digits)})"
    elif d.get("se") is not None:
        text += f" (SE {fmt_num(d['se'], digits)})"
    return text


def train_summary(summary: dict[str, Any], card: Any, path: Any, fmt: str) -> str:
    if fmt == "json":
        return to_json({"model": str(path), "summary": summary, "card": card})
    data = summary.get("training_data", {}) or {}
    out = [f"Wrote {path} and its model card {Path(str(path)).with_suffix('.json').name}."]
    secs = summary.get("fit_seconds")
    out.append(
        f"Trained on {fmt_num(data.get('rows'))} rows from {fmt_num(data.get('creators'))} creators"
        + (f" in {secs:.1f} s." if isinstance(secs, (int, float)) else ".")
    )
    counts = data.get("strategy_counts") or {}
    if counts:
        out.append(wrap("Rows per strategy: " + ", ".join(f"{k} {fmt_num(v)}" for k, v in counts.items()) + "."))
    unknown = data.get("unknown_strategies") or []
    if unknown:
        out.append(wrap("Too few rows to learn (uplift reported as unknown): " + ", ".join(unknown) + "."))
    metrics = summary.get("metrics") or {}
    pv = _get(metrics, "cross_fitted_policy_value")
    if isinstance(pv, dict) and pv.get("top_strategy_vs_none_diamonds") is not None:
        est = {"estimate": pv["top_strategy_vs_none_diamonds"], "se": pv.get("top_strategy_vs_none_diamonds_se")}
        out.append("")
        out.append("Quality on held-out folds (cross-fitted, doubly robust):")
        out.append(wrap(f"following the model's top strategy vs doing nothing new: {_est(est)} diamonds/week",
                        indent="  ", hanging="    "))
    losses = _get(metrics, "held_out_dr_loss") or {}
    weights = _get(metrics, "blend_weights") or {}
    if losses:
        out.append(wrap("held-out DR loss (lower is better): "
                        + ", ".join(f"{k} {v:,.4g}" for k, v in losses.items()), indent="  ", hanging="    "))
    if weights:
        out.append(wrap("blend weights: " + ", ".join(f"{k} {v:.2f}" for k, v in weights.items()),
                        indent="  ", hanging="    "))
    share = _get(summary, "report", "propensity_below_clip_share")
    if isinstance(share, (int, float)):
        out.append(wrap(f"rows whose strategy was rarely chosen by similar creators: {share:.1%}",
                        indent="  ", hanging="    "))
    out.append("")
    out.append(wrap("Check it on history it has not seen: livelift evaluate HOLDOUT --model " + str(path)))
    return "\n".join(out)


_TRUTH_LABELS = {
    "gain_captured": "gain captured vs oracle (1 = always the best strategy, 0 = random)",
    "top1_accuracy": "top-1 accuracy (picked the truly best strategy)",
    "mean_spearman": "mean per-profile Spearman (predicted vs true ranking)",
    "uplift_rmse_diamonds": "uplift RMSE (diamonds/week)",
    "uplift_mae_diamonds": "uplift MAE (diamonds/week)",
    "true_uplift_sd_diamonds": "sd of the true uplift (diamonds/week)",
    "interval_coverage": "interval coverage of the true uplift",
    "interval_median_width_diamonds": "median interval width (diamonds/week)",
    "extrapolation_share": "share of estimates flagged extrapolation",
    "unflagged_profile_share": "share of profiles with no flagged estimate",
    "gain_captured_unflagged": "gain captured on those profiles",
    "profiles": "profiles",
}


def evaluation(metrics: dict[str, Any], card: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json({"metrics": metrics, "model_synthetic": bool(card.get("synthetic"))})
    mode = metrics.get("mode")
    if mode == "truth":
        level = metrics.get("interval_level")
        rows = []
        for key, label in _TRUTH_LABELS.items():
            if key in metrics and metrics[key] is not None:
                if key == "interval_coverage" and level:
                    label = f"{int(round(level * 100))}% " + label
                v = metrics[key]
                rows.append([label, f"{v:,.3g}" if isinstance(v, float) else fmt_num(v)])
        out = ["Against the simulator's ground truth (true_uplift_* columns):", ""]
        out.append(table(["metric", "value"], rows, align="lr"))
        bands = metrics.get("interval_coverage_by_band") or {}
        if bands:
            out += ["", "Interval coverage by follower band:", ""]
            out.append(table(["followers", "coverage", "profiles"], [
                [band, "-" if v.get("coverage") is None or v["coverage"] != v["coverage"] else f"{v['coverage']:.3f}",
                 fmt_num(v.get("profiles"))]
                for band, v in bands.items()
            ], align="lrr"))
    elif mode == "off_policy":
        out = [wrap(
            f"Off-policy estimates on {fmt_num(metrics.get('rows'))} rows (no ground truth): doubly robust, "
            "cross-fitted" + (", clustered by creator" if metrics.get("clustered_by_creator") else "")
            + ". Weekly gift diamonds per creator-week:"
        ), ""]
        d = metrics.get("diamonds") or {}
        rows = [
            ["follow the model vs do nothing new", _est(d.get("top_vs_none"))],
            ["follow the model vs creators' own choices", _est(d.get("top_vs_logged"))],
        ]
        best = metrics.get("best_single_strategy")
        if best and d.get("top_vs_best_single_strategy"):
            rows.append([f"follow the model vs always {best}", _est(d.get("top_vs_best_single_strategy"))])
        out.append(table(["policy comparison", "uplift (95% CI)"], rows, align="ll"))
        per = d.get("per_strategy_vs_none_interval") or {}
        if per:
            out += ["", "Average uplift vs none if everyone did it (diamonds per creator-week):", ""]
            out.append(table(["strategy", "uplift (95% CI)"], [[k, _est(v)] for k, v in per.items()], align="ll"))
            out.append("")
        elif d.get("per_strategy_vs_none"):
            out.append("")
            out.append(wrap("Average uplift vs none if everyone did it: "
                            + ", ".join(f"{k} {_signed(v, 0)}" for k, v in d["per_strategy_vs_none"].items()) + "."))
        share = metrics.get("top_strategy_share") or {}
        if share:
            out.append(wrap("The model's top pick: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()) + "."))
        skipped = metrics.get("rows_skipped_unknown_strategy")
        if skipped:
            out.append(f"Rows skipped (strategy unknown to the model or too rare here): {fmt_num(skipped)}.")
        for w in metrics.get("warnings") or ():
            out.append(wrap("Warning: " + w))
    else:
        out = [table(["metric", "value"], _metrics_rows(metrics), align="ll")]
    if card.get("synthetic"):
        from ..service import SYNTHETIC_NOTE

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
