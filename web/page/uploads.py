"""Uploaded files -> a validated history frame.

An :class:`UploadReader` says which uploads it takes (by file name and, with a
``sniff``, by content) and turns the file, saved to a temporary folder under its
own name, into a history frame in the data-contract shape. The page tries the
readers in order; the first that takes the file reads it. Two ship: history
files (:func:`livelift.data.contract.read_history`) and LIVE event logs / LIVE
summaries (``livelift ingest`` through the service; see ``eventlogs.py``). A
``.jsonl`` or ``.csv`` goes to exactly one of them, decided from its first
record (``eventlogs.is_history``). An ``ingest`` reader returns
``(CreatorWeeks, note)`` instead of a frame and gets the form's profile inputs
as ``defaults``. InputErrors are shown with where, what and what is valid.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...data.contract import READ_EXTENSIONS, read_history
from ...errors import InputError, Problem
from .eventlogs import EVENT_SUFFIXES, is_history, is_ingestable, read_event_upload

__all__ = ["UploadReader", "HISTORY_READER", "DEFAULT_READERS", "EVENT_LOG_READER", "read_upload", "accepted_suffixes", "example_history",
           "EXAMPLE_NOTE"]

EXAMPLE_NOTE = ("This is a SIMULATED example (livelift's simulator, 16 weeks of one creator; the same weeks as "
                "examples/history.csv), not real data. Upload your own history to see yours.")


def _history_frame(path: Path) -> Any:
    return read_history(path).frame


@dataclass(frozen=True)
class UploadReader:
    """A kind of upload: its name, the file-name endings it takes, and path -> history frame."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[..., Any]
    sniff: Callable[[Path], bool] | None = None
    ingest: bool = False  # read(path, creator_id=, defaults=) -> (CreatorWeeks, note)

    def accepts(self, filename: str) -> bool:
        return filename.lower().endswith(self.suffixes)

    def takes(self, path: Path) -> bool:
        return self.accepts(path.name) and (self.sniff is None or self.sniff(path))


def _ambiguous(suffixes: tuple[str, ...]) -> Callable[[Path], bool]:
    """History sniff: files with a suffix ingest also reads must look like a history (see eventlogs)."""
    return lambda path: not path.name.lower().endswith(suffixes) or is_history(path)


HISTORY_READER = UploadReader("history file (data contract)", tuple(READ_EXTENSIONS), _history_frame,
                              sniff=_ambiguous(EVENT_SUFFIXES))
EVENT_LOG_READER = UploadReader("LIVE event log or LIVE summary (as `livelift ingest` reads)", EVENT_SUFFIXES,
                                read_event_upload, sniff=is_ingestable, ingest=True)
DEFAULT_READERS: tuple[UploadReader, ...] = (HISTORY_READER, EVENT_LOG_READER)


def accepted_suffixes(readers: Sequence[UploadReader]) -> tuple[str, ...]:
    seen: list[str] = []
    for r in readers:
        seen += [s for s in r.suffixes if s not in seen]
    return tuple(seen)


def _safe_name(filename: str) -> str:
    """The upload's base name with anything but letters, digits, '.', '-' and '_' replaced."""
    base = Path(filename.replace("\\", "/")).name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[-120:] or "upload"


def read_upload(filename: str, data: bytes, readers: Sequence[UploadReader] = DEFAULT_READERS, *,
                creator_id: str | None = None, defaults: dict[str, Any] | None = None) -> Any:
    """The history frame (or an ingest reader's ``(CreatorWeeks, note)``) in an uploaded file.

    InputError (naming the upload, not a temp path) otherwise.
    """
    name = _safe_name(filename or "")
    if not filename:
        raise InputError("no file was uploaded", loc="history", expected="a history file or event log to upload")
    if not any(r.accepts(name) for r in readers):
        raise InputError("unknown file type", loc=name, input=Path(name).suffix or name,
                         expected="a file ending in " + ", ".join(accepted_suffixes(readers)))
    with tempfile.TemporaryDirectory(prefix="livelift-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        reader = next((r for r in readers if r.takes(path)), None)
        if reader is None:
            raise InputError("neither a history nor a LIVE event log / summary", loc=name,
                             expected="a history (data contract) or a file `livelift ingest` reads")
        try:
            if reader.ingest:
                return reader.read(path, creator_id=creator_id, defaults=defaults or {})
            return reader.read(path)
        except InputError as exc:
            raise _renamed(exc, str(path), name) from None


def _renamed(exc: InputError, temp: str, name: str) -> InputError:
    """The same problems, located in the uploaded file's name instead of the temporary path."""
    problems = [Problem(p.loc.replace(temp, name), p.msg.replace(temp, name), p.expected, p.input)
                for p in exc.problems]
    headline = getattr(exc, "headline", None)
    out = InputError.from_problems(problems, headline=headline.replace(temp, name) if headline else None,
                                   hint=exc.hint)
    return out


def example_history() -> Any:
    """One simulated creator's 16 weeks (the rows of examples/history.csv), as a validated history frame."""
    from ...data.contract import validate_history
    from ...service.history import simulated_history

    frame = simulated_history(creators=40, weeks=16, seed=14)
    one = frame[frame["creator_id"] == "cr000010"].assign(creator_id="example_creator")
    return validate_history(one.reset_index(drop=True), source="example").frame
