"""livelift's HTTP JSON service (FastAPI), a thin shell around the service layer.

Endpoints::

    GET  /healthz               liveness + which model answers (synthetic or not)
    GET  /v1/facts              the monetization facts, with sources
    GET  /v1/model              the model card
    POST /v1/recommendations    one profile object, or {"profiles": [...]} (at most max_batch)
    POST /v1/earnings           {"diamonds": n} or {"coins": n}
    GET  /openapi.json          the schema, with request examples

Errors: 422 ``{"detail": [{type, loc, msg, input, ctx}]}`` for bad input
(request validation and the service's own :class:`InputError` alike; ``ctx.expected``
says what is valid); 413 for bodies over ``max_body_bytes``; 503 if the model or
rules fail at request time; 500 ``{"detail": "internal server error"}`` (logged) for bugs.

No endpoint takes a file path or loads a model named by a request: the model and
rule directories are fixed when the server starts, and a model or rules that cannot
load stop the server from starting (:func:`serve` raises before binding).

Build an app with :func:`create_app` (inject a service in tests), run one with
:func:`serve` (``livelift serve``). With several workers, uvicorn imports
``livelift.web.app:app_from_env`` in each, configured by ``LIVELIFT_MODEL`` and
``LIVELIFT_RULES`` (directories joined with ``os.pathsep``).

Service calls run in worker threads behind a small capacity limiter: the rules
engine serialises on a lock and its C extension holds the GIL, so more threads
only add contention. Concurrent single-profile requests are coalesced into one
``recommend_many`` call (same numbers, one model call): that, not threads, is what
keeps p99 low under load (benchmarks/bench_http.py compares the settings).
"""

import asyncio
import contextlib
import copy
import dataclasses
import difflib
import functools
import gc
import logging
import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Optional

import anyio
import anyio.to_thread
from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import schemas
from ..domain import Profile
from ..errors import InputError, LiveLiftError, ModelError, RuleFileError

__all__ = ["create_app", "app_from_env", "serve", "BodyLimit", "ErrorGuard", "ENV_MODEL", "ENV_RULES"]

log = logging.getLogger("livelift.http")

ENV_MODEL = "LIVELIFT_MODEL"
ENV_RULES = "LIVELIFT_RULES"
ENV_MAX_BODY = "LIVELIFT_MAX_BODY_BYTES"
ENV_MAX_BATCH = "LIVELIFT_MAX_BATCH"

DEFAULT_MAX_BODY = 1_048_576
DEFAULT_MAX_BATCH = 1000
DEFAULT_SERVICE_THREADS = 2
COALESCE_MAX = 64
"""Most single-profile requests answered by one coalesced ``recommend_many`` call."""


# --------------------------------------------------------------------------- body limit


class BodyLimit:
    """Pure ASGI middleware: 413 for request bodies over ``max_bytes``.

    Rejects on ``Content-Length`` before reading anything, and counts the bytes
    actually streamed (chunked bodies, lying headers). The body is buffered (it is
    at most ``max_bytes``) and replayed to the app, so the app never sees a partial
    body and no exception has to travel through the framework.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send, declared)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect: nothing to serve
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send, size)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Callable, size: int) -> None:
        response = JSONResponse(
            {
                "detail": [
                    {
                        "type": "body_too_large",
                        "loc": ["body"],
                        "msg": f"request body is larger than {self.max_bytes:,} bytes",
                        "input": None,
                        "ctx": {
                            "max_bytes": self.max_bytes,
                            "received_bytes_at_least": size,
                            "expected": f"a body of at most {self.max_bytes:,} bytes; "
                            "split large batches into several requests",
                        },
                    }
                ]
            },
            status_code=413,
            headers={"connection": "close"},
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> dict:  # pragma: no cover - JSONResponse never reads
    return {"type": "http.disconnect"}


def _content_length(scope: dict) -> Optional[int]:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# --------------------------------------------------------------------------- errors


_TAGS = {schemas.SINGLE_TAG, schemas.BATCH_TAG}


def _clean_loc(loc: Sequence[Any]) -> list[Any]:
    """Drop the union tag pydantic puts after "body" (["body","batch","profiles",3,...])."""
    out = list(loc)
    if len(out) >= 2 and out[0] == "body" and out[1] in _TAGS:
        del out[1]
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, BaseException):
        return str(value)
    try:  # numpy scalars
        return _jsonable(value.item())
    except AttributeError:
        return str(value)


def _suggest(name: str) -> Optional[str]:
    """A profile field ``name`` may be a misspelling of (never ``name`` itself: a real
    profile field that is merely in the wrong place, e.g. beside "profiles")."""
    close = difflib.get_close_matches(name, schemas.PROFILE_FIELD_NAMES, n=1, cutoff=0.7)
    return close[0] if close and close[0] != name else None


def _allowed_fields(path: str, raw_loc: Sequence[Any]) -> str:
    """What may appear where an unknown field was found."""
    if path.endswith("/earnings"):
        return "only the field 'diamonds' or the field 'coins'"
    if len(raw_loc) == 3 and raw_loc[1] == schemas.BATCH_TAG:
        return "only the field 'profiles' (a list of profiles)"
    return "only the fields " + ", ".join(schemas.PROFILE_FIELD_NAMES)


def _body_expected(path: str) -> str:
    if path.endswith("/earnings"):
        return '{"diamonds": n} or {"coins": n}'
    return 'one profile object or {"profiles": [profile, ...]}'


def _validation_record(err: dict, request: Request) -> dict:
    raw_loc = tuple(err.get("loc", ()))
    loc = _clean_loc(raw_loc)
    typ = err.get("type", "value_error")
    msg = err.get("msg", "invalid value")
    value = err.get("input")
    ctx = {k: _jsonable(v) for k, v in (err.get("ctx") or {}).items()}
    col = schemas.column_for_loc(loc)
    if isinstance(value, (bytes, bytearray)):  # the body was not decoded as JSON
        typ = "content_type"
        msg = "the body must be JSON, sent with the header 'Content-Type: application/json'"
        value = request.headers.get("content-type")
        ctx = {"expected": "Content-Type: application/json"}
    elif typ == "missing" and loc == ["body"]:
        msg = "a JSON body is required"
        ctx = {"expected": _body_expected(request.url.path)}
    elif typ == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        hint = _suggest(name)
        msg = f"unknown field {name!r}" + (f" (did you mean {hint!r}?)" if hint else "")
        ctx["expected"] = _allowed_fields(request.url.path, raw_loc)
    elif typ == "too_long":
        value = f"<{ctx.get('actual_length', '?')} items>"  # don't echo a huge batch back
        ctx.setdefault("expected", f"at most {ctx.get('max_length')} items; split the batch")
    elif col is not None and typ != "missing":
        ctx.setdefault("expected", col.expected)
    elif col is not None:
        ctx.setdefault("expected", f"the field {col.name!r}: {col.expected}")
    return {"type": typ, "loc": loc, "msg": msg, "input": _jsonable(value), "ctx": ctx}


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": [_validation_record(e, request) for e in exc.errors()]}, status_code=422)


def _split_loc(loc: str) -> list[Any]:
    """The service's text location as a JSON path under the body.

    'profiles[3].engagement_rate' -> ['profiles', 3, 'engagement_rate'];
    'profile.followers' -> ['followers'] (a single profile *is* the body).
    """
    parts: list[Any] = []
    text = (loc or "").replace("]", "").replace("[", ".").replace(":", ".").replace(",", ".")
    for piece in text.split("."):
        piece = piece.strip()
        if not piece:
            continue
        parts.append(int(piece) if piece.isdigit() else piece)
    if parts and parts[0] == "profile":
        del parts[0]
    return parts


def input_error_records(exc: LiveLiftError, prefix: Sequence[Any] = ("body",)) -> list[dict]:
    """An :class:`InputError` as the 422 records request validation gives."""
    out = []
    for problem in exc.as_dicts():
        ctx = {"expected": problem["expected"]} if problem.get("expected") else {}
        out.append(
            {
                "type": "livelift_input",
                "loc": [*prefix, *_split_loc(problem.get("loc", ""))],
                "msg": problem.get("msg", str(exc)),
                "input": _jsonable(problem.get("input")),
                "ctx": ctx,
            }
        )
    return out


async def _on_input_error(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse({"detail": input_error_records(exc)}, status_code=422)


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """FastAPI answers a body it cannot decode (not UTF-8, nested too deeply, a 5,000-digit
    integer) with 400 "There was an error parsing the body": give it the 422 shape of every
    other bad body, saying what is valid."""
    if exc.status_code == 400 and request.method == "POST":
        record = {
            "type": "json_invalid",
            "loc": ["body"],
            "msg": "the body could not be read as JSON",
            "input": None,
            "ctx": {"expected": "a UTF-8 JSON object of reasonable depth, e.g. one profile or "
                                '{"profiles": [...]}, with Content-Type: application/json'},
        }
        return JSONResponse({"detail": [record]}, status_code=422)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _on_unavailable(request: Request, exc: LiveLiftError) -> JSONResponse:
    log.error("service unavailable: %s", exc)
    return JSONResponse({"detail": "the model or rules are not available; see the server log"}, status_code=503)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Backstop for errors in the middleware stack itself; app errors stop at ErrorGuard.
    log.error("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


class ErrorGuard:
    """Pure ASGI middleware: an unexpected exception becomes a logged 500 JSON response.

    Sits inside Starlette's ServerErrorMiddleware, so the exception is answered here
    (traceback to the log, ``{"detail": "internal server error"}`` to the client) and
    the keep-alive connection survives, instead of being re-raised to the server.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for a clean answer: let the server drop the connection
                raise
            response = JSONResponse({"detail": "internal server error"}, status_code=500)
            await response(scope, _no_receive, send)


# --------------------------------------------------------------------------- service calls


class _Runner:
    """Runs blocking service calls off the event loop, at most ``threads`` at once.

    ``threads=0`` calls the service on the event loop itself (measured for comparison).
    """

    def __init__(self, threads: int) -> None:
        self.threads = int(threads)
        self._limiter: Optional[anyio.CapacityLimiter] = None

    async def __call__(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(fn, *args, **kwargs)
        if self.threads <= 0:
            return call()
        if self._limiter is None:  # created inside the running loop
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(call, limiter=self._limiter)


class _Coalescer:
    """Answers concurrent single-profile requests with one ``recommend_many`` call.

    Requests that arrive while a batch is being computed wait for the next one (at
    most :data:`COALESCE_MAX` per batch), so 32 waiting clients cost ~1 ms of model
    time each instead of ~4 ms for 32 separate calls, serialised on one lock. No
    timer: a lone request is computed at once.
    Profiles are validated one by one *before* they join a batch, so one bad profile
    can never fail its neighbours.

    This is only correct if ``recommend_many`` gives each profile exactly the numbers
    ``recommend`` gives it, whatever its batch-mates: :func:`is_batch_invariant` checks
    that at startup and the app falls back to one call per request if not.
    """

    def __init__(self, run: "_Runner", max_batch: int = COALESCE_MAX) -> None:
        self._run = run
        self._max = max_batch
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._drainer: Optional[asyncio.Task] = None

    async def recommend(self, svc: Any, profile: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((profile, future))
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain(svc))
        return await future

    async def _drain(self, svc: Any) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max], self._pending[self._max :]
                batch = [(p, f) for p, f in batch if not f.done()]  # skip clients that went away
                if not batch:
                    continue
                try:
                    recs = await self._run(svc.recommend_many, [p for p, _ in batch])
                except Exception as exc:  # answered per request (ErrorGuard logs it)
                    for _, f in batch:
                        if not f.done():
                            f.set_exception(exc)
                else:
                    for (_, f), rec in zip(batch, recs):
                        if not f.done():
                            f.set_result(rec)
        finally:
            self._drainer = None


def is_batch_invariant(svc: Any, n: int = COALESCE_MAX) -> bool:
    """Does ``svc.recommend_many`` give each profile exactly what ``svc.recommend`` gives it?

    Checked on ``n`` simulated profiles, as one batch of the largest coalesced size and
    in smaller batches (the model's prediction paths change with the number of rows).
    Equality is exact: the HTTP answer must be the Python API's answer to the last digit.
    """
    from ..recommender.simulate import simulate_profiles
    from ..service import recommendation_to_dict

    frame = simulate_profiles(n, seed=20261126)
    profiles = [{k: v for k, v in row.items() if v is not None and v == v} for row in frame.to_dict("records")]
    single = [recommendation_to_dict(svc.recommend(p)) for p in profiles]
    for size in (n, 7, 2):
        batched = []
        for i in range(0, n, size):
            batched += [recommendation_to_dict(r) for r in svc.recommend_many(profiles[i : i + size])]
        if batched != single:
            return False
    return True


def _profile_dict(model: Any) -> dict[str, Any]:
    data = model.model_dump()
    if data.get("region") is None:
        data.pop("region", None)
    return data


def _startup_line(svc: Any) -> str:
    summary = svc.model_summary
    if summary.synthetic:
        return (
            f"livelift: model {summary.name!r} (created {summary.created}, {summary.trained_rows:,} rows) "
            "is trained on SYNTHETIC history: its uplift figures illustrate the method, they are not "
            "measurements of real creators"
        )
    return f"livelift: model {summary.name!r} (created {summary.created}, {summary.trained_rows:,} rows)"


def _load_service(model_path: Any, rules_dirs: Iterable[Any]) -> Any:
    from ..service import Recommender

    return Recommender.load(model_path=model_path, rules_dirs=tuple(rules_dirs))


# --------------------------------------------------------------------------- app


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
) -> FastAPI:
    """Build the FastAPI app around ``service`` (a :class:`livelift.service.Recommender`).

    If ``service`` is None, the lifespan loads ``Recommender.load(model_path, rules_dirs)``
    before the first request; a failure there stops the server from starting.
    ``max_batch`` caps ``{"profiles": [...]}``; ``max_body_bytes`` caps any body (413).
    ``service_threads`` bounds concurrent service calls (0: on the event loop);
    ``coalesce`` answers concurrent single-profile requests with one batched call, if the
    service passes :func:`is_batch_invariant` at startup (else one call per request).
    ``freeze_gc`` moves everything alive after startup (model, rules, libraries) out of
    the garbage collector's view (``gc.freeze``): full collections then scan only
    request garbage, which took p99 from ~145 ms to ~46 ms in bench_http.py. It is
    process-wide, so :func:`serve` and :func:`app_from_env` turn it on; tests leave it off.
    """
    from ..service import recommendation_to_dict

    if max_batch < 1:
        raise ValueError(f"max_batch must be >= 1 (got {max_batch!r})")
    if max_body_bytes < 1:
        raise ValueError(f"max_body_bytes must be >= 1 (got {max_body_bytes!r})")
    rules_dirs = tuple(rules_dirs)
    run = _Runner(service_threads)
    coalescer = _Coalescer(run)
    state: dict[str, Any] = {"service": service, "coalesce": False}  # lifespan turns coalescing on

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if state["service"] is None:
            state["service"] = await anyio.to_thread.run_sync(_load_service, model_path, rules_dirs)
        svc = state["service"]
        log.info(_startup_line(svc))
        for notice in getattr(svc, "notices", ()):
            log.info("livelift: %s", notice)
        if coalesce:
            try:
                state["coalesce"] = await run(is_batch_invariant, svc)
            except Exception:  # a probe for an optimisation, not a health check
                log.exception("livelift: batch check failed; answering each request with its own call")
            if not state["coalesce"]:
                log.warning(
                    "livelift: batched predictions differ from single ones in the last digits for this "
                    "model; answering each request with its own call (exact, but slower under load)"
                )
        if freeze_gc:
            gc.collect()
            gc.freeze()
        yield

    def svc() -> Any:
        if state["service"] is None:  # only when used without the lifespan
            state["service"] = _load_service(model_path, rules_dirs)
        return state["service"]

    app = FastAPI(
        title="livelift",
        summary="What to do on TikTok LIVE to earn more gifts, and why.",
        description=(
            "Ranks strategies by predicted weekly gift uplift (diamonds) for a creator profile, "
            "with the rules that shaped the answer. Likes, comments and shares pay nothing; gifts do.\n\n"
            "Input policy: numbers must be JSON numbers (strings such as \"25\" and booleans are "
            "rejected, never coerced); integer fields accept integral floats (5200.0) but not 5200.5; "
            "NaN/Infinity are rejected; unknown fields are rejected with a suggestion. "
            f"Batches hold at most {max_batch} profiles; bodies over {max_body_bytes:,} bytes get 413. "
            "Errors are 422 {\"detail\": [{type, loc, msg, input, ctx}]} with ctx.expected saying what is valid."
        ),
        version=_version(),
        lifespan=lifespan,
    )
    app.state.livelift = state
    app.add_middleware(ErrorGuard)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)  # outermost: reject before any work
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(ModelError, _on_unavailable)
    app.add_exception_handler(RuleFileError, _on_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)

    body_type = schemas.recommendation_body(max_batch)
    validation_response = {
        413: {"description": f"Body larger than {max_body_bytes:,} bytes"},
        422: {"description": "Invalid input: {detail: [{type, loc, msg, input, ctx: {expected}}]}"},
    }

    @app.get("/healthz", tags=["service"])
    async def healthz() -> JSONResponse:
        s = svc()
        summary = s.model_summary
        return JSONResponse(
            {
                "status": "ok",
                "version": _version(),
                "model": summary.name,
                "synthetic": bool(summary.synthetic),
                "model_created": summary.created,
                "notices": list(getattr(s, "notices", ())),
                "coalescing": bool(state["coalesce"]),
            }
        )

    @app.get("/v1/facts", tags=["facts"])
    async def get_facts() -> JSONResponse:
        facts = await run(svc().facts)
        return JSONResponse({"facts": [_jsonable(dataclasses.asdict(f)) for f in facts], "count": len(facts)})

    @app.get("/v1/model", tags=["model"])
    async def get_model() -> JSONResponse:
        return JSONResponse(_jsonable(svc().model_card()))

    @app.post("/v1/recommendations", tags=["recommendations"], responses=validation_response)
    async def post_recommendations(
        body: Annotated[body_type, Body(openapi_examples=_recommendation_examples(max_batch))],  # type: ignore[valid-type]
    ) -> JSONResponse:
        """Rank the strategies for one profile, or for each profile of ``{"profiles": [...]}``.

        One profile returns one recommendation object; a batch returns
        ``{"results": [...], "count": n}`` in request order.
        """
        s = svc()
        if hasattr(body, "profiles"):
            profiles = [_profile_dict(p) for p in body.profiles]
            if not profiles:
                return JSONResponse({"results": [], "count": 0})
            recs = await run(s.recommend_many, profiles)
            return JSONResponse({"results": [recommendation_to_dict(r) for r in recs], "count": len(recs)})
        if not state["coalesce"]:
            rec = await run(s.recommend, _profile_dict(body))
        else:
            profile = Profile.from_dict(_profile_dict(body))  # InputError -> 422 for this request only
            rec = await coalescer.recommend(s, profile)
        return JSONResponse(recommendation_to_dict(rec))

    @app.post("/v1/earnings", tags=["earnings"], responses=validation_response)
    async def post_earnings(
        body: Annotated[schemas.EarningsIn, Body(openapi_examples=_EARNINGS_EXAMPLES)],
    ) -> JSONResponse:
        """Estimate the USD value of diamonds (or of coins spent on gifts), with the parameters used."""
        est = await run(svc().earnings, diamonds=body.diamonds, coins=body.coins)
        return JSONResponse(_jsonable(dataclasses.asdict(est)))

    return app


def _recommendation_examples(max_batch: int) -> dict[str, Any]:
    second = {**schemas.PROFILE_EXAMPLE, "creator_id": "c-002", "followers": 800, "creator_age": 17,
              "region": "KR", "category": "music"}
    return {
        "single": {"summary": "One profile", "value": schemas.PROFILE_EXAMPLE},
        "batch": {
            "summary": f"A batch (at most {max_batch} profiles)",
            "value": {"profiles": [schemas.PROFILE_EXAMPLE, second]},
        },
    }


_EARNINGS_EXAMPLES = {
    "diamonds": {"summary": "Diamonds to USD", "value": {"diamonds": 10000}},
    "coins": {"summary": "Coins to diamonds to USD", "value": {"coins": 700}},
}


def _version() -> str:
    from .. import __version__

    return __version__


# --------------------------------------------------------------------------- running


def app_from_env(environ: Optional[dict] = None) -> FastAPI:
    """uvicorn factory for multi-worker runs: configuration from ``LIVELIFT_*`` variables."""
    env = os.environ if environ is None else environ
    rules = tuple(p for p in env.get(ENV_RULES, "").split(os.pathsep) if p)
    app = create_app(
        model_path=env.get(ENV_MODEL) or None,
        rules_dirs=rules,
        max_body_bytes=_env_int(env, ENV_MAX_BODY, DEFAULT_MAX_BODY),
        max_batch=_env_int(env, ENV_MAX_BATCH, DEFAULT_MAX_BATCH),
        freeze_gc=True,
    )
    _maybe_include_plans(app, env.get(ENV_PLAN_DB), env)  # plans (issue 13)
    return app


# ---- plans (issue 13): minimal hook, to be re-wired by the lead after the routers refactor ---- begin
ENV_PLAN_DB = "LIVELIFT_PLAN_DB"


def _maybe_include_plans(app: FastAPI, db: Any, environ: Any = None) -> None:
    """Add the plan routes (web/routers_plans.py) when a plan store is configured."""
    if not db:
        return
    from .routers_plans import include_plans, load_keys

    include_plans(app, str(db), load_keys(environ))
# ---- plans (issue 13) ---- end


def _env_int(env: Any, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"environment variable {name} must be a positive integer", loc=name, input=raw,
                         expected="a positive integer") from None
    if value < 1:
        raise InputError(f"environment variable {name} must be a positive integer", loc=name, input=raw,
                         expected="a positive integer")
    return value


def log_config(level: str = "info") -> dict:
    """uvicorn's logging config plus the ``livelift`` logger on the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["loggers"]["livelift"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return cfg


def _check_can_listen(host: str, port: int) -> None:
    """Fail with a clear InputError (not uvicorn's exit 3) if host:port cannot be bound."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot resolve host {host!r} ({exc})", loc="--host", input=host,
                         expected="an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0") from None
    family, socktype, proto, _, addr = infos[0]
    with socket.socket(family, socktype, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", loc="--port",
                             input=port, expected="a free port (or --port 0 for any), on an address of this machine",
                             hint="Is another server (or livelift serve) already running there?") from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    model_path: Any = None,
    rules_dirs: Iterable[Any] = (),
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_batch: int = DEFAULT_MAX_BATCH,
    log_level: str = "info",
    access_log: bool = False,
    db: Any = None,
) -> None:
    """Load the model and rules, then serve until interrupted.

    Raises :class:`ModelError` / :class:`RuleFileError` / :class:`InputError` *before*
    binding the port if the model or rules cannot be used (the CLI prints it and exits 1).
    ``access_log`` adds uvicorn's line per request (off: it doubles the CPU per request).
    """
    import uvicorn

    if workers < 1:
        raise InputError("workers must be >= 1", loc="--workers", input=workers, expected="an integer >= 1")
    rules_dirs = tuple(str(d) for d in rules_dirs)
    # Requests already run side by side; OpenMP threads inside scikit-learn's predict only
    # oversubscribe the cores (a 1,000-profile batch: 0.4 s with 1 thread, 0.7-5.5 s without).
    # Set before scikit-learn loads OpenMP; inherited by the workers.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    service = _load_service(model_path, rules_dirs)  # raises LiveLiftError: refuse to start
    _check_can_listen(host, port)
    if workers == 1:
        app = create_app(service, max_body_bytes=max_body_bytes, max_batch=max_batch, freeze_gc=True)
        _maybe_include_plans(app, db)  # plans (issue 13)
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, log_config=log_config(log_level),
                                access_log=access_log)
        uvicorn.Server(config).run()
        return
    del service  # each worker loads its own copy; this one only proved that loading works
    os.environ[ENV_RULES] = os.pathsep.join(rules_dirs)
    if model_path is not None:
        os.environ[ENV_MODEL] = str(model_path)
    else:
        os.environ.pop(ENV_MODEL, None)
    os.environ[ENV_MAX_BODY] = str(max_body_bytes)
    os.environ[ENV_MAX_BATCH] = str(max_batch)
    if db:  # plans (issue 13): each worker opens the store; keys are checked here first
        from .routers_plans import load_keys

        load_keys()
        os.environ[ENV_PLAN_DB] = str(db)
    uvicorn.run(
        "livelift.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config(log_level),
        access_log=access_log,
    )
