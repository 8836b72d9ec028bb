"""Atomic writers: a file is replaced only when complete; outputs never overwrite their inputs."""

from __future__ import annotations

import json

import pytest

from livelift.data.contract import read_history
from livelift.data.writers import atomic_path, check_output_path, write_frame


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".csv"
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    target.chmod(0o640)
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # keeps the replaced file's permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_write_frame_refuses_unknown_extension_and_missing_folder(tmp_path, make_history, error_of):
    err = error_of(write_frame, make_history(2), tmp_path / "out.xlsx")
    assert "unknown output file type" in str(err) and ".csv, .parquet, .jsonl, .json" in str(err)
    assert "folder does not exist" in str(error_of(write_frame, make_history(2), tmp_path / "no" / "out.csv"))
    assert "is a folder" in str(error_of(write_frame, make_history(2), tmp_path))
    assert check_output_path(tmp_path / "m.JOBLIB", (".joblib",)) == tmp_path / "m.JOBLIB"
    assert ".joblib" in str(error_of(check_output_path, tmp_path / "m.pkl", (".joblib",)))
    path = write_frame(make_history(2), tmp_path / "out.jsonl")
    assert [json.loads(line)["creator_id"] for line in path.read_text().splitlines()] == ["c0", "c1"]


def test_output_that_is_an_input_file_is_refused(tmp_path, history_csv, error_of):
    from livelift.data.writers import ensure_not_same_file

    before = history_csv.read_bytes()
    frame = read_history(history_csv).frame
    err = error_of(write_frame, frame, history_csv, inputs=(history_csv,))
    assert err.msg == f"would overwrite the input file {history_csv}; choose another output" and err.loc == str(history_csv)
    assert history_csv.read_bytes() == before
    link = tmp_path / "link.csv"
    link.symlink_to(history_csv)
    assert "would overwrite the input file" in str(error_of(check_output_path, link, inputs=(None, history_csv)))
    relative = tmp_path / "sub" / ".." / "history.csv"
    (tmp_path / "sub").mkdir()
    assert "would overwrite" in str(error_of(ensure_not_same_file, relative, tmp_path / "other.csv", history_csv))
    ensure_not_same_file(tmp_path / "new.csv", history_csv, None)  # a different (new) file is fine
    assert write_frame(frame, tmp_path / "out.csv", inputs=(history_csv,)) == tmp_path / "out.csv"



def _assert_names_the_output(err, target):
    text = str(err)
    assert err.loc == str(target) and "cannot write this file" in text and ".tmp" not in text, text
    assert "a folder you can write to" in text


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="/proc is Linux's")
def test_unwritable_folder_names_the_output_not_the_temporary_file(tmp_path, make_history, error_of):
    """Nobody, root included, can create a file in /proc: the error used to name '/proc/.out.csv.x1y2.tmp.csv'."""
    from pathlib import Path

    target = Path("/proc/out.csv")
    _assert_names_the_output(error_of(write_frame, make_history(2), target), target)


def test_read_only_folder_is_refused_before_any_work(tmp_path, monkeypatch, error_of):
    """A read-only folder (os.access says so even for root on a read-only mount) is refused by
    check_output_path, which commands call before reading or training, not after."""
    import os

    from livelift.data import writers

    real = os.access
    monkeypatch.setattr(writers.os, "access", lambda p, mode: False if str(p) == str(tmp_path) else real(p, mode))
    target = tmp_path / "out.csv"
    err = error_of(check_output_path, target)
    _assert_names_the_output(err, target)
    assert "read-only or not writable" in str(err)


def test_disk_full_mid_write_names_the_output_and_leaves_nothing(tmp_path, error_of):
    import errno

    target = tmp_path / "out.csv"
    target.write_text("old")

    def write_and_run_out_of_space():
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    err = error_of(write_and_run_out_of_space)
    _assert_names_the_output(err, target)
    assert "No space left on device" in str(err)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
