"""Rules benchmark: durable-rules per profile, 8 threads, vectorized frames, memory.

    python benchmarks/bench_rules.py                 # full run (a few minutes)
    python benchmarks/bench_rules.py --quick         # smaller sizes

Prints figures (no asserts). Targets from issue 4: durable >= 5,000 profiles/s
single thread with the full rule set; vectorized >= 500k profiles/s; RSS flat
over 100k durable evaluations. The machine is shared: the load average is
printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time

import numpy as np
import pandas as pd
import psutil

from livelift.data.contract import parse_profile, validate_profiles
from livelift.data.fields import CATEGORIES
from livelift.domain import Profile
from livelift.rules import DurableEngine, VectorizedEvaluator, load_ruleset

REGIONS = [None, "KR", "US", "DE", "JP", "BR"]


def random_profiles(n: int, seed: int) -> list[Profile]:
    """Validated profiles (the engines trust a Profile; the contract built it)."""
    return [parse_profile(p) for p in random_dicts(n, seed)]


def random_dicts(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "creator_id": f"c{i}",
            "followers": rng.choice([999, 1000, 10000, rng.randint(0, 50000)]),
            "avg_viewers": rng.choice([9.99, 10.0, 50.0, rng.uniform(0, 200)]),
            "engagement_rate": rng.random(),
            "streams_per_week": rng.choice([0.5, 2.99, 3.0, 7.0, 14.0, rng.uniform(0, 21)]),
            "avg_stream_minutes": rng.uniform(10, 240),
            "retention_rate": rng.random(),
            "prior_weekly_diamonds": rng.uniform(0, 20000),
            "category": rng.choice(CATEGORIES),
            "creator_age": rng.choice([16, 17, 18, 19, rng.randint(20, 70)]),
            "region": rng.choice(REGIONS),
        }
        for i in range(n)
    ]


def random_frame(n: int, seed: int) -> pd.DataFrame:
    """A frame as validate_profiles returns it (validated once, outside the timings)."""
    return validate_profiles(_raw_frame(n, seed)).frame


def _raw_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    regions = np.array(REGIONS, dtype=object)
    return pd.DataFrame(
        {
            "creator_id": np.arange(n).astype(str),
            "followers": rng.integers(0, 50000, n),
            "avg_viewers": rng.uniform(0, 200, n),
            "engagement_rate": rng.random(n),
            "streams_per_week": rng.uniform(0, 21, n).round(2),
            "avg_stream_minutes": rng.uniform(10, 240, n),
            "retention_rate": rng.random(n),
            "prior_weekly_diamonds": rng.uniform(0, 20000, n),
            "category": pd.Categorical(rng.choice(CATEGORIES, n)),
            "creator_age": rng.integers(13, 70, n),
            "region": regions[rng.integers(0, len(regions), n)],
        }
    )


def rss_mb() -> float:
    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def bench_durable(engine: DurableEngine, n: int) -> None:
    profiles = random_profiles(n, 1)
    engine.evaluate(profiles[0])
    t = time.perf_counter()
    singles = [engine.evaluate(p) for p in profiles]
    single = n / (time.perf_counter() - t)
    fired = sum(len(e.fired) for e in singles)
    t = time.perf_counter()
    many = engine.evaluate_many(profiles, chunk=200)
    batch = n / (time.perf_counter() - t)
    dicts = random_dicts(n, 1)
    t = time.perf_counter()
    from_dicts = [engine.evaluate(d) for d in dicts]
    parsed = n / (time.perf_counter() - t)
    print(f"durable evaluate(Profile), 1 thread:  {single:10,.0f} profiles/s  ({len(engine.ruleset.rules)} rules, {fired / n:.1f} fired/profile)")
    print(f"durable evaluate_many(chunk=200):     {batch:10,.0f} profiles/s  (same answers as evaluate(): {many == singles})")
    print(f"durable evaluate(dict) incl. parse:   {parsed:10,.0f} profiles/s  (same answers: {from_dicts == singles})")


def bench_rss(engine: DurableEngine, n: int) -> None:
    profiles = random_profiles(10_000, 2)
    samples = [rss_mb()]
    peak = samples[0]
    for i in range(n):
        engine.evaluate(profiles[i % len(profiles)])
        if (i + 1) % 5_000 == 0:
            now = rss_mb()
            peak = max(peak, now)
            if (i + 1) % 20_000 == 0:
                samples.append(now)
    print(f"durable RSS over {n:,} evaluations (MB, every 20k): " + " -> ".join(f"{s:.1f}" for s in samples) + f"; peak {peak:.1f}")


def bench_threads(engine: DurableEngine, per_thread: int, threads: int = 8) -> None:
    profiles = random_profiles(per_thread, 3)
    serial = [engine.evaluate(p) for p in profiles]
    results: list[list] = [None] * threads  # type: ignore[list-item]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        try:
            barrier.wait()
            results[k] = [engine.evaluate(p) for p in profiles]
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for th in pool:
        th.start()
    barrier.wait()
    t = time.perf_counter()
    for th in pool:
        th.join()
    rate = threads * per_thread / (time.perf_counter() - t)
    mismatches = sum(r != s for res in results if res is not None for r, s in zip(res, serial))
    print(
        f"durable {threads} threads x {per_thread:,}:         {rate:10,.0f} profiles/s  "
        f"(mismatches vs serial: {mismatches}, errors: {len(errors)})"
    )


def bench_vectorized(evaluator: VectorizedEvaluator, rows: int) -> None:
    df = random_frame(rows, 4)
    evaluator.strategy_table(df.head(1000))
    best = {}
    for label, fn in (("fired", evaluator.fired), ("strategy_table", evaluator.strategy_table)):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            out = fn(df)
            times.append(time.perf_counter() - t)
        best[label] = rows / min(times)
        if label == "strategy_table":
            patterns = out["rule_ids"].cat.categories.size
    print(
        f"vectorized {rows:>9,} rows: fired {best['fired']:12,.0f}/s  "
        f"strategy_table {best['strategy_table']:12,.0f}/s  ({patterns} distinct rule_ids strings)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_durable, n_rss, per_thread, sizes = (5_000, 20_000, 500, [200_000]) if args.quick else (20_000, 100_000, 2_500, [200_000, 1_000_000])
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, pid {os.getpid()}")
    ruleset = load_ruleset()
    engine = DurableEngine(ruleset)
    bench_durable(engine, n_durable)
    bench_rss(engine, n_rss)
    bench_threads(engine, per_thread)
    evaluator = VectorizedEvaluator(ruleset)
    for rows in sizes:
        bench_vectorized(evaluator, rows)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
