"""POST /v1/recommendations: rank the strategies for one profile or a batch."""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from .. import schemas
from ..context import State
from ..responses import RecommendationsOut, error_responses
from ...data.contract import parse_profile
from ...text.shapes import batch_to_dict, recommendation_to_dict


def examples(max_batch: int) -> dict[str, Any]:
    second = {**schemas.PROFILE_EXAMPLE, "creator_id": "c-002", "followers": 800, "creator_age": 17,
              "region": "KR", "category": "music"}
    return {
        "single": {"summary": "One profile", "value": schemas.PROFILE_EXAMPLE},
        "batch": {
            "summary": f"A batch (1 to {max_batch} profiles)",
            "value": {"profiles": [schemas.PROFILE_EXAMPLE, second]},
        },
    }


def _profile_dict(model: Any) -> dict[str, Any]:
    data = model.model_dump()
    if data.get("region") is None:
        data.pop("region", None)
    return data


def build_router(max_batch: int, max_body_bytes: int) -> APIRouter:
    router = APIRouter(tags=["recommendations"])
    body_type = schemas.recommendation_body(max_batch)

    @router.post("/v1/recommendations", response_model=RecommendationsOut,
                 responses=error_responses(413, 422, 503, max_body_bytes=max_body_bytes))
    async def post_recommendations(
        body: Annotated[body_type, Body(openapi_examples=examples(max_batch))],  # type: ignore[valid-type]
        state: State,
    ) -> JSONResponse:
        """Rank the strategies for one profile, or for each profile of ``{"profiles": [...]}``.

        One profile returns one recommendation object; a batch returns
        ``{"results": [...], "count": n}`` in request order.
        """
        s = state.svc()
        if hasattr(body, "profiles"):
            recs = await state.run(s.recommend_many, [_profile_dict(p) for p in body.profiles])
            return JSONResponse(batch_to_dict(recs))
        if not state.coalesce:
            rec = await state.run(s.recommend, _profile_dict(body))
        else:
            profile = parse_profile(_profile_dict(body))  # InputError -> 422 for this request only
            rec = await state.coalescer.recommend(s, profile)
        return JSONResponse(recommendation_to_dict(rec))

    return router
