"""`livelift ingest --engine dask` against a real cluster on loopback (the `cluster` fixture), through the CLI.

Each run is compared with the local engine on the same files: the report
(JSON) is identical, and the history, sessions and profiles have the same
rows (after sorting).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # a Dask cluster, and the CLI twice per test: 10-30 s each

LIVELIFT = str(Path(sys.executable).parent / "livelift")
KEYS = {"history": ["creator_id", "week"], "sessions": ["creator_id", "start", "room_id"], "profiles": ["creator_id"]}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([LIVELIFT, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def both(data: dict, tmp: Path, *extra: str, cluster, inputs=None) -> tuple:
    """(local run, dask run): local writes .parquet files, dask writes dataset folders."""
    inputs = inputs or [*data["logs"], data["summaries"]]
    local = run_cli("ingest", *inputs, "-o", tmp / "h.parquet", "--sessions", tmp / "s.parquet", "--profiles",
                    tmp / "p.parquet", *extra, "--format", "json", cwd=tmp)
    dask = run_cli("ingest", *inputs, "-o", tmp / "h", "--sessions", tmp / "s", "--profiles", tmp / "p", *extra,
                   "--format", "json", "--engine", "dask", "--scheduler", cluster.address, cwd=tmp)
    return local, dask


def same_tables(tmp: Path) -> None:
    for what, key in KEYS.items():
        want = pd.read_parquet(tmp / f"{what[0]}.parquet").sort_values(key).reset_index(drop=True)
        got = pd.read_parquet(tmp / what[0]).sort_values(key).reset_index(drop=True)
        assert len(want) > 0
        pd.testing.assert_frame_equal(got, want)


def no_temp_folders(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if "livelift-tmp" in p.name]


def test_ingest_on_the_cluster_matches_the_local_engine(cluster, ingest_data, tmp_path):
    """14 creators (6 with event logs in 22 files, a LIVE spanning two files, a file with two creators' LIVEs),
    labels, facts, a summary table, a time zone: same report, same rows."""
    extra = ("--creators", ingest_data["creators"], "--labels", ingest_data["labels"], "--timezone", "Europe/Berlin")
    local, dask = both(ingest_data, tmp_path, *extra, cluster=cluster)
    assert local.returncode == 0, local.stderr
    assert dask.returncode == 0, dask.stderr
    assert json.loads(dask.stdout) == json.loads(local.stdout)
    report = json.loads(dask.stdout)
    assert len(report["money"]) == 6 + 8 and report["sessions"]["events"] == 90
    assert any("label(s) name no history week" in n for n in report["notes"])
    assert "re-run as one: files mixed creators" in dask.stderr  # the bo+cy file and the LIVE split across files
    same_tables(tmp_path)
    manifest = json.loads((tmp_path / "h" / "_SUCCESS.json").read_text())
    assert manifest["table"] == "history" and manifest["rows"] == report["weeks"] and manifest["reruns"] >= 1
    assert no_temp_folders(tmp_path)


def test_examples_mixed_log_and_summaries_match_in_text_too(cluster, tmp_path):
    """The shipped example: one log holding 3 creators + 90 creators' summary rows; the printed table is the same."""
    ex = Path(__file__).resolve().parents[2] / "examples"
    args = [ex / "events.jsonl.gz", ex / "live_summaries.csv", "--creators", ex / "creators.csv", "--labels",
            ex / "labels.csv"]
    local = run_cli("ingest", *args, "-o", tmp_path / "h.csv", cwd=tmp_path)
    dask = run_cli("ingest", *args, "-o", tmp_path / "h", "--engine", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    assert local.returncode == dask.returncode == 0, dask.stderr
    assert dask.stdout == local.stdout
    want = pd.read_csv(tmp_path / "h.csv")
    got = pd.read_parquet(tmp_path / "h").assign(week=lambda d: d["week"].astype(str))
    pd.testing.assert_frame_equal(got.sort_values(KEYS["history"]).reset_index(drop=True),
                                  want.sort_values(KEYS["history"]).reset_index(drop=True), check_dtype=False)


def _bad_copy(ingest_data: dict, tmp: Path) -> tuple[list[Path], list[tuple[Path, int]]]:
    """The logs with bad lines in three creators' files: -> (inputs, [(file, line)])."""
    logs = tmp / "logs"
    shutil.copytree(ingest_data["logs"][0].parent, logs)
    bad = [(logs / "lee.talks-w2.jsonl.gz", 7, "[1, 2]"), (logs / "bo+cy-w3.jsonl.gz", 300, "{not json"),
           (logs / "bo+cy-w3.jsonl.gz", 301, '{"type": "GiftEvent"}'), (logs / "mia.plays-w4.jsonl.gz", 2, "{}")]
    for path, line, text in bad:
        ingest_data["corrupt"](path, line, text)
    inputs = [logs / p.name for p in ingest_data["logs"]] + [ingest_data["summaries"]]
    return inputs, [(p, n) for p, n, _ in bad]


def test_bad_line_names_file_and_line_and_leaves_no_output(cluster, ingest_data, tmp_path):
    inputs, bad = _bad_copy(ingest_data, tmp_path)
    inputs = [p for p in inputs if "lee.talks-w2" not in str(p) and "mia.plays-w4" not in str(p)]  # only bo+cy is bad
    local, dask = both(ingest_data, tmp_path, "--creators", ingest_data["creators"], cluster=cluster, inputs=inputs)
    assert local.returncode == dask.returncode == 1
    assert "Traceback" not in dask.stderr and "distributed" not in dask.stderr
    assert f"{tmp_path / 'logs' / 'bo+cy-w3.jsonl.gz'}, line 300: not valid JSON" in dask.stderr, dask.stderr
    assert dask.stderr.strip().splitlines()[0] == local.stderr.strip().splitlines()[0]
    assert "--skip-bad-lines" in dask.stderr
    assert not any((tmp_path / n).exists() for n in "hsp") and no_temp_folders(tmp_path)


def test_skip_bad_lines_count_is_exact_across_tasks(cluster, ingest_data, tmp_path):
    inputs, bad = _bad_copy(ingest_data, tmp_path)
    extra = ("--creators", ingest_data["creators"], "--skip-bad-lines")
    local, dask = both(ingest_data, tmp_path, *extra, cluster=cluster, inputs=inputs)
    assert local.returncode == dask.returncode == 0, dask.stderr
    report, want = json.loads(dask.stdout), json.loads(local.stdout)
    assert report["bad_lines"] == len(bad) == want["bad_lines"]
    assert report["bad_reasons"] == want["bad_reasons"] and len(report["bad_reasons"]) == 4
    assert [r.split(": ")[0].rsplit(", field", 1)[0] for r in report["bad_reasons"]] == \
        [f"{p}, line {n}" for p, n in sorted(bad, key=lambda b: (inputs.index(b[0]), b[1]))]
    assert report == want
    same_tables(tmp_path)


def test_existing_output_is_refused_before_any_work_and_scheduler_needs_the_engine(cluster, ingest_data, tmp_path):
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "keep.txt").write_text("mine")
    done = run_cli("ingest", *ingest_data["logs"][:2], "-o", tmp_path / "h", "--engine", "dask",
                   "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 1 and "folder exists and is not empty" in done.stderr
    assert (tmp_path / "h" / "keep.txt").read_text() == "mine" and no_temp_folders(tmp_path)
    done = run_cli("ingest", *ingest_data["logs"][:2], "-o", tmp_path / "x", "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 2 and "--scheduler needs --engine dask" in done.stderr
