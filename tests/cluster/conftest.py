"""A real Dask cluster on loopback (`dask scheduler` + two `dask worker --nthreads 1`), and datasets.

The cluster is started once per module from the venv's own ``dask`` command
and always torn down. Without dask installed the tests skip, unless
LIVELIFT_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
LIVELIFT = str(BIN / "livelift")
DASK = str(BIN / "dask")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~10 s")


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        if os.environ.get("LIVELIFT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"dask/distributed are required (LIVELIFT_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"dask/distributed not installed ({exc}): pip install 'livelift[dask]'")
    if not os.path.exists(DASK):
        pytest.fail(f"no dask command next to {sys.executable}")


@dataclass
class Cluster:
    scheduler_file: Path
    address: str
    procs: list

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid of the worker process (the nanny's child), asked through a client."""
        from distributed import Client

        with Client(self.address, timeout="20s") as client:
            return client.run(os.getpid)


def _stop(procs: list) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    for p in reversed(procs):
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _need_dask()
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    sched_file = folder / "scheduler.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    log = open(folder / "cluster.log", "w")
    procs: list = []
    try:
        procs.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder,
        ))
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            assert procs[0].poll() is None, (folder / "cluster.log").read_text()
            time.sleep(0.2)
        assert sched_file.exists(), "the scheduler did not write its file in 60 s"
        for _ in range(2):
            procs.append(subprocess.Popen(
                [DASK, "worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--host", "127.0.0.1",
                 "--no-dashboard", "--local-directory", str(folder)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder,
            ))
        with Client(scheduler_file=str(sched_file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
            address = client.scheduler.address
        yield Cluster(sched_file, address, procs)
    finally:
        _stop(procs)
        log.close()


@pytest.fixture(scope="session")
def ingest_data(tmp_path_factory):
    """Many creators' event logs + summaries, creators, labels (built once: see ingest_data.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ingest_data", Path(__file__).with_name("ingest_data.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    folder = tmp_path_factory.mktemp("ingest")
    return {**mod.build(folder), "corrupt": mod.corrupt, "folder": folder}
