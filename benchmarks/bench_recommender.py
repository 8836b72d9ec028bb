"""Recommender benchmark: quality against simulated truth, fit/predict speed, threads, memory.

    OMP_NUM_THREADS=1 python benchmarks/bench_recommender.py            # quality + speed (a few minutes)
    python benchmarks/bench_recommender.py --seeds 3                    # quality over 3 seeds
    python benchmarks/bench_recommender.py --threads                    # 1 vs 2 OpenMP threads
    python benchmarks/bench_recommender.py --big                        # 1M-row fit time and peak RSS
    python benchmarks/bench_recommender.py --dgp both --no-speed        # also on benchmarks/alt_dgp.py
    python benchmarks/bench_recommender.py --params '{"max_iter": 300}' # a candidate setting

Quality: train on simulated history (default 2,500 creators x 12 weeks = 30k
rows, no truth columns), score on FRESH profiles from ``simulate_profiles``
with another seed against ``true_uplift``. Baselines: naive difference in
means per strategy (one strategy for everyone), S- and T-learner HGB on raw
diamonds, S-learner HGB on ``gift_diamonds / (prior + 10)``. Prints figures,
asserts nothing.

``--dgp alt`` (or ``both``) scores the same methods on ``alt_dgp.py``, an
independent simulator with other effect shapes, noise and confounding: a
change is only worth adopting if it helps on ours without hurting there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from livelift.data.fields import FEATURE_COLUMNS, STRATEGIES, ALL_STRATEGIES, TRUTH_PREFIX
from livelift.recommender import simulate as sim
from livelift.recommender.estimator import UpliftRanker
from livelift.recommender.evaluation import score_uplift

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alt_dgp  # noqa: E402  (benchmarks/ is not a package)

DGPS = {"sim": sim, "alt": alt_dgp}


def _xy(df):
    import pandas as pd

    X = df[list(FEATURE_COLUMNS)].copy()
    X["category"] = pd.Categorical(X["category"].astype(str))
    return X


def _hgb():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=100, categorical_features="from_dtype", random_state=0)


def baseline_naive(h, p):
    y = h["gift_diamonds"].to_numpy()
    s = h["strategy"].astype(str).to_numpy()
    diff = np.array([y[s == k].mean() - y[s == "none"].mean() for k in STRATEGIES])
    return np.tile(diff, (len(p), 1))


def baseline_s(h, p, scaled):
    import pandas as pd

    X = _xy(h)
    X["strategy"] = pd.Categorical(h["strategy"].astype(str), categories=ALL_STRATEGIES)
    scale_h = h["prior_weekly_diamonds"].to_numpy() + 10 if scaled else 1.0
    model = _hgb().fit(X, h["gift_diamonds"].to_numpy() / scale_h)
    Xp = _xy(p)
    out = {}
    for k in ALL_STRATEGIES:
        Xp["strategy"] = pd.Categorical([k] * len(p), categories=ALL_STRATEGIES)
        out[k] = model.predict(Xp)
    scale_p = p["prior_weekly_diamonds"].to_numpy() + 10 if scaled else 1.0
    return np.column_stack([(out[k] - out["none"]) * scale_p for k in STRATEGIES])


def baseline_t(h, p):
    X, Xp = _xy(h), _xy(p)
    s = h["strategy"].astype(str).to_numpy()
    y = h["gift_diamonds"].to_numpy()
    mu = {k: _hgb().fit(X[s == k], y[s == k]).predict(Xp) for k in ALL_STRATEGIES}
    return np.column_stack([mu[k] - mu["none"] for k in STRATEGIES])


def quality(seed: int, creators: int, weeks: int, n_test: int, dgp=sim, params: dict | None = None,
            baselines: bool = True) -> dict:
    from threadpoolctl import threadpool_limits

    h = dgp.simulate_history(creators, weeks, seed=seed)
    p = dgp.simulate_profiles(n_test, seed=seed + 1000)
    truth = dgp.true_uplift(p)[[TRUTH_PREFIX + s for s in STRATEGIES]].to_numpy()
    rows = {}
    t0 = time.perf_counter()
    ranker = UpliftRanker(**{"random_state": 0, **(params or {})}).fit(h[list(FEATURE_COLUMNS)], h["strategy"], h["gift_diamonds"],
                                              groups=h["creator_id"].to_numpy())
    fit_s = time.perf_counter() - t0
    pred = ranker.predict_uplift(p)
    rows["UpliftRanker"] = {**score_uplift(pred.uplift, truth, low=pred.low, high=pred.high,
                                           extrapolation=pred.extrapolation), "fit_s": fit_s,
                            "blend": ranker.blend_weights_}
    with threadpool_limits(1, user_api="openmp"):
        for name, fn in () if not baselines else (
            ("naive diff-in-means", lambda: baseline_naive(h, p)),
            ("S-learner HGB raw", lambda: baseline_s(h, p, scaled=False)),
            ("T-learner HGB raw", lambda: baseline_t(h, p)),
            ("S-learner HGB scaled", lambda: baseline_s(h, p, scaled=True)),
        ):
            t0 = time.perf_counter()
            u = fn()
            rows[name] = {**score_uplift(u, truth), "fit_s": time.perf_counter() - t0}
    # best single strategy in hindsight (uses the truth: a ceiling for any constant policy)
    k = int(np.argmax(truth.mean(axis=0)))
    rows["best single strategy (oracle-chosen)"] = {**score_uplift(np.tile(np.eye(5)[k], (len(p), 1)), truth),
                                                    "fit_s": 0.0}
    return {"rows": len(h), "test_profiles": len(p), "methods": rows}


def print_quality(res: dict, seed: int, dgp: str = "sim") -> None:
    print(f"\n== quality [{dgp}], seed {seed}: train {res['rows']:,} simulated rows, "
          f"{res['test_profiles']:,} fresh profiles, truth from true_uplift ==")
    print(f"{'method':38s} {'gain':>6s} {'top1':>6s} {'spear':>6s} {'rmse':>8s} {'cover80':>7s} {'fit s':>6s}")
    for name, m in res["methods"].items():
        cov = m.get("interval_coverage")
        print(f"{name:38s} {m['gain_captured']:6.3f} {m['top1_accuracy']:6.3f} {m['mean_spearman']:6.3f} "
              f"{m['uplift_rmse_diamonds']:8.1f} {'' if cov is None else format(cov, '.3f'):>7s} {m['fit_s']:6.1f}")
    r = res["methods"]["UpliftRanker"]
    print(f"UpliftRanker blend weights {r['blend']}; extrapolation share {r['extrapolation_share']:.3f}; "
          f"median 80% interval width {r['interval_median_width_diamonds']:.1f} diamonds")
    print(f"UpliftRanker on the {r['unflagged_profile_share']:.1%} of profiles with no estimate flagged "
          f"'extrapolation': gain {r['gain_captured_unflagged']:.3f}")


def speed(creators: int, weeks: int) -> None:
    h = sim.simulate_history(creators, weeks, seed=7)
    ranker = UpliftRanker(random_state=0).fit(h[list(FEATURE_COLUMNS)], h["strategy"], h["gift_diamonds"],
                                              groups=h["creator_id"].to_numpy())
    p = sim.simulate_profiles(200_000, seed=8)
    ranker.predict_uplift(p.iloc[:1000])
    t0 = time.perf_counter()
    ranker.predict_uplift(p)
    dt = time.perf_counter() - t0
    print(f"\n== predict ==\n200,000 profiles x 5 strategies: {dt:.2f} s = {200_000 / dt:,.0f} profiles/s")
    one = p.iloc[:1]
    for _ in range(20):
        ranker.predict_uplift(one)
    ts = []
    for i in range(500):
        row = p.iloc[i : i + 1]
        t0 = time.perf_counter()
        ranker.predict_uplift(row)
        ts.append(time.perf_counter() - t0)
    ts = np.array(ts) * 1000
    print(f"one profile: p50 {np.median(ts):.2f} ms, p90 {np.percentile(ts, 90):.2f} ms, p99 {np.percentile(ts, 99):.2f} ms")


def threads(creators: int, weeks: int) -> None:
    h = sim.simulate_history(creators, weeks, seed=11)
    print(f"\n== OpenMP threads: UpliftRanker fit on {len(h):,} rows ==")
    for n in (1, 2, 1):
        t0 = time.perf_counter()
        UpliftRanker(random_state=0, n_threads=n).fit(h[list(FEATURE_COLUMNS)], h["strategy"], h["gift_diamonds"],
                                                      groups=h["creator_id"].to_numpy())
        print(f"n_threads={n}: {time.perf_counter() - t0:.1f} s (load average now {os.getloadavg()[0]:.1f})")


def big_child(rows: int) -> None:
    from livelift.recommender.training import train_model

    creators = rows // 12
    t0 = time.perf_counter()
    h = sim.simulate_history(creators, 12, seed=21)
    sim_s = time.perf_counter() - t0
    rss_after_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    ranker, summary = train_model(h, random_state=0, progress=lambda m: print("   ", m, flush=True))
    fit_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(h), "simulate_s": round(sim_s, 1), "fit_s": round(fit_s, 1),
                      "peak_rss_mb": round(peak), "rss_after_simulate_mb": round(rss_after_sim),
                      "rows_used": summary["training_data"]["rows_used"]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=1, help="seeds first-seed .. first-seed + seeds - 1")
    ap.add_argument("--creators", type=int, default=2500)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--test-profiles", type=int, default=3000)
    ap.add_argument("--threads", action="store_true", help="time fits with 1 vs 2 OpenMP threads")
    ap.add_argument("--big", action="store_true", help="fit on 1M rows in a child process; time and peak RSS")
    ap.add_argument("--big-rows", type=int, default=1_000_000)
    ap.add_argument("--dgp", choices=("sim", "alt", "both"), default="sim",
                    help="simulator(s) for the quality runs: ours, alt_dgp.py, or both")
    ap.add_argument("--params", default="{}", help="UpliftRanker parameters as JSON (a candidate setting)")
    ap.add_argument("--no-baselines", action="store_true", help="quality of UpliftRanker only")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--big-child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.big_child:
        big_child(args.big_child)
        return
    params = json.loads(args.params)
    if not args.no_quality:
        for dgp in (("sim", "alt") if args.dgp == "both" else (args.dgp,)):
            gains = {}
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                res = quality(seed, args.creators, args.weeks, args.test_profiles, DGPS[dgp], params,
                              baselines=not args.no_baselines)
                print_quality(res, seed, dgp)
                for name, m in res["methods"].items():
                    gains.setdefault(name, []).append(m["gain_captured"])
                unflagged = res["methods"]["UpliftRanker"]["gain_captured_unflagged"]
                gains.setdefault("UpliftRanker, unflagged profiles only", []).append(unflagged)
            if args.seeds > 1:
                print(f"\n== [{dgp}] gain captured over seeds: mean (sd) ==")
                for name, g in gains.items():
                    print(f"{name:38s} {np.mean(g):.3f} ({np.std(g, ddof=1):.3f})")
    if not args.no_speed:
        speed(args.creators, args.weeks)
    if args.threads:
        threads(args.creators, args.weeks)
    if args.big:
        print(f"\n== fit on {args.big_rows:,} rows (child process) ==", flush=True)
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        subprocess.run([sys.executable, __file__, "--big-child", str(args.big_rows)], env=env, check=True)


if __name__ == "__main__":
    main()
