"""Shared fixtures. Tests import the *installed* livelift (no tests/__init__.py)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

# Gradient boosting on these 2-core machines is much faster with one OpenMP thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def example_profile() -> dict:
    return json.loads((EXAMPLES / "creator.json").read_text())


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def recommender():
    """The shipped rules + shipped model, loaded once."""
    from livelift import Recommender

    return Recommender.load()


@contextlib.contextmanager
def _loopback(app: Any, *, deadline: float = 60.0) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn on 127.0.0.1:<free port> in a thread; yield its base URL.

    The port is the OS's choice (port 0), so parallel runs never collide. The URL is
    yielded once uvicorn has bound its socket and run the app's lifespan start-up
    (``server.started``); a start-up that fails (uvicorn exits, 3 when the lifespan
    raises) or takes longer than ``deadline`` seconds is a RuntimeError. At the end
    the server is asked to exit (``should_exit``) and its thread joined.
    httpx's own tests/conftest.py pattern (design.md, section 2.5).
    """
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, log_level="warning", ws="none",
                            lifespan="on")
    server = uvicorn.Server(config)
    exit_codes: list[Any] = []

    def run() -> None:
        try:
            server.run()
        except SystemExit as exc:  # uvicorn exits 3 when the lifespan start-up fails
            exit_codes.append(exc.code)

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        end = time.monotonic() + deadline
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"uvicorn exited during startup (exit code {exit_codes})")
            if time.monotonic() > end:
                raise RuntimeError(f"uvicorn did not start within {deadline} s")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=deadline)


@pytest.fixture(scope="session")
def serving() -> Callable[..., Any]:
    """``with serving(app) as base_url:`` runs the ASGI ``app`` on loopback for the block (uvicorn in a thread).

    The one loopback server of the test suite: HTTP, page, upload and plan tests all use it.
    ``serving(app, deadline=20)`` shortens the start-up wait.
    """
    return _loopback


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run when LIVELIFT_RUN_SLOW=1 (CI sets it), so the default run stays short."""
    if os.environ.get("LIVELIFT_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set LIVELIFT_RUN_SLOW=1 to run it (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
