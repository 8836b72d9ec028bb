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
from .data.fields import PROFILE_COLUMNS

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


# ---------------------------------------------------------------------- progress (issue 14) >>>
def _set_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """--quiet / -v, given before or after the command name (the last one given wins)."""
    if value:
        ctx.meta["livelift.verbosity"] = -1 if param.name == "quiet" else min(int(value), 1)


def VERBOSITY(func: Any) -> Any:
    func = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                        help="More detail: print each stage of long work as a line.")(func)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_verbosity,
                        help="No progress display.")(func)


def _progress():
    """The progress display for this command: on a terminal (stderr) only, none with --quiet."""
    from .text.progress import Progress

    ctx = click.get_current_context(silent=True)
    return Progress(verbosity=ctx.meta.get("livelift.verbosity", 0) if ctx is not None else 0)


BATCH_CHUNK = 100_000
"""Profiles per step of a batch `recommend` (the bar advances per step; rows are independent)."""


def _long_table_with_progress(rec: Any, frame: Any) -> Any:
    import pandas as pd

    n = len(frame)
    if n == 0:
        return rec.long_table(frame)
    parts = []
    with _progress().bar("recommending", n, "profiles") as advance:
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
# ---------------------------------------------------------------------- <<< progress (issue 14)


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


class Services:
    """``ctx.obj``: builds the service layer once per invocation, when a command first needs it.

    The group callback runs even for ``--help``, so nothing loads here;
    :meth:`recommender` and :meth:`rules` load rules (and the model) on first use.
    """

    def __init__(self) -> None:
        self._built: dict[tuple, Any] = {}

    def recommender(self, model_path: Path | None, rules_dirs: tuple[Path, ...]) -> Any:
        key = ("recommender", model_path, tuple(rules_dirs))
        if key not in self._built:
            from .service import Recommender

            self._built[key] = Recommender.load(model_path, rules_dirs=rules_dirs)
            _echo_notices(self._built[key].notices)
        return self._built[key]

    def rules(self, rules_dirs: tuple[Path, ...]) -> Any:
        key = ("rules", tuple(rules_dirs))
        if key not in self._built:
            from .service import RulesService

            self._built[key] = RulesService.load_rules(rules_dirs)
            _echo_notices(self._built[key].notices)
        return self._built[key]


pass_services = click.make_pass_decorator(Services, ensure=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="livelift", prog_name="livelift")
@VERBOSITY
@click.pass_context
def main(ctx: click.Context) -> None:
    """livelift: what to do on TikTok LIVE to earn more gifts, and why.

    Likes, comments and shares pay nothing; gifts (Coins -> Gifts -> Diamonds
    -> cash) are the LIVE income. livelift's rules say which strategies apply
    to a creator; its model ranks them by the expected extra weekly gift
    diamonds. The shipped model is trained on SIMULATED history: train your
    own with `livelift train`.
    """
    ctx.ensure_object(Services)


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def _echo_notices(notices: Any) -> None:
    for notice in notices:
        _echo_err(f"note: {notice}")


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
    from .service import parse_profile, read_profiles

    if profile_file is not None and any(v is not None for v in flags.values()):
        raise click.UsageError("give either a PROFILE file or profile options such as --followers, not both")
    from_flags = _profile_from_flags(flags)
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
@click.argument("profile_file", metavar="[PROFILE]", required=False, type=click.Path(dir_okay=False, path_type=Path))
@profile_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the long table (one row per profile and strategy) to .csv, .parquet or .jsonl.")
@MODEL
@RULES
@SKIP
@FORMAT
@VERBOSITY
@pass_services
def recommend(services, profile_file, output, model_path, rules_dirs, skip_bad_rows, fmt, **flags):
    """Rank the strategies the rules allow by expected weekly gift uplift.

    PROFILE is a .json profile (or a list), .jsonl, .csv or .parquet file of
    profiles; or give one profile with options, e.g.

      livelift recommend --followers 5200 --avg-viewers 40 --engagement-rate 0.08
      --streams-per-week 3 --avg-stream-minutes 90 --retention-rate 0.35
      --prior-weekly-diamonds 1200 --category gaming --creator-age 24
    """
    from .service import check_output_path, write_frame

    if output is not None:
        check_output_path(output, (".csv", ".parquet", ".jsonl"), inputs=(profile_file,))
    kind, data = _read_profile_source(profile_file, flags, skip_bad_rows)
    rec = services.recommender(model_path, rules_dirs)
    if kind == "one":
        result = rec.recommend(data)
        if output is not None:
            table = rec.recommendations_table([result])
            write_frame(table, output)
            _echo_err(f"wrote {len(table)} rows (one per option) to {output}")
        from .text import views

        click.echo(views.recommendation(result, fmt))
        return
    table = _long_table_with_progress(rec, data.frame)
    if output is not None:
        write_frame(table, output)
        _echo_err(f"wrote {len(table):,} rows ({len(data.frame):,} profiles x {len(table) // max(len(data.frame), 1)} options) to {output}")
        if rec.is_synthetic:
            from .service import SYNTHETIC_NOTE

            _echo_err(f"note: {SYNTHETIC_NOTE}")
        return
    from .text import views

    click.echo(views.long_table(table, fmt, synthetic=rec.is_synthetic))


# ---------------------------------------------------------------------- facts, earnings
@main.command()
@click.option("--history", "history_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A history file (e.g. from `livelift ingest`): also show your own likes, gifts, diamonds and "
                   "what each earned.")
@RULES
@FORMAT
@pass_services
def facts(services, history_path, rules_dirs, fmt):
    """The monetization facts (do likes pay? no: gifts do), with sources."""
    from .text import views

    service = services.rules(rules_dirs)
    if history_path is None:
        click.echo(views.facts(service.facts(), fmt))
        return
    from .service import history_money  # issue 12: the creator's own answer, beside the facts

    money = history_money(history_path, rules_dirs=rules_dirs)
    if fmt == "json":
        from .text.tables import to_json

        click.echo(to_json({"facts": [{"id": f.id, "text": f.text, "sources": list(f.sources)} for f in service.facts()],
                            "your_history": [m.as_dict() for m in money], "source": str(history_path)}))
        return
    click.echo(views.facts(service.facts(), fmt))
    click.echo("")
    click.echo(f"Your own numbers ({history_path}, the weeks in the history):")
    click.echo(_money_table(money))


@main.command()
@click.option("--diamonds", type=float, default=None, help="Diamonds received from gifts.")
@click.option("--coins", type=float, default=None, help="Coins viewers spent on gifts.")
@RULES
@FORMAT
@pass_services
def earnings(services, diamonds, coins, rules_dirs, fmt):
    """Estimate the USD value of diamonds (or of coins spent on gifts)."""
    from .text import views

    click.echo(views.earnings(services.rules(rules_dirs).earnings(diamonds=diamonds, coins=coins), fmt))


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
    from . import service

    df = service.simulate(output, creators=creators, weeks=weeks, seed=seed, with_truth=with_truth)
    _echo_err(f"wrote {len(df):,} simulated creator-weeks ({creators:,} creators x {weeks} weeks, seed {seed}) to {output}")


@main.command()
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
    from . import service
    from .text import views

    service.check_model_output(output, data)
    result = service.read_history(data, skip_bad_rows=skip_bad_rows)
    _report_read(result)
    simulated = service.is_simulated(result.frame)
    if simulated and synthetic is False:
        _echo_err("note: this history is marked simulated (data_source or true_uplift_* columns): the model card says SIMULATED")
    elif synthetic is None:
        _echo_err(
            "note: the model card will say this history is "
            + ("SIMULATED (it is marked simulated)" if simulated else "REAL; pass --synthetic if it is simulated")
        )
    _echo_err(f"training on {len(result.frame):,} rows from {data} ...")
    with _progress().stages("training") as say:
        summary, card = service.train(result.frame, output, seed=seed, synthetic=synthetic, progress=say)
    click.echo(views.train_summary(summary, card, output, fmt))


@main.command()
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
    from . import service
    from .text import views

    with _progress().stages("evaluating") as say:
        say(f"reading {data}")
        result = service.read_history(data, skip_bad_rows=skip_bad_rows)
        say(f"scoring {len(result.frame):,} rows with the model (cross-fitting when there is no truth)")
        metrics, card = service.evaluate(result.frame, model_path=model_path)
    _report_read(result)
    click.echo(views.evaluation(metrics, card, fmt))


# ---------------------------------------------------------------------- ingest (issue 12)
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="History file to write (.csv, .parquet, .jsonl, .json), in the data contract's shape.")
@click.option("--sessions", "sessions_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the sessions table (one row per LIVE).")
@click.option("--profiles", "profiles_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
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
@RULES
@FORMAT
def ingest(files, output, sessions_path, profiles_path, creator, creators_path, followers, category, creator_age, labels_path,
           timezone, skip_bad_lines, rules_dirs, fmt):
    """Turn LIVE event logs and LIVE summaries into your weekly history.

    FILES: event logs recorded with TikTokLive or TikTok-Live-Connector
    (.jsonl, .jsonl.gz, .ndjson) and LIVE summary tables (.csv, .parquet), in
    any mix. Writes the history `livelift train` and `recommend` read, and
    prints what likes and gifts earned you.
    """
    from .data.writers import check_output_path
    from .ingest import read_creators, write_outputs
    from .service import ingest_files

    check_output_path(output, inputs=files)
    for extra in (sessions_path, profiles_path):
        if extra is not None:
            check_output_path(extra, inputs=files + (output,))
    creators = read_creators(creators_path) if creators_path is not None else {}
    defaults = {"followers": followers, "category": category, "creator_age": creator_age}
    result = ingest_files(files, rules_dirs=rules_dirs, creator=creator, creators=creators,
                          defaults={k: v for k, v in defaults.items() if v is not None},
                          labels=labels_path, timezone=timezone, skip_bad_lines=skip_bad_lines)
    write_outputs(result, output, sessions_path, profiles_path)
    _echo_err(f"wrote {len(result.history):,} creator-weeks to {output}"
              + (f", {len(result.sessions):,} LIVEs to {sessions_path}" if sessions_path else "")
              + (f", {len(result.profiles):,} current profiles to {profiles_path}" if profiles_path else ""))
    click.echo(_ingest_view(result.report, fmt))


def _money_table(money: Any) -> str:
    from .text.tables import fmt_num, table

    rows = [[m.creator_id, f"{m.first}..{m.last}", fmt_num(m.likes), fmt_num(m.gifts), fmt_num(m.diamonds),
             f"${m.usd_est:,.2f}", "$0"] for m in money]
    return table(["creator", "period", "likes", "gifts", "diamonds", "est. USD", "likes earned"], rows,
                 align="llrrrrr", width=120)


def _ingest_view(report: Any, fmt: str) -> str:
    from .text.tables import table, to_json

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
    out.append(_money_table(report.money))
    out += [f"note: {n}" for n in report.notes[:12]]
    if len(report.notes) > 12:
        out.append(f"note: ... and {len(report.notes) - 12} more (see --format json)")
    return "\n".join(out)

@main.command()
@click.argument("unique_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Base name of the JSON-lines files; one file a day: events.jsonl -> events-YYYY-MM-DD.jsonl.")
def record(unique_id, output):
    """Record @UNIQUE_ID's LIVE events for `livelift ingest` (needs livelift[record]).

    Uses TikTokLive, an UNOFFICIAL reverse-engineered client: TikTok may change
    or block it, and its counts can differ from LIVE Analytics. Ctrl-C stops.
    """
    try:
        from .ingest.recorder import record as run_recorder
        import TikTokLive  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"recording needs TikTokLive (import failed: {exc}); "
                                   "install it with: pip install 'livelift[record]'") from None
    from .data.writers import check_output_path

    check_output_path(output, (".jsonl",))
    run_recorder(unique_id, output, say=_echo_err)
# ---------------------------------------------------------------------- end ingest (issue 12)


# ---------------------------------------------------------------------- rules
@main.group(cls=_Group)
def rules():
    """Check rule files, or explain which rules fire for a profile."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@FORMAT
def rules_check(dirs, fmt):
    """Validate rule files: the shipped ones, plus each DIR given."""
    from . import service
    from .text import views

    problems, summary, notices = service.check_rules(tuple(dirs))
    _echo_notices(notices)
    click.echo(views.rules_check(problems, summary, fmt))
    if problems:
        sys.exit(1)


@rules.command("explain")
@click.argument("profile_file", metavar="[PROFILE]", required=False, type=click.Path(dir_okay=False, path_type=Path))
@profile_options
@RULES
@FORMAT
@pass_services
def rules_explain(services, profile_file, rules_dirs, fmt, **flags):
    """Which rules fire for a profile, why, and what they allow or block."""
    from .text import views

    kind, data = _read_profile_source(profile_file, flags, False)
    if kind != "one":
        raise InputError(
            f"holds {len(data.frame):,} profiles; `rules explain` takes one",
            loc=str(profile_file), expected="a file with exactly one profile",
        )
    evaluation = services.rules(rules_dirs).explain(data)
    click.echo(views.explanation(data, evaluation, fmt))


# ---------------------------------------------------------------------- report (issue 14) >>>
@main.command()
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
    from . import service

    fmt = report_fmt or ("pdf" if output.suffix.lower() == ".pdf" else "html")
    service.check_output_path(output, (".pdf",) if fmt == "pdf" else (".html", ".htm"), inputs=(history,))
    with _progress().stages("report") as say:
        say(f"reading {history}")
        result = service.read_history(history, skip_bad_rows=skip_bad_rows)
        say("loading rules and model")
        rec = services.recommender(model_path, rules_dirs)
        built = service.write_report(result.frame, rec, output, fmt, source=history.name,
                                     creator_id=creator_id, progress=say)
    _report_read(result)
    check = built.model_check
    _echo_err(f"wrote {output} ({fmt}): {built.weeks.creator_id}, {len(built.weeks.weeks)} weeks"
              + (f"; model check not estimated: {check.problem}" if check.problem else ""))
    if rec.is_synthetic:
        _echo_err("note: the model is trained on SIMULATED history; the report says so")
# ---------------------------------------------------------------------- <<< report (issue 14)


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
        from .web.server import serve as run
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise click.ClickException(
            f"the HTTP service needs FastAPI and uvicorn (import failed: {exc}); "
            "install them with: pip install 'livelift[http]'"
        ) from None
    run(host=host, port=port, workers=workers, model_path=model_path, rules_dirs=rules_dirs,
        max_batch=max_batch, max_body_bytes=max_body_bytes, access_log=access_log)


if __name__ == "__main__":  # pragma: no cover
    main()
