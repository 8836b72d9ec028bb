"""The ``livelift`` command: a thin click shell over the service layer.

Every command parses its arguments, calls the service layer
(``service.Recommender``, or ``service.RulesService`` for the rules-only
commands) or the contract / simulator / training functions, and renders the result as a
table or as JSON. User mistakes end with ``Error: ...`` and exit 1 (2 for
usage errors), never a traceback. Heavy libraries load inside the
commands, so ``livelift --help`` answers at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .errors import InputError, LiveLiftError
from .data.fields import PROFILE_COLUMNS, STRATEGIES

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="Output format.",
)
MODEL = click.option(
    "--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Model file written by `livelift train` (default: the shipped model, trained on simulated history).",
)
RULES = click.option(
    "--rules", "rules_dirs", type=click.Path(file_okay=False, path_type=Path), multiple=True,
    help="Folder of extra rule YAML files; a rule with a shipped id replaces it. Repeatable.",
)
SKIP = click.option(
    "--skip-bad-rows", is_flag=True,
    help="Skip rows that break the data contract (reports how many and why) instead of stopping.",
)


class _Group(click.Group):
    """Turns livelift's own errors into click errors: message, exit 1, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LiveLiftError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # unreadable/unwritable paths the user named
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="livelift", prog_name="livelift")
def main() -> None:
    """livelift: what to do on TikTok LIVE to earn more gifts, and why.

    Likes, comments and shares pay nothing; gifts (Coins -> Gifts -> Diamonds
    -> cash) are the LIVE income. livelift's rules say which strategies apply
    to a creator; its model ranks them by the expected extra weekly gift
    diamonds. The shipped model is trained on SIMULATED history: train your
    own with `livelift train`.
    """


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def _load(model_path: Path | None, rules_dirs: tuple[Path, ...]):
    from .service import Recommender

    rec = Recommender.load(model_path, rules_dirs=rules_dirs)
    for notice in rec.notices:
        _echo_err(f"note: {notice}")
    return rec


def _report_read(result: Any) -> None:
    for note in result.notes:
        _echo_err(f"note: {note}")
    if result.skipped:
        _echo_err(f"skipped {result.skipped:,} bad row(s) of {result.rows_read:,} in {result.source}; first reasons:")
        for reason in result.reasons:
            _echo_err(f"  - {reason}")


# ---------------------------------------------------------------------- profile flags
def _flag(col_name: str) -> str:
    return "--" + col_name.replace("_", "-")


def profile_options(func: Any) -> Any:
    """One option per profile column (--followers, --creator-age, ...), plus --region."""
    kinds = {"int": int, "float": float}
    for col in reversed(PROFILE_COLUMNS + (None,)):
        if col is None:
            func = click.option("--region", default=None, help="ISO 3166 alpha-2 country code (optional; KR raises the age limit to 19).")(func)
            continue
        typ: Any = kinds.get(col.kind, str)
        if col.kind == "choice":
            typ = str  # validated by the contract (unknown categories map to 'other')
        func = click.option(_flag(col.name), col.name, type=typ, default=None, help=f"{col.description} ({col.expected}).")(func)
    return func


def _profile_from_flags(values: dict[str, Any]) -> dict[str, Any] | None:
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return None
    given.setdefault("creator_id", "cli")
    missing = [_flag(c.name) for c in PROFILE_COLUMNS if c.name not in given]
    if missing:
        raise click.UsageError("missing profile option(s): " + ", ".join(missing) + " (or pass a profile file instead)")
    return given


def _read_profile_source(profile_file: Path | None, flags: dict[str, Any], skip_bad_rows: bool):
    """-> ('one', Profile) or ('many', ReadResult)."""
    from .data.contract import parse_profile, read_profiles

    from_flags = _profile_from_flags(flags)
    if profile_file is not None and from_flags is not None:
        raise click.UsageError("give either a PROFILE file or profile options such as --followers, not both")
    if profile_file is None and from_flags is None:
        raise click.UsageError(
            "give a PROFILE file (.json, .jsonl, .csv, .parquet) or the profile options: "
            + ", ".join(_flag(c.name) for c in PROFILE_COLUMNS if c.name != "creator_id")
        )
    if from_flags is not None:
        return "one", parse_profile(from_flags, source="options")
    if profile_file.suffix.lower() == ".json":
        import json

        try:
            raw = json.loads(profile_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raw = None  # let the contract reader explain what is wrong
        if isinstance(raw, dict):
            return "one", parse_profile(raw, source=str(profile_file))
    result = read_profiles(profile_file, skip_bad_rows=skip_bad_rows)
    _report_read(result)
    if len(result.frame) == 1:
        row = {k: (v.item() if hasattr(v, "item") else v) for k, v in result.frame.iloc[0].to_dict().items()}
        row = {k: v for k, v in row.items() if k in _PROFILE_KEYS and v is not None and v == v}
        return "one", parse_profile(row, source=str(profile_file))
    return "many", result


_PROFILE_KEYS = {c.name for c in PROFILE_COLUMNS} | {"region"}


# ---------------------------------------------------------------------- recommend
@main.command()
@click.argument("profile_file", metavar="[PROFILE]", required=False)
@profile_options
@click.option("-o", "--output", default=None,
              help="Write the long table (one row per profile and strategy) to .csv, .parquet or .jsonl "
                   "(--engine dask: a new folder or URL for a Parquet dataset).")
@MODEL
@RULES
@SKIP
@FORMAT
# -- cluster (issue 15): --engine dask scores a dataset on a Dask cluster
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this process. dask: PROFILE is a dataset (Parquet/CSV file, folder or glob, local or "
                   "fsspec URL such as s3://...), scored on a Dask cluster into the Parquet dataset -o OUT_DIR.")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="--engine dask: a running Dask scheduler (tcp://host:8786, or its scheduler file). "
                   "Default: a local cluster, one single-threaded worker process per core.")
# -- end cluster
def recommend(profile_file, output, model_path, rules_dirs, skip_bad_rows, fmt, engine, scheduler, **flags):
    """Rank the strategies the rules allow by expected weekly gift uplift.

    PROFILE is a .json profile (or a list), .jsonl, .csv or .parquet file of
    profiles; or give one profile with options, e.g.

      livelift recommend --followers 5200 --avg-viewers 40 --engagement-rate 0.08
      --streams-per-week 3 --avg-stream-minutes 90 --retention-rate 0.35
      --prior-weekly-diamonds 1200 --category gaming --creator-age 24

    Millions of profiles: livelift recommend 'profiles/*.parquet' -o scores/ --engine dask
    """
    from .data.writers import check_output_path, write_frame

    if engine == "dask" or scheduler is not None:
        _recommend_dask(profile_file, output, model_path, rules_dirs, skip_bad_rows, engine, scheduler, flags)
        return
    profile_file = None if profile_file is None else Path(profile_file)
    output = None if output is None else Path(output)

    if output is not None:
        check_output_path(output, (".csv", ".parquet", ".jsonl"), inputs=(profile_file,))
    kind, data = _read_profile_source(profile_file, flags, skip_bad_rows)
    rec = _load(model_path, rules_dirs)
    if kind == "one":
        result = rec.recommend(data)
        if output is not None:
            write_frame(rec.recommendations_table([result]), output)
            _echo_err(f"wrote {len(STRATEGIES)} rows to {output}")
        from .text import views

        click.echo(views.recommendation(result, fmt))
        return
    table = rec.long_table(data.frame)
    if output is not None:
        write_frame(table, output)
        _echo_err(f"wrote {len(table):,} rows ({len(data.frame):,} profiles x {len(STRATEGIES)} strategies) to {output}")
        if rec.is_synthetic:
            from .service import SYNTHETIC_NOTE

            _echo_err(f"note: {SYNTHETIC_NOTE}")
        return
    from .text import views

    click.echo(views.long_table(table, fmt, synthetic=rec.is_synthetic))


# -- cluster (issue 15)
def _recommend_dask(dataset, output, model_path, rules_dirs, skip_bad_rows, engine, scheduler, flags):
    """``recommend --engine dask``: parse, call Recommender.recommend_dataset, report."""
    if engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if dataset is None or output is None or any(v is not None for v in flags.values()):
        raise click.UsageError("--engine dask needs a DATASET (file, folder, glob or URL) and -o OUT_DIR, and no profile options")
    from .cluster.progress import RateLine

    rec = _load(model_path, rules_dirs)
    progress = RateLine(sys.stderr) if sys.stderr.isatty() else None
    result = rec.recommend_dataset(dataset, output, scheduler=scheduler, skip_bad_rows=skip_bad_rows, progress=progress)
    _report_read(result)
    _echo_err(
        f"wrote {result.rows:,} rows ({result.profiles:,} profiles x {len(STRATEGIES)} strategies) from {result.files:,} file(s) "
        f"as {result.parts:,} parts to {output} in {result.seconds:,.1f} s ({result.profiles_per_second:,.0f} profiles/s "
        f"on {result.workers} worker(s))"
    )
    if rec.is_synthetic:
        from .service import SYNTHETIC_NOTE

        _echo_err(f"note: {SYNTHETIC_NOTE}")
# -- end cluster


# ---------------------------------------------------------------------- facts, earnings
@main.command()
@RULES
@FORMAT
def facts(rules_dirs, fmt):
    """The monetization facts (do likes pay? no: gifts do), with sources."""
    from .text import views
    from .service import RulesService

    service = RulesService.load_rules(rules_dirs)
    for notice in service.notices:
        _echo_err(f"note: {notice}")
    click.echo(views.facts(service.facts(), fmt))


@main.command()
@click.option("--diamonds", type=float, default=None, help="Diamonds received from gifts.")
@click.option("--coins", type=float, default=None, help="Coins viewers spent on gifts.")
@RULES
@FORMAT
def earnings(diamonds, coins, rules_dirs, fmt):
    """Estimate the USD value of diamonds (or of coins spent on gifts)."""
    from .text import views
    from .service import RulesService

    if (diamonds is None) == (coins is None):
        raise click.UsageError("give exactly one of --diamonds N or --coins N")
    service = RulesService.load_rules(rules_dirs)
    click.echo(views.earnings(service.earnings(diamonds=diamonds, coins=coins), fmt))


# ---------------------------------------------------------------------- simulate, train, evaluate
@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file: .csv, .parquet, .jsonl or .json.")
@click.option("--creators", type=click.IntRange(1, 5_000_000), default=2000, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 520), default=12, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True)
@click.option("--with-truth", is_flag=True, help="Add true_uplift_<strategy> columns (the simulator's ground truth).")
def simulate(output, creators, weeks, seed, with_truth):
    """Write SYNTHETIC creator-week history in the data-contract shape.

    For trying livelift and measuring it against known truth; it is not
    TikTok data. Same seed, same file.
    """
    from .data.writers import check_output_path, write_frame
    from .recommender.simulate import simulate_history

    check_output_path(output, (".csv", ".parquet", ".jsonl", ".json"))
    df = simulate_history(creators=creators, weeks=weeks, seed=seed, with_truth=with_truth)
    write_frame(df, output)
    _echo_err(f"wrote {len(df):,} simulated creator-weeks ({creators:,} creators x {weeks} weeks, seed {seed}) to {output}")


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Model file to write (.joblib); its model card goes next to it (.json).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True, help="random_state of the model.")
@click.option("--synthetic/--real", default=None,
              help="Mark the training data as simulated or real (default: simulated if it has true_uplift_* columns).")
@SKIP
@FORMAT
def train(data, output, seed, synthetic, skip_bad_rows, fmt):
    """Fit the uplift model on your creator-week history DATA.

    DATA is a .csv, .parquet, .json or .jsonl file in the data-contract shape
    (one row per creator-week). Writes MODEL and its card atomically.
    """
    from .text import views
    from .data.contract import read_history
    from .data.writers import check_output_path
    from .data.fields import TRUTH_PREFIX
    from .recommender.persistence import save_model
    from .recommender.training import train_model

    check_output_path(output, (".joblib",))
    _check_model_output(output, data)
    result = read_history(data, skip_bad_rows=skip_bad_rows)
    _report_read(result)
    if synthetic is None:
        synthetic = any(str(c).startswith(TRUTH_PREFIX) for c in result.frame.columns)
        _echo_err(
            "note: the model card will say this history is "
            + ("SIMULATED (it has true_uplift_* columns)" if synthetic else "REAL; pass --synthetic if it is simulated")
        )

    def progress(message: str) -> None:
        _echo_err(f"  {message}")

    _echo_err(f"training on {len(result.frame):,} rows from {data} ...")
    ranker, summary = train_model(result.frame, random_state=seed, progress=progress)
    card = save_model(ranker, output, training_summary=summary.get("training_data", summary),
                      synthetic=bool(synthetic), metrics=summary.get("metrics"))
    click.echo(views.train_summary(summary, card, output, fmt))


def _check_model_output(output: Path, data: Path) -> None:
    """Before a long fit: the model and its card must not clobber the data or a foreign .json."""
    import json
    import os

    from .recommender.persistence import FORMAT, card_path

    card = card_path(output)
    for target in (output, card):
        if target.exists() and data.exists() and os.path.samefile(target, data):
            raise InputError(
                f"would overwrite the training data {data}",
                loc=f"-o {output}", expected="a model path whose .joblib and .json card differ from DATA",
            )
    if card.exists():
        try:
            is_card = json.loads(card.read_text(encoding="utf-8")).get("format") == FORMAT
        except (OSError, ValueError, AttributeError, RecursionError):
            is_card = False
        if not is_card:
            raise InputError(
                f"{card} exists and is not a livelift model card; training would overwrite it",
                loc=f"-o {output}", expected="a model path whose .json card is new or an older livelift card",
            )
    folder = output.parent if str(output.parent) else Path(".")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write to the folder {folder}", loc=f"-o {output}", expected="a writable folder")


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@MODEL
@SKIP
@FORMAT
def evaluate(data, model_path, skip_bad_rows, fmt):
    """How good is a model on held-out history DATA?

    With true_uplift_* columns (simulated data): gain captured vs the oracle,
    top-1 accuracy, rank correlation, uplift RMSE, interval coverage.
    Without: doubly-robust off-policy estimates of the value of following
    the model vs doing nothing and vs the creators' own choices.
    """
    from .text import views
    from .data.contract import read_history
    from .recommender.evaluation import evaluate as evaluate_model
    from .recommender.persistence import load_model

    result = read_history(data, skip_bad_rows=skip_bad_rows)
    _report_read(result)
    model = load_model(model_path)
    metrics = evaluate_model(model.ranker, result.frame)
    click.echo(views.evaluation(metrics, model.card, fmt))


# ---------------------------------------------------------------------- rules
@main.group(cls=_Group)
def rules():
    """Check rule files, or explain which rules fire for a profile."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@FORMAT
def rules_check(dirs, fmt):
    """Validate rule files: the shipped ones, plus each DIR given."""
    from .text import views
    from .rules import check_rules, load_ruleset

    problems = []
    for d in dirs or (None,):
        problems += [p for p in check_rules(d) if p not in problems]
    summary = ""
    if not problems:
        ruleset = load_ruleset(tuple(dirs))
        files = sorted({r.file for r in ruleset.rules})
        summary = f"{len(ruleset.rules)} rules in {len(files)} files, {len(ruleset.parameters)} parameters"
        for notice in ruleset.notices:
            _echo_err(f"note: {notice}")
    click.echo(views.rules_check(problems, summary, fmt))
    if problems:
        sys.exit(1)


@rules.command("explain")
@click.argument("profile_file", metavar="[PROFILE]", required=False, type=click.Path(dir_okay=False, path_type=Path))
@profile_options
@RULES
@FORMAT
def rules_explain(profile_file, rules_dirs, fmt, **flags):
    """Which rules fire for a profile, why, and what they allow or block."""
    from .text import views
    from .service import RulesService

    kind, data = _read_profile_source(profile_file, flags, False)
    if kind != "one":
        raise InputError(
            f"holds {len(data.frame):,} profiles; `rules explain` takes one",
            loc=str(profile_file), expected="a file with exactly one profile",
        )
    service = RulesService.load_rules(rules_dirs)
    for notice in service.notices:
        _echo_err(f"note: {notice}")
    evaluation = service.explain(data)
    click.echo(views.explanation(data, evaluation, fmt))


# ---------------------------------------------------------------------- serve
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--max-batch", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Most profiles accepted in one {\"profiles\": [...]} request.")
@click.option("--max-body-bytes", type=click.IntRange(1024), default=1_048_576, show_default=True,
              help="Larger request bodies get 413.")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log one line per request.")
@MODEL
@RULES
def serve(host, port, workers, max_batch, max_body_bytes, access_log, model_path, rules_dirs):
    """Run the HTTP JSON service (OpenAPI at /docs and /openapi.json).

    The model and rules load before the port opens: if they cannot, the
    server does not start and says why.
    """
    try:
        from .web.app import serve as run
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise click.ClickException(
            f"the HTTP service needs FastAPI and uvicorn (import failed: {exc}); "
            "install them with: pip install 'livelift[http]'"
        ) from None
    run(host=host, port=port, workers=workers, model_path=model_path, rules_dirs=rules_dirs,
        max_batch=max_batch, max_body_bytes=max_body_bytes, access_log=access_log)


if __name__ == "__main__":  # pragma: no cover
    main()
