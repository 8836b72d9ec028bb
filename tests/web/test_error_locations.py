"""Errors a route raises itself keep their meaning: a route's own 404 says what is missing (not "no such
path"), and an InputError located in the query or body is not put under "body" a second time."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from livelift.errors import InputError
from livelift.web.errors import install_handlers


@pytest.fixture(scope="module")
def url(serving):
    app = FastAPI()
    install_handlers(app)

    @app.get("/things/{name}")
    def thing(name: str, week: str = ""):
        if week:
            raise InputError("not a date", loc="query.week", input=week, expected="an ISO date (YYYY-MM-DD)")
        raise HTTPException(404, f"no recorded weeks for creator {name!r}")

    @app.post("/things")
    def post_thing():
        raise InputError("creator_id differs from the URL", loc="body.weeks[2].creator_id", input="a", expected="'b'")

    with serving(app, deadline=30) as base:
        yield base


def test_a_routes_own_404_says_what_is_missing(url):
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.get("/things/nobody")
        (err,) = r.json()["detail"]
        assert r.status_code == 404 and err["msg"] == "no recorded weeks for creator 'nobody'", err
        assert err["input"] == "/things/nobody" and err["type"] == "not_found"
        r = c.get("/nowhere")  # a path that does not exist still says so
        assert r.status_code == 404 and r.json()["detail"][0]["msg"] == "no such path"


def test_query_and_body_locations_are_not_doubled(url):
    with httpx.Client(base_url=url, timeout=30) as c:
        (err,) = c.get("/things/x", params={"week": "2025-99-01"}).json()["detail"]
        assert err["loc"] == ["query", "week"] and err["input"] == "2025-99-01", err
        (err,) = c.post("/things").json()["detail"]
        assert err["loc"] == ["body", "weeks", 2, "creator_id"], err
