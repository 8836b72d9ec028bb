"""One profile from a file or from --followers-style options, for recommend and rules explain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..data.fields import PROFILE_COLUMNS
from .shell import report_read

def _flag(col_name: str) -> str:
    return "--" + col_name.replace("_", "-")


def profile_options(func: Any) -> Any:
    """One option per profile column (--followers, --creator-age, ...), plus --region."""
    kinds = {"int": int, "float": float}
    for col in reversed(PROFILE_COLUMNS + (None,)):
        if col is None:
            func = click.option("--region", default=None, help="ISO 3166 alpha-2 country code (optional; KR raises the age limit to 19).")(func)
            continue
        typ: Any = kinds.get(col.kind, str)
        if col.kind == "choice":
            typ = str  # validated by the contract (unknown categories map to 'other')
        func = click.option(_flag(col.name), col.name, type=typ, default=None, help=f"{col.description} ({col.expected}).")(func)
    return func


def _profile_from_flags(values: dict[str, Any]) -> dict[str, Any] | None:
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return None
    given.setdefault("creator_id", "cli")
    missing = [_flag(c.name) for c in PROFILE_COLUMNS if c.name not in given]
    if missing:
        raise click.UsageError("missing profile option(s): " + ", ".join(missing) + " (or pass a profile file instead)")
    return given


def read_profile_source(profile_file: Path | None, flags: dict[str, Any], skip_bad_rows: bool):
    """-> ('one', Profile) for profile options or a .json file holding one object (a single profile, like
    the HTTP body of one profile); ('many', ReadResult) for a file of profiles (.csv, .parquet, .jsonl, a
    .json list), whatever its row count (like the HTTP body {"profiles": [...]})."""
    from ..service import parse_profile, read_profiles

    if profile_file is not None and any(v is not None for v in flags.values()):
        raise click.UsageError("give either a PROFILE file or profile options such as --followers, not both")
    from_flags = _profile_from_flags(flags)
    if profile_file is None and from_flags is None:
        raise click.UsageError(
            "give a PROFILE file (.json, .jsonl, .csv, .parquet) or the profile options: "
            + ", ".join(_flag(c.name) for c in PROFILE_COLUMNS if c.name != "creator_id")
        )
    if from_flags is not None:
        return "one", parse_profile(from_flags, source="options")
    if profile_file.suffix.lower() == ".json":
        import json

        try:
            raw = json.loads(profile_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raw = None  # let the contract reader explain what is wrong
        if isinstance(raw, dict):
            return "one", parse_profile(raw, source=str(profile_file))
    result = read_profiles(profile_file, skip_bad_rows=skip_bad_rows)
    report_read(result)
    return "many", result


def profile_rows(frame: Any) -> list[dict[str, Any]]:
    """The rows of a validated profile frame as plain profile dicts (empty optional fields left out)."""
    keys = [c for c in frame.columns if c in _PROFILE_KEYS]
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if v is not None and v == v}
        for row in frame[keys].to_dict("records")
    ]


def single_profile(result: Any, source: str) -> Any:
    """The Profile of a file of profiles that holds exactly one row, else None."""
    from ..service import parse_profile

    if len(result.frame) != 1:
        return None
    return parse_profile(profile_rows(result.frame)[0], source=source)


_PROFILE_KEYS = {c.name for c in PROFILE_COLUMNS} | {"region"}
