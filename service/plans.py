"""The service's personal plans: open the store, then the planner's weekly loop (``livelift.plans``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..data.contract import read_history
from ..data.writers import check_output_path, write_frame

__all__ = ["init_store", "next_picks", "record_weeks", "creator_view", "read_history", "check_output_path", "write_frame",
           "open_store", "next_picks_in", "record_weeks_in"]


def init_store(db: str, history: Any, recommender: Any, **options: Any) -> Any:
    """A new plan store at ``db`` loaded with a validated history (``ReadResult``); the init summary."""
    from ..plans import init_store as init

    _, summary = init(db, history, recommender, **options)
    return summary


def next_picks(db: str, recommender: Any, **options: Any) -> Any:
    """Next week's pick per creator (a frame of ``plans.PICK_COLUMNS``); the same week gives the same picks."""
    with _opened(db) as store:
        return next_picks_in(store, recommender, **options)


def record_weeks(db: str, history: Any) -> Any:
    """Append observed weeks, all or nothing; a week recorded twice is counted once."""
    with _opened(db) as store:
        return record_weeks_in(store, history)


def creator_view(db: str, recommender: Any, creator_id: str) -> Any:
    """A creator's posterior per strategy beside the population answer, and the weeks behind it."""
    from ..plans import creator_view as view

    with _opened(db) as store:
        return view(store, recommender, creator_id)


@contextmanager
def _opened(db: str) -> Iterator[Any]:
    """The store at ``db`` for one command, its connections closed after."""
    store = open_store(db)
    try:
        yield store
    finally:
        store.dispose()


# ---------------------------------------------------------------------- on an open store (the HTTP routes)


def open_store(db: str) -> Any:
    """The plan store at ``db``, opened once (a server keeps it for every request; ``.dispose()`` at the end)."""
    from ..plans import Store

    return Store.open(db)


def next_picks_in(store: Any, recommender: Any, **options: Any) -> Any:
    """:func:`next_picks` on a store already open (:func:`open_store`)."""
    from ..plans import next_picks as picks

    return picks(store, recommender, **options)


def record_weeks_in(store: Any, history: Any) -> Any:
    """:func:`record_weeks` on a store already open (:func:`open_store`): all or nothing, never counted twice."""
    from ..plans import record_weeks as record

    return record(store, history)
