"""The Bayesian update itself: population answer with no own weeks, the creator's data with many."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livelift.plans.posterior import Hyper, K, fit_hyper, posterior, prior_from_population, weekly_sums

HYPER = Hyper((), (2.0,), 0.0, 0.05, 0.0, 0)


def _prior(n=3):
    level = np.array([100.0, 2_000.0, 0.0])[:n]
    up = np.array([[10.0, -5.0, 30.0, 0.0, 3.0]] * n) * (level[:, None] + K) / 100
    return prior_from_population(level, up, up - 20 * (level[:, None] + K) / 100, up + 40 * (level[:, None] + K) / 100), up


def test_no_own_weeks_gives_exactly_the_population_answer():
    prior, up = _prior()
    z = np.zeros((3, 6))
    post = posterior(prior, HYPER, z, z, np.zeros((3, 6), int))
    np.testing.assert_allclose(post.uplift, up, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(post.low, up - 20 * (prior.scale[:, None]) / 100, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(post.high, up + 40 * (prior.scale[:, None]) / 100, rtol=1e-9, atol=1e-9)


def test_spread_between_creators_widens_but_does_not_move_the_no_data_answer():
    prior, up = _prior()
    z = np.zeros((3, 6))
    wide = posterior(prior, Hyper((), (2.0,), 1.0, 0.05, 0.2, 0), z, z, np.zeros((3, 6), int))
    narrow = posterior(prior, HYPER, z, z, np.zeros((3, 6), int))
    np.testing.assert_allclose(wide.uplift, up, rtol=1e-9)
    assert (wide.low < narrow.low).all() and (wide.high > narrow.high).all()


def _weeks(n_weeks: int, promote_ratio: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    strategy = np.where(np.arange(n_weeks) % 2 == 0, "none", "promote")
    mean = np.where(strategy == "promote", 1000.0 * promote_ratio, 1000.0)
    gift = mean * rng.lognormal(-0.125, 0.5, n_weeks)  # log-scale noise sd 0.5, mean-preserving
    return pd.DataFrame({"creator_id": "c1", "strategy": strategy, "gift_diamonds": gift,
                         "prior_weekly_diamonds": 1000.0})


def test_many_weeks_follow_the_creator_not_the_population():
    level = np.array([1000.0])
    pop = np.array([[0.0, -100.0, 0.0, 0.0, 0.0]])  # the population says promote loses 10%
    prior = prior_from_population(level, pop, pop - 150, pop + 150)
    hyper = Hyper((), (0.25,), 0.0, 1.0, 0.0, 0)
    for n, tol in ((4, None), (2000, 0.08)):
        weeks = _weeks(n, promote_ratio=2.0)
        W, WZ = weekly_sums(weeks, np.array(["c1"]), hyper)
        post = posterior(prior, hyper, W, WZ, np.zeros((1, 6), int))
        est = post.uplift[0, 1]
        if tol is None:
            few = est
        else:  # the creator's promote doubles gifts: +1,010 on the B = P + K scale
            assert abs(est - 1010) / 1010 < tol, est
            assert post.low[0, 1] > 500  # far from the population answer (-100)
            assert post.high[0, 1] - post.low[0, 1] < 0.5 * 300
    assert -100 < few < est  # few weeks: between the population and the data


def test_fit_hyper_recovers_noise_and_finds_no_spread_without_effects():
    from livelift.recommender.simulate import simulate_history

    hist = simulate_history(400, 10, seed=4)
    hyper = fit_hyper(hist)
    # week-to-week noise of r = (gifts + 10) / (level + 10): large, largest for the smallest creators
    assert len(hyper.noise_var) == 8 and all(0.5 < v < 1000.0 for v in hyper.noise_var)
    assert hyper.noise_var[0] > hyper.noise_var[-1]
    assert hyper.het_var == 0.0  # no population prior given: no spread estimated


def test_fit_hyper_sees_a_clear_spread_and_none_without_effects(recommender):
    """The moment estimate of h^2 (log scale) on a simulated history with and without creator effects."""
    from livelift.plans.planner import _latest, _population
    from livelift.recommender.simulate import simulate_history

    found = {}
    for sd in (0.8, 0.0):
        hist = simulate_history(500, 8, seed=5, creator_effect_sd=sd)
        prior, _ = _population(recommender, _latest(hist))
        found[sd] = fit_hyper(hist, prior).het_var
    assert found[0.8] > 0.1  # true h^2 = 0.64, attenuated on the log((gifts + K) / (level + K)) scale
    # the estimate is noisy (standard error ~0.14 at this size): without effects it is 0 on seeds 1-3 but
    # 0.18 on this one, so only the ordering is asserted here
    assert found[0.0] < found[0.8] / 2
