"""The ``livelift`` command: a thin click shell over the service layer.

The group lives here; its commands live in ``commands/`` (one module per
group of verbs). Every command parses its arguments, calls the service layer
(``livelift.service``, built once per invocation in ``ctx.obj``) and renders
the result with ``text/`` as a table or as JSON. User mistakes end with ``Error: ...`` and exit 1 (2 for
usage errors), never a traceback. Heavy libraries load inside the
commands, so ``livelift --help`` answers at once.
"""

from __future__ import annotations

import click

from .commands.advise import earnings, facts, recommend, report
from .commands.history import ingest, record
from .commands.models import evaluate, simulate, train
from .commands.plan import plan
from .commands.rules import rules
from .commands.serve import serve
from .commands.shell import VERBOSITY, LiveLiftGroup, Services


@click.group(cls=LiveLiftGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


for command in (recommend, facts, earnings, simulate, train, evaluate, ingest, record, plan, rules, report, serve):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
