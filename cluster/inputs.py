"""What to score: a DATASET argument -> input files -> pieces (one task each).

A DATASET is one Parquet or CSV file, a folder of them (searched recursively;
names starting with ``_`` or ``.`` are skipped, as Spark and Dask do), or a
glob, on the local disk or at any fsspec URL (``s3://bucket/profiles/``
needs s3fs, ``gs://`` gcsfs). A piece is a row range of one file: Parquet
files are cut at row-group boundaries into pieces of about ``target_rows``
rows (a row group bigger than that is cut by row, each cut reading the whole
group); a CSV file is one piece. Every piece knows the file and the row
number of its first row, so a bad row is reported where it is in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data.contract import CSV_EXTENSIONS, PARQUET_EXTENSIONS
from ..errors import InputError

__all__ = ["InputFile", "Piece", "list_inputs", "file_rows", "cut_pieces", "open_fs"]

DATASET_EXTENSIONS = PARQUET_EXTENSIONS + CSV_EXTENSIONS
_GLOB_CHARS = "*?["


@dataclass(frozen=True)
class InputFile:
    """One input file: its URL (a plain path for local files) and format."""

    url: str
    fmt: str  # "parquet" or "csv"


@dataclass(frozen=True)
class Piece:
    """Rows [start, stop) of one file (0-based; ``stop`` None = to the end); ``index`` orders the output parts."""

    index: int
    file: InputFile
    start: int
    stop: int | None
    row_groups: tuple[int, ...] = ()  # rows per row group of the file (Parquet), to find the groups to read

    @property
    def rows(self) -> int | None:
        return None if self.stop is None else self.stop - self.start


def open_fs(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a local path or URL; a missing driver is an InputError."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise InputError(
            f"cannot open this URL: {exc}",
            loc=url,
            expected="a local path, or a URL whose fsspec driver is installed (s3:// needs `pip install s3fs`, gs:// gcsfs)",
        ) from None
    except ValueError as exc:
        raise InputError(f"not a usable path or URL ({exc})", loc=url) from None


def _display(fs: Any, path: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _is_local(fs: Any) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def _format(path: str) -> str | None:
    low = path.lower()
    if low.endswith(PARQUET_EXTENSIONS):
        return "parquet"
    if low.endswith(CSV_EXTENSIONS):
        return "csv"
    return None


def _hidden(path: str, root: str) -> bool:
    rel = path[len(root):].lstrip("/") if path.startswith(root) else path.rsplit("/", 1)[-1]
    return any(part.startswith(("_", ".")) for part in rel.split("/"))


def list_inputs(dataset: str) -> tuple[list[InputFile], list[str]]:
    """The files of ``dataset`` in a stable (sorted) order, and notes (files ignored)."""
    fs, path = open_fs(dataset)
    expected = "a .parquet or .csv file, a folder of them, or a glob such as 'profiles/*.parquet'"
    try:
        if any(c in path for c in _GLOB_CHARS):
            found = sorted(p for p in fs.glob(path) if not fs.isdir(p))
            root = path.split("*", 1)[0].rsplit("/", 1)[0]
        elif fs.isdir(path):
            found = sorted(fs.find(path))
            root = path
        elif fs.exists(path):
            found, root = [path], ""
        else:
            raise InputError("not found", loc=dataset, expected=expected)
    except PermissionError as exc:
        raise InputError(f"permission denied ({exc})", loc=dataset, expected=expected) from None
    except OSError as exc:
        raise InputError(f"cannot list the dataset ({exc})", loc=dataset, expected=expected) from None
    files, ignored = [], []
    for p in found:
        if root and _hidden(p, root):
            continue
        fmt = _format(p)
        if fmt is None:
            if not root:
                raise InputError("unknown file type", loc=dataset, expected="a file ending in " + ", ".join(DATASET_EXTENSIONS))
            ignored.append(p.rsplit("/", 1)[-1])
            continue
        files.append(InputFile(_display(fs, p), fmt))
    if not files:
        raise InputError("no .parquet or .csv files here", loc=dataset, expected=expected)
    notes = []
    if ignored:
        shown = ", ".join(ignored[:5]) + (", ..." if len(ignored) > 5 else "")
        notes.append(f"ignored {len(ignored)} file(s) that are not .parquet/.pq/.csv: {shown}")
    return files, notes


def file_rows(file: InputFile) -> tuple[int, ...]:
    """Rows per row group of a Parquet file (read from its footer, on a worker); () for CSV."""
    if file.fmt != "parquet":
        return ()
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, path = open_fs(file.url)
    try:
        with fs.open(path, "rb") as fh:
            meta = pq.ParquetFile(fh).metadata
            return tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    except FileNotFoundError:
        raise InputError("file not found (was it removed while running?)", loc=file.url) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"not a valid Parquet file ({first})", loc=file.url, expected="a Parquet file") from None


def cut_pieces(files: list[InputFile], groups: list[tuple[int, ...]], target_rows: int) -> list[Piece]:
    """Pieces of about ``target_rows`` rows, at row-group boundaries where the groups allow."""
    pieces: list[Piece] = []
    for file, sizes in zip(files, groups):
        if file.fmt != "parquet":
            pieces.append(Piece(len(pieces), file, 0, None))
            continue
        cuts, pos = [0], 0
        for size in sizes:
            if size > target_rows:  # one big group: close the current piece, cut the group by row
                if pos > cuts[-1]:
                    cuts.append(pos)
                n = -(-size // target_rows)
                cuts += [pos + size * k // n for k in range(1, n + 1)]
            elif pos + size - cuts[-1] > target_rows and pos > cuts[-1]:
                cuts.append(pos)
            pos += size
        if pos > cuts[-1]:
            cuts.append(pos)
        for a, b in zip(cuts[:-1], cuts[1:]):
            pieces.append(Piece(len(pieces), file, a, b, sizes))
    return pieces
