"""Model files: save/load round trip, and clear refusals (tampered, versions, missing card, not ours)."""

from __future__ import annotations

import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import joblib
import numpy as np
import pytest
import sklearn

from livelift.errors import InputError, ModelError
from livelift.data.fields import FEATURE_COLUMNS, STRATEGIES
from livelift.recommender import simulate as sim
from livelift.recommender.estimator import UpliftRanker
from livelift.recommender.persistence import card_path, default_model_path, load_model, save_model
from livelift.recommender.training import train_model


@pytest.fixture(scope="module")
def trained():
    h = sim.simulate_history(200, 6, seed=4)
    return train_model(h, random_state=0, max_iter=20)


@pytest.fixture(scope="module")
def profiles():
    return sim.simulate_profiles(50, seed=9)


@pytest.fixture()
def saved(tmp_path, trained):
    ranker, summary = trained
    path = tmp_path / "m.joblib"
    card = save_model(ranker, path, training_summary=summary["training_data"], synthetic=True,
                      metrics={"gain_captured": 0.5})
    return path, card


def test_round_trip_predicts_identically(saved, trained, profiles):
    path, card = saved
    loaded = load_model(path)
    a = trained[0].predict_uplift(profiles)
    b = loaded.ranker.predict_uplift(profiles)
    assert np.array_equal(a.uplift, b.uplift) and np.array_equal(a.low, b.low) and np.array_equal(a.high, b.high)
    assert np.array_equal(a.extrapolation, b.extrapolation)
    assert loaded.card == json.loads(card_path(path).read_text())
    assert loaded.path == path


def test_card_contents(saved):
    path, card = saved
    assert len(card["sha256"]) == 64
    assert card["versions"]["scikit-learn"] == sklearn.__version__
    assert set(card["versions"]) >= {"livelift", "scikit-learn", "numpy", "joblib", "pandas", "python"}
    assert card["synthetic"] is True and card["interval"] == 0.8
    assert card["training_data"]["rows"] == 1200 and card["training_data"]["creators"] == 200
    assert set(card["training_data"]["strategy_counts"]) == {"none", *STRATEGIES}
    assert card["metrics"] == {"gain_captured": 0.5}
    assert card["created"].endswith("+00:00")
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.joblib", "m.json"]


def test_tampered_model_file_is_refused(saved):
    path, _ = saved
    with open(path, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="sha256") as exc:
        load_model(path)
    assert "livelift train" in str(exc.value)


def test_version_mismatch_is_refused(saved):
    path, _ = saved
    cp = card_path(path)
    card = json.loads(cp.read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    cp.write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2.*scikit-learn " + sklearn.__version__) as exc:
        load_model(path)
    assert "pip install" in str(exc.value)


def test_numpy_major_mismatch_is_refused(saved):
    path, _ = saved
    cp = card_path(path)
    card = json.loads(cp.read_text())
    card["versions"]["numpy"] = "1.26.4"
    cp.write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"numpy 1\.26\.4"):
        load_model(path)


def test_missing_card_and_missing_file_are_refused(saved, tmp_path):
    path, _ = saved
    card_path(path).unlink()
    with pytest.raises(ModelError, match="card is missing"):
        load_model(path)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nope.joblib")


def test_not_a_livelift_model_is_refused(tmp_path, saved):
    _, card = saved
    other = tmp_path / "other.joblib"
    joblib.dump({"hello": "world"}, other)
    import hashlib

    forged = dict(card, sha256=hashlib.sha256(other.read_bytes()).hexdigest())
    card_path(other).write_text(json.dumps(forged))
    with pytest.raises(ModelError, match="not a livelift model"):
        load_model(other)
    card_path(other).write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        load_model(other)


def test_model_with_another_feature_layout_is_refused(tmp_path, trained):
    """A model fitted before the derived ratio features (no dense_features_) cannot be fed today's inputs."""
    import copy

    ranker, summary = trained
    old = copy.deepcopy(ranker)
    del old.dense_features_
    path = tmp_path / "old.joblib"
    save_model(old, path, training_summary=summary["training_data"], synthetic=True)
    with pytest.raises(ModelError, match="feature layout") as exc:
        load_model(path)
    assert "livelift train" in str(exc.value)


def test_save_checks_path_and_fit(tmp_path, trained):
    ranker, summary = trained
    with pytest.raises(InputError, match=r"\.joblib"):
        save_model(ranker, tmp_path / "m.pkl", training_summary={}, synthetic=True)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(UpliftRanker(), tmp_path / "u.joblib", training_summary={}, synthetic=True)


def test_shipped_default_model_loads_and_predicts(profiles):
    loaded = load_model()
    assert loaded.path == default_model_path()
    assert loaded.card["synthetic"] is True
    pred = loaded.ranker.predict_uplift(profiles[list(FEATURE_COLUMNS)])
    assert pred.uplift.shape == (len(profiles), 5)
    known = [j for j, s in enumerate(STRATEGIES) if s not in loaded.card["unknown_strategies"]]
    assert np.isfinite(pred.uplift[:, known]).all()
