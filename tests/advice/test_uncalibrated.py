"""A model whose card says its intervals are not calibrated (trained on the user's own history): every
verdict and table that shows an interval says so, in text, JSON and over HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from livelift import Recommender
from livelift.advice.verdict import UNCALIBRATED
from livelift.cli import main
from livelift.recommender.persistence import default_model_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def uncalibrated_model(tmp_path_factory) -> Path:
    """The shipped model, its card saying what `livelift train` writes for a user's own history."""
    where = tmp_path_factory.mktemp("model") / "own.skops"
    shipped = Path(default_model_path())
    shutil.copy(shipped, where)
    card = json.loads(shipped.with_suffix(".json").read_text())
    card["intervals"] = {"calibrated": False, "method": "the model's own spread only"}
    where.with_suffix(".json").write_text(json.dumps(card))
    return where


def test_text_and_json_say_the_interval_is_not_calibrated(uncalibrated_model):
    r = CliRunner().invoke(main, ["recommend", str(EXAMPLES / "creator.json"), "--model", str(uncalibrated_model)])
    assert r.exit_code == 0, r.output
    assert "likely between" in r.output and "interval not" in r.output and "(not calibrated)" in r.output
    r = CliRunner().invoke(main, ["recommend", str(EXAMPLES / "creator.json"), "--model", str(uncalibrated_model),
                                  "--format", "json"])
    answer = json.loads(r.output)
    assert UNCALIBRATED in answer["verdict"] and answer["model"]["calibrated"] is False
    assert any("not calibrated" in n for n in answer["notes"])


def test_the_batch_table_says_it_too(uncalibrated_model):
    r = CliRunner().invoke(main, ["recommend", str(EXAMPLES / "profiles.csv"), "--model", str(uncalibrated_model)])
    assert r.exit_code == 0, r.output
    assert "interval (not calibrated)" in r.output and "intervals are not calibrated" in r.output


def test_a_calibrated_model_says_nothing_of_the_kind(recommender, example_profile):
    rec = recommender.recommend(example_profile)
    assert rec.model.calibrated is True and UNCALIBRATED not in rec.verdict
    assert not any("not calibrated" in n for n in rec.notes)


def test_http_says_it_too(uncalibrated_model, serving, example_profile):
    from livelift.web.app import create_app

    with serving(create_app(Recommender.load(uncalibrated_model))) as url:
        r = httpx.post(url + "/v1/recommendations", json=example_profile, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert UNCALIBRATED in body["verdict"] and body["model"]["calibrated"] is False


@pytest.mark.slow  # trains a model
def test_a_model_trained_on_own_history_is_flagged(tmp_path):
    runner = CliRunner()
    hist, model = tmp_path / "h.csv", tmp_path / "m.skops"
    assert runner.invoke(main, ["simulate", "-o", str(hist), "--creators", "200", "--weeks", "5", "--seed", "3"]).exit_code == 0
    assert runner.invoke(main, ["train", str(hist), "-o", str(model)]).exit_code == 0
    rec = Recommender.load(model).recommend(json.loads((EXAMPLES / "creator.json").read_text()))
    assert rec.model.calibrated is False
    assert UNCALIBRATED in rec.verdict or "likely between" not in rec.verdict
