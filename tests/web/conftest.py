"""Fixtures of the HTTP tests: a real uvicorn server on loopback (``serving``, tests/conftest.py).

Tests talk to it with httpx and timeouts. The module-scoped app wraps the shipped Recommender (the
``recommender`` session fixture), so answers can be compared with the Python API.
Helpers are fixtures (tests are imported with --import-mode=importlib).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import httpx
import pytest

from livelift.web.app import create_app

MAX_BATCH = 20
MAX_BODY = 64 * 1024
TIMEOUT = httpx.Timeout(30.0)


@pytest.fixture(scope="module")
def base_url(recommender, serving) -> Iterator[str]:
    app = create_app(recommender, max_batch=MAX_BATCH, max_body_bytes=MAX_BODY)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as c:
        yield c


@pytest.fixture(scope="session")
def limits() -> dict[str, Any]:
    return {"max_batch": MAX_BATCH, "max_body": MAX_BODY, "timeout": TIMEOUT}


@pytest.fixture(scope="session")
def jsonify() -> Callable[[Any], Any]:
    """What a Python object looks like after a JSON round trip."""
    return lambda obj: json.loads(json.dumps(obj))


@pytest.fixture(scope="session")
def make_profiles() -> Callable[[dict, int], list[dict]]:
    def make(example: dict, n: int) -> list[dict]:
        out = []
        for i in range(n):
            p = dict(example)
            p["creator_id"] = f"c{i}"
            p["followers"] = 300 + 997 * i
            p["creator_age"] = 15 + (i % 30)
            p["engagement_rate"] = round(0.02 + 0.03 * (i % 9), 4)
            out.append(p)
        return out

    return make


ERROR_KEYS = {"type", "loc", "msg", "input", "ctx"}


def _check_shape(body: Any) -> list[dict]:
    """The one error shape: {"detail": [{type, loc, msg, input, ctx: {expected, ...}}, ...]}."""
    assert set(body) == {"detail"}, body
    detail = body["detail"]
    assert isinstance(detail, list) and detail, body
    for err in detail:
        assert set(err) == ERROR_KEYS, err
        assert isinstance(err["type"], str) and isinstance(err["msg"], str) and err["msg"]
        assert isinstance(err["loc"], list) and all(isinstance(p, (str, int)) for p in err["loc"])
        assert isinstance(err["ctx"], dict) and isinstance(err["ctx"].get("expected"), str) and err["ctx"]["expected"]
    return detail


@pytest.fixture(scope="session")
def error_shape() -> Callable[[Any], list[dict]]:
    """Assert a response body has the one error shape; return its records."""
    return _check_shape


@pytest.fixture(scope="session")
def only_error() -> Callable[..., dict]:
    """The single error record of a response with the given status (422 unless told)."""

    def only(r: httpx.Response, status: int = 422) -> dict:
        assert r.status_code == status, r.text
        detail = _check_shape(r.json())
        assert len(detail) == 1, detail
        return detail[0]

    return only
