"""Does the weekly plan earn more than the population model's top pick? (SIMULATED data)

    OMP_NUM_THREADS=1 python benchmarks/bench_plan.py [--creators 600] [--weeks 12] [--effect-sd 0.5]
        [--seed 1 | --seeds 1,2,3] [--policies greedy,kg,thompson] [--speed 100000 [--speed-only]]

For each world (creator effects on: ``--effect-sd``; off: 0), it simulates
8 weeks of history (creators choose their own strategies), runs ``plan
init`` on it, then for ``--weeks`` weeks: ``plan next`` -> one week of gifts
drawn from the simulator for the picked strategy (with the creator's own
effects) -> ``plan record``. Each creator's profile is held at its latest
history profile during those weeks, so its personal best strategy is fixed.
Prints cumulative true gain (sum over creator-weeks of the creator's own
expected uplift of the pick, diamonds) and regret against each creator's
personal best allowed option, for: the plan (each policy), always the
population model's top pick, and random among allowed; then the 80% interval
coverage of the personal truth before and after the weeks.

The regret ratio (plan / population top pick) is a sum of diamonds, so a few
big creators decide it: it is printed with an 80% bootstrap interval over
creators, and beside it the same ratio with each creator's regret divided by
its baseline B (every creator counts alike; uplift.md asks for both).
``--speed N`` also times ``plan next`` for N creators on SQLite.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from livelift.data.contract import validate_history
from livelift.data.fields import ALL_STRATEGIES
from livelift.plans import init_store, next_picks, record_weeks
from livelift.plans.planner import _base, _posterior_for, _settings, _read_weeks
from livelift.recommender.simulate import expected_outcome, simulate_history, simulate_outcome
from livelift.service import Recommender

HISTORY_WEEKS = int(os.environ.get("BENCH_HISTORY_WEEKS", "8"))
POLICIES = ("greedy", "kg", "thompson")


def _truth(profiles: pd.DataFrame, sd: float, seed: int) -> np.ndarray:
    """(n, 6) each creator's own expected uplift of each arm (none = 0)."""
    cols = [expected_outcome(profiles, s, creator_effect_sd=sd, effect_seed=seed) for s in ALL_STRATEGIES]
    means = np.column_stack(cols)
    return means - means[:, :1]


def _world(n: int, sd: float, seed: int, rec: Recommender):
    hist = simulate_history(n, HISTORY_WEEKS, seed=seed, creator_effect_sd=sd)
    latest = hist.groupby("creator_id").tail(1).reset_index(drop=True)
    truth = _truth(latest, sd, seed)
    long = rec.recommend_frame(latest.drop(columns=["strategy", "gift_diamonds", "likes", "comments", "new_followers", "week"]))
    k = len(ALL_STRATEGIES)  # the long table: 'none' then the five strategies, per profile
    assert list(long["strategy"].iloc[:k].astype(str)) == list(ALL_STRATEGIES)
    allowed = long["allowed"].to_numpy(bool).reshape(n, k).copy()
    allowed[:, 0] = True
    pop = np.where(np.arange(k) == 0, 0.0, long["uplift_diamonds"].to_numpy(float).reshape(n, k))
    pop = np.where(allowed & np.isfinite(pop), pop, -np.inf)
    best = np.where(allowed, truth, -np.inf).max(axis=1)
    lo = long["uplift_low"].to_numpy(float).reshape(n, k)[:, 1:]
    hi = long["uplift_high"].to_numpy(float).reshape(n, k)[:, 1:]
    t = truth[:, 1:]
    ok = np.isfinite(lo)
    print(f"  population 80% interval coverage of the personal truth (effects sd {sd}): "
          f"{((lo <= t) & (t <= hi))[ok].mean():.3f}")
    return hist, latest, truth, allowed, pop, best


def _week_rows(latest: pd.DataFrame, arms: np.ndarray, week: str, sd: float, seed: int, t: int) -> pd.DataFrame:
    rows = latest.drop(columns=["likes", "comments", "new_followers"]).copy()
    rows["strategy"] = np.asarray(ALL_STRATEGIES, dtype=object)[arms]
    rows["gift_diamonds"] = simulate_outcome(rows, rows["strategy"].to_numpy(), seed=seed * 1000 + t,
                                             creator_effect_sd=sd, effect_seed=seed)
    rows["week"] = week
    return rows


def _coverage(store, rec, truth: np.ndarray) -> float:
    hyper, _ = _settings(store)
    with store.engine.connect() as conn:
        weeks = _read_weeks(conn)
    _, prior, allowed, post = _posterior_for(rec, weeks, hyper)
    t = truth[:, 1:]
    ok = np.isfinite(post.low)
    inside = (post.low <= t) & (t <= post.high)
    return float(inside[ok].mean())


def _ratio(regret: np.ndarray, pop: np.ndarray, base: np.ndarray) -> dict:
    """Regret / population top pick's: diamonds (with an 80% bootstrap interval over creators) and per-B."""
    idx = np.random.default_rng(0).integers(0, len(regret), (500, len(regret)))
    boot = regret[idx].sum(axis=1) / np.maximum(pop[idx].sum(axis=1), 1e-9)
    return {"ratio": float(regret.sum() / pop.sum()), "lo": float(np.quantile(boot, 0.1)),
            "hi": float(np.quantile(boot, 0.9)), "per_B": float((regret / base).sum() / (pop / base).sum())}


def run_world(n: int, weeks: int, sd: float, seed: int, rec: Recommender, tmp: Path, het=None,
              policies: tuple[str, ...] = POLICIES) -> dict:
    hist, latest, truth, allowed, pop, best = _world(n, sd, seed, rec)
    base = _base(rec, latest)
    rng = np.random.default_rng(seed + 99)
    rows = np.arange(n)
    out: dict[str, dict] = {}
    pop_arm = np.argmax(pop, axis=1)
    pop_regret = (best - truth[rows, pop_arm]) * weeks
    rand_arm = np.array([rng.choice(np.flatnonzero(a)) for a in allowed for _ in range(weeks)]).reshape(n, weeks)
    for name, arms in (("population top pick", np.repeat(pop_arm[:, None], weeks, axis=1)), ("random allowed", rand_arm)):
        gain = truth[rows[:, None], arms]
        regret = (best[:, None] - gain).sum(axis=1)
        out[name] = {"gain": float(gain.sum()), "regret": float(regret.sum()), **_ratio(regret, pop_regret, base)}
    start = pd.Timestamp(hist["week"].max()) + pd.Timedelta(days=7)
    cover = {}
    for policy in policies:
        db = tmp / f"plan-{seed}-{sd}-{policy}.db"
        store, summary = init_store(str(db), validate_history(hist), rec, seed=seed, policy=policy, horizon=weeks)
        if het is not None:  # diagnostic: replace the estimated spread (e.g. by the simulator's true one)
            hyper = replace(summary.hyper, het_var=het(sd), het_log=float(np.log1p(het(sd))))
            with store.begin() as conn:
                store.put_settings(conn, {"hyper": hyper.to_dict()})
            summary = replace(summary, hyper=hyper)
        cover_before = _coverage(store, rec, truth)
        gain = np.zeros((n, weeks))
        t0 = time.perf_counter()
        for t in range(weeks):
            week = (start + pd.Timedelta(days=7 * t)).strftime("%Y-%m-%d")
            picks = next_picks(store, rec, week=pd.Timestamp(week).date()).set_index("creator_id").loc[latest["creator_id"]]
            arms = pd.Categorical(picks["strategy"], categories=list(ALL_STRATEGIES)).codes.astype(int)
            gain[:, t] = truth[rows, arms]
            record_weeks(store, validate_history(_week_rows(latest, arms, week, sd, seed, t), source=f"week {week}"))
        secs = time.perf_counter() - t0
        cover[policy] = (cover_before, _coverage(store, rec, truth))
        regret = (best[:, None] - gain).sum(axis=1)
        out[f"plan ({policy})"] = {"gain": float(gain.sum()), "regret": float(regret.sum()), "secs": secs,
                                   **_ratio(regret, pop_regret, base)}
        hyper = summary.hyper
        store.dispose()
    return {"results": out, "coverage": cover, "oracle": float(best.sum() * weeks), "hyper": hyper}


def speed(n: int, rec: Recommender, tmp: Path) -> None:
    hist = simulate_history(n, 2, seed=7)
    db = tmp / "speed.db"
    t0 = time.perf_counter()
    store, _ = init_store(str(db), validate_history(hist), rec)
    t_init = time.perf_counter() - t0
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    picks = next_picks(store, rec)
    t_next, c_next = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    again = next_picks(store, rec)
    t_again = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nspeed, SQLite, {n:,} creators x 2 weeks: plan init {t_init:.1f} s; plan next {t_next:.1f} s (CPU {c_next:.1f} s) "
          f"({len(picks):,} picks); again (stored picks) {t_again:.1f} s; peak RSS {rss0:.0f} MB after init, "
          f"{rss1:.0f} MB after next; same picks: {again['strategy'].equals(picks['strategy'])}")


def _print_world(res: dict, sd: float, weeks: int) -> None:
    h = res["hyper"]
    print(f"\ncreator effects sd {sd} (log scale); oracle gain {res['oracle']:,.0f} diamonds; estimated spread: "
          f"log-scale variance {h.het_log:.3f} +- {h.het_se:.3f} (true {sd * sd:.3f}), h^2 {h.het_var:.3f}")
    print(f"{'policy':<22}{'true gain':>13}{'regret':>13}{'regret / population [80% boot]':>33}{'per-B ratio':>13}")
    for name, r in res["results"].items():
        extra = f"   ({r['secs']:.1f} s for {weeks} x next+record)" if "secs" in r else ""
        print(f"{name:<22}{r['gain']:>13,.0f}{r['regret']:>13,.0f}{r['ratio']:>19.2f} [{r['lo']:.2f}, {r['hi']:.2f}]"
              f"{r['per_B']:>13.2f}{extra}")
    for policy, (before, after) in res["coverage"].items():
        print(f"80% interval coverage of the personal truth ({policy}): before {before:.3f}, "
              f"after {weeks} weeks {after:.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--creators", type=int, default=600)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--effect-sd", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", default=None, help="several seeds, e.g. 1,2,3 (a summary table follows)")
    ap.add_argument("--speed", type=int, default=0, help="also time plan next for this many creators")
    ap.add_argument("--speed-only", action="store_true", help="only the --speed timing, no simulated worlds")
    ap.add_argument("--true-spread", action="store_true",
                    help="diagnostic: give the plan the simulator's true spread (h^2 = exp(sd^2) - 1) instead of "
                         "the one estimated from the history")
    ap.add_argument("--policies", default="greedy,kg,thompson")
    args = ap.parse_args(argv)
    rec = Recommender.load()
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    policies = tuple(args.policies.split(","))
    print(f"SIMULATED creators: {args.creators}, {args.weeks} planned weeks after {HISTORY_WEEKS} weeks of history, "
          f"seeds {seeds}; population model: the shipped one (trained on simulated data, no creator effects)")
    table = []
    with tempfile.TemporaryDirectory() as d:
        for seed in [] if args.speed_only else seeds:
            print(f"\n=== seed {seed}")
            for sd in (args.effect_sd, 0.0):
                het = (lambda sd: float(np.expm1(sd * sd))) if args.true_spread else None
                res = run_world(args.creators, args.weeks, sd, seed, rec, Path(d), het, policies)
                _print_world(res, sd, args.weeks)
                for p in policies:
                    r = res["results"][f"plan ({p})"]
                    table.append((seed, sd, p, r["ratio"], r["per_B"], res["coverage"][p][1], res["hyper"].het_log))
        if len(seeds) > 1:
            print("\nsummary: plan regret / population top pick's (diamonds; per-B), 80% coverage after the weeks")
            for sd in (args.effect_sd, 0.0):
                for p in policies:
                    rows = [t for t in table if t[1] == sd and t[2] == p]
                    cells = "  ".join(f"seed {t[0]}: {t[3]:.2f} ({t[4]:.2f}) cov {t[5]:.2f}" for t in rows)
                    print(f"  effects sd {sd}, {p:<9} {cells}")
        if args.speed:
            speed(args.speed, rec, Path(d))


if __name__ == "__main__":
    sys.exit(main())
