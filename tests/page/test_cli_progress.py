"""Progress display (text/progress.py) and the CLI flags around it: --quiet, -v, --version, python -m."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

import livelift
from livelift import cli
from livelift.text.progress import NORMAL, QUIET, VERBOSE, Progress

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_bar_on_a_terminal_shows_rate_and_eta():
    out = io.StringIO()
    p = Progress(NORMAL, stream=out, terminal=True)
    with p.bar("recommending", 1000, "profiles") as advance:
        for _ in range(4):
            advance(250)
    text = out.getvalue()
    assert "recommending" in text and "profiles/s" in text and "ETA" in text and "1000/1000" in text


def test_stages_on_a_terminal_name_the_stage():
    out = io.StringIO()
    with Progress(NORMAL, stream=out, terminal=True).stages("training") as say:
        say("fold 1/3: propensity")
    assert "training" in out.getvalue() and "fold 1/3" in out.getvalue()


def test_nothing_off_a_terminal_or_with_quiet_and_lines_with_verbose():
    for verbosity, terminal in ((NORMAL, False), (QUIET, True), (QUIET, False)):
        out = io.StringIO()
        p = Progress(verbosity, stream=out, terminal=terminal)
        with p.stages("x") as say:
            say("stage one")
        with p.bar("y", 10) as advance:
            advance(10)
        assert out.getvalue() == "", (verbosity, terminal)
    out = io.StringIO()
    p = Progress(VERBOSE, stream=out, terminal=False)
    with p.stages("x") as say:
        say("stage one")
    with p.bar("y", 10, "rows") as advance:
        advance(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].endswith("stage one") and lines[1].endswith("y: 10 rows done")


def test_verbose_and_quiet_flags_in_either_place(tmp_path):
    runner = CliRunner()
    args = ["report", str(EXAMPLES / "history.csv"), "-o", str(tmp_path / "r.html")]
    verbose = runner.invoke(cli.main, ["-v", *args])
    assert verbose.exit_code == 0, verbose.output
    assert "] reading" in verbose.output and "] calibration and off-policy value" in verbose.output
    quiet = runner.invoke(cli.main, [*args, "--quiet"])
    assert quiet.exit_code == 0 and "] reading" not in quiet.output


def test_batch_recommend_in_steps_gives_the_same_table(tmp_path, monkeypatch, recommender):
    from livelift.data.contract import read_profiles

    from livelift.commands import advise

    monkeypatch.setattr(advise, "BATCH_CHUNK", 2)  # moved out of cli.py by the regroup (issue 10)
    out = tmp_path / "recs.parquet"
    r = CliRunner().invoke(cli.main, ["recommend", str(EXAMPLES / "profiles.csv"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    frame = read_profiles(EXAMPLES / "profiles.csv").frame
    assert len(frame) > 2  # so the table really was made in several steps
    got, want = pd.read_parquet(out), recommender.long_table(frame)
    assert [str(t) for t in got.dtypes] == [str(t) for t in want.dtypes]
    pd.testing.assert_frame_equal(got, want, check_categorical=False)  # same values; category order may differ


def test_version_and_python_dash_m(tmp_path):
    r = CliRunner().invoke(cli.main, ["--version"])
    assert r.exit_code == 0 and livelift.__version__ in r.output
    proc = subprocess.run([sys.executable, "-m", "livelift", "--version"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"livelift, version {livelift.__version__}"
