"""schemathesis against ``livelift serve``: does the server do what /openapi.json says?

    python benchmarks/fuzz_http.py [--examples 300] [--seed N] [--model PATH] [--rules DIR]

Starts ``livelift serve`` in a subprocess on 127.0.0.1 (a free port), waits for
/healthz, runs ``schemathesis run --checks all`` (every check: no 5xx, responses as
declared, schema-valid requests accepted, schema-violating ones refused) with
``--examples`` cases per operation and a fresh seed unless given, then prints the
cases run, failures and time, and schemathesis' own report when something failed.
tests/web/test_fuzz_http.py runs the same (fixed seed) in the slow suite.
Exit status: schemathesis' (0: no issue found).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("OMP_NUM_THREADS", "1")
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _start(port: int, model: str | None, rules: list[str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "livelift.cli", "serve", "--host", HOST, "--port", str(port)]
    if model:
        cmd += ["--model", model]
    for r in rules:
        cmd += ["--rules", r]
    proc = subprocess.Popen(cmd)
    end = time.monotonic() + 180
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"livelift serve exited during startup (code {proc.returncode})")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("livelift serve not ready within 180 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300, help="cases per operation (schemathesis --max-examples)")
    ap.add_argument("--seed", type=int, default=None, help="schemathesis seed (default: a fresh one, printed)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--rules", action="append", default=[])
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**63)
    port = _free_port()
    proc = _start(port, args.model, args.rules)
    try:
        cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"http://{HOST}:{port}/openapi.json",
               "--checks", "all", "--max-examples", str(args.examples), "--seed", str(seed), "--workers", "1",
               "--no-color", "--generation-database", "none", "--request-timeout", "30"]
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:  # schemathesis writes its report folder here
            run = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    cases = re.search(r"(\d+) generated", run.stdout)
    verdict = "no issues found" if run.returncode == 0 else "FAILURES (report below)"
    print(f"fuzz_http: schemathesis --checks all, {args.examples} examples per operation, seed {seed}: "
          f"{cases.group(1) if cases else '?'} cases in {seconds:.0f} s, {verdict}")
    if run.returncode != 0:
        print(run.stdout[-20000:], run.stderr[-4000:], sep="\n")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
