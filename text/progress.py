"""Progress on long work, for the CLI (rich, on stderr).

* :meth:`Progress.bar` - a bar with rate and ETA when the total is known;
* :meth:`Progress.stages` - named stages (a spinner with the current one) otherwise.

Nothing is drawn when stderr is not a terminal or with ``--quiet``; ``-v``
also prints each stage as a line (on a terminal or not), so logs keep them.
Stdout is never touched: piped results stay clean.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Progress", "RateLine", "QUIET", "NORMAL", "VERBOSE"]

QUIET, NORMAL, VERBOSE = -1, 0, 1


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@dataclass
class Progress:
    """What to show for one command: ``verbosity`` is QUIET, NORMAL or VERBOSE (``-v``).

    ``stream`` defaults to stderr; ``terminal`` to whether it is one (tests pass both).
    """

    verbosity: int = NORMAL
    stream: TextIO | None = None
    terminal: bool | None = None
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def __post_init__(self) -> None:
        if self.stream is None:
            self.stream = sys.stderr
        if self.terminal is None:
            self.terminal = _is_terminal(self.stream)

    @property
    def live(self) -> bool:
        """Draw bars and spinners? Only on a terminal, and not with --quiet."""
        return bool(self.terminal) and self.verbosity > QUIET

    def log(self, message: str) -> None:
        """A detail line, shown only with -v."""
        if self.verbosity >= VERBOSE:
            print(f"[{time.perf_counter() - self._started:6.1f}s] {message}", file=self.stream, flush=True)

    def _console(self) -> Any:
        from rich.console import Console

        return Console(file=self.stream, force_terminal=True, stderr=self.stream is sys.stderr)

    @contextlib.contextmanager
    def stages(self, title: str) -> Iterator[Callable[[str], None]]:
        """``with progress.stages("training") as say: say("fold 1/3")``: a spinner naming the stage."""
        if not self.live:
            yield self.log
            return
        from rich.progress import Progress as Bar, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[stage]}"),
                   TimeElapsedColumn())
        with Bar(*columns, console=self._console(), transient=True) as bar:
            task = bar.add_task(title, stage="", total=None)

            def say(message: str) -> None:
                bar.update(task, stage=message)
                self.log(message)

            yield say

    @contextlib.contextmanager
    def bar(self, title: str, total: int, unit: str = "rows") -> Iterator[Callable[[int], None]]:
        """``with progress.bar("recommending", n) as advance: advance(k)``: a bar with rate and ETA."""
        if not self.live:
            def quiet(k: int) -> None:
                return None

            yield quiet
            self.log(f"{title}: {total:,} {unit} done")
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TaskProgressColumn, \
            TextColumn, TimeRemainingColumn

        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                   TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn())
        with Bar(*columns, console=self._console(), transient=True) as bar:
            task = bar.add_task(title, total=total, rate="")
            t0 = time.perf_counter()

            def advance(k: int) -> None:
                bar.advance(task, k)
                done = bar.tasks[0].completed
                rate = done / max(time.perf_counter() - t0, 1e-9)
                bar.update(task, rate=f"{rate:,.0f} {unit}/s")

            yield advance
        self.log(f"{title}: {total:,} {unit} done")


class RateLine:
    """One rewritten terminal line for work counted in parts (``recommend``/``ingest --engine dask``):
    ``progress(done, total, count, seconds)`` -> '\\r  12/40 parts  1,234,567 profiles  24.1k profiles/s  eta 52 s'
    (ingest: ``RateLine(stream, "events", "tasks")``)."""

    def __init__(self, stream: TextIO, unit: str = "profiles", parts: str = "parts") -> None:
        self.stream = stream
        self.unit, self.parts = unit, parts
        self._width = 0

    def __call__(self, done: int, total: int, profiles: int, seconds: float) -> None:
        rate = profiles / seconds if seconds > 0 else 0.0
        eta = f"  eta {seconds * (total - done) / done:,.0f} s" if 0 < done < total else ""
        text = f"  {done:,}/{total:,} {self.parts}  {profiles:,} {self.unit}  {rate / 1000:,.1f}k {self.unit}/s{eta}"
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
