"""Writing files safely: atomic replace, and data frames by file extension.

``atomic_path`` is the one way livelift writes a file: the data goes to a
temporary file in the same folder, which replaces the target only once it is
complete (``os.replace``), so a crash or an error never leaves a half-written
file behind. ``write_frame`` writes a table as CSV, Parquet, JSON Lines or
JSON (a list of objects), picked by the file's extension.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # pandas loads on first use
    import pandas as pd

__all__ = ["atomic_path", "write_frame", "check_output_path", "ensure_not_same_file", "WRITE_EXTENSIONS"]

WRITE_EXTENSIONS: tuple[str, ...] = (".csv", ".parquet", ".jsonl", ".json")
"""Extensions :func:`write_frame` understands."""


def ensure_not_same_file(output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None) -> None:
    """Refuse an output path that is the same file as one of ``inputs`` (``None`` ones are skipped).

    Writing the result over the data it was computed from would destroy that
    data. Existing files are compared with :func:`os.path.samefile` (so symlinks
    and hard links are caught); otherwise the resolved paths are compared.
    Raises :class:`InputError` "would overwrite the input file X; choose another output".
    """
    out = Path(output)
    for given in inputs:
        if given is None:
            continue
        src = Path(given)
        try:
            same = os.path.samefile(out, src) if out.exists() and src.exists() else out.resolve() == src.resolve()
        except (OSError, ValueError, RuntimeError):
            same = os.path.abspath(out) == os.path.abspath(src)
        if same:
            raise InputError(
                f"would overwrite the input file {src}; choose another output",
                loc=str(out),
                expected="an output path that is not one of the input files",
                input=str(out),
            )


def check_output_path(
    path: str | os.PathLike[str],
    extensions: tuple[str, ...] = WRITE_EXTENSIONS,
    *,
    inputs: tuple[str | os.PathLike[str] | None, ...] = (),
) -> Path:
    """Refuse an output path before any work is done: wrong extension, missing folder, a folder,
    or the same file as one of ``inputs`` (see :func:`ensure_not_same_file`).

    ``extensions`` are the accepted endings (lower-case, with the dot). Returns
    the path; raises :class:`InputError` saying what would be valid.
    """
    target = Path(path)
    ensure_not_same_file(target, *inputs)
    _refuse_folder(target)
    if target.suffix.lower() not in extensions:
        raise InputError(
            "unknown output file type",
            loc=str(target),
            expected="a file name ending in " + ", ".join(extensions),
            input=target.suffix or target.name,
        )
    _require_folder(target.parent)
    if not os.access(target.parent, os.W_OK):  # read-only file system, or no permission: say so before any work
        raise _cannot_write(target, "the folder is read-only or not writable for you")
    return target


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise InputError(
            "folder does not exist",
            loc=str(folder),
            expected="an existing folder to write into",
            hint=f"create it first (mkdir -p {folder}) or choose another output path",
        )


def _cannot_write(target: Path, why: str) -> InputError:
    """The output ``target`` cannot be written: named as the user gave it (never the temporary file)."""
    return InputError(
        f"cannot write this file: {why}",
        loc=str(target),
        expected=f"an output path in a folder you can write to, with free space (folder: {target.parent})",
        hint="choose another output path (-o), or free space / fix the folder's permissions",
    )


def _refuse_folder(target: Path) -> None:
    if target.is_dir():
        raise InputError("is a folder, not a file", loc=str(target), expected="a file path to write")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    The temporary file lives in the same folder (so the final ``os.replace`` is
    an atomic rename on one file system) and keeps ``path``'s suffix (so
    writers that pick a format by extension still work). If the block raises,
    the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    folder = target.parent
    _require_folder(folder)
    _refuse_folder(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=folder)
    except OSError as exc:
        raise _cannot_write(target, exc.strerror or str(exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private (0600): give the result the usual permissions instead.
    with contextlib.suppress(OSError):
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename in (tmp_name, str(tmp)):  # disk full, quota: name the output
            raise _cannot_write(target, exc.strerror or str(exc)) from None
        raise


def write_frame(
    df: "pd.DataFrame", path: str | os.PathLike[str], *, inputs: tuple[str | os.PathLike[str] | None, ...] = ()
) -> Path:
    """Write ``df`` (without its index) to ``path`` atomically, format by extension.

    ``.csv`` comma-separated with a header; ``.parquet``; ``.jsonl`` one JSON
    object per line; ``.json`` a list of objects. Datetime columns holding
    whole days are written as ``YYYY-MM-DD`` in the text formats. Returns the
    path written. Unknown extension, missing folder, or ``path`` being one of
    the ``inputs`` files -> :class:`InputError`.
    """
    target = check_output_path(path, WRITE_EXTENSIONS, inputs=inputs)
    ext = target.suffix.lower()
    out = df.reset_index(drop=True)
    if ext != ".parquet":
        out = _dates_as_text(out)
    with atomic_path(target) as tmp:
        if ext == ".csv":
            out.to_csv(tmp, index=False)
        elif ext == ".parquet":
            out.to_parquet(tmp, index=False)
        elif ext == ".jsonl":
            out.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            out.to_json(tmp, orient="records", force_ascii=False)
    return target


def _dates_as_text(df: "pd.DataFrame") -> "pd.DataFrame":
    """Datetime columns that hold whole days -> 'YYYY-MM-DD' strings (others untouched)."""
    import pandas as pd

    converted = {}
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_datetime64_any_dtype(col) and getattr(col.dt, "tz", None) is None:
            if bool((col.dropna() == col.dropna().dt.normalize()).all()):
                converted[name] = col.dt.strftime("%Y-%m-%d")
    return df.assign(**converted) if converted else df
