"""The profile form: its fields (from the data contract's Column specs) and its parsing.

Every input is named exactly as its contract field and labelled with the valid
range the :class:`~livelift.data.fields.Column` states, so nothing here repeats
a range. Submitted text is turned into numbers only where it *is* a number;
everything else goes to :func:`livelift.data.contract.parse_profile` as given,
so the page shows the same field-level problems (``msg`` and ``expected``) the
API and the CLI give, next to the field they name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...data.contract import parse_profile
from ...data.fields import OPTIONAL_COLUMNS, PROFILE_COLUMNS, Column, column
from ...errors import InputError, Problem

__all__ = ["FormField", "FIELDS", "DEFAULTS", "form_fields", "parse_form", "field_errors", "region_choices"]

SOURCE = "profile"
"""The ``source`` given to parse_profile: problems are located as ``profile.<field>``."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

DEFAULTS: dict[str, Any] = {
    "creator_id": "me",
    "followers": 5200,
    "avg_viewers": 48,
    "engagement_rate": 0.12,
    "streams_per_week": 4,
    "avg_stream_minutes": 75,
    "retention_rate": 0.35,
    "prior_weekly_diamonds": 900,
    "category": "gaming",
    "creator_age": 24,
    "region": "US",
}
"""What the form shows before the first submit: a typical mid-size gaming creator."""


@dataclass(frozen=True)
class FormField:
    """One input of the form, described from its contract column."""

    name: str
    label: str
    valid: str
    hint: str
    kind: str  # "number", "text" or "select"
    step: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True


def _label(col: Column) -> str:
    return col.name.replace("_", " ").capitalize()


def region_choices() -> tuple[tuple[str, str], ...]:
    """('', 'not given') and every ISO 3166 alpha-2 code the contract accepts."""
    from ...data.fields import REGIONS  # the one list of valid codes

    return (("", "not given"), *((c, c) for c in sorted(REGIONS)))


def _field(col: Column, *, required: bool = True) -> FormField:
    valid, hint = col.expected, col.description[:1].upper() + col.description[1:] + "."
    if col.kind in ("int", "float"):
        return FormField(col.name, _label(col), valid, hint, "number", step="1" if col.kind == "int" else "any",
                         min=col.min, max=col.max, required=required)
    if col.kind == "choice":
        return FormField(col.name, _label(col), valid, hint, "select", choices=tuple((c, c) for c in col.choices or ()),
                         required=required)
    if col.kind == "region":
        return FormField(col.name, _label(col), "optional; " + valid, hint + " KR raises the age limit to 19.", "select",
                         choices=region_choices(), required=False)
    return FormField(col.name, _label(col), valid, hint, "text", required=required)


def form_fields() -> tuple[FormField, ...]:
    """The profile fields and the optional region, in contract order."""
    region = next(c for c in OPTIONAL_COLUMNS if c.kind == "region")
    return (*(_field(c) for c in PROFILE_COLUMNS), _field(region, required=False))


FIELDS: tuple[FormField, ...] = form_fields()


def _value(col: Column, text: str) -> Any:
    """Form text -> the JSON-typed value the API would receive (None: left empty)."""
    text = text.strip()
    if not text:
        return None
    if col.kind in ("int", "float") and _NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if col.kind == "int" and number.is_integer() and abs(number) < 2**63 else number
    return text


def parse_form(form: Mapping[str, Any]) -> Any:
    """The validated Profile in the submitted form. Raises InputError like the API."""
    raw = {f.name: str(form.get(f.name, "") or "") for f in FIELDS}
    data = {}
    for f in FIELDS:
        value = _value(column(f.name), raw[f.name])
        if value is not None:
            data[f.name] = value
    return parse_profile(data, source=SOURCE)


def field_errors(exc: InputError) -> dict[str, list[dict[str, Any]]]:
    """The error's problems grouped by field ('' = not a form field): {field: [{loc, msg, expected, text}]}.

    ``text`` is the contract's own wording of the problem without its location
    ("out of range; expected a number between 0 and 1 (got 2)").
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for problem in exc.problems:
        loc = str(problem.loc)
        name = loc[len(SOURCE) + 1:] if loc.startswith(SOURCE + ".") else ""
        name = name if any(f.name == name for f in FIELDS) else ""
        text = str(Problem("", problem.msg, problem.expected, problem.input))
        out.setdefault(name, []).append({**problem.as_dict(), "text": text})
    return out


def initial_values() -> dict[str, str]:
    return {k: str(v) for k, v in DEFAULTS.items()}
