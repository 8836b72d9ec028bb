"""Personal plans: each creator's own uplift, learnt week by week on top of the population model.

``posterior.py`` (the Bayesian update), ``policy.py`` (what to try next),
``store.py`` (SQLAlchemy store, versioned schema), ``planner.py`` (the
weekly loop as functions), ``reasons.py`` (plain-word reasons),
``report.py`` (text for the terminal). Needs SQLAlchemy (``livelift[plans]``;
PostgreSQL also needs psycopg).
"""

from .planner import (
    PICK_COLUMNS,
    CreatorView,
    InitSummary,
    RecordSummary,
    creator_view,
    init_store,
    next_picks,
    record_weeks,
)
from .store import SCHEMA_VERSION, Store, database_url

__all__ = [
    "PICK_COLUMNS",
    "SCHEMA_VERSION",
    "CreatorView",
    "InitSummary",
    "RecordSummary",
    "Store",
    "creator_view",
    "database_url",
    "init_store",
    "next_picks",
    "record_weeks",
]
