"""livelift: what to do on TikTok LIVE to earn more gifts, and why.

Likes, comments and shares pay nothing; gifts (Coins -> Gifts -> Diamonds ->
cash) are the LIVE income. livelift states those facts as rule data, decides
which strategies apply to a creator, and ranks them by the weekly gift uplift
a scikit-learn model predicts.

The Python API::

    from livelift import Recommender, Profile

    rec = Recommender.load()              # shipped rules + shipped model
    result = rec.recommend({"creator_id": "c1", "followers": 5200, ...})
    for s in result.ranked:
        print(s.rank, s.strategy, s.uplift_diamonds, s.uplift_low, s.uplift_high)

Heavy libraries (pandas, scikit-learn, durable-rules) load on first use, so
``import livelift`` and ``livelift --help`` stay fast.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import warnings
from importlib import import_module
from typing import Any

# Absolute, not relative: pytest imports this file on its own when it collects the checkout
# (the repository root is the package), under whatever name the clone's folder has.
from livelift.errors import InputError, LiveLiftError, ModelError, RuleFileError

__version__ = "0.1.0"

_LAZY = {
    "Recommender": "livelift.service",
    "facts": "livelift.service",
    "earnings": "livelift.service",
    "Profile": "livelift.domain",
    "Recommendation": "livelift.domain",
    "StrategyAdvice": "livelift.domain",
    "RuleHit": "livelift.domain",
    "Fact": "livelift.domain",
    "EarningsEstimate": "livelift.domain",
    "read_history": "livelift.data.contract",
    "read_profiles": "livelift.data.contract",
    "simulate_history": "livelift.recommender.simulate",
    "UpliftRanker": "livelift.recommender.estimator",
}

__all__ = sorted([*_LAZY, "LiveLiftError", "InputError", "RuleFileError", "ModelError", "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livelift' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


# Old module paths (before the data/ text/ web/ layout) keep working for one
# release, with a DeprecationWarning naming the new path.
_MOVED = {
    "livelift.fields": "livelift.data.fields",
    "livelift.contract": "livelift.data.contract",
    "livelift.readers": "livelift.data.readers",
    "livelift.files": "livelift.data.writers",
    "livelift.render": "livelift.text.tables",
    "livelift.views": "livelift.text.views",
    "livelift.http_app": "livelift.web.app",
    "livelift.http_schemas": "livelift.web.schemas",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve a moved module's old name to the module at its new path."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in _MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        new = _MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; the old path stops working in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return import_module(new)

    def exec_module(self, module: Any) -> None:
        """Nothing to run: the module was imported at its new path."""


if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())
