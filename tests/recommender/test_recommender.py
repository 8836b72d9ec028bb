"""UpliftRanker: sklearn conventions, determinism, unknown strategies, input errors, quality vs a baseline."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from livelift.errors import InputError
from livelift.data.fields import FEATURE_COLUMNS, STRATEGIES, TRUTH_PREFIX
from livelift.recommender import simulate as sim
from livelift.recommender.estimator import UpliftPrediction, UpliftRanker
from livelift.recommender.evaluation import evaluate, score_uplift

FAST = dict(max_iter=25, n_folds=3, random_state=0)


def _fit(h: pd.DataFrame, **params) -> UpliftRanker:
    return UpliftRanker(**{**FAST, **params}).fit(
        h[list(FEATURE_COLUMNS)], h["strategy"], h["gift_diamonds"], groups=h["creator_id"].to_numpy()
    )


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return sim.simulate_history(250, 8, seed=3)


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    return sim.simulate_profiles(300, seed=5)


@pytest.fixture(scope="module")
def ranker(history) -> UpliftRanker:
    return _fit(history)


def test_not_fitted_raises_clear_error(profiles):
    with pytest.raises(NotFittedError, match=r"not fitted yet.*Call 'fit'"):
        UpliftRanker().predict_uplift(profiles)


def test_scale_of_needs_a_fitted_ranker_and_is_positive(ranker, profiles):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        UpliftRanker().scale_of(profiles)
    scale = ranker.scale_of(profiles)
    assert scale.shape == (len(profiles),) and (scale >= ranker.scale_offset).all()


def test_init_only_stores_params_and_clone_works():
    r = UpliftRanker(max_iter=7, interval=0.9)
    assert r.get_params()["max_iter"] == 7
    c = clone(r)
    assert c.get_params() == r.get_params()
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(c))


def test_bad_param_is_rejected_at_fit(history):
    with pytest.raises(ValueError, match="interval"):
        UpliftRanker(interval=1.5).fit(history[list(FEATURE_COLUMNS)], history["strategy"], history["gift_diamonds"])


def test_prediction_shape_and_interval_order(ranker, profiles):
    pred = ranker.predict_uplift(profiles)
    assert isinstance(pred, UpliftPrediction)
    assert pred.strategies == STRATEGIES
    for a in (pred.uplift, pred.low, pred.high, pred.extrapolation):
        assert a.shape == (len(profiles), 5)
    assert np.isfinite(pred.uplift).all()
    assert (pred.low <= pred.uplift).all() and (pred.uplift <= pred.high).all()
    assert pred.extrapolation.dtype == bool
    assert pred.interval == 0.8


def test_fixed_random_state_is_deterministic(history, ranker, profiles):
    again = _fit(history)
    a, b = ranker.predict_uplift(profiles), again.predict_uplift(profiles)
    assert np.array_equal(a.uplift, b.uplift) and np.array_equal(a.low, b.low)
    assert np.array_equal(a.extrapolation, b.extrapolation)


def test_strings_and_categoricals_give_the_same_answer(ranker, profiles):
    plain = profiles.copy()
    plain["category"] = plain["category"].astype(str)
    cat = profiles.copy()
    cat["category"] = pd.Categorical(cat["category"].astype(str))
    assert np.array_equal(ranker.predict_uplift(plain).uplift, ranker.predict_uplift(cat).uplift)


def _same(a: UpliftPrediction, b: UpliftPrediction, rows) -> None:
    for name in ("uplift", "low", "high", "extrapolation"):
        x, y = getattr(a, name), getattr(b, name)[rows]
        assert np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y), name


def test_a_profile_gets_the_same_bits_in_any_batch(ranker):
    """Batch invariance (the HTTP service coalesces requests): alone, in 7, in 500 shuffled, in 600."""
    pool = sim.simulate_profiles(600, seed=11).reset_index(drop=True)
    full = ranker.predict_uplift(pool)  # large blocks: scikit-learn's compiled predictor
    rng = np.random.default_rng(4)
    for i in rng.choice(len(pool), 6, replace=False):  # one profile: the numpy tree walk
        _same(ranker.predict_uplift(pool.iloc[[i]]), full, [i])
    for size in (7, 16, 17, 500):
        rows = rng.permutation(len(pool))[:size]
        _same(ranker.predict_uplift(pool.iloc[rows]), full, rows)
    # chunk boundaries do not matter either
    rows = rng.permutation(len(pool))
    _same(ranker.predict_uplift(pool.iloc[rows], chunk_size=33), full, rows)


def test_flat_forest_adds_trees_in_scikit_learn_order(ranker, profiles):
    from livelift.recommender.features import coded_features, dense_from_coded
    from livelift.recommender.forest import raw_predict

    D = dense_from_coded(coded_features(profiles))
    for model, flat in ((ranker.propensity_, ranker.flat_["propensity"]), (ranker.level_, ranker.flat_["level"])):
        for rows in (D[:1], D[:5], D):
            assert np.array_equal(raw_predict(model, flat, rows), model._raw_predict(rows))


def test_rare_strategy_is_unknown_not_zero(history, profiles):
    h = history.copy()
    promote = np.flatnonzero(h["strategy"].astype(str).to_numpy() == "promote")
    h = h.drop(index=h.index[promote[10:]])
    r = _fit(h, min_rows=50)
    assert r.unknown_strategies_ == ("promote",)
    assert r.training_report_["unknown_strategies"] == ["promote"]
    assert "10 rows" in r.training_report_["unknown_reason"]["promote"]
    pred = r.predict_uplift(profiles)
    j = STRATEGIES.index("promote")
    assert np.isnan(pred.uplift[:, j]).all() and np.isnan(pred.low[:, j]).all()
    assert np.isfinite(np.delete(pred.uplift, j, axis=1)).all()


def test_too_few_control_rows_is_an_input_error(history):
    h = history[history["strategy"].astype(str) != "none"]
    with pytest.raises(InputError, match="too few 'none' rows"):
        _fit(h)


def test_input_errors_name_the_problem(history, ranker, profiles):
    with pytest.raises(InputError, match="followers"):
        ranker.predict_uplift(profiles.drop(columns=["followers"]))
    bad = history["strategy"].astype(str).copy()
    bad.iloc[3] = "go_viral"
    with pytest.raises(InputError, match="go_viral"):
        UpliftRanker(**FAST).fit(history[list(FEATURE_COLUMNS)], bad, history["gift_diamonds"])
    y = history["gift_diamonds"].to_numpy().copy()
    y[5] = -1
    with pytest.raises(InputError, match="row 5"):
        UpliftRanker(**FAST).fit(history[list(FEATURE_COLUMNS)], history["strategy"], y)
    nan_prof = profiles.copy()
    nan_prof.loc[nan_prof.index[2], "engagement_rate"] = np.nan
    with pytest.raises(InputError, match="engagement_rate"):
        ranker.predict_uplift(nan_prof)


def test_unknown_category_maps_to_other(ranker, profiles):
    p = profiles.iloc[:3].copy()
    p["category"] = "other"
    q = p.copy()
    q["category"] = "knitting"
    assert np.array_equal(ranker.predict_uplift(p).uplift, ranker.predict_uplift(q).uplift)


def test_evaluate_dispatches_on_truth_columns(ranker, profiles, history):
    with_truth = profiles.join(sim.true_uplift(profiles))
    m = evaluate(ranker, with_truth)
    pred = ranker.predict_uplift(profiles)
    truth = with_truth[[TRUTH_PREFIX + s for s in STRATEGIES]].to_numpy()
    direct = score_uplift(pred.uplift, truth, low=pred.low, high=pred.high)
    assert m["mode"] == "truth" and m["interval_level"] == 0.8
    assert m["gain_captured"] == direct["gain_captured"] > 0.0  # the ranker's own picks, better than random
    assert m["interval_coverage"] == np.mean((truth >= pred.low) & (truth <= pred.high))
    ope = evaluate(ranker, history.iloc[:1200])
    assert ope["mode"] == "off_policy"
    est = ope["diamonds"]["top_vs_none"]
    assert est["ci95_low"] < est["estimate"] < est["ci95_high"]
    # every per-strategy estimate has its interval, and 1,200 rows are too few to tell strategies apart
    per = ope["diamonds"]["per_strategy_vs_none_interval"]
    assert set(per) == set(STRATEGIES)
    for s, e in per.items():
        assert e["estimate"] == ope["diamonds"]["per_strategy_vs_none"][s]
        assert e["ci95_low"] < e["estimate"] < e["ci95_high"]
    assert any("too small to tell" in w and "1,200 rows" in w for w in ope["warnings"]), ope["warnings"]


def test_oracle_scores_one_and_constant_policy_scores_less():
    truth = np.array([[1.0, 5.0, 2.0, 0.0, -1.0], [3.0, 0.0, 1.0, 4.0, 2.0]])
    assert score_uplift(truth, truth)["gain_captured"] == pytest.approx(1.0)
    assert score_uplift(truth, truth)["top1_accuracy"] == 1.0
    const = np.tile([0, 1.0, 0, 0, 0], (2, 1))
    assert score_uplift(const, truth)["gain_captured"] < 1.0


def test_gain_on_unflagged_profiles_leaves_out_profiles_with_a_flagged_estimate():
    truth = np.array([[1.0, 5.0, 2.0, 0.0, -1.0], [3.0, 0.0, 1.0, 4.0, 2.0], [0.0, 1.0, 2.0, 3.0, 4.0]])
    pred = truth.copy()
    pred[1] = -truth[1]  # the second profile is ranked worst-first, and flagged
    flags = np.zeros_like(truth, dtype=bool)
    flags[1, 2] = True
    m = score_uplift(pred, truth, extrapolation=flags)
    assert m["gain_captured"] < 1.0
    assert m["unflagged_profile_share"] == pytest.approx(2 / 3)
    assert m["gain_captured_unflagged"] == pytest.approx(1.0)


@pytest.mark.slow
def test_beats_naive_baseline_on_simulated_history():
    """On confounded simulated history the ranker clearly beats per-strategy difference in means."""
    h = sim.simulate_history(2500, 12, seed=1)
    p = sim.simulate_profiles(2000, seed=1001)
    truth = sim.true_uplift(p)[[TRUTH_PREFIX + s for s in STRATEGIES]].to_numpy()
    r = _fit(h, max_iter=60)
    ours = score_uplift(r.predict_uplift(p).uplift, truth)["gain_captured"]
    y = h["gift_diamonds"].to_numpy()
    s = h["strategy"].astype(str).to_numpy()
    naive = np.tile([y[s == k].mean() - y[s == "none"].mean() for k in STRATEGIES], (len(p), 1))
    theirs = score_uplift(naive, truth)["gain_captured"]
    assert ours > theirs + 0.1, (ours, theirs)


def test_derived_ratio_features_line_up_with_their_names(profiles):
    from livelift.recommender.features import DENSE_NAMES, coded_features, dense_from_coded

    D = dense_from_coded(coded_features(profiles))
    assert D.shape[1] == len(DENSE_NAMES)
    col = dict(zip(DENSE_NAMES, D.T))
    np.testing.assert_array_equal(col["viewers_per_follower"],
                                  profiles["avg_viewers"].to_numpy() / (profiles["followers"].to_numpy() + 1.0))
    np.testing.assert_array_equal(col["diamonds_per_viewer"],
                                  profiles["prior_weekly_diamonds"].to_numpy() / (profiles["avg_viewers"].to_numpy() + 1.0))
    assert np.all(col["weekly_viewer_hours"] >= 0)


def test_both_s_learner_targets_fit_and_older_models_load_as_ratio(history, profiles, ranker):
    import pickle

    assert ranker.s_learner_target == "log"
    ratio = _fit(history, s_learner_target="ratio")
    a, b = ranker.predict_uplift(profiles), ratio.predict_uplift(profiles)
    assert np.isfinite(b.uplift).all() and not np.array_equal(a.uplift, b.uplift)
    assert (b.low <= b.uplift).all() and (b.uplift <= b.high).all()
    # a model pickled before the parameter existed was trained the "ratio" way and says so
    state = ratio.__getstate__()
    del state["s_learner_target"]
    old = UpliftRanker.__new__(UpliftRanker)
    old.__setstate__(state)
    assert old.get_params()["s_learner_target"] == "ratio"
    again = pickle.loads(pickle.dumps(old))
    np.testing.assert_array_equal(again.predict_uplift(profiles).uplift, b.uplift)
