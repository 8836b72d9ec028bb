"""What the page and the progress display cost (issue 14), as ratios measured in one run.

* POST / (server-rendered page with an SVG chart) vs POST /v1/recommendations (JSON),
  same profile, same server (uvicorn in a thread on loopback), sequential requests;
* batch ``recommend`` in 100k-profile steps with a progress bar vs one ``long_table`` call.

    OMP_NUM_THREADS=1 python benchmarks/bench_page.py [--requests 200] [--profiles 200000]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import threading
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _serve(app):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def bench_http(rec, n: int) -> None:
    import httpx

    from livelift.web.app import create_app

    server, base = _serve(create_app(rec, coalesce=False))
    form = {"creator_id": "b", "followers": "5200", "avg_viewers": "48", "engagement_rate": "0.12",
            "streams_per_week": "4", "avg_stream_minutes": "75", "retention_rate": "0.35",
            "prior_weekly_diamonds": "900", "category": "gaming", "creator_age": "24", "region": "US"}
    body = {k: (v if k in ("creator_id", "category", "region") else float(v)) for k, v in form.items()}
    body["followers"], body["creator_age"] = 5200, 24
    with httpx.Client(timeout=30) as client:
        for _ in range(10):  # warm up
            client.post(base + "/", data=form)
            client.post(base + "/v1/recommendations", json=body)
        times = {"page": [], "json": []}
        for _ in range(n):
            for name, call in (("page", lambda: client.post(base + "/", data=form)),
                               ("json", lambda: client.post(base + "/v1/recommendations", json=body))):
                t0 = time.perf_counter()
                r = call()
                times[name].append(time.perf_counter() - t0)
                assert r.status_code == 200
    server.should_exit = True
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    p95 = {k: sorted(v)[int(0.95 * len(v))] * 1000 for k, v in times.items()}
    print(f"POST / (page):              median {med['page']:.1f} ms, p95 {p95['page']:.1f} ms ({n} requests)")
    print(f"POST /v1/recommendations:   median {med['json']:.1f} ms, p95 {p95['json']:.1f} ms")
    print(f"page / JSON median ratio:   {med['page'] / med['json']:.2f}")


def bench_batch(rec, n: int) -> None:
    import pandas as pd

    from livelift import cli
    from livelift.data.contract import validate_profiles
    from livelift.recommender.simulate import simulate_profiles
    from livelift.text.progress import NORMAL, Progress

    frame = validate_profiles(simulate_profiles(n, seed=3)).frame
    t0 = time.perf_counter()
    whole = rec.long_table(frame)
    t_whole = time.perf_counter() - t0
    cli._progress = lambda: Progress(NORMAL, stream=io.StringIO(), terminal=True)  # draw the bar (off screen)
    t0 = time.perf_counter()
    steps = cli._long_table_with_progress(rec, frame)
    t_steps = time.perf_counter() - t0
    pd.testing.assert_frame_equal(whole, steps, check_categorical=False)
    print(f"long_table, one call:       {t_whole:.2f} s for {n:,} profiles ({n / t_whole:,.0f}/s)")
    print(f"in {cli.BATCH_CHUNK:,}-row steps + bar: {t_steps:.2f} s ({n / t_steps:,.0f}/s); ratio {t_steps / t_whole:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--profiles", type=int, default=200_000)
    args = ap.parse_args()
    from livelift import Recommender

    rec = Recommender.load()
    bench_http(rec, args.requests)
    bench_batch(rec, args.profiles)


if __name__ == "__main__":
    main()
