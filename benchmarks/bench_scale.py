"""Batch scoring at scale: the local engine vs `recommend --engine dask` (LocalCluster, running CLI cluster).

    python benchmarks/bench_scale.py [--profiles 1000000] [--ten-million] [--skip-local-1core]

For each size (1M by default; 10M with --ten-million, which takes 10-30 min
on 2 shared cores and skips the local engine, whose one process would hold
the whole 10M-row table in memory) it writes simulated profiles as Parquet
(files of 1M rows, 125k-row row groups), then times, as a user runs them:

- local      `livelift recommend IN.parquet -o OUT.parquet` (one process; the
             model predicts on 2 threads for big batches);
- local-1c   the same pinned to one core (taskset -c 0): the one-core baseline;
- dask-lc    `livelift recommend DS -o OUT --engine dask` (starts a LocalCluster,
             one single-threaded worker process per core);
- cli-1w / cli-2w  `--engine dask --scheduler ADDR` on a running `dask scheduler`
             with 1, then 2 `dask worker --nthreads 1` processes (startup not timed:
             the workers import livelift and scikit-learn before the timed runs).

Prints wall time, profiles/s, ratio to `local` and to `local-1c`, peak RSS summed
over every process involved (client tree, scheduler, workers; psutil every 0.2 s),
our CPU seconds and profiles per CPU-second (the figure least bent by other
tenants), the CPU other tenants used meanwhile (from /proc/stat), and whether each output
is identical to the local engine's (sorted by creator_id, strategy). The
machine is shared: compare ratios within one run, and read the load column.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
BIN = Path(sys.executable).parent
LIVELIFT, DASK = str(BIN / "livelift"), str(BIN / "dask")
ROWS_PER_FILE = 1_000_000
ROW_GROUP = 125_000


class Watch:
    """Peak summed RSS and CPU of a set of process trees, sampled every 0.2 s, and the CPU used by others."""

    def __init__(self, roots: list[int]) -> None:
        import psutil

        self.psutil, self.roots = psutil, list(roots)
        self.peak, self.cpu, self._stop = 0, {}, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _procs(self):
        seen = []
        for pid in self.roots:
            try:
                root = self.psutil.Process(pid)
                seen += [root] + root.children(recursive=True)
            except self.psutil.NoSuchProcess:
                pass
        return seen

    def _sample(self) -> None:
        total = 0
        for p in self._procs():
            try:
                total += p.memory_info().rss
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system  # children are sampled themselves: no children_* (double count)
            except self.psutil.NoSuchProcess:
                pass
        self.peak = max(self.peak, total)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.2)

    def __enter__(self) -> "Watch":
        self.cpu0 = dict(self.cpu)
        self._sample()
        self.cpu0 = dict(self.cpu)
        self.busy0, self.t0 = _busy_seconds(), time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.perf_counter() - self.t0
        ours = sum(v - self.cpu0.get(pid, 0.0) for pid, v in self.cpu.items())
        self.ours = ours
        self.others = max(0.0, (_busy_seconds() - self.busy0 - ours) / self.wall)


def _busy_seconds() -> float:
    with open("/proc/stat") as fh:
        fields = [float(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_watched(cmd: list[str], extra_roots: list[int], cwd: Path) -> Watch:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = Watch([proc.pid] + extra_roots)
    with watch:
        _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return watch


def make_data(n: int, folder: Path) -> tuple[Path, Path | None]:
    """Profiles in files of 1M rows; also one single file for the local engine (sizes up to 1M)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from livelift.recommender.simulate import simulate_profiles

    ds = folder / "profiles"
    ds.mkdir()
    for k in range(-(-n // ROWS_PER_FILE)):
        rows = min(ROWS_PER_FILE, n - k * ROWS_PER_FILE)
        df = simulate_profiles(rows, seed=1000 + k)
        df["creator_id"] = [f"b{k:03d}_{i:07d}" for i in range(rows)]
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), ds / f"part{k:03d}.parquet", row_group_size=ROW_GROUP)
    single = ds / "part000.parquet" if n <= ROWS_PER_FILE else None
    return ds, single


def start_cli_cluster(folder: Path, workers: int) -> tuple[list, str]:
    sched = folder / "scheduler.json"
    log = open(folder / "cluster.log", "a")
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched)], stdout=log, stderr=subprocess.STDOUT, cwd=folder)]
    while not sched.exists():
        time.sleep(0.2)
    procs += [add_worker(folder, sched, log) for _ in range(workers)]
    wait_workers(sched, workers)
    return procs, str(sched)


def add_worker(folder: Path, sched: Path, log) -> subprocess.Popen:
    return subprocess.Popen([DASK, "worker", "--scheduler-file", str(sched), "--nthreads", "1", "--host", "127.0.0.1",
                             "--no-dashboard", "--local-directory", str(folder)], stdout=log, stderr=subprocess.STDOUT, cwd=folder)


def wait_workers(sched: Path, n: int) -> None:
    """Wait for ``n`` workers and warm them (imports), so a running cluster's runs time no worker startup."""
    from distributed import Client

    with Client(scheduler_file=str(sched), timeout="60s") as c:
        c.wait_for_workers(n, timeout=120)
        c.run(_warm)


def _warm() -> None:
    import pyarrow.parquet  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    import livelift.ingest.pipeline  # noqa: F401
    import livelift.service.core  # noqa: F401


def stop(procs: list) -> None:
    for p in reversed(procs):
        p.send_signal(signal.SIGINT)
    for p in reversed(procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def same_output(a_path: Path, b_path: Path) -> bool:
    import pandas as pd

    def norm(df):
        for c in ("strategy", "rule_ids", "reason"):
            df[c] = df[c].astype(str)
        return df.sort_values(["creator_id", "strategy"], kind="stable").reset_index(drop=True)

    try:
        pd.testing.assert_frame_equal(norm(pd.read_parquet(a_path)), norm(pd.read_parquet(b_path)))
        return True
    except AssertionError:
        return False


def bench_size(n: int, work: Path, args) -> None:
    folder = work / f"n{n}"
    folder.mkdir()
    t = time.perf_counter()
    ds, single = make_data(n, folder)
    print(f"\n== {n:,} profiles: {len(list(ds.iterdir()))} file(s), {ROW_GROUP:,}-row row groups "
          f"(generated in {time.perf_counter() - t:.0f} s); load average {os.getloadavg()[0]:.1f} ==", flush=True)
    results: dict[str, tuple[Watch, Path]] = {}
    reference = None
    if single is not None:
        ref = folder / "local.parquet"
        results["local"] = (run_watched([LIVELIFT, "recommend", str(single), "-o", str(ref)], [], folder), ref)
        reference = ref
        if not args.skip_local_1core and shutil.which("taskset"):
            out = folder / "local1c.parquet"
            results["local-1c"] = (run_watched(["taskset", "-c", "0", LIVELIFT, "recommend", str(single), "-o", str(out)], [], folder), out)
    out = folder / "dask_lc"
    results["dask-lc"] = (run_watched([LIVELIFT, "recommend", str(ds), "-o", str(out), "--engine", "dask"], [], folder), out)
    procs, sched = start_cli_cluster(folder, 1)
    try:
        roots = [p.pid for p in procs]
        out = folder / "cli_1w"
        results["cli-1w"] = (run_watched([LIVELIFT, "recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", sched], roots, folder), out)
        procs.append(add_worker(folder, Path(sched), open(folder / "cluster.log", "a")))
        wait_workers(Path(sched), 2)
        out = folder / "cli_2w"
        results["cli-2w"] = (run_watched([LIVELIFT, "recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", sched],
                                         [p.pid for p in procs], folder), out)
    finally:
        stop(procs)
    base = results.get("local", (None,))[0]
    one = results.get("local-1c", (None,))[0]
    print(f"{'run':<9} {'wall s':>7} {'prof/s':>8} {'x local':>8} {'x 1 core':>8} {'peak RSS GB':>11} {'CPU s':>7} "
          f"{'prof/CPU-s':>11} {'others (cores)':>14}  output")
    for name, (w, path) in results.items():
        rate = n / w.wall
        same = "reference" if path == reference else ("identical" if reference is None or same_output(reference, path) else "DIFFERENT")
        if reference is None:
            same = "not compared (no local run at this size)"
        print(f"{name:<9} {w.wall:7.1f} {rate:8,.0f} {_ratio(base, w):>8} {_ratio(one, w):>8} {w.peak / 1e9:11.2f} "
              f"{w.ours:7.0f} {n / max(w.ours, 1e-9):11,.0f} {w.others:14.2f}  {same}", flush=True)
    w1, w2 = results["cli-1w"][0], results["cli-2w"][0]
    print(f"scaling 1 -> 2 workers (running cluster): {w1.wall / w2.wall:.2f}x")


def _ratio(base, w) -> str:
    return "-" if base is None else f"{base.wall / w.wall:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=1_000_000, help="first size (default 1M)")
    ap.add_argument("--ten-million", action="store_true", help="also 10M profiles (dask runs only; long)")
    ap.add_argument("--skip-local-1core", action="store_true")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        for n in [args.profiles] + ([10_000_000] if args.ten_million else []):
            bench_size(n, Path(tmp), args)


if __name__ == "__main__":
    main()
