"""HTTP for backends: a creator's plan and recorded weeks, behind API keys.

    GET  /v1/creators/{creator_id}/plan[?week=YYYY-MM-DD]   scope plan:read
    POST /v1/creators/{creator_id}/weeks                    scope weeks:write
         body: one data-contract row (with week) or {"weeks": [rows...]}

Keys: ``Authorization: Bearer <key>``. They come from the environment
variable ``LIVELIFT_API_KEYS`` and/or the file named by
``LIVELIFT_API_KEYS_FILE`` (one entry per line, ``#`` comments): an entry is
``KEY`` (every plan route) or ``KEY=scope|scope`` with scopes ``plan:read``
and ``weeks:write``; entries in the variable are separated by commas. Every
key is compared with ``hmac.compare_digest`` (all keys are checked, so the
time taken does not depend on which one matched). No or unknown key: 401;
a key without the route's scope: 403. The stateless endpoints stay open.

Use ``include_plans(app, store_url, keys)``; the Recommender is the app's own
(``app.state.livelift.svc()``, web/context.py).
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from ...errors import InputError
from ..context import get_state

__all__ = ["SCOPES", "ApiKey", "load_keys", "parse_keys", "include_plans"]

SCOPES = ("plan:read", "weeks:write")
ENV_KEYS = "LIVELIFT_API_KEYS"
ENV_KEYS_FILE = "LIVELIFT_API_KEYS_FILE"


@dataclass(frozen=True)
class ApiKey:
    secret: bytes
    scopes: frozenset[str]


def parse_keys(entries: list[str], source: str) -> tuple[ApiKey, ...]:
    keys = []
    for i, raw in enumerate(entries, 1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        secret, _, scopes = entry.partition("=")
        wanted = frozenset(s.strip() for s in scopes.split("|") if s.strip()) if scopes else frozenset(SCOPES)
        bad = sorted(wanted - set(SCOPES))
        if bad or len(secret.strip()) < 16:
            raise InputError("bad API key entry" + (f": unknown scope {bad[0]!r}" if bad else ": key shorter than 16 characters"),
                             loc=f"{source}, entry {i}",
                             expected="KEY (16+ characters) or KEY=plan:read|weeks:write")
        keys.append(ApiKey(secret.strip().encode(), wanted))
    return tuple(keys)


def load_keys(environ: Optional[dict] = None) -> tuple[ApiKey, ...]:
    """Keys from LIVELIFT_API_KEYS (comma-separated) and the file LIVELIFT_API_KEYS_FILE (one per line)."""
    env = os.environ if environ is None else environ
    keys = parse_keys(env.get(ENV_KEYS, "").split(","), ENV_KEYS)
    path = env.get(ENV_KEYS_FILE)
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"cannot read the API key file ({exc.strerror})", loc=ENV_KEYS_FILE, input=path,
                             expected="a readable file with one key entry per line") from None
        keys += parse_keys(lines, path)
    if not keys:
        raise InputError("no API keys configured for the plan routes", loc=ENV_KEYS,
                         expected=f"{ENV_KEYS}=KEY[,KEY...] or {ENV_KEYS_FILE}=path (one KEY[=scope|scope] per line)")
    return keys


def _authorise(keys: tuple[ApiKey, ...], scope: str):
    def check(request: Request) -> None:
        header = request.headers.get("authorization", "")
        kind, _, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "missing API key: send Authorization: Bearer <key>",
                                headers={"WWW-Authenticate": "Bearer"})
        given = token.strip().encode()
        match = None
        for key in keys:  # check every key: the time does not depend on which matched
            if hmac.compare_digest(key.secret, given):
                match = key
        if match is None:
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        if scope not in match.scopes:
            raise HTTPException(403, f"this API key may not use this route (needs scope {scope})")

    return Depends(check)


def _week(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("not a date", loc="query.week", input=value, expected="an ISO date (YYYY-MM-DD)") from None


def include_plans(app: FastAPI, store_url: str, keys: tuple[ApiKey, ...]) -> None:
    """Add the plan routes to ``app``, on the store at ``store_url`` (opened now: a bad store stops start-up)."""
    import pandas as pd

    from ...data.contract import validate_history
    from ...service.plans import next_picks_in, open_store, record_weeks_in

    store = open_store(store_url)
    router = APIRouter(prefix="/v1/creators", tags=["plans"])

    def service(request: Request) -> Any:
        return get_state(request).svc()  # the app's AppState (web/context.py); the lifespan has loaded it

    @router.get("/{creator_id}/plan", dependencies=[_authorise(keys, "plan:read")])
    def get_plan(creator_id: str, request: Request, week: Optional[str] = Query(None, description="YYYY-MM-DD")):
        svc = service(request)
        try:
            picks = next_picks_in(store, svc, creator=creator_id, week=_week(week))
        except InputError as exc:
            if exc.loc == "--creator":
                raise HTTPException(404, f"no recorded weeks for creator {creator_id!r}") from None
            raise
        row = picks.iloc[0].to_dict()
        row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        row["synthetic_model"] = bool(getattr(svc, "is_synthetic", True))
        return JSONResponse(row)

    @router.post("/{creator_id}/weeks", dependencies=[_authorise(keys, "weeks:write")])
    def post_weeks(creator_id: str, body: Any = Body(..., description="one week (data-contract row with week) or {\"weeks\": [...]}")):
        rows = body.get("weeks") if isinstance(body, dict) and "weeks" in body else [body]
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            raise InputError("expected one week object or {\"weeks\": [objects]}", loc="body",
                             expected="a JSON object per week (data-contract history row with a week field)")
        for i, r in enumerate(rows):
            if r.setdefault("creator_id", creator_id) != creator_id:
                raise InputError("creator_id differs from the URL", loc=f"body.weeks[{i}].creator_id",
                                 input=r["creator_id"], expected=repr(creator_id))
        result = validate_history(pd.DataFrame.from_records(rows), source="body")
        summary = record_weeks_in(store, result)
        return {"creator_id": creator_id, "added": summary.added, "already_recorded": summary.already}

    app.include_router(router)
    app.state.livelift_plans = store
