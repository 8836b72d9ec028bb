"""The uplift recommender: simulator, estimator, persistence, evaluation.

Modules (import what you need; nothing heavy loads with this package):

- ``simulate``: synthetic creator-week history with known truth
  (``simulate_history``, ``simulate_profiles``, ``true_uplift``).
- ``estimator``: ``UpliftRanker``, the scikit-learn estimator
  (``fit(X, strategy, y)``, ``predict_uplift(X)``).
- ``persistence``: ``save_model`` / ``load_model`` with a model card.
- ``training``: ``train_model(history_frame)``.
- ``evaluation``: ``evaluate(ranker, frame)``: ground-truth metrics or
  doubly-robust off-policy estimates.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "UpliftRanker": "estimator",
    "UpliftPrediction": "prediction",
    "save_model": "persistence",
    "load_model": "persistence",
    "default_model_path": "persistence",
    "LoadedModel": "persistence",
    "train_model": "training",
    "evaluate": "evaluation",
    "simulate_history": "simulate",
    "simulate_profiles": "simulate",
    "true_uplift": "simulate",
    "expected_outcome": "simulate",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livelift.recommender' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
