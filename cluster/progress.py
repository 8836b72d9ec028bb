"""A one-line progress report with rate, for terminals (the CLI passes it only when stderr is a TTY)."""

from __future__ import annotations

from typing import TextIO

__all__ = ["RateLine"]


class RateLine:
    """``progress(done, total, count, seconds)`` -> '\\r  12/40 parts  1,234,567 profiles  24.1k profiles/s  eta 52 s'
    (ingest: ``RateLine(stream, "events", "tasks")``)."""

    def __init__(self, stream: TextIO, unit: str = "profiles", parts: str = "parts") -> None:
        self.stream = stream
        self.unit, self.parts = unit, parts
        self._width = 0

    def __call__(self, done: int, total: int, profiles: int, seconds: float) -> None:
        rate = profiles / seconds if seconds > 0 else 0.0
        eta = f"  eta {seconds * (total - done) / done:,.0f} s" if 0 < done < total else ""
        text = f"  {done:,}/{total:,} {self.parts}  {profiles:,} {self.unit}  {rate / 1000:,.1f}k {self.unit}/s{eta}"
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
