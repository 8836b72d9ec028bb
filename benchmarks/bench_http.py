"""HTTP service figures: single-profile latency under concurrency, and one big batch.

    python benchmarks/bench_http.py [--requests 3000] [--concurrency 32] [--batch 1000]
                                    [--modes coalesce,threads2,threadpool,inline] [--client raw|httpx] [--cli]
                                    [--model PATH] [--rules DIR]

Starts the real server in a subprocess on 127.0.0.1 (a free port; loopback only),
waits for /healthz, then:
- sends ``--requests`` single-profile POST /v1/recommendations at ``--concurrency``
  in flight (simulated profiles, after a short warm-up) and prints errors, p50/p95/p99
  latency, requests/s and CPU per request of server and client (targets: 0 errors,
  p99 <= 100 ms). The default client writes pre-encoded HTTP/1.1 keep-alive requests on
  asyncio streams and checks each status; ``--client httpx`` uses httpx.AsyncClient,
  which costs ~4 ms of CPU a request here and so mostly measures itself;
- times one POST with ``--batch`` profiles in ``{"profiles": [...]}`` (best of 3;
  target <= 1 s).
``--modes`` runs the whole measurement once per server setting, to compare:
``coalesce`` (the default app: concurrent singles answered by one batched call, 2 service
threads), ``threads2`` (one service call per request, 2 threads), ``threadpool`` (one call
per request, 40 threads: what plain ``def`` endpoints do), ``inline`` (service called on
the event loop). ``--cli`` starts ``livelift serve`` instead (the shipped default).
The client shares the machine with the server (2 cores here): absolute figures are
pessimistic, compare settings within one run. Uses OMP_NUM_THREADS=1 unless set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

HOST = "127.0.0.1"
START_DEADLINE_S = 180.0

_SERVER = """
import sys, uvicorn
from livelift.web.app import create_app
from livelift.web.server import log_config
from livelift.service import Recommender
port, threads, coalesce, model = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", (sys.argv[4] or None)
rules = tuple(a for a in sys.argv[5:] if a)
svc = Recommender.load(model_path=model, rules_dirs=rules)
app = create_app(svc, service_threads=threads, coalesce=coalesce, freeze_gc=True)  # as serve() does
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", log_config=log_config("warning"))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


MODES = {  # name: (service_threads, coalesce)
    "coalesce": (2, True),
    "threads2": (2, False),
    "threadpool": (40, False),
    "inline": (0, False),
}


def _start(args: argparse.Namespace, mode: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    if args.cli:
        cmd = [sys.executable, "-m", "livelift.cli", "serve", "--host", HOST, "--port", str(port)]
        if args.model:
            cmd += ["--model", args.model]
        for d in args.rules:
            cmd += ["--rules", d]
    else:
        threads, coalesce = MODES[mode]
        cmd = [sys.executable, "-c", _SERVER, str(port), str(threads), "1" if coalesce else "0", args.model or "",
               *args.rules]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parent)
    return proc, f"http://{HOST}:{port}"


def _wait_ready(proc: subprocess.Popen, url: str) -> float:
    import httpx

    t0 = time.perf_counter()
    end = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited during startup (code {proc.returncode})")
        try:
            if httpx.get(url + "/healthz", timeout=2.0).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready within {START_DEADLINE_S:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # SIGTERM: uvicorn shuts down gracefully
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _profiles(n: int, seed: int) -> list[dict]:
    from livelift.data.fields import PROFILE_COLUMNS
    from livelift.recommender.simulate import simulate_profiles

    df = simulate_profiles(n, seed=seed)
    keep = [c.name for c in PROFILE_COLUMNS] + (["region"] if "region" in df.columns else [])
    records = json.loads(df[keep].to_json(orient="records"))
    for r in records:
        if r.get("region") is None:
            r.pop("region", None)
    return records


async def _load(url: str, profiles: list[dict], total: int, concurrency: int) -> tuple[list[float], int, float, list[str]]:
    import httpx

    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    next_i = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:

        async def worker() -> None:
            nonlocal next_i, errors
            while next_i < total:  # bounded: each worker takes the next index until total
                i = next_i
                next_i += 1
                body = profiles[i % len(profiles)]
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/recommendations", json=body)
                    ok = r.status_code == 200
                    if not ok and len(samples) < 3:
                        samples.append(f"{r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as exc:
                    ok = False
                    if len(samples) < 3:
                        samples.append(repr(exc))
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return latencies, errors, wall, samples


def _cpu_seconds(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


async def _load_raw(url: str, profiles: list[dict], total: int, concurrency: int) -> tuple[list[float], int, float, list[str]]:
    """Same load as :func:`_load` over plain asyncio streams (pre-encoded HTTP/1.1 keep-alive
    requests), so the client's own CPU (httpx costs ~4 ms a request here) steals less from
    the server on a shared machine."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    requests = []
    for p in profiles:
        body = json.dumps(p).encode()
        head = (
            f"POST /v1/recommendations HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        requests.append(head + body)
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    next_i = 0

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> tuple[int, bool]:
        writer.write(req)
        status = int((await reader.readline()).split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await reader.readexactly(length)
        return status, close

    async def worker() -> None:
        nonlocal next_i, errors
        conn = None
        try:
            while next_i < total:
                i = next_i
                next_i += 1
                t0 = time.perf_counter()
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(host, int(port))
                    status, close = await exchange(*conn, requests[i % len(requests)])
                    ok = status == 200
                    if not ok and len(samples) < 3:
                        samples.append(f"HTTP {status}")
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    ok, close = False, True
                    if len(samples) < 3:
                        samples.append(repr(exc))
                latencies.append(time.perf_counter() - t0)
                errors += not ok
                if close and conn is not None:
                    conn[1].close()
                    conn = None
        finally:
            if conn is not None:
                conn[1].close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - t0, samples


def _pct(sorted_xs: list[float], q: float) -> float:
    k = min(len(sorted_xs) - 1, max(0, int(round(q * (len(sorted_xs) - 1)))))
    return sorted_xs[k]


def _batch(url: str, profiles: list[dict], reps: int = 3) -> tuple[list[float], int]:
    import httpx

    times = []
    errors = 0
    payload = json.dumps({"profiles": profiles}).encode()
    with httpx.Client(base_url=url, timeout=60.0) as client:
        for _ in range(reps):
            t0 = time.perf_counter()
            r = client.post("/v1/recommendations", content=payload, headers={"content-type": "application/json"})
            times.append(time.perf_counter() - t0)
            if r.status_code != 200 or r.json().get("count") != len(profiles):
                errors += 1
                print(f"  batch error {r.status_code}: {r.text[:300]}")
    return times, errors


def run_one(args: argparse.Namespace, mode: str, profiles: list[dict], batch: list[dict]) -> None:
    label = "livelift serve" if args.cli else mode
    proc, url = _start(args, mode)
    try:
        ready = _wait_ready(proc, url)
        import httpx

        health = httpx.get(url + "/healthz", timeout=10.0).json()
        load = _load_raw if args.client == "raw" else _load
        asyncio.run(load(url, profiles, min(200, args.requests), args.concurrency))  # warm-up
        cpu0, own0 = _cpu_seconds(proc.pid), _cpu_seconds(os.getpid())
        lat, errors, wall, samples = asyncio.run(load(url, profiles, args.requests, args.concurrency))
        server_cpu_ms = (_cpu_seconds(proc.pid) - cpu0) * 1000 / len(lat)
        client_cpu_ms = (_cpu_seconds(os.getpid()) - own0) * 1000 / len(lat)
        lat.sort()
        ms = [x * 1000 for x in lat]
        print(f"[{label}] ready in {ready:.1f} s; coalescing={health.get('coalescing')} model={health.get('model')}")
        print(
            f"  single ({args.client} client): {len(lat)} requests at {args.concurrency} concurrent: errors={errors} "
            f"p50={_pct(ms, .50):.1f} ms p95={_pct(ms, .95):.1f} ms p99={_pct(ms, .99):.1f} ms "
            f"max={ms[-1]:.1f} ms mean={statistics.fmean(ms):.1f} ms  {len(lat) / wall:.0f} req/s"
        )
        print(
            f"  CPU per request: server {server_cpu_ms:.2f} ms, client {client_cpu_ms:.2f} ms "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        for s in samples:
            print(f"    e.g. {s}")
        if batch:
            times, berr = _batch(url, batch)
            print(
                f"  batch: {len(batch)} profiles in one request: best {min(times):.3f} s, "
                f"median {statistics.median(times):.3f} s over {len(times)} (errors={berr})"
            )
    finally:
        _stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--modes", default="coalesce", help="comma list of: " + ", ".join(MODES))
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="raw asyncio streams (default: ~0.1 ms client CPU a request) or httpx.AsyncClient "
                         "(~4 ms a request, which on 2 shared cores starves the server it measures)")
    ap.add_argument("--cli", action="store_true", help="start `livelift serve` instead of create_app(...)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--rules", action="append", default=[])
    args = ap.parse_args()
    if not (1 <= args.requests <= 1_000_000 and 1 <= args.concurrency <= 1024 and 0 <= args.batch <= 100_000):
        raise SystemExit("--requests 1..1e6, --concurrency 1..1024, --batch 0..1e5")

    profiles = _profiles(500, seed=7)
    batch = _profiles(args.batch, seed=8) if args.batch else []
    modes = ["cli"] if args.cli else [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES and m != "cli"]
    if unknown:
        raise SystemExit(f"unknown mode(s) {unknown}; choose from {', '.join(MODES)}")
    print(f"bench_http: {os.cpu_count()} CPUs, client and server on one machine (loopback)")
    for mode in modes:
        run_one(args, mode, profiles, batch)


if __name__ == "__main__":
    main()
