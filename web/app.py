"""livelift's HTTP JSON service (FastAPI): the app factory.

Endpoints (one router each, in ``web/routers/``)::

    GET  /healthz               liveness + which model answers (synthetic or not)
    GET  /v1/facts              the monetization facts, with sources
    GET  /v1/model              the model card
    POST /v1/recommendations    one profile object, or {"profiles": [...]} (1 to max_batch)
    POST /v1/earnings           {"diamonds": n} or {"coins": n}
    GET  /openapi.json          the schema: request, response and error models, examples
    GET  /docs, /redoc          interactive docs, served with their assets (no CDN: works offline)

Errors: one shape ``{"detail": [{type, loc, msg, input, ctx: {expected}}]}`` for every
kind (``errors.py``): 422 bad input, 413 bodies over ``max_body_bytes``, 404/405,
503 if the model or rules fail at request time, 500 (logged, no details) for bugs.

No endpoint takes a file path or loads a model named by a request: the model and
rule directories are fixed when the server starts, and a model or rules that cannot
load stop the server from starting. Run one with :func:`livelift.web.server.serve`
(``livelift serve``); build one here (inject a service in tests).
"""

import contextlib
import gc
import logging
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from .batching import Runner, is_batch_invariant
from .context import AppState, load_service, startup_line, version
from .errors import install_handlers
from .middleware import BodyLimit, ErrorGuard
from .routers import earnings, facts, health, model, recommendations
from .page import make_router as make_page_router

__all__ = ["create_app", "DEFAULT_MAX_BODY", "DEFAULT_MAX_BATCH", "DEFAULT_SERVICE_THREADS"]

log = logging.getLogger("livelift.http")

DEFAULT_MAX_BODY = 1_048_576
DEFAULT_MAX_BATCH = 1000
DEFAULT_SERVICE_THREADS = 2

_MOVED = {  # names this module held before the split, and where they live now
    "serve": "server", "app_from_env": "server", "log_config": "server", "ENV_MODEL": "server",
    "ENV_RULES": "server", "BodyLimit": "middleware", "ErrorGuard": "middleware",
    "is_batch_invariant": "batching", "input_error_records": "errors",
}


def __getattr__(name: str) -> Any:
    """``from livelift.web.app import serve`` (and the other moved names) keeps working."""
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _description(max_batch: int, max_body_bytes: int) -> str:
    return (
        "Ranks strategies by predicted weekly gift uplift (diamonds) for a creator profile, "
        "with the rules that shaped the answer. Likes, comments and shares pay nothing; gifts do.\n\n"
        "Input policy: numbers must be JSON numbers (strings such as \"25\" and booleans are "
        "rejected, never coerced); integer fields accept integral floats (5200.0) but not 5200.5; "
        "NaN/Infinity are rejected and every number has an upper bound; creator_id is a string of "
        "1 to 256 characters; unknown fields are rejected with a suggestion. "
        f"Batches hold 1 to {max_batch} profiles; bodies over {max_body_bytes:,} bytes get 413. "
        "Every error is {\"detail\": [{type, loc, msg, input, ctx}]} with ctx.expected saying what is valid."
    )


def _lifespan(state: AppState, coalesce: bool, freeze_gc: bool) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if state.service is None:
            state.service = await anyio.to_thread.run_sync(load_service, state.model_path, state.rules_dirs)
        svc = state.service
        log.info(startup_line(svc))
        for notice in getattr(svc, "notices", ()):
            log.info("livelift: %s", notice)
        if coalesce:
            try:
                state.coalesce = await state.run(is_batch_invariant, svc)
            except Exception:  # a probe for an optimisation, not a health check
                log.exception("livelift: batch check failed; answering each request with its own call")
            if not state.coalesce:
                log.warning(
                    "livelift: batched predictions differ from single ones in the last digits for this "
                    "model; answering each request with its own call (exact, but slower under load)"
                )
        if freeze_gc:
            gc.collect()
            gc.freeze()
        yield

    return lifespan


def create_app(
    service: Any = None,
    *,
    model_path: Any = None,
    rules_dirs: Iterable[Any] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_batch: int = DEFAULT_MAX_BATCH,
    service_threads: int = DEFAULT_SERVICE_THREADS,
    coalesce: bool = True,
    freeze_gc: bool = False,
    plan_db: Any = None,
    environ: Any = None,
) -> FastAPI:
    """Build the FastAPI app around ``service`` (a :class:`livelift.service.Recommender`).

    If ``service`` is None, the lifespan loads ``Recommender.load(model_path, rules_dirs)``
    before the first request; a failure there stops the server from starting.
    ``max_batch`` caps ``{"profiles": [...]}``; ``max_body_bytes`` caps any body (413).
    ``service_threads`` bounds concurrent service calls (0: on the event loop);
    ``coalesce`` answers concurrent single-profile requests with one batched call, if the
    service passes :func:`~livelift.web.batching.is_batch_invariant` at startup (checked on
    fixed probe profiles, no simulator), else one call per request.
    ``freeze_gc`` moves everything alive after startup (model, rules, libraries) out of
    the garbage collector's view (``gc.freeze``): full collections then scan only
    request garbage (p99 latency, see benchmarks/bench_http.py). It is process-wide, so
    :func:`~livelift.web.server.serve` turns it on; tests leave it off.
    ``plan_db`` (a plan store URL or SQLite file) adds ``GET /v1/creators/{id}/plan`` and
    ``POST /v1/creators/{id}/weeks`` behind the API keys found in ``environ`` (default: os.environ).
    """
    if max_batch < 1:
        raise ValueError(f"max_batch must be >= 1 (got {max_batch!r})")
    if max_body_bytes < 1:
        raise ValueError(f"max_body_bytes must be >= 1 (got {max_body_bytes!r})")
    state = AppState(service, model_path=model_path, rules_dirs=tuple(rules_dirs), max_batch=max_batch,
                     max_body_bytes=max_body_bytes, run=Runner(service_threads))
    app = FastAPIOffline(
        title="livelift",
        summary="What to do on TikTok LIVE to earn more gifts, and why.",
        description=_description(max_batch, max_body_bytes),
        version=version(),
        lifespan=_lifespan(state, coalesce, freeze_gc),
        swagger_ui_parameters={"validatorUrl": None},  # Swagger UI would send the schema to an online validator
    )
    app.state.livelift = state
    app.add_middleware(ErrorGuard)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)  # outermost: reject before any work
    install_handlers(app)
    app.include_router(health.router)
    app.include_router(facts.router)
    app.include_router(model.router)
    app.include_router(recommendations.build_router(max_batch, max_body_bytes))
    app.include_router(earnings.build_router(max_body_bytes))
    app.include_router(make_page_router(state.svc))  # the web page at / and /upload, assets at /static/page/
    if plan_db:
        from .routers.plans import include_plans, load_keys

        include_plans(app, str(plan_db), load_keys(environ))
    return app
