"""GET /healthz: liveness, and which model answers (synthetic or not)."""

from fastapi import APIRouter

from ..context import State, version
from ..responses import HealthOut

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=HealthOut)
async def healthz(state: State) -> dict:
    """Liveness, version, and the model that answers (``synthetic``: trained on simulated history)."""
    s = state.svc()
    summary = s.model_summary
    return {
        "status": "ok",
        "version": version(),
        "model": summary.name,
        "synthetic": bool(summary.synthetic),
        "model_created": summary.created,
        "notices": list(getattr(s, "notices", ())),
        "coalescing": bool(state.coalesce),
    }
