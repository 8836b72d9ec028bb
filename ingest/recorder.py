"""``livelift record @HANDLE -o events.jsonl``: write a LIVE's events as the lines ingest reads best.

It connects with TikTokLive (``pip install 'livelift[record]'``), an
UNOFFICIAL, reverse-engineered client: TikTok can change or block it at any
time, and what it sees can differ from TikTok's LIVE Analytics.

Each event becomes one JSON line ``{"type": "GiftEvent", "timestamp": <ms>,
"creator": "<handle>", "data": {...}}`` with ``data`` from ``to_dict()`` in
snake_case with default values (so ``repeat_end: 0`` is written, not
omitted). ``to_dict()`` needs the type-hint work-around of
:mod:`.tiktoklive` on every event with a user or a gift, events off the wire
included. Files rotate by day: ``-o events.jsonl`` writes
``events-2026-01-05.jsonl`` and so on (UTC days). Lines are flushed every
second and on exit; Ctrl-C flushes and exits cleanly.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable

from ..errors import InputError, LiveLiftError
from .tiktoklive import event_line

__all__ = ["Recorder", "record", "connection_error", "RECORDED_EVENTS"]

RECORDED_EVENTS = (
    "ConnectEvent", "DisconnectEvent", "LiveEndEvent", "ControlEvent", "GiftEvent", "LikeEvent", "CommentEvent",
    "FollowEvent", "ShareEvent", "SocialEvent", "RoomUserSeqEvent", "JoinEvent", "LinkMicBattleEvent",
    "LinkMicArmiesEvent", "LinkMicMethodEvent", "LinkLayerEvent", "LinkEvent",
)
"""What the history needs: gifts, likes, comments, follows, shares, viewers, joins, link-mic/battle
activity (collaboration), and the connect / end markers (stream minutes)."""


_TRY = "then run `livelift record @{h} -o FILE` again"


def connection_error(exc: BaseException, handle: str) -> LiveLiftError | None:
    """What a failed connection means for the user (and what to try), or ``None`` for a bug of ours.

    Covers TikTokLive 7's own errors (``TikTokLive.client.errors``), httpx's network errors and the
    OS's (DNS, refused, reset)."""
    import httpx

    try:
        from TikTokLive.client import errors as tl
    except ImportError:  # pragma: no cover - record() needs it anyway
        tl = None
    where, again = f"@{handle}", _TRY.format(h=handle)
    if tl is not None and isinstance(exc, tl.UserOfflineError):
        return InputError("this creator is not LIVE right now", loc=where,
                          expected=f"a creator who is LIVE: start recording once the LIVE has begun ({again})")
    if tl is not None and isinstance(exc, tl.UserNotFoundError):
        return InputError("TikTok found no LIVE for this handle", loc=where,
                          expected=("the creator's exact TikTok handle, of an account with LIVE access "
                                    "(about 1,000 followers or more); TikTok may also be asking for a captcha: "
                                    f"wait a few minutes, {again}"))
    if tl is not None and isinstance(exc, tl.AgeRestrictedError):
        return InputError("this LIVE is age-restricted: TikTok shows it only to a logged-in account", loc=where,
                          expected="a LIVE that is not age-restricted (livelift record does not log in)")
    if tl is not None and isinstance(exc, tl.SignAPIError):
        return LiveLiftError(f"TikTokLive's signing server refused the connection: {_first_line(exc)}", loc=where,
                             hint=f"It limits how often one address may connect: wait a few minutes, {again}.")
    if tl is not None and isinstance(exc, tl.TikTokLiveError):
        return LiveLiftError(f"TikTok refused or blocked the connection: {_first_line(exc)}", loc=where,
                             hint=(f"TikTokLive is unofficial and TikTok may block it; wait a while, {again}. "
                                   "If it keeps failing, update it: pip install -U 'livelift[record]'."))
    if isinstance(exc, (httpx.HTTPError, OSError)) or type(exc).__module__.startswith("websockets"):
        return LiveLiftError(f"could not reach TikTok: {_first_line(exc) or type(exc).__name__}", loc=where,
                             hint=("Check the internet connection (DNS, proxy settings such as HTTPS_PROXY, "
                                   f"firewall), {again}."))
    return None


def _close(client: Any) -> None:
    """Release the client's HTTP session and the event loop it made (best effort: we are leaving anyway)."""
    loop = getattr(client, "_asyncio_loop", None)
    if loop is None or loop.is_running():
        return
    # TikTokLive 7's ``close()`` runs the loop from inside the loop (it fails), so its two steps by hand:
    # disconnect and drain the tasks (``_clean_tasks``), then close the HTTP session
    for step in (getattr(client, "_clean_tasks", None),
                 lambda: loop.run_until_complete(client._web.close())):
        try:
            if step is not None:
                step()
        except Exception:  # noqa: BLE001,S110 - a half-open session cannot be closed more cleanly than this
            pass
    if getattr(client, "_owned_asyncio_loop", None) is loop:
        loop.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class Recorder:
    """Appends events to day-rotated JSON-lines files. ``clock`` gives epoch ms (tests inject one)."""

    def __init__(self, output: str | Path, creator: str, *, clock: Callable[[], int] | None = None,
                 flush_every_ms: int = 1000) -> None:
        self.output = Path(output)
        self.creator = creator.lstrip("@")
        self.clock = clock or (lambda: int(time.time() * 1000))
        self.flush_every_ms = flush_every_ms
        self.lines = 0
        self.errors = 0
        self._day = ""
        self._fh: IO[str] | None = None
        self._flushed = 0

    def path_for(self, day: str) -> Path:
        name = self.output.name
        stem, ext = (name[: -len(".jsonl")], ".jsonl") if name.endswith(".jsonl") else (self.output.stem, self.output.suffix or ".jsonl")
        return self.output.with_name(f"{stem}-{day}{ext}")

    def handle(self, event: Any) -> None:
        """One event -> one line (the event's own create_time when it has one, else now)."""
        now = self.clock()
        common = getattr(event, "common", None)
        stamp = int(getattr(common, "create_time", 0) or 0) or now
        line = json.dumps(event_line(event, snake=True, defaults=True, timestamp_ms=stamp, creator=self.creator),
                          separators=(",", ":"), default=str)
        fh = self._file(now)
        fh.write(line + "\n")
        self.lines += 1
        if now - self._flushed >= self.flush_every_ms:
            fh.flush()
            self._flushed = now

    def _file(self, now: int) -> IO[str]:
        day = datetime.fromtimestamp(now / 1000, timezone.utc).date().isoformat()
        if day != self._day or self._fh is None:
            self.close()
            self._day = day
            self._fh = open(self.path_for(day), "a", encoding="utf-8")
        return self._fh

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            self._fh.close()
            self._fh = None


def record(unique_id: str, output: str | Path, *, say: Callable[[str], None] = print) -> Recorder:
    """Connect to @unique_id's LIVE and record until it ends or Ctrl-C (needs the network)."""
    try:
        import TikTokLive.events as tl_events
        from TikTokLive import TikTokLiveClient
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise RuntimeError(f"recording needs TikTokLive: pip install 'livelift[record]' ({exc})") from None
    handle = unique_id.lstrip("@")
    rec = Recorder(output, handle)
    client = TikTokLiveClient(unique_id="@" + handle)

    async def on_event(event: Any) -> None:
        try:
            rec.handle(event)
        except Exception as exc:  # noqa: BLE001 - one odd event must not end a recording
            rec.errors += 1
            if rec.errors <= 5:
                say(f"note: could not write a {type(event).__name__}: {exc}")

    for name in RECORDED_EVENTS:
        klass = getattr(tl_events, name, None)
        if klass is not None:
            client.add_listener(klass, on_event)
    say(f"recording @{handle} to {rec.path_for('YYYY-MM-DD')} (Ctrl-C to stop) ...")
    try:
        client.run()
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # noqa: BLE001 - the network and TikTok's answers: said plainly, not a traceback
        why = connection_error(exc, handle)
        if why is None:
            raise
        if rec.lines:
            say(f"wrote {rec.lines:,} events before the error")
        raise why from None
    finally:
        rec.close()
        _close(client)
    say(f"wrote {rec.lines:,} events" + (f"; {rec.errors} could not be written" if rec.errors else ""))
    return rec
