"""Are the shipped model's 80% intervals honest, and does it beat the README walkthrough's model?

    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py            # ~3 minutes on one core
    python benchmarks/bench_calibration.py --creators 10000 --seed 4243  # more profiles, another seed

Fresh profiles: ``simulate_history(creators, 12, seed, with_truth=True)``
(what ``livelift simulate --with-truth`` writes; default 5,000 creators x 12
weeks = 60,000 creator-weeks) on a seed neither model saw (the shipped model
was trained on 2026, calibrated on 2126, checked on 2226).

Two models:

* shipped: ``models/default.skops`` (benchmarks/build_default_model.py);
* walkthrough: what a user gets from the README (``livelift simulate
  --creators 3000 --weeks 12 --seed 1 -o h.csv`` then ``livelift train h.csv``),
  reproduced here through the same CSV file, reader and ``train_model``.

For each: gain captured ((value of the pick - random) / (oracle - random),
every strategy allowed), 80%-interval coverage of the true uplift over every
(profile, strategy) pair, overall and per follower band, and the median
interval width. Then the checks the shipped model must pass: gain above the
walkthrough's, and coverage within 75-85% overall and in every band holding
at least 300 profiles. Prints figures; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import skops.io  # noqa: F401  (imported up front: the load time below is the model file's alone)

from livelift.data.contract import read_history
from livelift.data.fields import STRATEGIES, TRUTH_PREFIX
from livelift.data.writers import write_frame
from livelift.recommender import simulate as sim
from livelift.recommender.evaluation import evaluate_with_truth
from livelift.recommender.intervals import BAND_NAMES
from livelift.recommender.persistence import load_model
from livelift.recommender.training import train_model

TRUTH = [TRUTH_PREFIX + s for s in STRATEGIES]
LOW, HIGH, MIN_BAND = 0.75, 0.85, 300


def walkthrough_model(creators: int = 3000, weeks: int = 12, seed: int = 1):
    """The README walkthrough: simulate to a CSV (no truth), read it back as a user's file, train."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.csv"
        write_frame(sim.simulate_history(creators, weeks, seed=seed), path)
        frame = read_history(path).frame
    t0 = time.perf_counter()
    ranker, _ = train_model(frame, random_state=0)
    return ranker, time.perf_counter() - t0


def _row(name: str, m: dict) -> str:
    bands = m["interval_coverage_by_band"]
    cells = "  ".join(f"{bands[b]['coverage']:.3f} ({bands[b]['profiles']:,})" for b in BAND_NAMES)
    return (f"{name:<12} gain {m['gain_captured']:.3f}  coverage {m['interval_coverage']:.3f}  "
            f"median width {m['interval_median_width_diamonds']:7.1f}  by band: {cells}")


def checks(shipped: dict, walk: dict) -> list[str]:
    """The failed checks (empty when the shipped model passes)."""
    failed = []
    if not shipped["gain_captured"] > walk["gain_captured"]:
        failed.append(f"gain {shipped['gain_captured']:.3f} does not beat the walkthrough's "
                      f"{walk['gain_captured']:.3f}")
    if not LOW <= shipped["interval_coverage"] <= HIGH:
        failed.append(f"overall coverage {shipped['interval_coverage']:.3f} outside {LOW}-{HIGH}")
    for band, b in shipped["interval_coverage_by_band"].items():
        if band != "overall" and b["profiles"] >= MIN_BAND and not LOW <= b["coverage"] <= HIGH:
            failed.append(f"band {band} coverage {b['coverage']:.3f} outside {LOW}-{HIGH} ({b['profiles']:,} profiles)")
    return failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--creators", type=int, default=5000)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--model", type=Path, default=None, help="model to check instead of the shipped one")
    args = ap.parse_args()

    fresh = sim.simulate_history(args.creators, args.weeks, seed=args.seed, with_truth=True)
    print(f"fresh profiles: {len(fresh):,} creator-weeks, simulate_history({args.creators}, {args.weeks}, "
          f"seed={args.seed}, with_truth=True); bands {', '.join(BAND_NAMES)} (followers)")
    t0 = time.perf_counter()
    shipped = load_model(args.model)
    print(f"loaded {shipped.path.name} in {time.perf_counter() - t0:.2f} s "
          f"(intervals calibrated: {shipped.card.get('intervals', {}).get('calibrated')})")
    walk, seconds = walkthrough_model()
    print(f"trained the README-walkthrough model (3,000 creators x 12 weeks, seed 1) in {seconds:.0f} s")
    results = {"shipped": evaluate_with_truth(shipped.ranker, fresh), "walkthrough": evaluate_with_truth(walk, fresh)}
    for name, m in results.items():
        print(_row(name, m))
    failed = checks(results["shipped"], results["walkthrough"])
    print("checks: " + ("all passed" if not failed else "FAILED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
