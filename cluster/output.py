"""The output dataset's commit protocol: a temporary folder next to OUT_DIR, renamed when complete.

1. Before any work: OUT_DIR must not exist (or be an empty folder) and its
   parent folder must exist; otherwise an InputError says what to do.
2. Tasks write ``part-NNNNN.parquet`` files into ``.<name>.livelift-tmp-<id>``
   next to OUT_DIR, each under a temporary name renamed into place (a task
   re-run after a worker died rewrites the same part).
3. When every task has succeeded, the driver checks that each expected part
   is there, removes leftovers of killed tasks, writes ``_SUCCESS.json``
   (counts, model, whether it was trained on simulated data) and renames the
   folder to OUT_DIR: one atomic ``rename`` on a local or network file system.
4. On any failure (bad data, Ctrl-C, lost cluster) the temporary folder is
   deleted: OUT_DIR never holds a partial dataset.

On object stores (s3://, gs://) there is no atomic rename: step 3 copies the
parts and writes ``_SUCCESS.json`` LAST, so readers must treat a dataset
without ``_SUCCESS.json`` as incomplete.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from ..errors import InputError
from .inputs import open_fs

__all__ = ["MARKER", "prepare", "commit", "abort"]

MARKER = "_SUCCESS.json"


def _local(fs: Any) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def prepare(out_dir: str) -> str:
    """Check OUT_DIR and create the temporary folder next to it; returns the folder's URL."""
    fs, path = open_fs(out_dir)
    path = path.rstrip("/")
    parent, name = path.rsplit("/", 1) if "/" in path else ("", path)
    if fs.exists(path):
        if not fs.isdir(path):
            raise InputError("exists and is a file", loc=out_dir, expected="a new folder name for the Parquet dataset")
        if fs.ls(path):
            raise InputError(
                "folder exists and is not empty", loc=out_dir, expected="a new (or empty) folder for the Parquet dataset",
                hint="choose another -o folder, or remove this one first",
            )
    if _local(fs) and not os.path.isdir(parent or "."):
        raise InputError("folder does not exist", loc=parent, expected="an existing folder to write into",
                         hint=f"create it first (mkdir -p {parent}) or choose another output path")
    tmp = f"{parent}/.{name}.livelift-tmp-{uuid.uuid4().hex[:12]}" if parent else f".{name}.livelift-tmp-{uuid.uuid4().hex[:12]}"
    try:
        fs.makedirs(tmp, exist_ok=False)
    except PermissionError:
        raise InputError("cannot write here (permission denied)", loc=parent or ".", expected="a writable folder") from None
    return tmp if _local(fs) else fs.unstrip_protocol(tmp)


def commit(tmp: str, out_dir: str, parts: list[str], manifest: dict[str, Any]) -> None:
    """Check the parts, write the marker, move the folder to OUT_DIR (see the module docstring)."""
    fs, tmp_path = open_fs(tmp)
    _, out_path = open_fs(out_dir)
    out_path = out_path.rstrip("/")
    present = {p.rsplit("/", 1)[-1] for p in fs.ls(tmp_path, detail=False)}
    missing = [p for p in parts if p not in present]
    if missing:  # a bug or a storage problem, never a user error: refuse to publish
        raise RuntimeError(f"output parts missing after the run: {missing[:5]} (nothing was written to {out_dir})")
    for leftover in present - set(parts):
        fs.rm(f"{tmp_path}/{leftover}")
    if _local(fs):
        with open(os.path.join(tmp_path, MARKER), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2)
        if os.path.isdir(out_path):
            os.rmdir(out_path)  # empty (checked before the run); rename needs it gone
        os.rename(tmp_path, out_path)
        return
    for p in parts:
        fs.mv(f"{tmp_path}/{p}", f"{out_path}/{p}")
    with fs.open(f"{out_path}/{MARKER}", "w") as fh:
        json.dump(manifest, fh, indent=2)
    abort(tmp)


def abort(tmp: str) -> None:
    """Delete the temporary folder (after a failure, or after a copy to object storage)."""
    import time

    fs, path = open_fs(tmp)
    for attempt in range(3):  # a cancelled task still running on a remote worker may be writing its part
        try:
            fs.rm(path, recursive=True)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.5 * (attempt + 1))
    fs.rm(path, recursive=True)
