"""Ingest at scale: `livelift ingest` local vs `--engine dask` (LocalCluster, running CLI cluster).

    OMP_NUM_THREADS=1 python benchmarks/bench_scale_ingest.py [--creators 40] [--weeks 6] [--room-events 4000]

Writes ``creators`` creators' TikTokLive event logs (bench_ingest.py's line
templates: 40% likes, 25% gifts with streaks, 20% comments, 10% viewer
counts, 5% joins; a connect line names each LIVE's host), one .jsonl.gz file
per creator and fortnight, 2 LIVEs a week of ``room-events`` events each, and
a creators file. Then times, as a user runs them:

- local      `livelift ingest FILES -o H.parquet` (one process, one core: ingest is pure Python);
- local-1c   the same pinned to one core (taskset -c 0);
- dask-lc    `--engine dask` (starts a LocalCluster, one worker process per core);
- cli-1w / cli-2w  `--engine dask --scheduler ADDR` on a running cluster with 1, then 2 workers.

Prints wall time, events/s, ratio to local, peak RSS (all processes), our CPU
seconds, the CPU other tenants used meanwhile (from /proc/stat), and whether
the history and sessions are identical to the local engine's (sorted).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_logs(folder: Path, creators: int, weeks: int, room_events: int) -> tuple[list[Path], Path, int]:
    """-> (event log files, creators file, event lines)."""
    tpl = _load("bench_ingest").templates()
    rng = random.Random(5)
    kinds = ["like"] * 8 + ["gift"] * 5 + ["comment"] * 4 + ["viewers"] * 2 + ["join"]
    monday = 1_767_571_200_000  # 2026-01-05 00:00 UTC
    files, msg, lines_total = [], 0, 0
    logs = folder / "logs"
    logs.mkdir()
    for c in range(creators):
        who = f"creator{c:04d}"
        by_file: dict[int, list[str]] = {}
        for w in range(weeks):
            for k in range(2):
                room = 7_300_000_000_000 + c * 1000 + w * 10 + k
                t = monday + w * 7 * 86_400_000 + (k * 3 + c % 3) * 86_400_000 + 19 * 3_600_000
                out = by_file.setdefault(w // 2, [])
                out.append(json.dumps({"type": "ConnectEvent", "timestamp": t, "data": {"unique_id": who, "room_id": room}}))
                total, streak = 0, 0
                for _ in range(room_events):
                    kind = kinds[rng.randrange(20)]
                    t += rng.randrange(50, 400)
                    msg += 1
                    vals = {"msg": msg, "room": room, "t": t, "user": rng.randrange(5000), "total": total, "count": 1,
                            "group": 0, "viewers": rng.randrange(10, 500)}
                    if kind == "like":
                        total += rng.randrange(1, 60)
                        vals["total"] = total
                    elif kind == "gift":
                        streak += 1
                        vals["count"], vals["group"] = streak % 10 + 1, streak // 10
                        kind = "gift" if streak % 10 == 9 else "gift_mid"
                    out.append(tpl[kind] % vals)
        for f, lines in by_file.items():
            path = logs / f"{who}-f{f}.jsonl.gz"
            with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
                fh.write("\n".join(lines) + "\n")
            files.append(path)
            lines_total += len(lines)
    facts = folder / "creators.csv"
    facts.write_text("creator_id,followers,category,creator_age\n"
                     + "".join(f"creator{c:04d},{1000 + c},gaming,{20 + c % 30}\n" for c in range(creators)))
    return files, facts, lines_total


def same(local: Path, dask: Path, key: list[str]) -> bool:
    import pandas as pd

    a = pd.read_parquet(local).sort_values(key).reset_index(drop=True)
    b = pd.read_parquet(dask).sort_values(key).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(a, b)
        return True
    except AssertionError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--creators", type=int, default=40)
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--room-events", type=int, default=4000)
    ap.add_argument("--skip-local-1core", action="store_true")
    args = ap.parse_args()
    bs = _load("bench_scale")
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench_scale_ingest_") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files, facts, n = make_logs(folder, args.creators, args.weeks, args.room_events)
        mib = sum(f.stat().st_size for f in files) / 2**20
        print(f"\n== {args.creators} creators, {len(files)} files, {n:,} event lines, {mib:,.0f} MiB gzipped "
              f"(written in {time.perf_counter() - t:.0f} s); load average {os.getloadavg()[0]:.1f} ==", flush=True)
        base = [bs.LIVELIFT, "ingest", *map(str, files), "--creators", str(facts), "-q"]
        runs: dict[str, tuple] = {}
        out = folder / "local"
        runs["local"] = (bs.run_watched(base + ["-o", f"{out}.parquet", "--sessions", f"{out}_s.parquet"], [], folder), out)
        if not args.skip_local_1core and shutil.which("taskset"):
            out = folder / "local1c"
            runs["local-1c"] = (bs.run_watched(["taskset", "-c", "0"] + base + ["-o", f"{out}.parquet", "--sessions",
                                                                                f"{out}_s.parquet"], [], folder), out)
        out = folder / "dask_lc"
        runs["dask-lc"] = (bs.run_watched(base + ["-o", str(out), "--sessions", f"{out}_s", "--engine", "dask"], [], folder), out)
        procs, sched = bs.start_cli_cluster(folder, 1)
        try:
            out = folder / "cli_1w"
            runs["cli-1w"] = (bs.run_watched(base + ["-o", str(out), "--sessions", f"{out}_s", "--engine", "dask",
                                                     "--scheduler", sched], [p.pid for p in procs], folder), out)
            procs.append(bs.add_worker(folder, Path(sched), open(folder / "cluster.log", "a")))
            bs.wait_workers(Path(sched), 2)
            out = folder / "cli_2w"
            runs["cli-2w"] = (bs.run_watched(base + ["-o", str(out), "--sessions", f"{out}_s", "--engine", "dask",
                                                     "--scheduler", sched], [p.pid for p in procs], folder), out)
        finally:
            bs.stop(procs)
        ref = runs["local"][0]
        one = runs.get("local-1c", (None,))[0]
        print(f"{'run':<9} {'wall s':>7} {'events/s':>9} {'x local':>8} {'x 1 core':>8} {'peak RSS GB':>11} {'CPU s':>7} "
              f"{'ev/CPU-s':>9} {'others (cores)':>14}  output")
        for name, (w, path) in runs.items():
            if name == "local":
                same_out = "reference"
            else:
                ok = all(same(folder / f"local{suffix}.parquet", Path(f"{path}{suffix}" if name.startswith(("cli", "dask"))
                                                                            else f"{path}{suffix}.parquet"), key)
                         for suffix, key in (("", ["creator_id", "week"]), ("_s", ["creator_id", "start", "room_id"])))
                same_out = "identical" if ok else "DIFFERENT"
            print(f"{name:<9} {w.wall:7.1f} {n / w.wall:9,.0f} {ref.wall / w.wall:8.2f} "
                  f"{'-' if one is None else f'{one.wall / w.wall:.2f}':>8} {w.peak / 1e9:11.2f} {w.ours:7.0f} "
                  f"{n / max(w.ours, 1e-9):9,.0f} {w.others:14.2f}  {same_out}", flush=True)
        print(f"scaling 1 -> 2 workers (running cluster): {runs['cli-1w'][0].wall / runs['cli-2w'][0].wall:.2f}x")


if __name__ == "__main__":
    main()
