"""Model files: save/load round trip, clear refusals (tampered, versions, missing card, not ours), no code run on load."""

from __future__ import annotations

import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import hashlib

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
    path = tmp_path / "m.skops"
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
    assert set(card["versions"]) >= {"livelift", "scikit-learn", "numpy", "skops", "pandas", "python"}
    assert card["serialization"] == "skops" and card["intended_use"]
    assert card["intervals"]["calibrated"] is False  # no truth to calibrate against
    assert card["synthetic"] is True and card["interval"] == 0.8
    assert card["training_data"]["rows"] == 1200 and card["training_data"]["creators"] == 200
    assert set(card["training_data"]["strategy_counts"]) == {"none", *STRATEGIES}
    assert card["metrics"] == {"gain_captured": 0.5}
    assert card["created"].endswith("+00:00")
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.json", "m.skops"]


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
        load_model(tmp_path / "nope.skops")


def _forge_card(model_path, card) -> None:
    """A card that matches ``model_path`` byte for byte: the digest check alone cannot stop it."""
    forged = dict(card, sha256=hashlib.sha256(model_path.read_bytes()).hexdigest())
    card_path(model_path).write_text(json.dumps(forged))


def test_not_a_livelift_model_is_refused(tmp_path, saved):
    from livelift.recommender.modelfile import dumps_model

    _, card = saved
    other = tmp_path / "other.skops"
    other.write_bytes(dumps_model({"hello": "world"}))
    _forge_card(other, card)
    with pytest.raises(ModelError, match="not a livelift model"):
        load_model(other)
    card_path(other).write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        load_model(other)


class _WritesOnLoad:
    """Unpickling (or restoring) this writes a file: the payload a crafted model file would carry."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __setstate__(self, state):
        with open(state["target"], "w") as fh:  # runs only if a loader restores this object
            fh.write("pwned")


class _Exploit:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.write_text, (pathlib.Path(self.target), "pwned"))


def test_crafted_pickle_with_a_matching_card_is_refused_without_running_it(tmp_path, saved):
    _, card = saved
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.joblib"
    joblib.dump({"format": card["format"], "ranker": _Exploit(str(marker))}, evil)
    _forge_card(evil, card)
    with pytest.raises(ModelError, match="pickle") as exc:
        load_model(evil)
    assert not marker.exists()
    assert ".skops" in str(exc.value) and "livelift train" in str(exc.value)
    # the same bytes under a safe-looking name are refused too, still without running them
    disguised = tmp_path / "evil.skops"
    disguised.write_bytes(evil.read_bytes())
    _forge_card(disguised, card)
    with pytest.raises(ModelError, match="pickle"):
        load_model(disguised)
    assert not marker.exists()
    # the payload is real: unpickling it (what joblib.load would do) writes the file
    joblib.load(evil)
    assert marker.read_text() == "pwned"


def test_skops_file_naming_an_untrusted_type_is_refused_before_it_is_built(tmp_path, saved):
    from livelift.recommender.modelfile import dumps_model

    _, card = saved
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.skops"
    evil.write_bytes(dumps_model({"format": card["format"], "ranker": _WritesOnLoad(str(marker))}))
    _forge_card(evil, card)
    with pytest.raises(ModelError, match="_WritesOnLoad") as exc:
        load_model(evil)
    assert "nothing in it was run" in str(exc.value)
    assert not marker.exists()
    # the payload is real: a loader told to trust the type builds it, and that writes the file
    import skops.io as sio

    payload = sio.loads(evil.read_bytes(), trusted=sio.get_untrusted_types(data=evil.read_bytes()))
    assert marker.read_text() == "pwned" and isinstance(payload["ranker"], _WritesOnLoad)


def test_a_trusted_pickle_loads_only_when_asked(tmp_path, saved, trained, profiles):
    path, card = saved
    legacy = tmp_path / "legacy.joblib"
    joblib.dump({"format": card["format"], "format_version": 1, "ranker": trained[0]}, legacy)
    _forge_card(legacy, card)
    with pytest.raises(ModelError, match="pickle"):
        load_model(legacy)
    loaded = load_model(legacy, trust_pickle=True)
    assert np.array_equal(loaded.ranker.predict_uplift(profiles).uplift, trained[0].predict_uplift(profiles).uplift)


def test_model_with_another_feature_layout_is_refused(tmp_path, trained):
    """A model fitted before the derived ratio features (no dense_features_) cannot be fed today's inputs."""
    import copy

    ranker, summary = trained
    old = copy.deepcopy(ranker)
    del old.dense_features_
    path = tmp_path / "old.skops"
    save_model(old, path, training_summary=summary["training_data"], synthetic=True)
    with pytest.raises(ModelError, match="feature layout") as exc:
        load_model(path)
    assert "livelift train" in str(exc.value)


def test_save_checks_path_and_fit(tmp_path, trained):
    ranker, summary = trained
    with pytest.raises(InputError, match=r"\.skops"):
        save_model(ranker, tmp_path / "m.joblib", training_summary={}, synthetic=True)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(UpliftRanker(), tmp_path / "u.skops", training_summary={}, synthetic=True)


def test_shipped_default_model_loads_and_predicts(profiles):
    loaded = load_model()
    assert loaded.path == default_model_path()
    assert loaded.card["synthetic"] is True
    pred = loaded.ranker.predict_uplift(profiles[list(FEATURE_COLUMNS)])
    assert pred.uplift.shape == (len(profiles), 5)
    known = [j for j, s in enumerate(STRATEGIES) if s not in loaded.card["unknown_strategies"]]
    assert np.isfinite(pred.uplift[:, known]).all()
