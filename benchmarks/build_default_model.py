"""Build the shipped default model: models/default.skops + models/default.json (its card).

    OMP_NUM_THREADS=1 python benchmarks/build_default_model.py                # ~5-15 minutes on one core
    OMP_NUM_THREADS=1 python benchmarks/build_default_model.py --recalibrate  # steps 2-3 on the saved model

Three disjoint simulated populations (a SIMULATION, see recommender/simulate.py):

1. training history: ``simulate_history(10000, 12, seed=2026)`` (120,000
   creator-weeks), no truth columns: the model learns as it would from real
   history;
2. calibration: ``simulate_history(40000, 12, seed=2126, with_truth=True)``
   (480,000 creator-weeks; only predictions, so cheap): the interval factors
   per follower band x strategy are learned by split-conformal calibration
   against the simulator's true uplift (recommender/intervals.py); the large
   set keeps the factors of the sparse big-creator cells steady;
3. evaluation: ``simulate_history(5000, 12, seed=2226, with_truth=True)``
   (60,000 creator-weeks): gain captured and 80%-interval coverage, overall and
   per follower band, recorded in the card.

The card says ``synthetic: true``. ``benchmarks/bench_calibration.py``
re-measures the shipped model on another seed against a README-walkthrough model.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from livelift.data.fields import STRATEGIES, TRUTH_PREFIX
from livelift.recommender import simulate as sim
from livelift.recommender.evaluation import evaluate_with_truth
from livelift.recommender.intervals import calibrate_intervals
from livelift.recommender.persistence import MODEL_SUFFIX, load_model, save_model
from livelift.recommender.training import train_model

MODELS = Path(__file__).resolve().parent.parent / "models"
TRUTH = [TRUTH_PREFIX + s for s in STRATEGIES]


def truth_quality(ranker, frame) -> dict:
    """evaluate_with_truth on a frame with true_uplift_* columns, without the 'mode' key."""
    return {k: v for k, v in evaluate_with_truth(ranker, frame).items() if k != "mode"}


def train(creators: int, weeks: int, seed: int, say=print):
    """Train on simulated history without truth columns; return ``(ranker, summary)``."""
    history = sim.simulate_history(creators, weeks, seed=seed)
    say(f"simulated {len(history):,} creator-weeks ({creators:,} creators x {weeks} weeks, seed {seed})")
    t0 = time.perf_counter()
    ranker, summary = train_model(history, random_state=0, progress=lambda m: say(f"   {m}"))
    say(f"trained in {time.perf_counter() - t0:.1f} s")
    summary["training_data"]["source"] = (f"livelift.recommender.simulate.simulate_history({creators}, {weeks}, "
                                          f"seed={seed})")
    return ranker, summary


def calibrate_and_measure(ranker, weeks: int, seed: int, cal_creators: int, test_creators: int, say=print) -> dict:
    """Calibrate the intervals on seed+100, measure on seed+200; return the card's ``simulated_truth``."""
    cal = sim.simulate_history(cal_creators, weeks, seed=seed + 100, with_truth=True)
    calibration = calibrate_intervals(ranker, cal, cal[TRUTH].to_numpy())
    calibration["source"] = f"livelift.recommender.simulate.simulate_history({cal_creators}, {weeks}, seed={seed + 100})"
    say(f"calibrated intervals on {len(cal):,} held-out creator-weeks: factors {calibration['factors']}")
    fresh = sim.simulate_history(test_creators, weeks, seed=seed + 200, with_truth=True)
    return {
        "note": f"{len(fresh):,} creator-weeks of fresh simulated creators (simulate_history({test_creators}, "
                f"{weeks}, seed={seed + 200})) scored against the simulator's true uplift; says how well the "
                "method recovers a known answer, not how TikTok creators respond",
        **truth_quality(ranker, fresh),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--creators", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--calibration-creators", type=int, default=40_000)
    ap.add_argument("--test-creators", type=int, default=5_000)
    ap.add_argument("--recalibrate", action="store_true",
                    help="keep the trained model at --output, redo calibration and evaluation")
    ap.add_argument("--output", type=Path, default=MODELS / f"default{MODEL_SUFFIX}")
    args = ap.parse_args()
    say = lambda m: print(m, flush=True)  # noqa: E731
    if args.recalibrate:
        loaded = load_model(args.output)
        ranker, training_data = loaded.ranker, loaded.card["training_data"]
        metrics = {k: v for k, v in loaded.card["metrics"].items() if k != "simulated_truth"}
    else:
        ranker, summary = train(args.creators, args.weeks, args.seed, say)
        training_data, metrics = summary["training_data"], summary["metrics"]
    truth = calibrate_and_measure(ranker, args.weeks, args.seed, args.calibration_creators, args.test_creators, say)
    card = save_model(ranker, args.output, training_summary=training_data, synthetic=True,
                      metrics={"simulated_truth": truth, **metrics})
    print(json.dumps(card["metrics"]["simulated_truth"], indent=2))
    print(f"wrote {args.output} ({card['bytes'] / 1e6:.2f} MB) and {args.output.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
