"""What one Dask task does with one piece: read, validate, score, write one part file.

These functions run on the workers. Validation is the data contract's
(:func:`livelift.data.contract.validate_profiles`, with the piece's first row
number so problems name the row in the file); scoring is the scorer's
``long_table`` (a :class:`livelift.Recommender` shipped once per worker), so
every row gets the answer the local engine gives it. A part is written under
a temporary name and renamed, so a task re-run after a worker died simply
writes the same part again.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

from ..data.fields import OPTIONAL_COLUMNS, PROFILE_COLUMNS
from ..errors import InputError, Problem
from .inputs import Piece, open_fs

__all__ = ["PartResult", "score_piece", "part_name"]

_WANTED = frozenset(c.name for c in PROFILE_COLUMNS + OPTIONAL_COLUMNS)
_REQUIRED = frozenset(c.name for c in PROFILE_COLUMNS)
# Text columns with few distinct values: read as dictionaries, checked once per distinct value.
_BY_VALUE = frozenset(c.name for c in PROFILE_COLUMNS + OPTIONAL_COLUMNS if c.kind in ("choice", "region", "date"))


@dataclass(frozen=True)
class PartResult:
    """What one piece gave: rows read / kept / skipped, the first reasons, notes, the part written."""

    index: int
    source: str
    rows_read: int
    profiles: int
    skipped: int
    out_rows: int
    part: str | None
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def score_piece(piece: Piece, scorer: Any, out_dir: str, skip_bad_rows: bool) -> PartResult:
    """Validate and score one piece, write ``out_dir/part-NNNNN.parquet``; bad data -> InputError."""
    from threadpoolctl import threadpool_limits

    result = read_piece(piece, skip_bad_rows)
    frame = result.frame
    part = None
    out_rows = 0
    if len(frame):
        with threadpool_limits(limits=1):  # one worker process per core: no OpenMP threads on top
            table = scorer.long_table(frame, threads=1)
        part = part_name(piece.index)
        _write_part(table, out_dir, part)
        out_rows = len(table)
    return PartResult(
        piece.index, piece.file.url, result.rows_read, len(frame), result.skipped, out_rows, part,
        tuple(result.reasons), tuple(result.notes),
    )


def read_piece(piece: Piece, skip_bad_rows: bool) -> Any:
    """The validated profiles of one piece (a contract ReadResult)."""
    if piece.file.fmt == "csv":
        return _read_csv(piece.file.url, skip_bad_rows)
    return _read_parquet(piece, skip_bad_rows)


def _read_parquet(piece: Piece, skip_bad_rows: bool) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..data.contract import validate_profiles

    url = piece.file.url
    fs, path = open_fs(url)
    try:
        with fs.open(path, "rb") as fh:
            pf = pq.ParquetFile(fh)
            names = list(pf.schema_arrow.names)
            clean = [str(n).replace("\ufeff", "").strip() for n in names]
            columns = [n for n, c in zip(names, clean) if c in _WANTED]
            if not _REQUIRED <= set(clean) or len(set(clean) & _WANTED) != len(columns):
                columns = names  # the contract will name what is missing or doubled, with "did you mean"
            dictionary = [n for n, c in zip(names, clean) if c in _BY_VALUE]
            pf = pq.ParquetFile(fh, read_dictionary=dictionary)
            groups, offset = _groups_for(piece)
            table = pf.read_row_groups(groups, columns=columns, use_threads=False)
            table = table.slice(piece.start - offset, piece.stop - piece.start)
            df = table.to_pandas(date_as_object=True, ignore_metadata=True)
    except FileNotFoundError:
        raise InputError("file not found (was it removed while running?)", loc=url) from None
    except (pa.ArrowException, OSError, ValueError, TypeError, OverflowError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"could not read the Parquet data ({first})", loc=url, expected="a Parquet file") from None
    return validate_profiles(df, source=url, skip_bad_rows=skip_bad_rows, first_row=piece.start + 1, allow_empty=True)


def _groups_for(piece: Piece) -> tuple[list[int], int]:
    """Row groups overlapping the piece, and the file row at which the first of them starts."""
    groups, offset, at = [], None, 0
    for i, size in enumerate(piece.row_groups):
        if at < piece.stop and at + size > piece.start:
            groups.append(i)
            offset = at if offset is None else offset
        at += size
    return groups, offset or 0


def _read_csv(url: str, skip_bad_rows: bool) -> Any:
    """A whole CSV file through livelift's own CSV reader (the local engine's), so rows and errors match it.

    A remote file is first copied to a local temporary file; problems then name the URL.
    """
    from ..data.contract import read_profiles

    fs, path = open_fs(url)
    if "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        return _all_bad_is_empty(read_profiles, path, skip_bad_rows)
    folder = tempfile.mkdtemp(prefix="livelift-csv-")
    local = os.path.join(folder, path.rsplit("/", 1)[-1])
    try:
        fs.get(path, local)
        try:
            result = _all_bad_is_empty(read_profiles, local, skip_bad_rows)
        except InputError as exc:
            raise _renamed(exc, local, url) from None
        from dataclasses import replace

        return replace(result, source=url, reasons=tuple(r.replace(local, url) for r in result.reasons))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_ALL_BAD = re.compile(r": all ([\d,]+) rows? are bad, nothing usable is left$")


def _all_bad_is_empty(read: Any, path: str, skip_bad_rows: bool) -> Any:
    """``read(path)``; with skip_bad_rows, a file whose rows are ALL bad gives an empty result, not an error.

    In a dataset, other files may hold good rows: the run decides at the end
    (``engine._summarize``) whether anything usable is left. The contract's
    readers say "all N rows are bad" in the error's headline.
    """
    from ..data.contract import ReadResult

    try:
        return read(path, skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        found = _ALL_BAD.search(exc.headline or "") if skip_bad_rows else None
        if found is None:
            raise
        import pandas as pd

        n = int(found.group(1).replace(",", ""))
        return ReadResult(pd.DataFrame(), path, n, n, tuple(str(p) for p in exc.problems[:5]))


def _renamed(exc: InputError, local: str, url: str) -> InputError:
    problems = [Problem(p.loc.replace(local, url), p.msg.replace(local, url), p.expected, p.input) for p in exc.problems]
    headline = exc.headline.replace(local, url) if exc.headline else None
    return InputError.from_problems(problems, headline=headline, hint=exc.hint)


def _write_part(table: Any, out_dir: str, name: str) -> None:
    """Write one part under a temporary name, then rename it into place (idempotent on re-runs)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    # Same schema in every part: dictionaries (categorical columns) always with int32 indices.
    arrow = arrow.cast(pa.schema([
        pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type) if pa.types.is_dictionary(f.type) else f.type)
        for f in arrow.schema
    ], metadata=arrow.schema.metadata))  # pandas metadata: rank reads back as Int8, not float
    fs, folder = open_fs(out_dir)
    final = f"{folder}/{name}"
    tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.inprogress"
    with fs.open(tmp, "wb") as fh:
        pq.write_table(arrow, fh)
    fs.mv(tmp, final)
