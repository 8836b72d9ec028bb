"""The installed `livelift` command, as a user runs it."""

from __future__ import annotations

import pytest

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from livelift.cli import main

def _installed_command() -> str | None:
    """The console script next to this interpreter (a venv's bin/), else the one on PATH."""
    beside = Path(sys.executable).parent / ("livelift.exe" if os.name == "nt" else "livelift")
    return str(beside) if beside.exists() else shutil.which("livelift")


LIVELIFT = _installed_command()


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert LIVELIFT, "the livelift console script is not installed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([LIVELIFT, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_installed_cli_runs_from_any_directory(tmp_path, examples_dir):
    """Rules and model are package data: found without the checkout."""
    started = time.perf_counter()
    help_ = run("--help", cwd=tmp_path)
    help_seconds = time.perf_counter() - started
    assert help_.returncode == 0, help_.stderr
    for command in ("recommend", "facts", "earnings", "simulate", "train", "evaluate", "rules", "serve"):
        assert command in help_.stdout
    assert help_seconds < 5  # generous: a loaded machine; the real figure is in benchmarks

    shutil.copy(examples_dir / "creator.json", tmp_path / "me.json")
    rec = run("recommend", "me.json", "--format", "json", cwd=tmp_path)
    assert rec.returncode == 0, rec.stderr
    out = json.loads(rec.stdout)
    assert out["creator_id"] == "example_gamer"
    assert out["model"]["synthetic"] is True
    assert out["ranked"]


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from livelift.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'sklearn', 'durable', 'fastapi') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_user_mistake_is_one_message_no_traceback(tmp_path, example_profile):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**example_profile, "followers": -5}))
    res = run("recommend", str(bad), cwd=tmp_path)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("Error:")
    assert "followers" in res.stderr


def test_usage_error_exits_2(examples_dir):
    res = CliRunner().invoke(main, ["recommend", str(examples_dir / "creator.json"), "--followers", "10"])
    assert res.exit_code == 2
    assert "not both" in res.output


def test_earnings_needs_exactly_one_amount():
    for args in ([], ["--diamonds", "5", "--coins", "5"]):
        res = CliRunner().invoke(main, ["earnings", *args])
        assert res.exit_code == 1
        assert "exactly one of diamonds or coins" in res.output


def test_recommend_from_flags_matches_file(examples_dir, example_profile):
    args = []
    for k, v in example_profile.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    runner = CliRunner()
    a = runner.invoke(main, ["recommend", *args, "--format", "json"])
    b = runner.invoke(main, ["recommend", str(examples_dir / "creator.json"), "--format", "json"])
    assert a.exit_code == 0, a.output
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_recommend_table_fits_80_columns(examples_dir):
    res = CliRunner().invoke(main, ["recommend", str(examples_dir / "creator.json")])
    assert res.exit_code == 0, res.output
    assert "rank" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_batch_recommend_writes_the_long_table(tmp_path, examples_dir):
    out = tmp_path / "recs.parquet"
    res = CliRunner().invoke(main, ["recommend", str(examples_dir / "profiles.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(out)
    profiles = pd.read_csv(examples_dir / "profiles.csv")
    assert len(table) == 6 * len(profiles)  # none + five strategies
    assert {"creator_id", "strategy", "rank", "status", "uplift_diamonds", "allowed", "rule_ids", "reason"} <= set(table.columns)
    teen = table[table["creator_id"] == "teen"].set_index("strategy")
    strategies = teen.drop(index="none")
    assert not strategies["allowed"].any() and strategies["rank"].isna().all()
    assert strategies["uplift_diamonds"].isna().all() and strategies["uplift_usd"].isna().all()
    assert (strategies["status"] == "blocked").all()
    assert teen.loc["none", "rank"] == 1 and teen.loc["none", "status"] == "keep"


def test_bad_output_extension_writes_nothing(tmp_path, examples_dir):
    out = tmp_path / "recs.xlsx"
    res = CliRunner().invoke(main, ["recommend", str(examples_dir / "profiles.csv"), "-o", str(out)])
    assert res.exit_code != 0
    assert ".parquet" in res.output
    assert list(tmp_path.iterdir()) == []


def test_simulate_is_deterministic_per_seed(tmp_path):
    runner = CliRunner()
    for name in ("a.csv", "b.csv"):
        res = runner.invoke(main, ["simulate", "-o", str(tmp_path / name), "--creators", "30", "--weeks", "3", "--seed", "7"])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    res = runner.invoke(main, ["simulate", "-o", str(tmp_path / "c.csv"), "--creators", "30", "--weeks", "3", "--seed", "8"])
    assert (tmp_path / "c.csv").read_bytes() != (tmp_path / "a.csv").read_bytes()


def test_facts_and_earnings_json():
    runner = CliRunner()
    facts = json.loads(runner.invoke(main, ["facts", "--format", "json"]).stdout)
    assert all({"id", "text", "sources"} <= set(f) for f in facts)
    est = runner.invoke(main, ["earnings", "--diamonds", "10000", "--format", "json"])
    assert est.exit_code == 0, est.output
    data = json.loads(est.stdout)
    assert data["usd_low"] <= data["usd"] <= data["usd_high"]
    assert data["parameters"]


def test_rules_explain_names_the_age_rule(examples_dir, example_profile, tmp_path):
    p = tmp_path / "minor.json"
    p.write_text(json.dumps({**example_profile, "creator_age": 15}))
    res = CliRunner().invoke(main, ["rules", "explain", str(p)])
    assert res.exit_code == 0, res.output
    assert "18" in res.stdout


@pytest.mark.slow  # trains a model / starts a fresh interpreter
def test_train_and_evaluate_round_trip(tmp_path):
    runner = CliRunner()
    hist = tmp_path / "hist.parquet"
    assert runner.invoke(main, ["simulate", "-o", str(hist), "--creators", "400", "--weeks", "6", "--with-truth"]).exit_code == 0
    model = tmp_path / "mine.skops"
    res = runner.invoke(main, ["train", str(hist), "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert model.exists() and model.with_suffix(".json").exists()
    fresh = tmp_path / "fresh.parquet"
    runner.invoke(main, ["simulate", "-o", str(fresh), "--creators", "200", "--weeks", "2", "--seed", "99", "--with-truth"])
    res = runner.invoke(main, ["evaluate", str(fresh), "--model", str(model), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "metrics" in json.loads(res.stdout)


def test_cli_json_is_exactly_the_python_answer(recommender, examples_dir, example_profile):
    """CLI and Python give identical numbers (HTTP == Python is asserted in test_http.py)."""
    from livelift.text.shapes import recommendation_to_dict

    res = CliRunner().invoke(main, ["recommend", str(examples_dir / "creator.json"), "--format", "json"])
    assert res.exit_code == 0, res.output
    expected = json.loads(json.dumps(recommendation_to_dict(recommender.recommend(example_profile))))
    assert json.loads(res.stdout) == expected


def test_recommend_refuses_to_overwrite_its_input(tmp_path, examples_dir):
    src = tmp_path / "profiles.csv"
    shutil.copy(examples_dir / "profiles.csv", src)
    before = src.read_bytes()
    res = CliRunner().invoke(main, ["recommend", str(src), "-o", str(src)])
    assert res.exit_code == 1
    assert "overwrite" in res.output
    assert src.read_bytes() == before


def test_train_refuses_to_overwrite_a_foreign_json_card(tmp_path):
    runner = CliRunner()
    hist = tmp_path / "hist.json"
    assert runner.invoke(main, ["simulate", "-o", str(hist), "--creators", "20", "--weeks", "2"]).exit_code == 0
    before = hist.read_bytes()
    res = runner.invoke(main, ["train", str(hist), "-o", str(tmp_path / "hist.skops")])
    assert res.exit_code == 1
    assert "training data" in res.output or "not a livelift model card" in res.output
    assert hist.read_bytes() == before
    assert not (tmp_path / "hist.skops").exists()


def _history_with(tmp_path, name, **changes):
    from livelift.recommender.simulate import simulate_history

    df = simulate_history(300, 4, seed=3)
    for col, value in changes.items():
        df[col] = value
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_train_on_history_without_any_gift_says_so(tmp_path):
    path = _history_with(tmp_path, "zero.csv", gift_diamonds=0.0)
    res = CliRunner().invoke(main, ["train", str(path), "-o", str(tmp_path / "m.skops")])
    assert res.exit_code == 1
    assert "no gift income" in res.output
    assert not (tmp_path / "m.skops").exists()


def test_evaluate_history_where_nobody_tried_a_strategy_says_so(tmp_path):
    path = _history_with(tmp_path, "none_only.csv", strategy="none")
    res = CliRunner().invoke(main, ["evaluate", str(path)])
    assert res.exit_code == 1
    assert "too little history" in res.output and "Traceback" not in res.output


def test_report_output_type_error_lists_every_type_it_takes(tmp_path, examples_dir):
    """`report -o r.txt` said only '.html, .htm' were valid although -o r.pdf works."""
    res = CliRunner().invoke(main, ["report", str(examples_dir / "history.csv"), "-o", str(tmp_path / "r.txt")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "expected a file name ending in .html, .htm, .pdf" in res.output, res.output
    res = CliRunner().invoke(main, ["report", str(examples_dir / "history.csv"), "-o", str(tmp_path / "r.txt"),
                                    "--format", "pdf"])
    assert res.exit_code == 1 and "expected a file name ending in .pdf (got '.txt')" in res.output, res.output
    assert list(tmp_path.iterdir()) == []


def test_recommend_help_keeps_its_examples_as_written():
    """The example command in `recommend --help` was re-wrapped into '0.08   --streams-per-week'."""
    text = CliRunner().invoke(main, ["recommend", "--help"], terminal_width=100).output
    assert "      --streams-per-week 3 --avg-stream-minutes 90 --retention-rate 0.35 \\\n" in text, text
    assert "    livelift recommend 'profiles/*.parquet' -o scores/ --engine dask\n" in text


def test_dask_summary_line_shows_a_small_rate_and_counts_honestly():
    """36 profiles in 19 s printed '(0 profiles/s on 2 worker(s))' and '1 parts'."""
    from types import SimpleNamespace

    from livelift.text.views import dataset_written

    small = SimpleNamespace(rows=36, profiles=6, files=1, parts=1, seconds=18.8, workers=2, profiles_per_second=6 / 18.8)
    line = dataset_written(small, "recs/")
    assert line == ("wrote 36 rows (6 profiles x 6 options) from 1 file(s) as 1 part(s) to recs/ in 18.8 s "
                    "(0.3 profiles/s on 2 worker(s))"), line
    big = SimpleNamespace(rows=6_000_000, profiles=1_000_000, files=1, parts=4, seconds=71.8, workers=2,
                          profiles_per_second=1_000_000 / 71.8)
    assert "(13,928 profiles/s on 2 worker(s))" in dataset_written(big, "scores/")
