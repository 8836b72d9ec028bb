"""The suite's one loopback server (``serving`` in tests/conftest.py): real HTTP, a free port, a clean stop."""

from __future__ import annotations

import contextlib
import socket

import httpx
import pytest
from fastapi import FastAPI


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict:
        return {"pong": True}

    return app


def test_serves_real_http_on_a_free_loopback_port_and_stops(serving):
    with serving(_app()) as url, serving(_app()) as other:
        assert url.startswith("http://127.0.0.1:") and other != url  # each server gets its own port
        assert httpx.get(url + "/ping", timeout=10).json() == {"pong": True}
        assert httpx.get(other + "/ping", timeout=10).json() == {"pong": True}
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as s:  # stopped: nothing listens on the port any more
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_failing_startup_is_an_error_not_a_hang(serving):
    @contextlib.asynccontextmanager
    async def broken(app):
        raise RuntimeError("the model could not load")
        yield  # pragma: no cover

    with pytest.raises(RuntimeError, match="exited during startup"):
        with serving(FastAPI(lifespan=broken), deadline=20):
            pass  # pragma: no cover - must not get here
