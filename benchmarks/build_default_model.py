"""Build the shipped default model: models/default.joblib + models/default.json.

    OMP_NUM_THREADS=1 python benchmarks/build_default_model.py [--creators 4000 --weeks 12 --seed 2026]

Simulates creator-week history (a SIMULATION, see recommender/simulate.py),
trains the UpliftRanker, evaluates it on fresh simulated profiles against the
simulator's true uplift, and saves the model with ``synthetic: true`` and those
metrics in its card. The output path defaults to the package's models/ folder.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from livelift.data.fields import STRATEGIES, TRUTH_PREFIX
from livelift.recommender import simulate as sim
from livelift.recommender.evaluation import evaluate_with_truth
from livelift.recommender.persistence import save_model
from livelift.recommender.training import train_model

MODELS = Path(__file__).resolve().parent.parent / "models"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--creators", type=int, default=4000)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--test-profiles", type=int, default=5000)
    ap.add_argument("--output", type=Path, default=MODELS / "default.joblib")
    args = ap.parse_args()

    history = sim.simulate_history(args.creators, args.weeks, seed=args.seed)
    print(f"simulated {len(history):,} creator-weeks ({args.creators:,} creators x {args.weeks} weeks, seed {args.seed})")
    t0 = time.perf_counter()
    ranker, summary = train_model(history, random_state=0, progress=lambda m: print("  ", m, flush=True))
    print(f"trained in {time.perf_counter() - t0:.1f} s")

    fresh = sim.simulate_profiles(args.test_profiles, seed=args.seed + 1)
    fresh = fresh.join(sim.true_uplift(fresh)[[TRUTH_PREFIX + s for s in STRATEGIES]])
    truth_metrics = evaluate_with_truth(ranker, fresh)
    metrics = {
        "simulated_truth": {
            "note": f"{args.test_profiles:,} fresh simulated profiles (seed {args.seed + 1}) scored against the "
                    "simulator's true uplift; says how well the method recovers a known answer, "
                    "not how TikTok creators respond",
            **{k: v for k, v in truth_metrics.items() if k != "mode"},
        },
        **summary["metrics"],
    }
    training_data = dict(summary["training_data"])
    training_data["source"] = (f"livelift.recommender.simulate.simulate_history({args.creators}, {args.weeks}, "
                               f"seed={args.seed})")
    card = save_model(ranker, args.output, training_summary=training_data, synthetic=True, metrics=metrics)
    print(json.dumps(card["metrics"]["simulated_truth"], indent=2))
    print(f"wrote {args.output} ({card['bytes'] / 1e6:.2f} MB) and {args.output.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
