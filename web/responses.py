"""Pydantic models of what the HTTP service answers: 200 bodies and the one error shape.

They mirror the JSON the service layer produces (``service.recommendation_to_dict``,
``dataclasses.asdict`` of the domain objects), field for field, so /openapi.json
declares a schema for every response and clients (and schemathesis) can check it.
Routes return those dicts as they are (exactly the Python API's numbers); these
models document them and tests validate real responses against them.
"""

from typing import Literal, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ErrorContext",
    "ErrorRecord",
    "ErrorOut",
    "HealthOut",
    "FactOut",
    "FactsOut",
    "ModelCardOut",
    "StrategyOut",
    "RuleHitOut",
    "ModelSummaryOut",
    "ProfileOut",
    "RecommendationOut",
    "RecommendationBatchOut",
    "RecommendationsOut",
    "ParameterOut",
    "EarningsOut",
    "error_responses",
]

_CLOSED = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class ErrorContext(BaseModel):
    """What would have been valid, plus details of the check (``ge``, ``max_length``, ...)."""

    model_config = ConfigDict(extra="allow")
    expected: str = Field(description="What a valid value looks like, in words.")


class ErrorRecord(BaseModel):
    """One problem: the same shape for request validation, the data contract, size limits and server errors."""

    model_config = _CLOSED
    type: str = Field(description="Machine-readable kind, e.g. 'less_than_equal', 'extra_forbidden', 'json_invalid'.")
    loc: list[Union[str, int]] = Field(description="Where: 'body' then the JSON path, e.g. ['body', 'profiles', 3, 'followers'].")
    msg: str = Field(description="What is wrong, in words.")
    input: Any = Field(description="The offending value (shortened if long), or null.")
    ctx: ErrorContext


class ErrorOut(BaseModel):
    """Every error response: ``{"detail": [{type, loc, msg, input, ctx: {expected}}]}``."""

    model_config = _CLOSED
    detail: list[ErrorRecord] = Field(min_length=1)


def error_responses(*codes: int, max_body_bytes: int = 0) -> dict[Union[int, str], dict[str, Any]]:
    """The ``responses=`` entries of a route for the given error status codes."""
    words = {
        413: f"Body larger than {max_body_bytes:,} bytes (split large batches)",
        422: "Invalid input: each problem with where it is and what is valid",
        503: "The model or rules failed at request time (see the server log)",
    }
    return {code: {"model": ErrorOut, "description": words[code]} for code in codes}


# --------------------------------------------------------------------------- simple resources


class HealthOut(BaseModel):
    model_config = _CLOSED
    status: str = Field(description="'ok' when the service answers.")
    version: str
    model: str = Field(description="File name of the model that answers.")
    synthetic: bool = Field(description="True if the model was trained on simulated history (figures illustrate the method).")
    model_created: str
    notices: list[str]
    coalescing: bool = Field(description="Concurrent single-profile requests are answered by one batched call.")


class FactOut(BaseModel):
    model_config = _CLOSED
    id: str
    text: str
    sources: list[str]


class FactsOut(BaseModel):
    model_config = _CLOSED
    facts: list[FactOut]
    count: int = Field(ge=0)


class ModelCardOut(BaseModel):
    """The model card: provenance, versions, training data summary, method and metrics.

    The listed fields are the common ones; a card may carry more (they are kept).
    """

    model_config = ConfigDict(extra="allow")
    format: Optional[str] = None
    format_version: Optional[int] = None
    name: Optional[str] = None
    created: Optional[str] = None
    synthetic: Optional[bool] = None
    interval: Optional[float] = None
    strategies: Optional[list[str]] = None
    versions: Optional[dict[str, Any]] = None
    training_data: Optional[dict[str, Any]] = None
    method: Optional[dict[str, Any]] = None
    metrics: Optional[dict[str, Any]] = None


# --------------------------------------------------------------------------- recommendations


class StrategyOut(BaseModel):
    """One option for one profile: 'none' (change nothing) or a strategy. Uplifts are extra weekly
    gift diamonds vs doing nothing new; null when blocked by the rules (no number is given for a
    blocked strategy) or unknown (too little history)."""

    model_config = _CLOSED
    strategy: Literal["none", "engage_audience", "promote", "improve_content", "collaborate", "increase_frequency"]
    rank: Optional[int] = Field(
        description="1 = best option; recommended strategies first, then 'none'; null if not recommended, blocked or unknown."
    )
    status: Literal["recommended", "keep", "not_recommended", "unknown", "blocked"]
    allowed: bool
    uplift_diamonds: Optional[float]
    uplift_low: Optional[float]
    uplift_high: Optional[float]
    uplift_usd: Optional[float]
    extrapolation: bool = Field(description="Rarely tried by similar creators, or a profile outside the training range.")
    implausible: bool = Field(description="More than 3x the creator's recent weekly diamonds (at least 300): treat as optimistic.")
    rule_ids: list[str]
    reasons: list[str]
    reason_kinds: list[str] = Field(description="Per reason: eligibility, allow, block, boost, caution or model.")


class RuleHitOut(BaseModel):
    model_config = _CLOSED
    id: str
    kind: str
    reason: str
    sources: list[str]


class ModelSummaryOut(BaseModel):
    model_config = _CLOSED
    name: str
    synthetic: bool
    created: str
    trained_rows: int
    interval: float
    note: str
    calibrated: bool = Field(description="False: the model card says its intervals were not calibrated "
                             "(trained on the user's own history): read them as too narrow.")
    source: str = Field(description="Where the numbers come from, in one sentence.")


class ProfileOut(BaseModel):
    """The profile as the data contract read it (stripped, unknown category -> 'other', region upper-case)."""

    model_config = _CLOSED
    creator_id: str
    followers: int
    avg_viewers: float
    engagement_rate: float
    streams_per_week: float
    avg_stream_minutes: float
    retention_rate: float
    prior_weekly_diamonds: float
    category: str
    creator_age: int
    region: Optional[str]


class RecommendationOut(BaseModel):
    """The answer for one profile: every strategy (ranked ones first), facts, rules, provenance."""

    model_config = _CLOSED
    creator_id: str
    verdict: str = Field(description="The answer in plain words: the best option with its likely range, or why none.")
    can_earn_gifts: bool
    ranked: list[str] = Field(description="Recommended strategies, best first, then 'none'.")
    strategies: list[StrategyOut]
    facts: list[RuleHitOut]
    rules_fired: list[RuleHitOut]
    model: ModelSummaryOut
    notes: list[str]
    profile: ProfileOut


class RecommendationBatchOut(BaseModel):
    """The answers for ``{"profiles": [...]}``, in request order."""

    model_config = _CLOSED
    results: list[RecommendationOut]
    count: int = Field(ge=1)


RecommendationsOut = Union[RecommendationOut, RecommendationBatchOut]


# --------------------------------------------------------------------------- earnings


class ParameterOut(BaseModel):
    """A monetization parameter used in the estimate, with its range and sources."""

    model_config = ConfigDict(extra="allow")
    name: str
    value: float
    low: float
    high: float
    unit: str
    description: str
    sources: list[str]


class EarningsOut(BaseModel):
    """Estimated USD for diamonds (or for coins spent on gifts), with the parameters used."""

    model_config = _CLOSED
    diamonds: float
    usd: float
    usd_low: float
    usd_high: float
    coins: Optional[float]
    parameters: list[ParameterOut]
    notes: list[str]
