"""``livelift ingest FILES... -o HISTORY --engine dask``: many creators' event logs on a Dask cluster.

Steps of :func:`ingest_dataset` (what runs where):

1. client: the local checks (files exist, time zone, labels file), the
   output folders (``output.prepare``: a temporary folder next to each);
2. workers: summary tables, one task per file (``read_summaries``); each
   event log's first lines (``ingest_plan.sniff``) to see whose it is;
3. client: group the files by creator, pack the groups into tasks
   (``ingest_plan``); the tasks' inputs (summary rows, facts, labels of
   their creators) are scattered, never put in the task graph;
4. workers: one task per group of creators: the local reader over its event
   logs, then the local per-creator step (weekly history with 4-week
   trailing profiles, labels, money, current profiles);
5. client: check no creator or room was split between tasks (re-run those
   tasks as one if so), then the global steps of the local path
   (``pipeline.finish``: facts missing for any creator, label counts and
   unused labels, whether every creator has a region, the report), check
   the history against the data contract, write each output as a Parquet
   dataset and rename it into place. On any failure nothing is left.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from . import output
from .engine import _check_workers, _client, _require_dask
from .ingest_plan import Task, TaskResult, conflicts, group_files, ingest_task, pack, sniff
from .parts import _write_part, part_name

__all__ = ["IngestRun", "ingest_dataset", "PART_ROWS", "TASKS_PER_THREAD", "TASK_BYTES"]

TASKS_PER_THREAD = 4
TASK_BYTES = 256 << 20  # more tasks than 4 a thread when there is more than this much log per task
PART_ROWS = 500_000

ProgressFn = Callable[[int, int, int, float], None]


@dataclass(frozen=True)
class IngestRun:
    """The ingest result (as the local engine gives it) and how the run went."""

    result: Any  # pipeline.IngestResult
    outputs: tuple[tuple[str, str, int], ...]  # (what, folder, rows)
    tasks: int
    reruns: int
    workers: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.result.report.events / self.seconds if self.seconds > 0 else float("nan")


def ingest_dataset(paths: list[str], history: str, *, diamond_usd: float, sessions: str | None = None,
                   profiles: str | None = None, creator: str | None = None,
                   creators: dict[str, dict[str, Any]] | None = None, defaults: dict[str, Any] | None = None,
                   labels: str | None = None, timezone: str = "UTC", skip_bad_lines: bool = False,
                   scheduler: str | None = None, progress: ProgressFn | None = None,
                   n_workers: int | None = None) -> IngestRun:
    """The local ``ingest`` on a Dask cluster; HISTORY (and SESSIONS, PROFILES) are Parquet dataset folders."""
    from ..ingest.pipeline import check_inputs

    started = time.perf_counter()
    _require_dask()
    paths = [str(p) for p in paths]
    creator = creator.lstrip("@") if creator else None
    kinds, label_map = check_inputs(paths, timezone=timezone, labels=labels)
    targets = _targets(paths, history, sessions, profiles)
    temps: dict[str, str] = {}
    try:
        for what, folder in targets:
            temps[what] = output.prepare(folder)
        with _client(scheduler, n_workers) as client:
            workers = _check_workers(client)
            threads = sum(client.nthreads().values())
            opts = dict(creator=creator, skip_bad_lines=skip_bad_lines, timezone=timezone)
            result, tasks, reruns = _run(client, paths, kinds, label_map, creators or {}, defaults or {}, opts,
                                         diamond_usd, threads, progress, started)
        written = _write(result, targets, temps)
        manifest = _manifest(result, paths, tasks, reruns)
        for what, folder in targets:
            output.commit(temps[what], folder, written[what][1], {**manifest, "table": what, "rows": written[what][0]})
    except BaseException:
        for tmp in temps.values():
            output.abort(tmp)
        raise
    return IngestRun(result, tuple((w, f, written[w][0]) for w, f in targets), tasks, reruns, workers,
                     time.perf_counter() - started)


def _targets(paths: list[str], history: str, sessions: str | None, profiles: str | None) -> list[tuple[str, str]]:
    targets = [("history", str(history))] + [(w, str(f)) for w, f in (("sessions", sessions), ("profiles", profiles))
                                              if f is not None]
    resolved = {str(Path(p).resolve()) for p in paths}
    seen: set[str] = set()
    for what, folder in targets:
        full = str(Path(folder).resolve()) if "://" not in folder else folder
        if full in resolved or full in seen:
            raise InputError(f"the {what} output is also an input or another output", loc=folder,
                             expected="a new folder for each Parquet dataset")
        seen.add(full)
    return targets


def _run(client: Any, paths: list[str], kinds: dict, label_map: dict, creators: dict, defaults: dict, opts: dict,
         diamond_usd: float, threads: int, progress: ProgressFn | None, started: float) -> tuple[Any, int, int]:
    """Summaries and sniffing, then the creator tasks (re-run where the check finds a split), then finish."""
    from ..ingest.facts import base_facts, merge_facts
    from ..ingest.pipeline import finish
    from ..ingest.reading import no_lives, summary_stats
    from ..ingest.summaries import read_summaries

    events = [p for p in paths if kinds[p] == "events"]
    summary_files = [p for p in paths if kinds[p] == "summary"]
    sums = client.gather(client.map(read_summaries, summary_files, pure=False, creator=opts["creator"],
                                    timezone=opts["timezone"], skip_bad_lines=opts["skip_bad_lines"]))
    summary_info: dict = {}
    rows_of: dict[str, list] = {}
    for s in sums:
        merge_facts(summary_info, s.creator_info)
        for sess in s.sessions:
            rows_of.setdefault(sess.creator_id, []).append(sess)
    info = base_facts(summary_info, creators)
    known = set(info) | set(rows_of) | {c for c, _ in label_map}
    if opts["creator"] is None:
        sniffed = client.gather(client.map(sniff, events, pure=False))
    else:
        sniffed = [((opts["creator"],), Path(p).stat().st_size) for p in events]
    groups = group_files(sniffed, {c: len(v) for c, v in rows_of.items()}, opts["creator"])
    total = sum(g.cost for g in groups)
    want = max(TASKS_PER_THREAD * threads, math.ceil(total / TASK_BYTES))
    work = {}
    for g in pack(groups, want):
        work[len(work)] = _task(len(work), sorted(g.files), g.claims, events, rows_of, info, label_map)
    results: dict[int, TaskResult] = {}
    state = {"done": 0, "events": 0}
    pending, reruns, next_index = dict(work), 0, len(work)
    while pending:
        results.update(_submit(client, pending, opts, defaults, diamond_usd, progress, started, state, len(work)))
        pending = {}
        merge = conflicts(work, results, known)
        for i in sorted(set(i for i, r in results.items() if r.orphans) - set().union(*merge)):
            pending[i] = work[i] = replace(work[i], strict=True)  # no file names these rooms' host: the reader's error
            del results[i]
        for ids in merge:
            files = sorted({f for i in ids for f in work[i].file_ids})
            claims = {c for i in ids for c in work[i].claims | results[i].creators}
            for i in ids:
                del work[i], results[i]
            pending[next_index] = work[next_index] = _task(next_index, files, claims, events, rows_of, info, label_map)
            next_index += 1
            reruns += 1
    if not sum(r.lives for r in results.values()):
        raise no_lives(paths)
    ordered = [results[i] for i in sorted(results)]
    stats = [summary_stats(s) for s in sums] + [st for _, st in sorted(p for r in ordered for p in r.stats)]
    return finish(paths, stats, [r.part for r in ordered], label_map), state["done"], reruns


def _task(index: int, file_ids: list[int], claims: set[str], events: list[str], rows_of: dict, info: dict,
          label_map: dict) -> Task:
    rows = [s for c in sorted(claims) for s in rows_of.get(c, ())]  # each creator's rows in input order
    return Task(index, tuple(file_ids), tuple(events[i] for i in file_ids), frozenset(claims), tuple(rows),
                {c: info[c] for c in claims if c in info}, {k: v for k, v in label_map.items() if k[0] in claims})


def _submit(client: Any, pending: dict[int, Task], opts: dict, defaults: dict, diamond_usd: float,
            progress: ProgressFn | None, started: float, state: dict, total: int) -> dict[int, TaskResult]:
    """Run ``pending`` (inputs scattered, not in the graph); the first failed task cancels the rest."""
    from distributed import as_completed

    data = client.scatter(list(pending.values()), hash=False)
    futures = client.map(ingest_task, data, pure=False, defaults=defaults, diamond_usd=diamond_usd, **opts)
    out: dict[int, TaskResult] = {}
    try:
        for fut in as_completed(futures):
            res = fut.result()  # a failed task raises here: an InputError naming the file and line
            out[res.index] = res
            state["done"] += 1
            state["events"] += res.events
            if progress is not None:
                progress(state["done"], max(total, state["done"]), state["events"], time.perf_counter() - started)
    except BaseException:
        client.cancel(futures)
        raise
    return out


def _write(result: Any, targets: list[tuple[str, str]], temps: dict[str, str]) -> dict[str, tuple[int, list[str]]]:
    """Check the history (and profiles) like the local engine, then write each table as Parquet parts."""
    from ..ingest.pipeline import sessions_for_output, validate_outputs

    folders = dict(targets)
    validate_outputs(result, folders["history"], folders.get("profiles"))
    frames = {"history": result.history, "profiles": result.profiles}
    if "sessions" in folders:
        frames["sessions"] = sessions_for_output(result.sessions)
    written = {}
    for what, _ in targets:
        frame, names = frames[what], []
        for k, start in enumerate(range(0, len(frame), PART_ROWS)):
            names.append(part_name(k))
            _write_part(frame.iloc[start:start + PART_ROWS], temps[what], names[-1])
        written[what] = (len(frame), names)
    return written


def _manifest(result: Any, paths: list[str], tasks: int, reruns: int) -> dict[str, Any]:
    from datetime import datetime, timezone
    from importlib.metadata import version

    rep = result.report
    return {
        "format": "livelift-ingest/1",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "livelift": version("livelift"),
        "files": len(paths),
        "events": rep.events,
        "lives": sum(rep.sessions.values()),
        "creator_weeks": rep.weeks,
        "skipped_bad_lines": rep.bad_lines,
        "tasks": tasks,
        "reruns": reruns,
        "note": "counts as observed by an unofficial TikTok LIVE client; see the ingest report",
    }
