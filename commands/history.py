"""Commands on a creator's own LIVE data: ingest event logs and summaries, record events."""

from __future__ import annotations

from pathlib import Path

import click

from ..text import history as views_history
from .shell import FORMAT, RULES, SCHEDULER, VERBOSITY, echo_err, progress

# ---------------------------------------------------------------------- ingest (issue 12)
@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="History file to write (.csv, .parquet, .jsonl, .json), in the data contract's shape "
                   "(--engine dask: a new folder for a Parquet dataset).")
@click.option("--sessions", "sessions_path", type=click.Path(path_type=Path), default=None,
              help="Also write the sessions table (one row per LIVE).")
@click.option("--profiles", "profiles_path", type=click.Path(path_type=Path), default=None,
              help="Also write each creator's profile as it stands now (the last 4 weeks), for `livelift recommend`.")
@click.option("--creator", default=None, help="The host's @handle for every input (else taken from the files).")
@click.option("--creators", "creators_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV/JSON with creator_id, followers, category, creator_age[, region] (what events cannot show).")
@click.option("--followers", type=click.IntRange(0), default=None, help="Current followers (every creator lacking it).")
@click.option("--category", default=None, help="Content niche (every creator lacking it).")
@click.option("--creator-age", type=click.IntRange(0), default=None, help="Creator's age (every creator lacking it).")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV with creator_id, week, strategy: what you tried (overrides detected labels).")
@click.option("--timezone", default="UTC", show_default=True, help="Your time zone (IANA name); weeks start on Monday.")
@click.option("--skip-bad-lines", is_flag=True, help="Skip corrupt lines / rows (counted, first five reasons shown).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: one task per group of creators on a Dask cluster; -o/--sessions/--profiles are then new "
                   "folders for Parquet datasets.")
@SCHEDULER
@RULES
@FORMAT
@VERBOSITY
def ingest(files, output, sessions_path, profiles_path, creator, creators_path, followers, category, creator_age, labels_path,
           timezone, skip_bad_lines, engine, scheduler, rules_dirs, fmt):
    """Turn LIVE event logs and LIVE summaries into your weekly history.

    FILES: event logs recorded with TikTokLive or TikTok-Live-Connector
    (.jsonl, .jsonl.gz, .ndjson) and LIVE summary tables (.csv, .parquet), in
    any mix. Writes the history `livelift train` and `recommend` read, and
    prints what likes and gifts earned you.
    """
    from ..service import check_output_path, ingest_files
    from ..service.history import read_creators, write_ingested

    _refuse_shared_outputs({"-o": output, "--sessions": sessions_path, "--profiles": profiles_path})
    if engine == "dask" or scheduler is not None:
        _ingest_dask(files, output, sessions_path, profiles_path, creator, creators_path, followers, category,
                     creator_age, labels_path, timezone, skip_bad_lines, engine, scheduler, rules_dirs, fmt)
        return
    check_output_path(output, inputs=files)
    for extra in (sessions_path, profiles_path):
        if extra is not None:
            check_output_path(extra, inputs=files + (output,))
    creators = read_creators(creators_path) if creators_path is not None else {}
    defaults = {"followers": followers, "category": category, "creator_age": creator_age}
    with progress().stages("ingesting") as say:
        say(f"reading {len(files)} file(s): events -> LIVEs -> weekly history")
        result = ingest_files(files, rules_dirs=rules_dirs, creator=creator, creators=creators,
                              defaults={k: v for k, v in defaults.items() if v is not None},
                              labels=labels_path, timezone=timezone, skip_bad_lines=skip_bad_lines)
        say(f"writing {output}")
        write_ingested(result, output, sessions_path, profiles_path)
    echo_err(f"wrote {len(result.history):,} creator-weeks to {output}"
              + (f", {len(result.sessions):,} LIVEs to {sessions_path}" if sessions_path else "")
              + (f", {len(result.profiles):,} current profiles to {profiles_path}" if profiles_path else ""))
    click.echo(views_history.ingest_report(result.report, fmt))


def _refuse_shared_outputs(paths: dict[str, Path | None]) -> None:
    """-o, --sessions and --profiles are three tables: two of them in one file would keep only the last."""
    seen: dict[str, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        key = str(path.resolve())
        if key in seen:
            raise click.UsageError(f"{seen[key]} and {option} both name {path}: each table needs its own file "
                                   "(e.g. -o history.csv --sessions sessions.csv --profiles profiles.csv)")
        seen[key] = option


def _ingest_dask(files, output, sessions_path, profiles_path, creator, creators_path, followers, category, creator_age,
                 labels_path, timezone, skip_bad_lines, engine, scheduler, rules_dirs, fmt):
    """``ingest --engine dask``: parse, call service.history.ingest_on_cluster, report like the local engine."""
    import sys

    from ..text.progress import RateLine
    from ..service.history import ingest_on_cluster, read_creators

    if engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    creators = read_creators(creators_path) if creators_path is not None else {}
    defaults = {"followers": followers, "category": category, "creator_age": creator_age}
    line = RateLine(sys.stderr, "events", "tasks") if sys.stderr.isatty() else None
    run = ingest_on_cluster(
        files, str(output), rules_dirs=rules_dirs, sessions=None if sessions_path is None else str(sessions_path),
        profiles=None if profiles_path is None else str(profiles_path), creator=creator, creators=creators,
        defaults={k: v for k, v in defaults.items() if v is not None}, labels=labels_path, timezone=timezone,
        skip_bad_lines=skip_bad_lines, scheduler=scheduler, progress=line,
    )
    echo_err(", ".join(f"wrote {rows:,} {what} rows to {folder}/" for what, folder, rows in run.outputs)
             + f" (Parquet datasets) in {run.seconds:,.1f} s: {run.events_per_second:,.0f} events/s, {run.tasks} task(s)"
             + (f" ({run.reruns} re-run as one: files mixed creators)" if run.reruns else "")
             + f" on {run.workers} worker(s)")
    click.echo(views_history.ingest_report(run.result.report, fmt))


@click.command()
@click.argument("unique_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Base name of the JSON-lines files; one file a day: events.jsonl -> events-YYYY-MM-DD.jsonl.")
def record(unique_id, output):
    """Record @UNIQUE_ID's LIVE events for `livelift ingest` (needs livelift[record]).

    Uses TikTokLive, an UNOFFICIAL reverse-engineered client: TikTok may change
    or block it, and its counts can differ from LIVE Analytics. Ctrl-C stops.
    """
    from ..service.history import record_live

    record_live(unique_id, output, say=echo_err)
