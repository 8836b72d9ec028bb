"""The service's work on a creator's own history: ingest event logs and summaries, likes vs gifts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .core import RulesService

def ingest_files(paths: Sequence[str | Path], *, rules_dirs: Iterable[str | Path] | None = None, **options: Any) -> Any:
    """``livelift ingest``: event logs / LIVE summaries -> history, valued at the rules' ``diamond_usd``.

    ``options`` go to :func:`livelift.ingest.ingest` (creator, creators, labels,
    timezone, skip_bad_lines). Returns its :class:`~livelift.ingest.IngestResult`.
    """
    from ..ingest import ingest

    return ingest(list(paths), diamond_usd=RulesService.load_rules(rules_dirs).diamond_usd(), **options)


def ingest_on_cluster(paths: Sequence[str | Path], history: str, *, rules_dirs: Iterable[str | Path] | None = None,
                      **options: Any) -> Any:
    """``livelift ingest --engine dask``: the same ingest on a Dask cluster, into Parquet dataset folders.

    ``options`` go to :func:`livelift.cluster.ingest_dataset` (sessions, profiles,
    creator, creators, defaults, labels, timezone, skip_bad_lines, scheduler,
    progress). Returns its :class:`~livelift.cluster.IngestRun` (``.result`` is
    the local engine's IngestResult for the same files).
    """
    from ..cluster import ingest_dataset

    return ingest_dataset([str(p) for p in paths], history,
                          diamond_usd=RulesService.load_rules(rules_dirs).diamond_usd(), **options)


def read_creators(path: str | Path) -> Any:
    """What events cannot show, per creator (followers, category, age, region), from a CSV/JSON file."""
    from ..ingest import read_creators as read

    return read(path)


def write_ingested(result: Any, history: str | Path, sessions: str | Path | None, profiles: str | Path | None) -> None:
    """Write what ingest built: the weekly history, and optionally the sessions and current profiles (atomically)."""
    from ..ingest import write_outputs

    write_outputs(result, history, sessions, profiles)


def record_live(unique_id: str, output: str | Path, *, say: Any) -> None:
    """``livelift record``: write a LIVE's events as JSON lines, a file a day (needs ``livelift[record]``)."""
    try:
        import TikTokLive  # noqa: F401

        from ..ingest.recorder import record
    except ImportError as exc:
        raise InputError(
            f"recording needs TikTokLive (import failed: {exc})", loc="livelift record",
            expected="the record extra: pip install 'livelift[record]'",
        ) from None
    from ..data.writers import check_output_path

    check_output_path(output, (".jsonl",))
    record(unique_id, output, say=say)


def history_money(path: str | Path, *, rules_dirs: Iterable[str | Path] | None = None) -> list[Any]:
    """``livelift facts --history``: per creator, likes / gifts / diamonds in a history file and their USD."""
    from ..data.contract import read_history
    from ..ingest import money_by_creator

    result = read_history(path)
    frame = result.frame
    if "likes" not in frame.columns:
        raise InputError("history has no 'likes' column, so it cannot show what likes earned", loc=str(path),
                         expected="a history with the optional likes column (as `livelift ingest` writes)")
    if "gifts" in frame.columns and frame["gifts"].isna().any():  # the count is only shown when every week has it
        frame = frame.drop(columns="gifts")
    date_col = "week" if "week" in frame.columns else "creator_id"
    return money_by_creator(frame, diamond_usd=RulesService.load_rules(rules_dirs).diamond_usd(),
                            date_col=date_col, diamonds_col="gift_diamonds", count_lives=False)


# ---------------------------------------------------------------------- for the page's history tab


def file_kind(path: str | Path) -> str:
    """Which of ``livelift ingest``'s readers takes ``path``: ``"events"`` or ``"summary"``; InputError otherwise."""
    from ..ingest import file_kind as kind

    return kind(path)


def creator_weeks(frame: Any, creator_id: str | None = None) -> tuple[Any, str | None]:
    """(CreatorWeeks, note): one creator's weeks in a validated history frame (the most weeks unless named)."""
    from ..reports.weeks import creator_weeks as weeks

    return weeks(frame, creator_id)


def simulated_history(creators: int, weeks: int, seed: int) -> Any:
    """SIMULATED creator-weeks in the data-contract shape (livelift's simulator), as a frame; nothing is written."""
    from ..recommender.simulate import simulate_history

    return simulate_history(creators=creators, weeks=weeks, seed=seed)


NO_STRATEGY = "(not a history week: fewer than 4 weeks of LIVEs before it)"
"""The strategy shown for an ingested week that has no history row (too few LIVEs before it)."""


def event_log_weeks(path: str | Path, *, creator_id: str | None = None, defaults: dict[str, Any] | None = None,
                    rules_dirs: Iterable[str | Path] | None = None) -> tuple[Any, str]:
    """(CreatorWeeks, note) of one creator in an event log or LIVE summary, read as ``livelift ingest`` reads it.

    Weekly diamonds and likes over every LIVE read, the strategy of each history
    week, and the current profile (the last 4 weeks) to recommend for; the
    creator with the most weeks unless ``creator_id`` names one. ``defaults``
    (followers, category, creator_age) apply to every creator in the file.
    """
    from ..reports.weeks import CreatorWeeks, pick_creator

    result = ingest_files([path], rules_dirs=rules_dirs, defaults=dict(defaults or {}))
    weekly = (result.sessions.groupby(["creator_id", "week"], sort=True)[["diamonds", "likes"]].sum()
              .reset_index())
    chosen, note = pick_creator(weekly, creator_id)
    rows = weekly[weekly["creator_id"].astype(str) == chosen]
    hist = result.history
    mine = hist["creator_id"] == chosen
    labels = {str(w): s for w, s in zip(hist.loc[mine, "week"], hist.loc[mine, "strategy"])}
    profile = result.profiles[result.profiles["creator_id"].astype(str) == chosen].iloc[0]
    weeks = CreatorWeeks(
        creator_id=chosen, creators_in_file=int(weekly["creator_id"].nunique()),
        weeks=tuple(str(w) for w in rows["week"]),
        diamonds=tuple(float(d) for d in rows["diamonds"]), likes=tuple(float(v) for v in rows["likes"]),
        strategies=tuple(labels.get(str(w), NO_STRATEGY) for w in rows["week"]),
        latest_profile={k: (v.item() if hasattr(v, "item") else v) for k, v in profile.items() if v == v},
        dated=True,
    )
    lives = int((result.sessions["creator_id"].astype(str) == chosen).sum())
    read = (f"Read with the rules of livelift ingest: {lives} LIVE(s) of {chosen}, weeks starting Monday (UTC); "
            f"a strategy is known for the weeks with 4 weeks of LIVEs before them. {result.report.notes[0]}")
    return weeks, " ".join(x for x in (note, read) if x)
