"""Reading data files: CSV, Parquet, JSON and JSONL files into validated frames.

:func:`read_file` picks the reader by the file's extension, reads the columns
the table needs and hands them to :mod:`livelift.data.frames` for validation. A
file that cannot be read (missing, empty, not UTF-8, not the format its
extension says) is a one-line :class:`~livelift.errors.InputError`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from .fields import HISTORY_COLUMNS, OPTIONAL_COLUMNS, Column
from .frames import ReadResult, Spec, clean_name, plan_columns, validate
from .values import NULL_TEXT

__all__ = ["read_file", "READ_EXTENSIONS"]

CSV_EXTENSIONS = (".csv",)
PARQUET_EXTENSIONS = (".parquet", ".pq")
JSON_EXTENSIONS = (".json",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
READ_EXTENSIONS: tuple[str, ...] = CSV_EXTENSIONS + PARQUET_EXTENSIONS + JSON_EXTENSIONS + JSONL_EXTENSIONS
"""File extensions the readers understand."""

_ARROW_NULLS = sorted({v for t in NULL_TEXT for v in (t, t.upper(), t.title())})
_BY_VALUE_NAMES = frozenset(c.name for c in HISTORY_COLUMNS + OPTIONAL_COLUMNS if c.kind in ("choice", "region", "date"))


def read_file(path: Any, spec: Spec, skip_bad_rows: bool) -> ReadResult:
    """Read and validate the table at ``path`` against ``spec`` (history or profiles), by extension."""
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise InputError("not a file path", loc="path", expected="a path to a file", input=type(path).__name__) from None
    source = str(p)
    ext = p.suffix.lower()
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except (OSError, ValueError) as exc:
        raise InputError(f"not a usable file path ({exc})", loc=source) from None
    if is_dir:
        raise InputError("is a folder, not a file", loc=source, expected=f"a {spec.noun} file")
    if ext not in READ_EXTENSIONS:
        raise InputError(
            "unknown file type",
            loc=source,
            expected="a file ending in " + ", ".join(READ_EXTENSIONS),
            input=p.suffix or p.name,
        )
    if not exists:
        raise InputError("file not found", loc=source, expected=f"an existing {spec.noun} file")
    try:
        if p.stat().st_size == 0:
            raise InputError("empty file (0 bytes)", loc=source, expected=_non_empty(ext, spec.noun))
        if ext in CSV_EXTENSIONS:
            return _read_csv(p, source, spec, skip_bad_rows)
        if ext in PARQUET_EXTENSIONS:
            return _read_parquet(p, source, spec, skip_bad_rows)
        return _read_json(p, source, spec, skip_bad_rows, lines=ext in JSONL_EXTENSIONS)
    except InputError:
        raise
    except PermissionError as exc:
        raise InputError("permission denied", loc=source, expected="a file you can read") from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", loc=source) from exc


def _non_empty(ext: str, noun: str) -> str:
    """What a file of this type holds, in words (for an empty file)."""
    if ext in CSV_EXTENSIONS:
        return f"a header row, then data rows ({noun})"
    if ext in PARQUET_EXTENSIONS:
        return f"a Parquet table ({noun})"
    if ext in JSONL_EXTENSIONS:
        return f"one JSON object per line ({noun})"
    return f"a JSON list of objects ({noun})"


def _read_csv(path: Path, source: str, spec: Spec, skip_bad_rows: bool) -> ReadResult:
    import numpy as np
    import pyarrow as pa

    names = _csv_header(path, source)
    plan = plan_columns(names, spec, source)
    _check_utf8(path, source)
    generated = [f"c{i}" for i in range(len(names))]
    types = {generated[pos]: _arrow_type(col) for pos, col in plan.columns}
    threads = True
    newlines = False
    while True:
        try:
            table, invalid = _arrow_csv(path, generated, types, threads=threads, newlines=newlines)
        except pa.ArrowInvalid as exc:
            # A cell that is not a number: read that column as text, to find and report it.
            name = _failed_number_column(exc, generated, types)
            if name is None:
                raise _csv_error(source, exc) from None
            types[name] = pa.string()
            continue
        if invalid and not newlines and any('"' in r[3] for r in invalid):
            newlines = True  # a quoted value spanning lines; slower parsing handles it
            continue
        if invalid and threads and any(r[2] is None for r in invalid):
            threads = False  # pyarrow numbers malformed rows only when single-threaded
            continue
        break
    if table.num_rows == 0 and not invalid:
        raise InputError("no data rows, only a header", loc=source, expected=f"at least one row of {spec.noun} after the header")
    try:
        df = table.to_pandas()
    except (pa.ArrowException, ValueError) as exc:
        raise InputError(f"could not read the CSV data ({_first_line(exc)})", loc=source) from None
    df.columns = [col.name for _, col in plan.columns]
    bad_records = []
    row_numbers = None
    if invalid:
        for expected, actual, number, text in invalid:
            row = number - 1 if number is not None else 0  # the header is line 1
            msg = f"has {actual} field{'s' if actual != 1 else ''}, the header has {expected}"
            bad_records.append((row, Problem(f"{source}: row {row}", msg, "one value per header column", text)))
        total = table.num_rows + len(invalid)
        kept = np.ones(total, dtype=bool)
        kept[[r - 1 for r, _ in bad_records if 1 <= r <= total]] = False
        row_numbers = np.flatnonzero(kept) + 1
    return validate(df, plan.renumbered(), source, skip_bad_rows, row_numbers=row_numbers, bad_records=tuple(bad_records))


def _arrow_type(col: Column) -> Any:
    import pyarrow as pa

    if col.kind in ("int", "float"):
        return pa.float64()
    if col.kind == "string":
        return pa.string()
    return pa.dictionary(pa.int32(), pa.string())


def _failed_number_column(exc: Exception, names: list[str], types: dict[str, Any]) -> str | None:
    """The number column pyarrow could not convert, from its message ('In CSV column #3: ...')."""
    import pyarrow as pa

    found = re.search(r"CSV column #(\d+): CSV conversion error", str(exc))
    if not found or int(found.group(1)) >= len(names):
        return None
    name = names[int(found.group(1))]
    return name if types.get(name) == pa.float64() else None


def _arrow_csv(path: Path, names: list[str], types: dict[str, Any], *, threads: bool, newlines: bool = False) -> tuple[Any, list]:
    import pyarrow.csv as pacsv

    invalid: list[tuple[int, int, int | None, str]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.expected_columns, row.actual_columns, row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=newlines),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            null_values=_ARROW_NULLS,
            strings_can_be_null=False,
        ),
    )
    invalid.sort(key=lambda r: (r[2] is None, r[2] or 0))
    return table, invalid


def _csv_error(source: str, exc: Exception) -> InputError:
    text = str(exc)
    if "UTF8" in text or "UTF-8" in text:
        return InputError("not UTF-8 text", loc=source, expected="a comma-separated CSV file saved as UTF-8")
    return InputError(f"not a readable CSV file ({_first_line(exc)})", loc=source, expected="comma-separated values with a header row")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _check_utf8(path: Path, source: str) -> None:
    """Refuse non-UTF-8 text up front (pyarrow cannot even report such a row).

    Pure ASCII, the usual case, is one vectorized pass over a memory map.
    """
    import codecs
    import mmap

    import numpy as np

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        view = np.frombuffer(mm, dtype=np.uint8)
        ascii_only = bool(view.max() < 0x80)
        del view
        if ascii_only:
            return
        decoder = codecs.getincrementaldecoder("utf-8")()
        step = 1 << 24
        for start in range(0, len(mm), step):
            chunk = mm[start : start + step]
            try:
                decoder.decode(chunk, final=start + step >= len(mm))
            except UnicodeDecodeError as exc:
                offset = start + exc.start
                line = mm[:offset].count(b"\n") + 1
                raise InputError(
                    f"not UTF-8 text (invalid bytes on line {line:,})",
                    loc=source,
                    expected="a comma-separated CSV file saved as UTF-8",
                ) from None


def _csv_header(path: Path, source: str) -> list[str]:
    """The header row's column names, with one-line reasons for unusable files."""
    import csv
    import io

    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        line = head.split(b"\n", 1)[0]
        while b"\n" not in head and len(line) < (1 << 20):
            more = fh.read(1 << 16)
            if not more:
                break
            head += more
            line = head.split(b"\n", 1)[0]
    if head.startswith(b"PAR1"):
        raise InputError("this is a Parquet file, not CSV", loc=source, expected="a .csv file", hint="rename it to end in .parquet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" and other UTF-16 exports
        raise InputError("UTF-16 text, not UTF-8", loc=source, expected="a comma-separated CSV file saved as UTF-8",
                         hint="save it again as 'CSV UTF-8 (comma delimited)', or: iconv -f UTF-16 -t UTF-8 FILE > new.csv")
    if b"\x00" in head:
        raise InputError("binary data, not a CSV text file", loc=source, expected="comma-separated values with a header row")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", loc=source, expected="a comma-separated CSV file saved as UTF-8") from None
    text = re.split(r"\r\n?|\n", text, maxsplit=1)[0]  # a lone CR ends a line too
    try:
        names = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise InputError(f"unreadable header row ({exc})", loc=source, expected="a header row with the column names") from None
    if not any(n.strip() for n in names):
        raise InputError("the first line is empty", loc=source, expected="a header row with the column names")
    if len(names) == 1:
        only = names[0]
        for sep, word in ((";", "';'"), ("\t", "tab"), ("|", "'|'")):
            if sep in only:
                raise InputError(
                    f"looks {word}-delimited; livelift reads comma-separated CSV",
                    loc=source,
                    expected="columns separated by commas",
                    input=only,
                )
        if only.lstrip().startswith(("{", "[")):
            raise InputError("looks like JSON, not CSV", loc=source, expected="comma-separated values", hint="rename it to end in .json or .jsonl")
    return names


def _read_parquet(path: Path, source: str, spec: Spec, skip_bad_rows: bool) -> ReadResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
        # Text columns with few distinct values arrive dictionary-encoded (Categorical): checked per value.
        dictionary = [n for n in names if clean_name(n) in _BY_VALUE_NAMES]
        pf = pq.ParquetFile(path, read_dictionary=dictionary)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"not a valid Parquet file ({_first_line(exc)})", loc=source, expected="a Parquet file") from None
    plan = plan_columns(names, spec, source)
    try:
        table = pf.read(columns=[names[pos] for pos, _ in plan.columns], use_threads=True)
        if table.num_rows == 0:
            raise InputError("no data rows", loc=source, expected=f"at least one row of {spec.noun}")
        df = table.to_pandas(date_as_object=True, ignore_metadata=True)
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"could not read the Parquet data ({_first_line(exc)})", loc=source) from None
    return validate(df, plan.renumbered(), source, skip_bad_rows)


def _read_json(path: Path, source: str, spec: Spec, skip_bad_rows: bool, *, lines: bool) -> ReadResult:
    import pandas as pd

    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text, not UTF-8", loc=source, expected="a JSON file saved as UTF-8",
                         hint="save it again as UTF-8, or: iconv -f UTF-16 -t UTF-8 FILE > new.json")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", loc=source, expected="a JSON file saved as UTF-8") from None
    records = _json_lines(text, source) if lines else _json_document(text, source, spec)
    names = list(dict.fromkeys(key for rec in records for key in rec))  # every key, in first-seen order
    plan = plan_columns(names, spec, source, thing="field")
    # one Series per column, so that all-number columns get a numeric dtype (the fast path)
    df = pd.DataFrame({col.name: pd.Series([rec.get(names[pos]) for rec in records]) for pos, col in plan.columns})
    return validate(df, plan.renumbered(), source, skip_bad_rows, strict=True)


def _json_lines(text: str, source: str) -> list[dict]:
    """The objects of a JSONL text, one per non-blank line."""
    records = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(f"line {lineno}: not valid JSON ({_json_reason(exc, lines=True)})", loc=source, expected="one JSON object per line") from None
        if not isinstance(item, dict):
            raise InputError(f"line {lineno}: not a JSON object", loc=source, expected="one JSON object per line", input=_json_kind(item))
        records.append(item)
    if not records:
        raise InputError("no records, only blank lines", loc=source, expected="one JSON object per line")
    return records


def _json_document(text: str, source: str, spec: Spec) -> list[dict]:
    """The objects of a JSON text: one object, a list of objects, or ``{"profiles": [...]}``."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({_json_reason(exc)})", loc=source, expected="a JSON object or a list of objects") from None
    if isinstance(doc, dict) and list(doc) == ["profiles"] and isinstance(doc["profiles"], list):
        doc = doc["profiles"]  # the HTTP batch body, saved to a file
    if isinstance(doc, dict):
        return [doc]
    if not isinstance(doc, list):
        raise InputError("not an object or a list of objects", loc=source, expected="a JSON object or a list of objects", input=_json_kind(doc))
    for k, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            raise InputError(f"record {k} is not an object", loc=source, expected="a list of JSON objects", input=_json_kind(item))
    if not doc:
        raise InputError("no records (an empty list)", loc=source, expected=f"a list of {spec.noun} objects")
    return doc


def _json_reason(exc: Exception, *, lines: bool = False) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}" if lines else f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "nested too deeply"


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )
