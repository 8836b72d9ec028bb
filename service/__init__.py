"""The one service layer: every interface (CLI, HTTP, page, Python) calls these, and nothing below them.

- :mod:`.core`: :class:`Recommender` and :class:`RulesService` (rules + model -> typed answers);
- :mod:`.files`: work on files: simulate, train, evaluate, report, check rules;
- :mod:`.history`: a creator's own history: ingest event logs and summaries, likes vs gifts.

Nothing here imports click, FastAPI or pydantic: inputs are validated by
``data/``, outputs are the frozen dataclasses of ``domain.py`` (or frames).
"""

from __future__ import annotations

from typing import Any

from ..data.contract import parse_profile, read_history, read_profiles
from ..data.writers import check_output_path, write_frame
from .core import LONG_TABLE_COLUMNS, SYNTHETIC_NOTE, Recommender, RulesService, earnings, facts
from .files import check_model_output, check_rules, evaluate, is_simulated, simulate, train, write_report
from .history import history_money, ingest_files

__all__ = [
    "Recommender", "RulesService", "facts", "earnings", "LONG_TABLE_COLUMNS", "SYNTHETIC_NOTE",
    "simulate", "train", "evaluate", "check_rules", "check_model_output", "is_simulated", "write_report",
    "ingest_files", "history_money",
    "read_history", "read_profiles", "parse_profile", "check_output_path", "write_frame",
]


def __getattr__(name: str) -> Any:
    if name == "recommendation_to_dict":  # moved to the interfaces' side in 0.2
        import warnings

        from ..text.shapes import recommendation_to_dict

        warnings.warn(
            "livelift.service.recommendation_to_dict moved to livelift.text.shapes.recommendation_to_dict",
            DeprecationWarning,
            stacklevel=2,
        )
        return recommendation_to_dict
    raise AttributeError(f"module 'livelift.service' has no attribute {name!r}")
