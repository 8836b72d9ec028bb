"""POST /v1/earnings: diamonds (or coins spent on gifts) to estimated USD."""

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from ..context import State
from ..errors import jsonable
from ..responses import EarningsOut, error_responses
from ..schemas import EarningsIn

EXAMPLES = {
    "diamonds": {"summary": "Diamonds to USD", "value": {"diamonds": 10000}},
    "coins": {"summary": "Coins to diamonds to USD", "value": {"coins": 700}},
}


def build_router(max_body_bytes: int) -> APIRouter:
    router = APIRouter(tags=["earnings"])

    @router.post("/v1/earnings", response_model=EarningsOut,
                 responses=error_responses(413, 422, 503, max_body_bytes=max_body_bytes))
    async def post_earnings(body: Annotated[EarningsIn, Body(openapi_examples=EXAMPLES)], state: State) -> JSONResponse:
        """Estimate the USD value of diamonds (or of coins spent on gifts), with the parameters used."""
        est = await state.run(state.svc().earnings, diamonds=body.diamonds, coins=body.coins)
        return JSONResponse(jsonable(dataclasses.asdict(est)))

    return router
