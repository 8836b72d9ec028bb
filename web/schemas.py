"""Pydantic request models for the HTTP service, built from ``data/fields.py``.

Nothing here re-types a column name or a numeric range: each profile field comes
from a :class:`livelift.data.fields.Column` spec (bounds included), and ``region``
is checked against the contract's own ISO 3166 list. These models exist only at the
HTTP boundary; the service layer takes plain mappings / domain objects.

Input policy (documented in the OpenAPI schema too):

* Numbers must be JSON numbers. Strings such as ``"25"`` and booleans are
  rejected, never coerced (durable-rules would happily compare ``"25" >= 18``).
* Integer fields (``followers``, ``creator_age``) take integers; an integral
  float such as ``5200.0`` is accepted as ``5200``, ``5200.5`` is rejected.
* NaN and infinities are rejected; every number has an upper bound.
* ``creator_id`` is a JSON string of 1 to :data:`MAX_ID_LENGTH` characters (files
  may hold numeric ids; an HTTP body says ``"123"``).
* No string may hold a lone UTF-16 surrogate (``"\\ud800"``): pydantic refuses it
  (``string_unicode``), and ``errors.py`` echoes it escaped so the 422 can be sent.
* Unknown fields are rejected (``folowers`` gets "did you mean 'followers'?").
* ``category`` takes any string with a visible character: the data contract maps
  unknown niches to ``'other'``, exactly as the CLI and the Python API do.
* ``region`` goes through the contract's one value rule (``data/values.py``), as in a
  file, a form or a CLI flag: either case, surrounding spaces ignored, and ``null``,
  ``""`` or blank mean "not given"; anything else must be an ISO 3166 code.
"""

from typing import Annotated, Any, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..data import fields
from ..data.fields import REGIONS as ISO_REGIONS  # the one list of valid codes
from ..data.values import OK, check_value

__all__ = [
    "SINGLE_TAG",
    "BATCH_TAG",
    "MAX_ID_LENGTH",
    "EARNINGS_MAX",
    "ProfileIn",
    "EarningsIn",
    "batch_model",
    "recommendation_body",
    "PROFILE_EXAMPLE",
    "PROFILE_FIELD_NAMES",
    "region_pattern",
    "expected_for_loc",
]

SINGLE_TAG = "single"
BATCH_TAG = "batch"
MAX_ID_LENGTH = 256
"""Longest ``creator_id`` accepted over HTTP (a longer one is a client bug, and would be echoed back)."""
EARNINGS_MAX = fields.EARNINGS_MAX
"""Largest ``diamonds`` / ``coins`` for ``POST /v1/earnings`` (the one bound, ``data/fields.py``)."""
VISIBLE = r"\S"
"""At least one non-space character: the contract strips text and treats blank as missing."""

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
_REGION = fields.column("region")

PROFILE_EXAMPLE: dict[str, Any] = {
    "creator_id": "c-001",
    "followers": 5200,
    "avg_viewers": 48.0,
    "engagement_rate": 0.12,
    "streams_per_week": 4.0,
    "avg_stream_minutes": 75.0,
    "retention_rate": 0.35,
    "prior_weekly_diamonds": 900.0,
    "category": "gaming",
    "creator_age": 24,
    "region": "US",
}
"""The documented example profile (the same creator as examples/creator.json, plus a region)."""


def region_pattern(codes: Any = ISO_REGIONS) -> str:
    """A JSON-Schema regex matching exactly what the contract's value rule takes for ``region``.

    That is ``codes`` in either case (the rule upper-cases), with surrounding white
    space (the rule strips it), or nothing but white space (blank: not given).
    Grouped by first letter, e.g. ``^\\s*(?:[Aa][DEFdef]|[Bb][AaBb])?\\s*$``: one
    alternative per letter keeps it short enough to read in /docs. (``\\s`` in
    Python's ``re`` is exactly what ``str.strip`` removes.)
    """
    by_first: dict[str, list[str]] = {}
    for code in sorted(codes):
        by_first.setdefault(code[0], []).append(code[1])
    groups = [
        f"[{a}{a.lower()}][{''.join(seconds)}{''.join(s.lower() for s in seconds)}]"
        for a, seconds in sorted(by_first.items())
    ]
    return r"^\s*(?:" + "|".join(groups) + r")?\s*$"


def _region_code(text: str) -> Optional[str]:
    """The body's region through the data contract's one value rule: the code, None when blank, else 422."""
    status, value = check_value(_REGION, text, strict=True)
    if status != OK:
        raise PydanticCustomError("string_pattern_mismatch", "unknown country code", {"pattern": region_pattern()})
    return value


def _integral(value: Any) -> Any:
    """Let 5200.0 through as 5200 for an integer field; anything else is left to strict int."""
    if isinstance(value, float) and not isinstance(value, bool) and value.is_integer():
        return int(value)
    return value




def _bounds(col: fields.Column) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if col.min is not None:
        out["gt" if col.min_exclusive else "ge"] = col.min
    if col.max is not None:
        out["le"] = col.max
    return out


ID_EXPECTED = f"a string of 1 to {MAX_ID_LENGTH} characters, not only spaces, e.g. \"c-001\" (quote numeric ids)"


def _field_for(col: fields.Column) -> tuple[Any, Any]:
    """(annotation, FieldInfo) for one contract column."""
    desc = f"{col.description}. Valid: {col.expected}."
    if col.kind == "int":
        ann: Any = Annotated[int, BeforeValidator(_integral)]
        return ann, Field(..., description=desc, **_bounds(col))
    if col.kind == "float":
        return float, Field(..., description=desc, **_bounds(col))
    if col.kind == "choice":
        return str, Field(
            ...,
            pattern=VISIBLE,
            description=desc + " Unknown values are treated as 'other'.",
            json_schema_extra={"examples": list(col.choices or ())},
        )
    if col.kind == "region":
        code = Annotated[str, AfterValidator(_region_code), WithJsonSchema({"type": "string", "pattern": region_pattern()})]
        return Optional[code], Field(
            None,
            description=f"{col.description} (optional; either case, surrounding spaces ignored; null, \"\" or "
            f"blank = not given, as in a file). Valid: {col.expected}; the {len(ISO_REGIONS)} codes of the pattern.",
            json_schema_extra={"examples": ["US", "KR"]},
        )
    return str, Field(
        ..., min_length=1, max_length=MAX_ID_LENGTH, pattern=VISIBLE, description=f"{col.description}. Valid: {ID_EXPECTED}."
    )


def _profile_model() -> type[BaseModel]:
    specs: dict[str, Any] = {c.name: _field_for(c) for c in fields.PROFILE_COLUMNS}
    specs["region"] = _field_for(fields.column("region"))
    return create_model(
        "ProfileIn",
        __config__=ConfigDict(**_STRICT, title="Profile", json_schema_extra={"examples": [PROFILE_EXAMPLE]}),
        __doc__="One creator profile (data-contract.md, profile columns, plus optional region).",
        **specs,
    )


ProfileIn = _profile_model()


def batch_model(max_batch: int) -> type[BaseModel]:
    """``{"profiles": [...]}`` with 1 to ``max_batch`` profiles."""
    return create_model(
        "ProfileBatchIn",
        __config__=ConfigDict(**_STRICT, title="ProfileBatch"),
        __doc__=f"1 to {max_batch} profiles in one request.",
        profiles=(
            list[ProfileIn],  # type: ignore[valid-type]
            Field(..., min_length=1, max_length=max_batch, description=f"1 to {max_batch} profiles; "
                  "an empty list or more are rejected with 422."),
        ),
    )


def _pick_shape(value: Any) -> Optional[str]:
    if isinstance(value, dict):
        return BATCH_TAG if "profiles" in value else SINGLE_TAG
    if isinstance(value, BaseModel):
        return BATCH_TAG if hasattr(value, "profiles") else SINGLE_TAG
    return None


def recommendation_body(max_batch: int) -> Any:
    """The body type of ``POST /v1/recommendations``: one profile, or a batch."""
    batch = batch_model(max_batch)
    return Annotated[
        Union[Annotated[ProfileIn, Tag(SINGLE_TAG)], Annotated[batch, Tag(BATCH_TAG)]],  # type: ignore[valid-type]
        Discriminator(
            _pick_shape,
            custom_error_type="profile_or_batch",
            custom_error_message='Input should be one profile object or {"profiles": [profile, ...]}',
        ),
    ]


EARNINGS_EXPECTED = ('a JSON object with exactly one of the fields "diamonds" or "coins", a number from 0 to '
                     '1e12, e.g. {"diamonds": 10000}')


def _earnings_schema(schema: dict[str, Any]) -> None:
    """Exactly one of the two fields, in the schema too; neither takes null."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
    schema["oneOf"] = [{"required": ["diamonds"]}, {"required": ["coins"]}]
    schema["examples"] = [{"diamonds": 10000}, {"coins": 700}]


class EarningsIn(BaseModel):
    """Exactly one of ``diamonds`` or ``coins``."""

    model_config = ConfigDict(**_STRICT, json_schema_extra=_earnings_schema)

    # Typed float, default None: an explicit null is refused (strict float), absence is allowed.
    diamonds: float = Field(None, ge=0, le=EARNINGS_MAX, description="Diamonds received (0 to 1e12).")  # type: ignore[assignment]
    coins: float = Field(None, ge=0, le=EARNINGS_MAX, description="Coins spent by viewers on gifts (0 to 1e12).")  # type: ignore[assignment]

    @model_validator(mode="after")
    def _exactly_one(self) -> "EarningsIn":
        if (self.diamonds is None) == (self.coins is None):
            both = self.diamonds is not None
            raise PydanticCustomError(
                "diamonds_or_coins",
                "give exactly one of 'diamonds' or 'coins'" + (", not both" if both else ""),
                {"expected": EARNINGS_EXPECTED},
            )
        return self


_KNOWN = {c.name: c for c in fields.PROFILE_COLUMNS}
_KNOWN["region"] = fields.column("region")
_EARNINGS_FIELDS = {"diamonds": f"a number from 0 to {EARNINGS_MAX:,}", "coins": f"a number from 0 to {EARNINGS_MAX:,}"}

PROFILE_FIELD_NAMES: tuple[str, ...] = tuple(_KNOWN)


def expected_for_loc(loc: Any) -> Optional[str]:
    """What is valid at a validation-error location (the contract column's words), if known."""
    for part in reversed(list(loc)):
        if isinstance(part, str):
            if part == "creator_id":
                return ID_EXPECTED
            if part in _KNOWN:
                return _KNOWN[part].expected
            if part in _EARNINGS_FIELDS and len(loc) == 2:
                return _EARNINGS_FIELDS[part]
            return None
    return None
