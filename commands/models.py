"""Commands on models and data: simulate, train, evaluate."""

from __future__ import annotations

from pathlib import Path

import click

from .shell import FORMAT, MODEL, SKIP, VERBOSITY, echo_err, progress, report_read

# ---------------------------------------------------------------------- simulate, train, evaluate
@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file: .csv, .parquet, .jsonl or .json.")
@click.option("--creators", type=click.IntRange(1, 5_000_000), default=2000, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 520), default=12, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True)
@click.option("--with-truth", is_flag=True, help="Add true_uplift_<strategy> columns (the simulator's ground truth).")
@click.option("--creator-effects", "creator_effect_sd", type=click.FloatRange(0.0, 3.0), default=0.0, show_default=True,
              help="Creator-specific effects: sd of each creator's log-multiplier per strategy (0 = off); "
                   "with --with-truth adds true_personal_uplift_<strategy>.")
def simulate(output, creators, weeks, seed, with_truth, creator_effect_sd):
    """Write SYNTHETIC creator-week history in the data-contract shape.

    For trying livelift and measuring it against known truth; it is not
    TikTok data. Same seed, same file.
    """
    from .. import service

    df = service.simulate(output, creators=creators, weeks=weeks, seed=seed, with_truth=with_truth,
                         creator_effect_sd=creator_effect_sd)
    echo_err(f"wrote {len(df):,} simulated creator-weeks ({creators:,} creators x {weeks} weeks, seed {seed}) to {output}")


@click.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Model file to write (.skops); its model card goes next to it (.json).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True, help="random_state of the model.")
@click.option("--synthetic/--real", default=None,
              help="Mark the training data as simulated or real (default: simulated if it has true_uplift_* columns).")
@SKIP
@FORMAT
@VERBOSITY
def train(data, output, seed, synthetic, skip_bad_rows, fmt):
    """Fit the uplift model on your creator-week history DATA.

    DATA is a .csv, .parquet, .json or .jsonl file in the data-contract shape
    (one row per creator-week). Writes MODEL and its card atomically.
    """
    from .. import service
    from ..text import views

    service.check_model_output(output, data)
    result = service.read_history(data, skip_bad_rows=skip_bad_rows)
    report_read(result)
    simulated = service.is_simulated(result.frame)
    if simulated and synthetic is False:
        echo_err("note: this history is marked simulated (data_source or true_uplift_* columns): the model card says SIMULATED")
    elif synthetic is None:
        echo_err(
            "note: the model card will say this history is "
            + ("SIMULATED (it is marked simulated)" if simulated else "REAL; pass --synthetic if it is simulated")
        )
    echo_err(f"training on {len(result.frame):,} rows from {data} ...")
    with progress().stages("training") as say:
        summary, card = service.train(result.frame, output, seed=seed, synthetic=synthetic, progress=say)
    click.echo(views.train_summary(summary, card, output, fmt))


@click.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@MODEL
@SKIP
@FORMAT
@VERBOSITY
def evaluate(data, model_path, skip_bad_rows, fmt):
    """How good is a model on held-out history DATA?

    With true_uplift_* columns (simulated data): gain captured vs the oracle,
    top-1 accuracy, rank correlation, uplift RMSE, interval coverage.
    Without: doubly-robust off-policy estimates of the value of following
    the model vs doing nothing and vs the creators' own choices.
    """
    from .. import service
    from ..text import views

    with progress().stages("evaluating") as say:
        say(f"reading {data}")
        result = service.read_history(data, skip_bad_rows=skip_bad_rows)
        say(f"scoring {len(result.frame):,} rows with the model (cross-fitting when there is no truth)")
        metrics, card = service.evaluate(result.frame, model_path=model_path)
    report_read(result)
    click.echo(views.evaluation(metrics, card, fmt))
