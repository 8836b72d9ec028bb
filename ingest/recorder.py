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

from .tiktoklive import event_line

__all__ = ["Recorder", "record", "RECORDED_EVENTS"]

RECORDED_EVENTS = (
    "ConnectEvent", "DisconnectEvent", "LiveEndEvent", "ControlEvent", "GiftEvent", "LikeEvent", "CommentEvent",
    "FollowEvent", "ShareEvent", "SocialEvent", "RoomUserSeqEvent", "JoinEvent", "LinkMicBattleEvent",
    "LinkMicArmiesEvent", "LinkMicMethodEvent", "LinkLayerEvent", "LinkEvent",
)
"""What the history needs: gifts, likes, comments, follows, shares, viewers, joins, link-mic/battle
activity (collaboration), and the connect / end markers (stream minutes)."""


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
    finally:
        rec.close()
    say(f"wrote {rec.lines:,} events" + (f"; {rec.errors} could not be written" if rec.errors else ""))
    return rec
