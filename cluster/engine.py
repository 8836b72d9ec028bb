"""Driving a run: connect (or start) a cluster, ship the scorer once, run one task per piece, commit.

Steps of :func:`score_dataset`:

1. list the input files (client side) and check OUT_DIR (``output.prepare``);
2. connect to ``scheduler`` (an address or a scheduler file) or start a
   LocalCluster with one single-threaded worker process per core;
3. check every worker runs the same livelift and scikit-learn as here;
4. read the Parquet footers on the workers, cut pieces (about four per
   worker thread, at most ``MAX_PIECE_ROWS`` rows each);
5. ``client.scatter(scorer, broadcast=True)``: the model and rules reach each
   worker once, as data, never inside the task graph;
6. one task per piece (``parts.score_piece``); results arrive as they
   finish, with progress; the first failed task cancels the rest;
7. sum the per-piece counts (exact, whatever the retries), commit the
   output (``output.commit``) or delete it on failure.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import InputError
from . import output
from .inputs import Piece, cut_pieces, file_rows, list_inputs
from .parts import PartResult, score_piece

__all__ = ["DatasetResult", "score_dataset", "MAX_PIECE_ROWS", "MIN_PIECE_ROWS"]

MAX_PIECE_ROWS = 250_000
"""Largest piece: a 250k-row partition peaks near 0.5 GB per worker (shared/docs/scale.md)."""
MIN_PIECE_ROWS = 20_000
"""Smallest piece worth a task (below this, scheduling overhead shows)."""
PIECES_PER_THREAD = 4
MAX_REASONS = 5


@dataclass(frozen=True)
class DatasetResult:
    """What a run did: counts summed over every piece, the first reasons for skipped rows, notes."""

    source: str  # the DATASET argument
    out_dir: str
    files: int
    parts: int
    rows_read: int
    profiles: int
    skipped: int
    rows: int
    workers: int
    seconds: float
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def profiles_per_second(self) -> float:
        return self.profiles / self.seconds if self.seconds > 0 else float("nan")


ProgressFn = Callable[[int, int, int, float], None]
"""progress(pieces_done, pieces_total, profiles_done, seconds_elapsed)"""


def score_dataset(
    scorer: Any,
    dataset: str,
    out_dir: str,
    *,
    scheduler: str | None = None,
    skip_bad_rows: bool = False,
    progress: ProgressFn | None = None,
    n_workers: int | None = None,
) -> DatasetResult:
    """Score every profile in ``dataset`` on a Dask cluster into the Parquet dataset ``out_dir``.

    ``scorer`` is a picklable object with ``long_table(frame, threads=1)``
    (a :class:`livelift.Recommender`). Bad rows raise InputError naming the
    file and row, unless ``skip_bad_rows``; then the skipped count is exact.
    """
    started = time.perf_counter()
    _require_dask()
    files, notes = list_inputs(dataset)
    tmp = output.prepare(out_dir)
    try:
        with _client(scheduler, n_workers) as client:
            workers = _check_workers(client)
            threads = sum(client.nthreads().values())
            groups = client.gather(client.map(file_rows, files, pure=False))
            notes += [f"{f.url}: no rows" for f, g in zip(files, groups) if f.fmt == "parquet" and sum(g) == 0]
            total = sum(sum(g) for g in groups)
            target = max(MIN_PIECE_ROWS, min(MAX_PIECE_ROWS, -(-total // (PIECES_PER_THREAD * threads)) if total else 1))
            pieces = cut_pieces(files, groups, target)
            if not pieces:
                raise InputError("no data rows in any file", loc=dataset, expected="at least one profile row")
            scorer_f = client.scatter(scorer, broadcast=True, hash=False)
            results = _run(client, pieces, scorer_f, tmp, skip_bad_rows, progress, started)
        summary = _summarize(dataset, out_dir, files, results, workers, started, notes)
        manifest = _manifest(scorer, summary, dataset)
        output.commit(tmp, out_dir, [r.part for r in results if r.part], manifest)
    except BaseException:
        output.abort(tmp)
        raise
    return summary


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"the Dask engine needs dask and distributed ({exc})", loc="--engine dask",
            expected="pip install 'livelift[dask]'",
        ) from None


def _client(scheduler: str | None, n_workers: int | None) -> Any:
    from distributed import Client, LocalCluster
    if scheduler is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        cluster = LocalCluster(
            n_workers=n_workers or cores, threads_per_worker=1, processes=True, dashboard_address=None,
            scheduler_port=0, silence_logs=logging.CRITICAL,  # a bad row is the client's InputError, not a worker log
        )
        return _Owned(Client(cluster), cluster)
    try:
        if os.path.isfile(scheduler):
            return _Owned(Client(scheduler_file=scheduler, timeout="20s"), None)
        return _Owned(Client(scheduler, timeout="20s"), None)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot connect to the Dask scheduler ({exc})", loc=f"--scheduler {scheduler}",
            expected="a running scheduler's address such as tcp://10.0.0.5:8786, or its scheduler file",
        ) from None


class _Owned:
    """A client (and the LocalCluster we started, if any), closed on exit."""

    def __init__(self, client: Any, cluster: Any) -> None:
        self.client, self.cluster = client, cluster

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: Any) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _check_workers(client: Any) -> int:
    """Every worker must have livelift and the scikit-learn the model was pickled with; returns the count."""
    from importlib.metadata import version

    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=60)
    here = {pkg: version(pkg) for pkg in ("livelift", "scikit-learn")}
    for pkg, mine in here.items():
        try:
            theirs = client.run(version, pkg)
        except Exception as exc:  # PackageNotFoundError raised on a worker
            raise InputError(
                f"a Dask worker has no {pkg} installed ({type(exc).__name__}: {exc})", loc="--scheduler",
                expected=f"{pkg} {mine} installed on every worker",
                hint="pip install 'livelift[dask]' on each worker (same versions as here), or use a PipInstall plugin",
            ) from None
        wrong = {w: v for w, v in theirs.items() if v != mine}
        if wrong:
            addr, v = next(iter(wrong.items()))
            raise InputError(
                f"{len(wrong)} worker(s) run {pkg} {v} (e.g. {addr}), this client {mine}", loc="--scheduler",
                expected=f"the same {pkg} version on the client and every worker",
                hint="install the same livelift release everywhere (the model pickle needs the same scikit-learn)",
            )
    client.run(tune_malloc)  # after the checks: a worker without livelift could not even unpickle it
    return len(client.scheduler_info()["workers"])


MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20


def tune_malloc() -> bool:
    """On a worker: undo the Nanny's fixed 64 KiB glibc trim threshold (``MALLOC_TRIM_THRESHOLD_``).

    With it, every array over 128 KiB is mmapped and unmapped again: about
    0.7M page faults per 200k profiles and 15-30% more CPU than the same work
    in one process (measured here; shared/docs/scale.md). Raising the mmap
    (32 MiB) and trim (64 MiB) thresholds, as glibc's own dynamic defaults
    would, brings a worker to in-process speed; a worker keeps at most
    64 MiB of freed memory. Not glibc (macOS, musl): nothing to do.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(mallopt(m_trim_threshold, TRIM_THRESHOLD))


def _run(client: Any, pieces: list[Piece], scorer_f: Any, tmp: str, skip: bool,
         progress: ProgressFn | None, started: float) -> list[PartResult]:
    from distributed import as_completed

    futures = client.map(score_piece, pieces, scorer=scorer_f, out_dir=tmp, skip_bad_rows=skip, pure=False)
    results: list[PartResult] = []
    profiles = 0
    try:
        for fut in as_completed(futures):
            res = fut.result()  # a failed task raises here (an InputError naming file and row)
            results.append(res)
            profiles += res.profiles
            if progress is not None:
                progress(len(results), len(pieces), profiles, time.perf_counter() - started)
    except BaseException:
        client.cancel(futures)
        raise
    return sorted(results, key=lambda r: r.index)


def _summarize(dataset: str, out_dir: str, files: list, results: list[PartResult], workers: int,
               started: float, notes: list[str]) -> DatasetResult:
    rows_read = sum(r.rows_read for r in results)
    skipped = sum(r.skipped for r in results)
    reasons = tuple(reason for r in results for reason in r.reasons)[:MAX_REASONS]
    if rows_read and skipped == rows_read:
        raise InputError(f"all {rows_read:,} rows are bad, nothing usable is left; first problems: " + " | ".join(reasons), loc=dataset)
    seen: list[str] = []
    for note in notes + [f"{r.source}: {n}" for r in results for n in r.notes]:
        if note not in seen:
            seen.append(note)
    return DatasetResult(
        source=dataset, out_dir=out_dir, files=len(files), parts=sum(1 for r in results if r.part), rows_read=rows_read,
        profiles=sum(r.profiles for r in results), skipped=skipped, rows=sum(r.out_rows for r in results),
        workers=workers, seconds=time.perf_counter() - started, reasons=reasons, notes=tuple(seen[:10]),
    )


def _manifest(scorer: Any, summary: DatasetResult, dataset: str) -> dict[str, Any]:
    from datetime import datetime, timezone
    from importlib.metadata import version

    model = getattr(scorer, "model_summary", None)
    return {
        "format": "livelift-long-table/1",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": dataset,
        "livelift": version("livelift"),
        "rows": summary.rows,
        "profiles": summary.profiles,
        "rows_read": summary.rows_read,
        "skipped_bad_rows": summary.skipped,
        "parts": summary.parts,
        "files": summary.files,
        "model": getattr(model, "name", None),
        "synthetic_model": getattr(model, "synthetic", None),
        "note": getattr(model, "note", None),
    }
