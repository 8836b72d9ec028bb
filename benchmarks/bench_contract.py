"""How fast the data contract reads and validates history files and single profiles.

Generates N valid creator-week rows (vectorized numpy, no simulator), writes
them as CSV and Parquet to a temporary folder, and times ``read_history`` on
each (best of ``--repeat`` runs, wall time) in a fresh interpreter. Prints
rows/s and that interpreter's peak RSS. Then times ``validate_history`` on the
same rows in memory (typed columns, and as a JSON-like object frame of
``--object-rows`` rows, which takes the per-value path), and ``parse_profile``
(the HTTP hot path) on ``--profiles`` varied mappings, in microseconds per
call; these three are single-threaded and timed in CPU seconds, which a
shared machine disturbs less than wall time.

    python benchmarks/bench_contract.py [--rows 1000000] [--repeat 3] [--profiles 20000]

To compare two versions in one run, put the other copy first on the path:
``PYTHONPATH=/path/holding/other/livelift python benchmarks/bench_contract.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from livelift.data.contract import parse_profile, read_history, validate_history
from livelift.data.fields import ALL_STRATEGIES, CATEGORIES


def make_history(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` valid history rows with every required and optional column."""
    rng = np.random.default_rng(seed)
    creators = max(1, rows // 20)
    cid = rng.integers(0, creators, rows)
    weeks = pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * rng.integers(0, 52, rows), unit="D")
    return pd.DataFrame(
        {
            "creator_id": pd.Series(np.char.add("c", cid.astype(str)), dtype=str),
            "followers": rng.integers(0, 2_000_000, rows),
            "avg_viewers": rng.gamma(2.0, 40.0, rows).round(2),
            "engagement_rate": rng.uniform(0, 1, rows).round(4),
            "streams_per_week": rng.uniform(0, 21, rows).round(2),
            "avg_stream_minutes": rng.uniform(5, 600, rows).round(1),
            "retention_rate": rng.uniform(0, 1, rows).round(4),
            "prior_weekly_diamonds": rng.gamma(1.5, 300.0, rows).round(1),
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)],
            "creator_age": rng.integers(13, 80, rows),
            "strategy": np.array(ALL_STRATEGIES)[rng.integers(0, len(ALL_STRATEGIES), rows)],
            "gift_diamonds": rng.gamma(1.5, 320.0, rows).round(1),
            "week": weeks,
            "region": np.array(["US", "KR", "GB", "BR", "ID"])[rng.integers(0, 5, rows)],
        }
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux VmHWM; getrusage elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def best_of(path: Path, repeat: int) -> tuple[float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = read_history(path)
        times.append(time.perf_counter() - start)
        rows = len(result.frame)
        del result
    return min(times), rows


def measure_in_child(path: Path, repeat: int) -> str:
    """Time reads in a fresh interpreter, so peak RSS is the reader's own."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def best_seconds(call, repeat: int, clock=time.perf_counter) -> float:
    """Best time of ``repeat`` calls of ``call()``: wall time, or CPU time with ``clock=time.process_time``
    (steadier on a shared machine for single-threaded Python)."""
    times = []
    for _ in range(repeat):
        start = clock()
        call()
        times.append(clock() - start)
    return min(times)


def time_frames(df: pd.DataFrame, object_rows: int, repeat: int) -> None:
    """validate_history on typed columns, then on an object frame (as built from JSON records)."""
    seconds = best_seconds(lambda: validate_history(df), repeat, clock=time.process_time)
    print(f"{'validate_history typed':24s} {len(df):>10,} rows  best {seconds:6.2f} s CPU  {len(df) / seconds:>12,.0f} rows/s")
    objects = df.head(object_rows).astype(object)
    objects["week"] = [str(w.date()) for w in df["week"].head(object_rows)]
    seconds = best_seconds(lambda: validate_history(objects), repeat, clock=time.process_time)
    print(f"{'validate_history object':24s} {len(objects):>10,} rows  best {seconds:6.2f} s CPU  {len(objects) / seconds:>12,.0f} rows/s")


def time_parse_profile(df: pd.DataFrame, count: int, repeat: int) -> None:
    """parse_profile on ``count`` distinct mappings with plain Python values (as from JSON)."""
    names = [c for c in df.columns if c not in ("strategy", "gift_diamonds", "week")]
    records = df[names].head(count).astype(object).to_dict("records")
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in records]
    seconds = best_seconds(lambda: [parse_profile(r) for r in records], repeat, clock=time.process_time)
    print(f"{'parse_profile':24s} {len(records):>10,} calls best {seconds:6.2f} s CPU  {1e6 * seconds / len(records):8.1f} us/call")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--object-rows", type=int, default=200_000)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        rss_start = peak_rss_mb()
        seconds, rows = best_of(args.child, args.repeat)
        label = args.child.suffix.lstrip(".")
        print(
            f"{'read_history ' + label:24s} {rows:>10,} rows  best {seconds:6.2f} s  {rows / seconds:>12,.0f} rows/s"
            f"  peak RSS {peak_rss_mb():.0f} MB (interpreter + imports {rss_start:.0f} MB)"
        )
        return

    t0 = time.perf_counter()
    df = make_history(args.rows)
    print(f"generated {len(df):,} rows in {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "history.csv"
        pq_path = Path(tmp) / "history.parquet"
        df.to_csv(csv_path, index=False)
        df.to_parquet(pq_path, index=False)
        print(f"CSV {os.path.getsize(csv_path) / 1e6:.0f} MB, Parquet {os.path.getsize(pq_path) / 1e6:.0f} MB")
        for path in (csv_path, pq_path):
            print(measure_in_child(path, args.repeat))
    time_frames(df, args.object_rows, args.repeat)
    time_parse_profile(df, args.profiles, args.repeat)


if __name__ == "__main__":
    main()
