"""Rule data (YAML) and the engines that run it.

``load_ruleset()`` reads and validates the shipped rule files (plus any
``--rules DIR``); :class:`DurableEngine` evaluates one profile at a time on
durable-rules (the reference engine); :class:`VectorizedEvaluator` runs the
same validated rules as numpy masks over a DataFrame. Heavy imports
(durable, pandas) happen only when those classes are first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "load_ruleset",
    "check_rules",
    "RuleSet",
    "Rule",
    "Parameter",
    "DurableEngine",
    "Evaluation",
    "StrategyVerdict",
    "VectorizedEvaluator",
]

_LAZY = {
    "load_ruleset": ".loader",
    "check_rules": ".loader",
    "RuleSet": ".ruleset",
    "Rule": ".ruleset",
    "Parameter": ".parameters",
    "DurableEngine": ".engine",
    "Evaluation": ".verdicts",
    "StrategyVerdict": ".verdicts",
    "VectorizedEvaluator": ".vectorized",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livelift.rules' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
