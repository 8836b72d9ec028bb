"""Pydantic request models for the HTTP service, built from ``fields.py``.

Nothing here re-types a column name or a range: each profile field comes from
a :class:`livelift.data.fields.Column` spec. These models exist only at the HTTP
boundary; the service layer takes plain mappings / domain objects.

Input policy (documented in the OpenAPI schema too):

* Numbers must be JSON numbers. Strings such as ``"25"`` and booleans are
  rejected, never coerced (durable-rules would happily compare ``"25" >= 18``).
* Integer fields (``followers``, ``creator_age``) take integers; an integral
  float such as ``5200.0`` is accepted as ``5200``, ``5200.5`` is rejected.
* NaN and infinities are rejected.
* Unknown fields are rejected (``folowers`` gets "did you mean 'followers'?").
* ``category`` takes any non-empty string: the data contract maps unknown
  niches to ``'other'``, exactly as the CLI and the Python API do.
"""

from typing import Annotated, Any, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
    model_validator,
)

from ..data import fields

__all__ = [
    "SINGLE_TAG",
    "BATCH_TAG",
    "ProfileIn",
    "EarningsIn",
    "batch_model",
    "recommendation_body",
    "PROFILE_EXAMPLE",
    "column_for_loc",
]

SINGLE_TAG = "single"
BATCH_TAG = "batch"

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

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


def _integral(value: Any) -> Any:
    """Let 5200.0 through as 5200 for an integer field; anything else is left to strict int."""
    if isinstance(value, float) and not isinstance(value, bool) and value.is_integer():
        return int(value)
    return value


def _id_text(value: Any) -> Any:
    """A whole-number id (123) becomes "123", as in files and the Python API."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _bounds(col: fields.Column) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if col.min is not None:
        out["gt" if col.min_exclusive else "ge"] = col.min
    if col.max is not None:
        out["le"] = col.max
    return out


def _field_for(col: fields.Column, *, required: bool = True) -> tuple[Any, Any]:
    """(annotation, FieldInfo) for one contract column."""
    desc = f"{col.description}. Valid: {col.expected}."
    default = ... if required else None
    if col.kind == "int":
        ann: Any = Annotated[int, BeforeValidator(_integral)]
        return ann, Field(default, description=desc, **_bounds(col))
    if col.kind == "float":
        return float, Field(default, description=desc, **_bounds(col))
    if col.kind == "choice":
        # The contract maps unknown values to 'other' (same as CLI / Python API);
        # the known values are listed in the schema for clients.
        return str, Field(
            default,
            min_length=1,
            description=desc + " Unknown values are treated as 'other'.",
            json_schema_extra={"examples": list(col.choices or ())},
        )
    if col.kind == "region":
        return (str if required else Optional[str]), Field(
            default, pattern=r"^[A-Za-z]{2}$", description=desc
        )
    return Annotated[str, BeforeValidator(_id_text)], Field(default, min_length=1, description=desc)


def _profile_model() -> type[BaseModel]:
    specs: dict[str, Any] = {c.name: _field_for(c) for c in fields.PROFILE_COLUMNS}
    region = fields.column("region")
    specs["region"] = _field_for(region, required=False)
    return create_model(
        "ProfileIn",
        __config__=ConfigDict(
            **_STRICT,
            title="Profile",
            json_schema_extra={"examples": [PROFILE_EXAMPLE]},
        ),
        __doc__="One creator profile (data-contract.md, profile columns, plus optional region).",
        **specs,
    )


ProfileIn = _profile_model()


def batch_model(max_batch: int) -> type[BaseModel]:
    """``{"profiles": [...]}`` with at most ``max_batch`` profiles."""
    return create_model(
        "ProfileBatchIn",
        __config__=ConfigDict(**_STRICT, title="ProfileBatch"),
        __doc__=f"Up to {max_batch} profiles in one request.",
        profiles=(
            list[ProfileIn],  # type: ignore[valid-type]
            Field(..., max_length=max_batch, description=f"1 to {max_batch} profiles; more is rejected with 422."),
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


class EarningsIn(BaseModel):
    """Exactly one of ``diamonds`` or ``coins``."""

    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [{"diamonds": 10000}, {"coins": 700}]})

    diamonds: Optional[float] = Field(None, ge=0, description="Diamonds received (>= 0).")
    coins: Optional[float] = Field(None, ge=0, description="Coins spent by viewers on gifts (>= 0).")

    @model_validator(mode="after")
    def _exactly_one(self) -> "EarningsIn":
        if (self.diamonds is None) == (self.coins is None):
            raise ValueError("give exactly one of 'diamonds' or 'coins'")
        return self


_KNOWN = {c.name: c for c in fields.PROFILE_COLUMNS}
_KNOWN["region"] = fields.column("region")


def column_for_loc(loc: tuple[Any, ...] | list[Any]) -> Optional[fields.Column]:
    """The contract column a validation-error location points at, if any."""
    for part in reversed(loc):
        if isinstance(part, str):
            return _KNOWN.get(part)
    return None


PROFILE_FIELD_NAMES: tuple[str, ...] = tuple(_KNOWN)
