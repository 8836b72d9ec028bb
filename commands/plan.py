"""The plan group: each creator's own weekly plan, kept in a database (SQLite file or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import click

from .shell import FORMAT, MODEL, RULES, LiveLiftGroup, echo_err, pass_services, progress, report_read

DB = click.option("--db", "db", required=True,
                  help="Plan store: a SQLite file (plans.db) or a SQLAlchemy URL (postgresql+psycopg://...).")


@click.group(cls=LiveLiftGroup)
def plan():
    """Each creator's own weekly plan: the population model as prior, the creator's weeks update it.

    Loop: `plan init HISTORY` once, then every week `plan next` and `plan record RESULTS`.
    """


def _plans_service():
    """livelift.service.plans, or a clear error when the plans extra is missing (--help works without it)."""
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the extra
        raise click.ClickException("`livelift plan` needs SQLAlchemy: pip install 'livelift[plans]'") from None
    from ..service import plans

    return plans


@plan.command("init")
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True)
@click.option("--policy", type=click.Choice(["greedy", "kg", "thompson"]), default="greedy", show_default=True,
              help="greedy: best posterior mean (measured best, benchmarks/bench_plan.py); kg: knowledge gradient; "
                   "thompson: Thompson sampling.")
@click.option("--horizon", type=click.IntRange(1, 520), default=12, show_default=True,
              help="Weeks over which what is learnt is used.")
@click.option("--spread", type=click.FloatRange(0.0, 3.0), default=None,
              help="How much creators' own effects differ from the population's (relative sd, e.g. 0.5); "
                   "default: estimated from HISTORY.")
@MODEL
@RULES
@pass_services
def plan_init(services, history, db, seed, policy, horizon, spread, model_path, rules_dirs):
    """Load creators' weekly HISTORY (data-contract rows with a week column) into a new plan store."""
    service = _plans_service()

    result = service.read_history(history)
    report_read(result)
    summary = service.init_store(db, result, services.recommender(model_path, rules_dirs), seed=seed, policy=policy,
                                 horizon=horizon, spread=spread)
    for note in summary.notes:
        echo_err(f"note: {note}")
    h = summary.hyper
    echo_err(f"plan store ready: {summary.creators:,} creators, {summary.weeks:,} weeks; week-to-week noise sd "
             f"{min(h.noise_var) ** 0.5:.2f}-{max(h.noise_var) ** 0.5:.2f}, creator-to-creator "
             f"spread of effects sd {h.het_var ** 0.5:.2f}")


@plan.command("next")
@DB
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the picks to .csv, .parquet, .jsonl or .json (default: print).")
@click.option("--creator", default=None, help="Only this creator_id.")
@click.option("--week", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Week (Monday, YYYY-MM-DD) to plan; default: each creator's latest recorded week + 7 days.")
@MODEL
@RULES
@FORMAT
@pass_services
def plan_next(services, db, output, creator, week, model_path, rules_dirs, fmt):
    """Next week's pick per creator: strategy, expected uplift, 80% range and why (same week, same pick)."""
    service = _plans_service()

    if output is not None:
        service.check_output_path(output, (".csv", ".parquet", ".jsonl", ".json"))
    with progress().stages("planning") as say:
        say("loading the model and the store")
        rec = services.recommender(model_path, rules_dirs)
        say("choosing next week's pick per creator")
        picks = service.next_picks(db, rec, creator=creator, week=None if week is None else week.date())
    if output is not None:
        service.write_frame(picks, output)
        echo_err(f"wrote {len(picks):,} picks to {output}")
        return
    if fmt == "json":
        click.echo(picks.to_json(orient="records", indent=2))
        return
    for r in picks.itertuples():
        click.echo(f"{r.creator_id}  week of {r.week}: {r.strategy}\n  {r.reason}")


@plan.command("record")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB
def plan_record(results, db):
    """Add observed weeks (data-contract rows with a week column); all or nothing, never counted twice."""
    service = _plans_service()

    result = service.read_history(results)
    report_read(result)
    summary = service.record_weeks(db, result)
    echo_err(f"recorded {summary.added:,} new weeks for {summary.creators:,} creators"
             + (f"; {summary.already:,} already recorded with the same values (skipped)" if summary.already else ""))


@plan.command("show")
@DB
@click.option("--creator", required=True, help="creator_id to show.")
@MODEL
@RULES
@FORMAT
@pass_services
def plan_show(services, db, creator, model_path, rules_dirs, fmt):
    """A creator's own estimate per strategy beside the population model's, and the weeks behind it."""
    from ..plans.report import show_json, show_text
    service = _plans_service()

    view = service.creator_view(db, services.recommender(model_path, rules_dirs), creator)
    click.echo(show_json(view) if fmt == "json" else show_text(view))
