"""GET /v1/model: the model card."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..context import State
from ..errors import jsonable
from ..responses import ModelCardOut

router = APIRouter(tags=["model"])


@router.get("/v1/model", response_model=ModelCardOut)
async def get_model(state: State) -> JSONResponse:
    """The model card: provenance (synthetic or own data), versions, training data, method, metrics."""
    return JSONResponse(jsonable(state.svc().model_card()))
