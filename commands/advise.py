"""Commands that answer a creator: recommend, facts, earnings, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..text import history as views_history
from .profiles import profile_options, profile_rows, read_profile_source, single_profile
from .shell import FORMAT, MODEL, RULES, SCHEDULER, SKIP, VERBOSITY, echo_err, pass_services, progress, report_read

BATCH_CHUNK = 100_000
"""Profiles per step of a batch `recommend` (the bar advances per step; rows are independent)."""

JSON_CHUNK = 1_000
"""Profiles per step of a batch `recommend --format json` (each gets its full Recommendation)."""


def _long_table_with_progress(rec: Any, frame: Any) -> Any:
    import pandas as pd

    n = len(frame)
    if n == 0:
        return rec.long_table(frame)
    parts = []
    with progress().bar("recommending", n, "profiles") as advance:
        for start in range(0, n, BATCH_CHUNK):
            chunk = frame.iloc[start:start + BATCH_CHUNK]
            parts.append(rec.long_table(chunk))
            advance(len(chunk))
    if len(parts) == 1:
        return parts[0]
    out = pd.concat(parts, ignore_index=True)
    for col in parts[0].columns:  # keep categorical columns categorical (concat of differing categories drops it)
        if isinstance(parts[0][col].dtype, pd.CategoricalDtype) and not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = pd.api.types.union_categoricals([p[col] for p in parts])
    return out


def _recommendations_with_progress(rec: Any, frame: Any) -> list[Any]:
    """One Recommendation per row of a validated profile frame, in file order (for --format json)."""
    rows = profile_rows(frame)
    if not rows:
        return []
    out: list[Any] = []
    with progress().bar("recommending", len(rows), "profiles") as advance:
        for start in range(0, len(rows), JSON_CHUNK):
            chunk = rows[start:start + JSON_CHUNK]
            out += rec.recommend_many(chunk)
            advance(len(chunk))
    return out


# ---------------------------------------------------------------------- recommend
@click.command()
@click.argument("profile_file", metavar="[PROFILE]", required=False)
@profile_options
@click.option("-o", "--output", default=None,
              help="Write the long table (one row per profile and option) to .csv, .parquet or .jsonl "
                   "(--engine dask: a new folder or URL for a Parquet dataset).")
@MODEL
@RULES
@SKIP
@FORMAT
@VERBOSITY
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this process. dask: PROFILE is a dataset (Parquet/CSV file, folder or glob, local or "
                   "fsspec URL such as s3://...), scored on a Dask cluster into the Parquet dataset -o OUT_DIR.")
@SCHEDULER
@pass_services
def recommend(services, profile_file, output, model_path, rules_dirs, skip_bad_rows, fmt, engine, scheduler, **flags):
    """Rank the strategies the rules allow by expected weekly gift uplift.

    PROFILE is a .json profile (or a list), .jsonl, .csv or .parquet file of
    profiles; or give one profile with options, e.g.

    \b
      livelift recommend --followers 5200 --avg-viewers 40 --engagement-rate 0.08 \\
          --streams-per-week 3 --avg-stream-minutes 90 --retention-rate 0.35 \\
          --prior-weekly-diamonds 1200 --category gaming --creator-age 24

    Millions of profiles (a Dask cluster):

    \b
      livelift recommend 'profiles/*.parquet' -o scores/ --engine dask
    """
    from ..service import check_output_path, write_frame

    if engine == "dask" or scheduler is not None:
        rec = services.recommender(model_path, rules_dirs)
        _recommend_dask(rec, profile_file, output, skip_bad_rows, engine, scheduler, flags)
        return
    profile_file = None if profile_file is None else Path(profile_file)
    output = None if output is None else Path(output)
    if profile_file is not None and profile_file.is_dir():
        raise click.BadParameter(f"{profile_file} is a folder: give a file, or use --engine dask for a dataset",
                                 param_hint="PROFILE")
    if output is not None:
        check_output_path(output, (".csv", ".parquet", ".jsonl"), inputs=(profile_file,))
    kind, data = read_profile_source(profile_file, flags, skip_bad_rows)
    rec = services.recommender(model_path, rules_dirs)
    # JSON has the HTTP shapes: one profile -> one object; a file of profiles -> {"results": [...], "count": n}
    one = data if kind == "one" else None if fmt == "json" else single_profile(data, str(profile_file))
    if one is not None:
        result = rec.recommend(one)
        if output is not None:
            table = rec.recommendations_table([result])
            write_frame(table, output)
            echo_err(f"wrote {len(table)} rows (one per option) to {output}")
        from ..text import views

        click.echo(views.recommendation(result, fmt))
        return
    if fmt == "json" and output is None:
        from ..text import views

        click.echo(views.recommendation_batch(_recommendations_with_progress(rec, data.frame)))
        return
    table = _long_table_with_progress(rec, data.frame)
    if output is not None:
        write_frame(table, output)
        echo_err(f"wrote {len(table):,} rows ({len(data.frame):,} profiles x {len(table) // max(len(data.frame), 1)} options) to {output}")
        if rec.is_synthetic:
            from ..service import SYNTHETIC_NOTE

            echo_err(f"note: {SYNTHETIC_NOTE}")
        return
    from ..text import views

    click.echo(views.long_table(table, synthetic=rec.is_synthetic, calibrated=rec.model_summary.calibrated))


def _recommend_dask(rec, dataset, output, skip_bad_rows, engine, scheduler, flags):
    """``recommend --engine dask``: parse, call Recommender.recommend_dataset, report."""
    import sys

    if engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if dataset is None or output is None or any(v is not None for v in flags.values()):
        raise click.UsageError("--engine dask needs a DATASET (file, folder, glob or URL) and -o OUT_DIR, and no profile options")
    from ..text.progress import RateLine

    line = RateLine(sys.stderr) if sys.stderr.isatty() else None
    result = rec.recommend_dataset(dataset, output, scheduler=scheduler, skip_bad_rows=skip_bad_rows, progress=line)
    report_read(result)
    from ..text import views

    echo_err(views.dataset_written(result, output))
    if rec.is_synthetic:
        from ..service import SYNTHETIC_NOTE

        echo_err(f"note: {SYNTHETIC_NOTE}")


# ---------------------------------------------------------------------- facts, earnings
@click.command()
@click.option("--history", "history_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A history file (e.g. from `livelift ingest`): also show your own likes, gifts, diamonds and "
                   "what each earned.")
@RULES
@FORMAT
@pass_services
def facts(services, history_path, rules_dirs, fmt):
    """The monetization facts (do likes pay? no: gifts do), with sources."""
    from ..text import views

    service = services.rules(rules_dirs)
    if history_path is None:
        click.echo(views.facts(service.facts(), fmt))
        return
    from ..service import history_money  # issue 12: the creator's own answer, beside the facts

    money = history_money(history_path, rules_dirs=rules_dirs)
    if fmt == "json":
        from ..text.tables import to_json

        click.echo(to_json({"facts": [{"id": f.id, "text": f.text, "sources": list(f.sources)} for f in service.facts()],
                            "your_history": [m.as_dict() for m in money], "source": str(history_path)}))
        return
    click.echo(views.facts(service.facts(), fmt))
    click.echo("")
    click.echo(f"Your own numbers ({history_path}, the weeks in the history):")
    click.echo(views_history.money_table(money))


@click.command()
@click.option("--diamonds", type=float, default=None, help="Diamonds received from gifts.")
@click.option("--coins", type=float, default=None, help="Coins viewers spent on gifts.")
@RULES
@FORMAT
@pass_services
def earnings(services, diamonds, coins, rules_dirs, fmt):
    """Estimate the USD value of diamonds (or of coins spent on gifts)."""
    from ..text import views

    click.echo(views.earnings(services.rules(rules_dirs).earnings(diamonds=diamonds, coins=coins), fmt))


# ---------------------------------------------------------------------- report (issue 14) >>>
@click.command()
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Report file to write: .html (one self-contained file) or .pdf.")
@click.option("--creator", "creator_id", default=None,
              help="Whose weeks to show when HISTORY holds several creators (default: the one with the most weeks).")
@click.option("--format", "report_fmt", type=click.Choice(["html", "pdf"]), default=None,
              help="Output format (default: from the -o file's extension).")
@MODEL
@RULES
@SKIP
@VERBOSITY
@pass_services
def report(services, history, output, creator_id, report_fmt, model_path, rules_dirs, skip_bad_rows):
    """Write a report with plots for a creator's HISTORY (the data-contract shape).

    Weekly diamonds and likes; each strategy's expected uplift with intervals
    for the latest week's profile; for the model, calibration by decile and the
    off-policy value of following it vs the creators' own choices (on the whole
    file); data coverage. The HTML file embeds its images and references
    nothing outside itself.
    """
    from .. import service

    fmt = report_fmt or ("pdf" if output.suffix.lower() == ".pdf" else "html")
    endings = {"pdf": (".pdf",), "html": (".html", ".htm")}
    service.check_output_path(output, endings[report_fmt] if report_fmt else endings["html"] + endings["pdf"],
                              inputs=(history,))
    with progress().stages("report") as say:
        say(f"reading {history}")
        result = service.read_history(history, skip_bad_rows=skip_bad_rows)
        say("loading rules and model")
        rec = services.recommender(model_path, rules_dirs)
        built = service.write_report(result.frame, rec, output, fmt, source=history.name,
                                     creator_id=creator_id, progress=say)
    report_read(result)
    check = built.model_check
    echo_err(f"wrote {output} ({fmt}): {built.weeks.creator_id}, {len(built.weeks.weeks)} weeks"
              + (f"; model check not estimated: {check.problem}" if check.problem else ""))
    if rec.is_synthetic:
        echo_err("note: the model is trained on SIMULATED history; the report says so")
