"""LIVE event logs and LIVE summaries on the upload tab (what ``livelift ingest`` reads).

Which reader takes an upload is decided from the file itself, the same way
every time (:func:`is_history`), from its first record (CSV header, first
JSON line, Parquet schema): a table whose header names a LIVE summary's
``start`` and ``diamonds`` is a summary, JSON lines whose first record names
the contract's ``strategy`` or ``gift_diamonds`` are a history; everything
else of those kinds goes the other way. Ingest's own detector (through the
service, :func:`livelift.service.history.file_kind`) still tells event logs from summaries.
So a ``.jsonl`` or ``.csv`` goes to exactly one reader, never both.

Event logs cannot show followers, category or creator age: the tab asks for
them (:data:`PROFILE_INPUTS`, named and ranged as the contract's columns) and
passes them to the service's ingest as defaults. When they are missing the
service's own message is shown next to each empty input.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...data.fields import column
from ...data.messages import describe
from ...data.values import OK, check_value
from ...errors import InputError, Problem

__all__ = ["PROFILE_INPUTS", "HISTORY_KEYS", "is_history", "is_ingestable", "parse_defaults", "missing_info_errors",
           "read_event_upload", "EVENT_SUFFIXES"]

PROFILE_INPUTS = ("followers", "category", "creator_age")
"""Contract fields an event log cannot show; the upload form asks for them."""

HISTORY_KEYS = ("strategy", "gift_diamonds")
"""Contract fields no event line has: JSON lines whose first record names one are a history."""

SUMMARY_KEYS = ("start", "diamonds")
"""Columns a LIVE summary table must have (ingest's summary reader) and a history never has."""

EVENT_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".csv", ".parquet")
"""What ``livelift ingest`` reads: event logs and LIVE summary tables."""

def _first_keys(path: Path) -> set[str] | None:
    """The names in the file's first record, or None when they cannot be read."""
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            return set(pq.read_schema(path).names)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    break
            else:
                return None
        if name.endswith(".csv"):
            return {c.strip().strip('"').lower() for c in line.split(",")}
        obj = json.loads(line)
        return set(obj) if isinstance(obj, dict) else None
    except (OSError, ValueError, UnicodeError):
        return None
    except Exception:  # pyarrow's own errors: not a readable Parquet schema
        return None


def is_history(path: Path) -> bool:
    """Whether an upload is a history (data contract) rather than what ``livelift ingest`` reads.

    A table (.csv, .parquet) is a LIVE summary when its header names :data:`SUMMARY_KEYS` (or ingest's
    detector calls it an event log: a .csv of JSON lines), else a history. JSON lines are a history when
    the first record names a contract-only field (:data:`HISTORY_KEYS`), else an event log. A .json is
    always a history.
    """
    from ...service.history import file_kind

    name = path.name.lower()
    if name.endswith(".json"):
        return True
    keys = _first_keys(path)
    if name.endswith((".csv", ".parquet")):
        return file_kind(path) != "events" and not (keys is not None and all(k in keys for k in SUMMARY_KEYS))
    return keys is not None and any(k in keys for k in HISTORY_KEYS)


def is_ingestable(path: Path) -> bool:
    """Not a history, and a kind ``livelift ingest`` reads (its detector decides)."""
    from ...service.history import file_kind

    if is_history(path):
        return False
    try:
        file_kind(path)
    except InputError:
        return False
    return True


def parse_defaults(form: Mapping[str, str]) -> dict[str, Any]:
    """The given profile inputs, checked against their contract columns; InputError per bad field."""
    out, problems = {}, []
    for name in PROFILE_INPUTS:
        text = str(form.get(name, "") or "").strip()
        if not text:
            continue
        col = column(name)
        status, value = check_value(col, text)
        if status != OK:
            msg, shown = describe(col, status, text)
            problems.append(Problem(f"upload.{name}", msg, col.expected, shown))
        else:
            out[name] = value
    if problems:
        raise InputError.from_problems(problems)
    return out


def missing_info_errors(exc: InputError, given: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The service's 'no followers, category, creator_age for creator(s) ...' error, next to each empty input.

    The full message (with each creator's gaps) is in the summary above the form; each input gets the
    same wording for its own field, with the contract's valid range.
    """
    problem = exc.problems[0]
    out = {}
    for name in PROFILE_INPUTS:
        if name in given:
            continue
        msg = f"no {name} for creator(s) with history weeks (the events cannot show it)"
        expected = column(name).expected
        out[name] = [{"loc": f"upload.{name}", "msg": msg, "expected": expected, "cause": problem.msg,
                      "text": f"{msg}; expected {expected}. Give it here: it applies to every creator in the file."}]
    return out


def is_missing_info(exc: InputError) -> bool:
    return len(exc.problems) == 1 and exc.problems[0].loc == "creators"


def read_event_upload(path: Path, *, creator_id: str | None, defaults: Mapping[str, Any],
                      rules_dirs: Any = None) -> tuple[Any, str | None]:
    """(CreatorWeeks, note): the chosen creator's weekly diamonds and likes over every LIVE read,
    the strategy of each history week, and the current profile (the last 4 weeks) to recommend for."""
    from ...service.history import event_log_weeks

    return event_log_weeks(path, creator_id=creator_id, defaults=dict(defaults), rules_dirs=rules_dirs)
