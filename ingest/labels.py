"""Which strategy each creator-week tried, and where that label came from.

In order of precedence:

1. **labelled**: a row of ``--labels`` (``creator_id, week, strategy``; any
   date inside the week names it) -- it may override a detected label;
2. **detected**: ``collaborate`` when the week's events show link-mic,
   battle or multi-guest activity (or gifts to a guest; a summary row's
   ``collaboration`` column), else ``increase_frequency`` when the week's
   LIVEs reach the trailing 4-week rate x (1 + ``FREQUENCY_MARGIN``) and at
   least one LIVE more than that rate;
3. **default**: ``none``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..data.fields import ALL_STRATEGIES, CONTROL, STRATEGY_SOURCES
from ..errors import InputError
from .weekly import FREQUENCY_MARGIN

__all__ = ["read_labels", "label_weeks", "SOURCES"]

SOURCES = STRATEGY_SOURCES  # the contract's values of strategy_source


def read_labels(path: str | Path) -> dict[tuple[str, str], str]:
    """``{(creator_id, monday ISO date): strategy}`` from a CSV (or Parquet) labels file."""
    import pandas as pd

    path = Path(path)
    src = str(path)
    try:
        df = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read the labels file ({str(exc).splitlines()[0]})", loc=src,
                         expected="a CSV with columns creator_id, week, strategy") from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in ("creator_id", "week", "strategy") if c not in cols]
    if missing:
        raise InputError("labels file is missing column(s): " + ", ".join(missing), loc=src,
                         expected="columns creator_id, week, strategy", input=[str(c) for c in df.columns])
    out: dict[tuple[str, str], str] = {}
    for i, rec in enumerate(df.to_dict("records")):
        where = f"{src}, line {i + 2}"
        who = str(rec[cols["creator_id"]]).strip().lstrip("@")
        if not who:
            raise InputError("empty", loc=f"{where}, column 'creator_id'", expected="the creator's @handle")
        strategy = str(rec[cols["strategy"]]).strip().lower()
        if strategy not in ALL_STRATEGIES:
            raise InputError("unknown strategy", loc=f"{where}, column 'strategy'",
                             expected="one of " + ", ".join(ALL_STRATEGIES), input=rec[cols["strategy"]])
        try:
            day = pd.Timestamp(str(rec[cols["week"]]).strip())
            if day is pd.NaT:
                raise ValueError
        except (TypeError, ValueError):
            raise InputError("not a date", loc=f"{where}, column 'week'", expected="a date such as 2026-01-05",
                             input=rec[cols["week"]]) from None
        monday = (day.normalize() - pd.Timedelta(days=day.weekday())).date().isoformat()
        out[(who, monday)] = strategy
    return out


def label_weeks(hist: Any, labels: dict[tuple[str, str], str]) -> tuple[Any, dict[str, Counter], list[str]]:
    """Fill ``strategy`` and ``strategy_source``. -> (history, {source: Counter(strategy)}, notes)."""
    strategies, sources = [], []
    used = set()
    for rec in hist.itertuples(index=False):
        key = (rec.creator_id, rec.week.isoformat())
        if key in labels:
            strategies.append(labels[key])
            sources.append("labelled")
            used.add(key)
        elif rec.x_collab:
            strategies.append("collaborate")
            sources.append("detected")
        elif rec.x_streams >= max(rec.x_rate * (1 + FREQUENCY_MARGIN), rec.x_rate + 1):
            strategies.append("increase_frequency")
            sources.append("detected")
        else:
            strategies.append(CONTROL)
            sources.append("default")
    hist = hist.assign(strategy=strategies, strategy_source=sources)
    counts: dict[str, Counter] = {s: Counter() for s in SOURCES}
    for st, so in zip(strategies, sources):
        counts[so][st] += 1
    notes = []
    unused = sorted(set(labels) - used)
    if unused:
        shown = ", ".join(f"{c} {w}" for c, w in unused[:5]) + (", ..." if len(unused) > 5 else "")
        notes.append(f"{len(unused)} label(s) name no history week (no LIVE that week, or too early "
                     f"for a 4-week profile): {shown}")
    return hist, counts, notes
