"""Service-level figures: `livelift recommend` throughput, one-profile latency, --help time.

    python benchmarks/bench_service.py [--profiles 200000]

Prints:
- `livelift recommend IN.parquet -o OUT.parquet` on N simulated profiles, end to
  end as a user runs it (process start, read + validate, vectorized rules,
  model, write): profiles/s (target >= 20k/s at 200k);
- in-process `Recommender.recommend(profile)` p50/p95 over 2,000 profiles
  (durable-rules path; target p50 <= 5 ms) and `recommend_frame` profiles/s;
- `livelift --help` wall time (target: well under a second).
Uses OMP_NUM_THREADS=1 unless set. Timings on a shared 2-core machine are noisy:
compare ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=200_000)
    ap.add_argument("--single", type=int, default=2_000)
    args = ap.parse_args()

    import pandas as pd

    from livelift import Recommender
    from livelift.recommender.simulate import simulate_profiles

    exe = shutil.which("livelift")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # --help
        times = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([exe, "--help"], check=True, capture_output=True, cwd=tmp)
            times.append(time.perf_counter() - t)
        print(f"livelift --help: best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms")

        profiles = simulate_profiles(args.profiles, seed=123)
        src, out = tmp / "profiles.parquet", tmp / "recs.parquet"
        profiles.to_parquet(src, index=False)
        t = time.perf_counter()
        res = subprocess.run([exe, "recommend", str(src), "-o", str(out)], capture_output=True, text=True, cwd=tmp)
        wall = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(res.stderr)
        rows = len(pd.read_parquet(out))
        print(f"livelift recommend {args.profiles:,} profiles (Parquet in/out, incl. process start): "
              f"{wall:.2f} s = {args.profiles / wall:,.0f} profiles/s ({rows:,} rows written)")

    rec = Recommender.load()
    sample = simulate_profiles(args.single, seed=7)
    rows = [{k: v for k, v in r.items() if v is not None and v == v} for r in sample.to_dict("records")]
    for r in rows[:50]:
        rec.recommend(r)  # warm up
    lat = []
    for r in rows:
        t = time.perf_counter()
        rec.recommend(r)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(f"Recommender.recommend (one profile, in-process): p50 {lat[len(lat) // 2]:.2f} ms, "
          f"p95 {lat[int(len(lat) * 0.95)]:.2f} ms, p99 {lat[int(len(lat) * 0.99)]:.2f} ms over {len(lat):,}")
    t = time.perf_counter()
    table = rec.recommend_frame(profiles)
    wall = time.perf_counter() - t
    print(f"Recommender.recommend_frame {len(profiles):,} profiles in-process: {wall:.2f} s = "
          f"{len(profiles) / wall:,.0f} profiles/s ({len(table):,} rows)")


if __name__ == "__main__":
    main()
