"""The rules group: check rule files, explain which rules fire for a profile."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from .profiles import profile_options, read_profile_source, single_profile
from .shell import FORMAT, RULES, LiveLiftGroup, echo_notices, pass_services

# ---------------------------------------------------------------------- rules
@click.group(cls=LiveLiftGroup)
def rules():
    """Check rule files, or explain which rules fire for a profile."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@FORMAT
def rules_check(dirs, fmt):
    """Validate rule files: the shipped ones, plus each DIR given."""
    from .. import service
    from ..text import views

    problems, summary, notices = service.check_rules(tuple(dirs))
    echo_notices(notices)
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
    from ..text import views

    kind, data = read_profile_source(profile_file, flags, False)
    profile = data if kind == "one" else single_profile(data, str(profile_file))
    if profile is None:
        raise InputError(
            f"holds {len(data.frame):,} profiles; `rules explain` takes one",
            loc=str(profile_file), expected="a file with exactly one profile",
        )
    evaluation = services.rules(rules_dirs).explain(profile)
    click.echo(views.explanation(profile, evaluation, fmt))
