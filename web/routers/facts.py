"""GET /v1/facts: the monetization facts, with sources."""

import dataclasses

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..context import State
from ..errors import jsonable
from ..responses import FactsOut, error_responses

router = APIRouter(tags=["facts"])


@router.get("/v1/facts", response_model=FactsOut, responses=error_responses(503))
async def get_facts(state: State) -> JSONResponse:
    """Every monetization fact of the rule set (likes pay nothing; gifts do), with its sources."""
    facts = await state.run(state.svc().facts)
    return JSONResponse({"facts": [jsonable(dataclasses.asdict(f)) for f in facts], "count": len(facts)})
