"""How fast the data contract reads and validates history files.

Generates N valid creator-week rows (vectorized numpy, no simulator), writes
them as CSV and Parquet to a temporary folder, and times ``read_history`` on
each (best of ``--repeat`` runs) in a fresh interpreter. Prints rows/s and
that interpreter's peak RSS.

    python benchmarks/bench_contract.py [--rows 1000000] [--repeat 3]
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

from livelift.data.contract import read_history
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        rss_start = peak_rss_mb()
        seconds, rows = best_of(args.child, args.repeat)
        label = args.child.suffix.lstrip(".")
        print(
            f"read_history {label:8s} {rows:>10,} rows  best {seconds:6.2f} s  {rows / seconds:>12,.0f} rows/s"
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
        del df
        print(f"CSV {os.path.getsize(csv_path) / 1e6:.0f} MB, Parquet {os.path.getsize(pq_path) / 1e6:.0f} MB")
        for path in (csv_path, pq_path):
            print(measure_in_child(path, args.repeat))


if __name__ == "__main__":
    main()
