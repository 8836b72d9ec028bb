"""`livelift recommend --engine dask` against a real cluster on loopback, through the installed CLI.

Each run is compared with the local engine's output for the same rows
(sorted by creator_id and strategy): they must be identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # every test here starts a Dask scheduler and workers (or the CLI): 4-10 s each

LIVELIFT = str(Path(sys.executable).parent / "livelift")


def run_cli(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([LIVELIFT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def simulated(n: int, seed: int) -> pd.DataFrame:
    """``n`` simulated profiles (history-shaped, one week) with unique creator ids."""
    from livelift.recommender.simulate import simulate_history

    df = simulate_history(creators=n, weeks=1, seed=seed)
    df["creator_id"] = [f"s{seed}_{i:07d}" for i in range(n)]
    return df


def normalized(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("strategy", "rule_ids", "reason"):
        df[c] = df[c].astype(str)
    return df.sort_values(["creator_id", "strategy"], kind="stable").reset_index(drop=True)


def local_engine(df: pd.DataFrame, folder: Path, *extra: str) -> pd.DataFrame:
    """The local engine's long table for ``df`` (written as one file, scored by the installed CLI)."""
    src, out = folder / "all_rows.parquet", folder / "local_out.parquet"
    df.to_parquet(src, index=False)
    done = run_cli("recommend", str(src), "-o", str(out), *extra, cwd=folder)
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(out)


def no_temp_folders(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if "livelift-tmp" in p.name]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """5 Parquet files (one with 3 row groups of 20k: cut into 3 pieces) and 1 CSV: 78k profiles."""
    folder = tmp_path_factory.mktemp("data")
    df = simulated(78_000, seed=11)
    ds = folder / "profiles"
    (ds / "more").mkdir(parents=True)
    cuts = [0, 60_000, 64_000, 68_000, 72_000, 75_000, 78_000]
    for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
        part = df.iloc[a:b]
        if k == 0:
            part.to_parquet(ds / "f0.parquet", index=False, row_group_size=20_000)
        elif k == 5:
            part.to_csv(ds / "more" / "f5.csv", index=False)
        else:
            part.to_parquet(ds / f"f{k}.parquet", index=False)
    (ds / "_ignored.parquet").write_bytes(b"not parquet: names starting with _ are skipped")
    (ds / "README.txt").write_text("not a data file")
    return folder, ds, df


def test_dask_engine_matches_local_engine(cluster, dataset, tmp_path):
    folder, ds, df = dataset
    out = tmp_path / "scores"
    done = run_cli("recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote 468,000 rows (78,000 profiles x 6 options) from 6 file(s)" in done.stderr
    assert "ignored 1 file(s) that are not .parquet/.pq/.csv: README.txt" in done.stderr
    manifest = json.loads((out / "_SUCCESS.json").read_text())
    assert manifest["profiles"] == 78_000 and manifest["skipped_bad_rows"] == 0 and manifest["synthetic_model"] is True
    assert manifest["parts"] == 8  # f0 cut at its row groups into 3 pieces, + 4 Parquet files + 1 CSV
    got = pd.read_parquet(out)
    want = local_engine(df, tmp_path)
    pd.testing.assert_frame_equal(normalized(got), normalized(want))
    assert no_temp_folders(tmp_path)


def test_scheduler_file_and_glob(cluster, dataset, tmp_path):
    """--scheduler also takes the scheduler file; a glob picks files."""
    folder, ds, df = dataset
    out = tmp_path / "scores"
    done = run_cli("recommend", str(ds / "f[34].parquet"), "-o", str(out), "--engine", "dask",
                   "--scheduler", str(cluster.scheduler_file), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    got = pd.read_parquet(out)
    assert sorted(got["creator_id"].unique()) == sorted(df["creator_id"].iloc[68_000:75_000])


def test_killed_worker_still_gives_complete_output(cluster, tmp_path):
    """SIGKILL one worker process mid-run: Dask re-runs its tasks, the output is complete and identical."""
    df = simulated(120_000, seed=12)
    ds = tmp_path / "ds"
    ds.mkdir()
    for k in range(12):
        df.iloc[k * 10_000:(k + 1) * 10_000].to_parquet(ds / f"p{k:02d}.parquet", index=False)
    before = cluster.worker_pids()
    out = tmp_path / "scores"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([LIVELIFT, "recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler",
                             cluster.address], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.time() + 300
        parts: list = []
        while time.time() < deadline and proc.poll() is None:
            parts = [p for t in tmp_path.glob(".scores.livelift-tmp-*") for p in t.glob("part-*.parquet")]
            if len(parts) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None and 2 <= len(parts) < 12, "the run ended before a worker could be killed"
        victim_addr, victim = sorted(before.items())[0]
        os.kill(victim, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "wrote 720,000 rows (120,000 profiles x 6 options)" in stderr
    got = pd.read_parquet(out)
    pd.testing.assert_frame_equal(normalized(got), normalized(local_engine(df, tmp_path)))
    # the nanny restarted the killed worker: a new process answers now
    deadline = time.time() + 60
    while time.time() < deadline and (len(after := cluster.worker_pids()) < 2 or victim in after.values()):
        time.sleep(0.5)
    assert victim not in after.values() and len(after) == 2


def _with_bad_cells(df: pd.DataFrame, rows: list[int], column: str, value) -> pd.DataFrame:
    bad = df.copy()
    bad[column] = bad[column].astype(object)
    for r in rows:
        bad.iat[r, bad.columns.get_loc(column)] = value
    return bad


def test_bad_row_names_file_and_row_and_leaves_no_output(cluster, tmp_path):
    """A bad cell in the third piece of a file is reported by file and row in that file, not in the piece."""
    df = simulated(66_000, seed=13)
    ds = tmp_path / "ds"
    ds.mkdir()
    df.iloc[:6_000].to_parquet(ds / "a.parquet", index=False)
    bad = _with_bad_cells(df.iloc[6_000:].reset_index(drop=True), [45_123], "followers", -7)
    bad["followers"] = pd.to_numeric(bad["followers"])
    bad.to_parquet(ds / "b.parquet", index=False, row_group_size=20_000)
    out = tmp_path / "scores"
    done = run_cli("recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{ds / 'b.parquet'}: row 45124, column followers" in done.stderr, done.stderr
    assert "--skip-bad-rows" in done.stderr
    assert not out.exists() and no_temp_folders(tmp_path)


def test_bad_csv_row_is_named_like_the_local_engine(cluster, tmp_path):
    df = simulated(3_000, seed=14)
    ds = tmp_path / "ds"
    ds.mkdir()
    df.iloc[:1_000].to_parquet(ds / "a.parquet", index=False)
    _with_bad_cells(df.iloc[1_000:].reset_index(drop=True), [1_500], "category", "").to_csv(ds / "b.csv", index=False)
    out = tmp_path / "scores"
    dask_run = run_cli("recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    local_run = run_cli("recommend", str(ds / "b.csv"), "-o", str(tmp_path / "x.parquet"), cwd=tmp_path)
    assert dask_run.returncode == local_run.returncode == 1
    assert f"{ds / 'b.csv'}: row 1501, column category" in dask_run.stderr, dask_run.stderr
    assert dask_run.stderr.strip().splitlines()[0] == local_run.stderr.strip().splitlines()[0]
    assert not out.exists() and no_temp_folders(tmp_path)


def test_skip_bad_rows_count_is_exact_across_pieces(cluster, tmp_path):
    """Bad rows in 4 pieces of 3 files, plus a file whose rows are all bad: the count is the exact sum."""
    df = simulated(64_000, seed=15)
    ds = tmp_path / "ds"
    ds.mkdir()
    first = df.iloc[:60_000].reset_index(drop=True)
    first = _with_bad_cells(first, [5, 19_999, 20_000, 41_000, 59_999], "creator_age", 7)
    first["creator_age"] = pd.to_numeric(first["creator_age"])
    first.to_parquet(ds / "a.parquet", index=False, row_group_size=20_000)  # 3 pieces
    second = _with_bad_cells(df.iloc[60_000:63_000].reset_index(drop=True), [0, 2_999], "engagement_rate", 1.5)
    second["engagement_rate"] = pd.to_numeric(second["engagement_rate"])
    second.to_parquet(ds / "b.parquet", index=False)
    _with_bad_cells(df.iloc[63_000:63_010].reset_index(drop=True), list(range(10)), "followers", "many").to_csv(ds / "c.csv", index=False)
    good = df.iloc[63_010:]
    good.to_csv(ds / "d.csv", index=False)
    out = tmp_path / "scores"
    done = run_cli("recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", cluster.address,
                   "--skip-bad-rows", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "skipped 17 bad row(s) of 64,000" in done.stderr, done.stderr
    reasons = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert len(reasons) == 5
    named = [f"{ds / 'a.parquet'}: row ", f"{ds / 'b.parquet'}: row ", f"{ds / 'c.csv'}: row "]
    assert all(any(n in r for n in named) for r in reasons), reasons
    manifest = json.loads((out / "_SUCCESS.json").read_text())
    assert manifest["skipped_bad_rows"] == 17 and manifest["profiles"] == 64_000 - 17
    got = pd.read_parquet(out)
    assert got["creator_id"].nunique() == 64_000 - 17
    # the local engine on the same rows, bad ones included, with --skip-bad-rows: the same table
    mixed = pd.concat([pd.read_parquet(ds / "a.parquet"), pd.read_parquet(ds / "b.parquet")], ignore_index=True)
    want = local_engine(mixed, tmp_path, "--skip-bad-rows")
    got_ab = got[got["creator_id"].isin(set(mixed["creator_id"]))]
    pd.testing.assert_frame_equal(normalized(got_ab), normalized(want))


def test_scheduler_without_dask_engine_is_a_usage_error(tmp_path):
    done = run_cli("recommend", "x.parquet", "-o", "out", "--scheduler", "tcp://127.0.0.1:1", cwd=tmp_path)
    assert done.returncode == 2 and "--scheduler needs --engine dask" in done.stderr


def test_existing_output_folder_is_refused_before_any_work(cluster, dataset, tmp_path):
    _, ds, _ = dataset
    out = tmp_path / "scores"
    out.mkdir()
    (out / "old.parquet").write_bytes(b"x")
    done = run_cli("recommend", str(ds), "-o", str(out), "--engine", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 1 and "folder exists and is not empty" in done.stderr
    assert (out / "old.parquet").read_bytes() == b"x" and no_temp_folders(tmp_path)


def test_missing_dataset_is_an_input_error(tmp_path):
    done = run_cli("recommend", str(tmp_path / "nope"), "-o", str(tmp_path / "o"), "--engine", "dask", cwd=tmp_path)
    assert done.returncode == 1 and "nope: not found" in done.stderr and "Traceback" not in done.stderr
