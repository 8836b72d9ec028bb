"""What every command shares: the error-to-exit translation, ctx.obj (the services, built once),
shared options, progress, and echoing notes to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import LiveLiftError

__all__ = [
    "FORMAT", "MODEL", "RULES", "SCHEDULER", "SKIP", "VERBOSITY", "LiveLiftGroup", "Services", "pass_services",
    "progress", "echo_err", "echo_notices", "report_read",
]

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
SCHEDULER = click.option(
    "--scheduler", default=None, metavar="ADDR",
    help="--engine dask: a running Dask scheduler (tcp://host:8786, or its scheduler file). "
         "Default: a local cluster, one single-threaded worker process per core.",
)
SKIP = click.option(
    "--skip-bad-rows", is_flag=True,
    help="Skip rows that break the data contract (reports how many and why) instead of stopping.",
)


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """--quiet / -v, given before or after the command name (the last one given wins)."""
    if value:
        ctx.meta["livelift.verbosity"] = -1 if param.name == "quiet" else min(int(value), 1)


def VERBOSITY(func: Any) -> Any:
    func = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                        help="More detail: print each stage of long work as a line.")(func)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_verbosity,
                        help="No progress display.")(func)


def progress():
    """The progress display for this command: on a terminal (stderr) only, none with --quiet."""
    from ..text.progress import Progress

    ctx = click.get_current_context(silent=True)
    return Progress(verbosity=ctx.meta.get("livelift.verbosity", 0) if ctx is not None else 0)


class LiveLiftGroup(click.Group):
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
            from ..service import Recommender

            self._built[key] = Recommender.load(model_path, rules_dirs=rules_dirs)
            echo_notices(self._built[key].notices)
        return self._built[key]

    def rules(self, rules_dirs: tuple[Path, ...]) -> Any:
        key = ("rules", tuple(rules_dirs))
        if key not in self._built:
            from ..service import RulesService

            self._built[key] = RulesService.load_rules(rules_dirs)
            echo_notices(self._built[key].notices)
        return self._built[key]


pass_services = click.make_pass_decorator(Services, ensure=True)


def echo_err(text: str) -> None:
    click.echo(text, err=True)


def echo_notices(notices: Any) -> None:
    for notice in notices:
        echo_err(f"note: {notice}")


def report_read(result: Any) -> None:
    for note in result.notes:
        echo_err(f"note: {note}")
    if result.skipped:
        echo_err(f"skipped {result.skipped:,} bad row(s) of {result.rows_read:,} in {result.source}; first reasons:")
        for reason in result.reasons:
            echo_err(f"  - {reason}")
