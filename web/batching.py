"""Running service calls off the event loop, and coalescing concurrent single requests.

Service calls run in worker threads behind a small capacity limiter: the rules
engine serialises on a lock and its C extension holds the GIL, so more threads
only add contention. Concurrent single-profile requests are coalesced into one
``recommend_many`` call (same numbers, one model call): that, not threads, is what
keeps p99 low under load (benchmarks/bench_http.py compares the settings).
"""

import asyncio
import functools
from collections.abc import Callable
from typing import Any, Optional

import anyio
import anyio.to_thread

from .schemas import PROFILE_EXAMPLE
from ..data.fields import CATEGORIES
from ..text.shapes import recommendation_to_dict

__all__ = ["COALESCE_MAX", "Runner", "Coalescer", "probe_profiles", "is_batch_invariant"]

COALESCE_MAX = 64
"""Most single-profile requests answered by one coalesced ``recommend_many`` call."""


class Runner:
    """Runs blocking service calls off the event loop, at most ``threads`` at once.

    ``threads=0`` calls the service on the event loop itself (measured for comparison).
    """

    def __init__(self, threads: int) -> None:
        self.threads = int(threads)
        self._limiter: Optional[anyio.CapacityLimiter] = None

    async def __call__(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(fn, *args, **kwargs)
        if self.threads <= 0:
            return call()
        if self._limiter is None:  # created inside the running loop
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(call, limiter=self._limiter)


class Coalescer:
    """Answers concurrent single-profile requests with one ``recommend_many`` call.

    Requests that arrive while a batch is being computed wait for the next one (at
    most :data:`COALESCE_MAX` per batch), so 32 waiting clients cost ~1 ms of model
    time each instead of ~4 ms for 32 separate calls, serialised on one lock. No
    timer: a lone request is computed at once.
    Profiles are validated one by one *before* they join a batch, so one bad profile
    can never fail its neighbours.

    This is only correct if ``recommend_many`` gives each profile exactly the numbers
    ``recommend`` gives it, whatever its batch-mates: :func:`is_batch_invariant` checks
    that at startup and the app falls back to one call per request if not.
    """

    def __init__(self, run: Runner, max_batch: int = COALESCE_MAX) -> None:
        self._run = run
        self._max = max_batch
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._drainer: Optional[asyncio.Task] = None

    async def recommend(self, svc: Any, profile: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((profile, future))
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain(svc))
        return await future

    async def _drain(self, svc: Any) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max], self._pending[self._max :]
                batch = [(p, f) for p, f in batch if not f.done()]  # skip clients that went away
                if not batch:
                    continue
                try:
                    recs = await self._run(svc.recommend_many, [p for p, _ in batch])
                except Exception as exc:  # answered per request (ErrorGuard logs it)
                    for _, f in batch:
                        if not f.done():
                            f.set_exception(exc)
                else:
                    for (_, f), rec in zip(batch, recs):
                        if not f.done():
                            f.set_result(rec)
        finally:
            self._drainer = None


_PROBE_REGIONS = ("US", "KR", "GB", "BR", None)


def probe_profiles(n: int = COALESCE_MAX) -> list[dict[str, Any]]:
    """``n`` fixed, varied profiles for the startup check: no simulator, no randomness.

    The documented example profile (:data:`schemas.PROFILE_EXAMPLE`) with each field
    stepped through its range on its own period (followers 50 to ~6M, diamonds 1 to
    ~4.8M, every category, ages 13 to 72, four regions and none), so the batch covers
    minors, small and large creators and every rule path, the same on every start.
    """
    out = []
    for i in range(n):
        p = dict(PROFILE_EXAMPLE, creator_id=f"probe-{i}")
        p["followers"] = int(50 * 1.35 ** (i % 40))
        p["avg_viewers"] = round(2 + 3.1 * (i % 23) ** 1.5, 2)
        p["engagement_rate"] = round(0.01 + 0.021 * (i % 19), 3)
        p["streams_per_week"] = float(1 + i % 14)
        p["avg_stream_minutes"] = float(20 + 17 * (i % 11))
        p["retention_rate"] = round(0.05 + 0.07 * (i % 13), 3)
        p["prior_weekly_diamonds"] = float(3 ** (i % 15))
        p["category"] = CATEGORIES[i % len(CATEGORIES)]
        p["creator_age"] = 13 + (i * 7) % 60
        region = _PROBE_REGIONS[i % len(_PROBE_REGIONS)]
        if region is None:
            del p["region"]
        else:
            p["region"] = region
        out.append(p)
    return out


def is_batch_invariant(svc: Any, n: int = COALESCE_MAX) -> bool:
    """Does ``svc.recommend_many`` give each profile exactly what ``svc.recommend`` gives it?

    Checked on :func:`probe_profiles` (``n`` of them), as one batch of the largest
    coalesced size and in smaller batches (the model's prediction paths change with the
    number of rows). Equality is exact: the HTTP answer must be the Python API's answer
    to the last digit.
    """
    profiles = probe_profiles(n)
    single = [recommendation_to_dict(svc.recommend(p)) for p in profiles]
    for size in (n, 7, 2):
        batched = []
        for i in range(0, n, size):
            batched += [recommendation_to_dict(r) for r in svc.recommend_many(profiles[i : i + size])]
        if batched != single:
            return False
    return True
