"""schemathesis (4.x, ``--checks all``) against the real server: the schema and the server agree.

Every check of schemathesis runs: no 5xx, status codes / content types / headers /
bodies as declared, schema-valid requests accepted, schema-violating ones refused.
A second, tiny run against a service that fails proves the run can fail.
benchmarks/fuzz_http.py runs the same against ``livelift serve`` with a fresh seed.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from livelift.web.app import create_app

pytest.importorskip("schemathesis")


def _schemathesis(url: str, examples: int, cwd: Any, seed: int = 20261203) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json", "--checks", "all",
           "--max-examples", str(examples), "--seed", str(seed), "--workers", "1", "--no-color",
           "--generation-database", "none", "--request-timeout", "30"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=cwd)


@pytest.mark.slow
def test_schemathesis_all_checks_find_nothing(recommender, serving, tmp_path):
    with serving(create_app(recommender)) as url:
        run = _schemathesis(url, 300, tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    assert "5 selected / 5 total" in run.stdout


class _Failing:
    """The real service, except that a recommendation crashes (a bug schemathesis must see)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def recommend(self, profile: Any) -> Any:
        raise RuntimeError("bug")

    recommend_many = recommend


@pytest.mark.slow
def test_schemathesis_reports_a_server_error(recommender, serving, tmp_path):
    with serving(create_app(_Failing(recommender), coalesce=False)) as url:
        run = _schemathesis(url, 5, tmp_path)
    assert run.returncode != 0
    assert "Server error" in run.stdout and "/v1/recommendations" in run.stdout
