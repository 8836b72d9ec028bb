"""Synthetic creator-week history with a known answer (a SIMULATION, not TikTok data).

Nothing in here was measured on TikTok. It is a data-generating process (DGP)
whose numbers are assumptions, chosen to be plausible against the sourced facts
in ``shared/docs/facts.md`` (ids in brackets), so that the uplift estimator
can be trained and scored against a known truth.

Public API::

    simulate_profiles(n, *, seed=0, minor_share=0.02) -> DataFrame   # profile columns + region
    expected_outcome(profiles, strategy, *, creator_effect_sd=0.0, effect_seed=0) -> ndarray
                                                                   # noise-free mean weekly diamonds
    true_uplift(profiles) -> DataFrame                             # true_uplift_<s> = E[s] - E[none]
    true_propensity(profiles) -> DataFrame                         # P(creator picks s | profile)
    simulate_outcome(profiles, strategy, *, seed=0, creator_effect_sd=0.0, effect_seed=0) -> ndarray
                                                                   # one random week of gifts per row
    simulate_history(creators=2000, weeks=12, *, seed=0, with_truth=False,
                     creator_effect_sd=0.0) -> DataFrame
    creator_effects(creator_ids, sd, *, seed=0) -> ndarray          # (n, 6) personal log-multipliers

Assumptions (all of them simulation choices):

* Money [M1, M5, M6, M8]. Income is gift diamonds only. Each gift is worth its
  coin price in diamonds (``diamond_count`` = coins, M8). Gift prices follow a
  fixed heavy-tailed mix: Rose 1, Finger Heart 5, Hand Hearts 100, Disco Ball
  1,000 and Universe 34,999 coins are from M5; the 10 / 30 / 99 / 299 / 5,000
  tiers and every tier's share are assumed. Mean price ~65 diamonds; the rare
  Universe alone is ~27% of the mean.
* Likes do not pay [section 2]. ``likes``, ``comments`` and ``new_followers``
  are generated from viewers and engagement but never enter gift income; income
  depends on viewers and engagement directly, not on the like count.
* What drives gifts [section 4]. Expected gifts per week = eligible x
  concurrent viewers x effective streams x effective hours per stream x gifts
  per viewer-hour. Gifts per viewer-hour rise with engagement (acknowledgement
  predicts gifting, Portsmouth 2025) and retention, and differ by category
  (assumed). Effective streams reward consistency (gaps of 4+ days give 30-50%
  fewer diamonds per stream, streampace, unverified) and penalise fatigue
  (the same audience split over more streams), so the weekly total peaks near
  9-10 streams/week and falls beyond it. Long streams have diminishing returns
  per hour.
* Noise. Weekly gift count is negative-binomial (gamma-Poisson, shape 0.8), so
  zero-gift weeks are common for small creators (gift conversion of viewers is
  a few %, section 4) and income is heavy-tailed together with the price mix
  and the follower distribution.
* Eligibility [E1, E3, E3-old, E4]. Gift income needs age 18+, 19+ in KR
  (E3-old / E4); ineligible creators get 0 income and 0 uplift. Hosting LIVE
  needs 18+ since 2022-11-23 (E1), so history rows (weeks on LIVE) contain no
  minors; ``simulate_profiles`` (people asking for advice) has a small share of
  13-17 year-olds by default. KR 18-year-olds are the ineligible creators that
  do appear in history. The 1,000-follower LIVE threshold (E2, third-party,
  "varies by region") is not enforced: that is the rules engine's business.
* Size [M12, section 4]. Followers are log-t distributed (median ~4k, 5% at
  50k+, a few in the millions); concurrent viewers ~ 0.22 x followers^0.45
  with noise (<10k followers -> roughly 2-40 viewers, calculator heuristics
  say 5-50). The exponent is tuned so that creators under 50k followers earn
  ~78% of all gift diamonds (M12 reports 80.4%).
* Strategy effects (assumed, heterogeneous, some negative):
  - engage_audience (thank gifters, acknowledge viewers [section 4]) multiplies
    the gift rate by 1 + 0.6 exp(-engagement/0.15) - 0.06 (big help for
    low-engagement creators, slightly negative for highly engaged ones) and adds
    0.08 gifts per effective stream-hour whatever the audience size (an additive
    part that matters for small creators only).
  - promote (LIVE Events, cross-posting [E9]) reaches x = 0.0008 x followers /
    viewers notified followers per current viewer and adds x / (1 + x / 1.5)
    x viewers (saturating at +150%) who gift at half the regulars' rate; it
    costs 6% of stream output (time spent promoting). Scales with followers;
    negative for small creators who already draw many viewers per follower.
  - improve_content moves retention 30% of the way up to 0.6 and costs 7% of
    stream output that week: helps low-retention creators, hurts high ones.
  - collaborate (co-host / battles [E7, E7b, E8]) brings partner fans with a
    bump peaking at ~20k followers, battles raise the gift rate 12% from 1,000
    followers, and 10% of gifts go to the guest: helps mid-size creators, is
    negative for 500-follower ones and about zero for 500k+ ones.
  - increase_frequency adds 1 stream/week (cap 21): helps low-frequency
    creators a lot (1 -> 2 streams roughly doubles income), is <= 0 from ~10
    streams/week (fatigue), and exactly 0 at 21.
* Confounded choice. Creators choose their own strategy by a multinomial logit
  on their profile (bigger creators collaborate and promote more, low-retention
  ones improve content, low-engagement ones engage, frequent streamers rarely
  add streams). Every strategy keeps a 3% propensity floor; ``none`` is ~40%.
* Calibration (seed 0, 2,500 creators x 12 weeks): 22% of weeks have no
  gifts (32% in the smallest follower quartile), median 46 and mean ~890
  diamonds/week, p99/median ~300. The naive per-strategy mean difference is
  badly confounded (e.g. collaborate looks ~4x better than it is; engage and
  improve_content look harmful while they help on average).
* Creator-specific effects (off by default; ``creator_effect_sd`` > 0). Each
  creator c gets a personal multiplier on the expected gifts of each strategy
  s != none: E_c[gifts | s] = E[gifts | s] x exp(b_cs - sd^2 / 2) with
  b_cs ~ N(0, sd^2) independent across creators and strategies ('none' keeps
  multiplier 1). The -sd^2/2 makes the mean multiplier 1, so the average of
  the personal uplifts over creators is the population uplift
  (``true_uplift_<s>``), and each creator's own truth is
  ``true_personal_uplift_<s>`` = E_c[s] - E[none]. b_cs is a function of
  (creator_id, seed, s) only (a hash, not the history's random stream), so the
  same creator has the same effects in every call; turning the option on uses
  the same random draws, so only the outcomes (and the state they feed) change.
* Panel. ``simulate_history`` evolves each creator week by week: followers grow
  by ``new_followers``; ``avg_viewers``, ``streams_per_week`` and
  ``prior_weekly_diamonds`` are trailing 4-week means of the simulated weeks
  (seeded with the initial profile), so the extra viewers of a promote or
  collaborate week carry into the next four weeks' ``avg_viewers``;
  engagement, retention and stream length
  drift, and engage_audience / improve_content weeks leave a small lasting
  improvement. The outcome of a week depends only on the profile as it stood
  before the week and the week's strategy, so ``expected_outcome`` is exactly
  E[gift_diamonds | profile, strategy] for every row. Ages do not change.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..data.fields import ALL_STRATEGIES, CATEGORIES, CONTROL, STRATEGIES, TRUTH_PREFIX
from .simulated_world import (
    GIFT_PRICES,
    GIFT_SHARES,
    MEAN_GIFT_DIAMONDS,
    _START_WEEK,
    _all_arms,
    _arm,
    _check_strategy,
    _choose,
    _draw_diamonds,
    _ids,
    _initial_state,
    _int_arg,
    _propensity,
    _round_state,
    _seed_prior,
    expected_outcome as _population_outcome,
    gift_min_age,
    simulate_profiles,
    true_propensity,
    true_uplift,
)

__all__ = [
    "simulate_profiles",
    "expected_outcome",
    "true_uplift",
    "true_propensity",
    "simulate_outcome",
    "simulate_history",
    "creator_effects",
    "PERSONAL_TRUTH_PREFIX",
    "GIFT_PRICES",
    "GIFT_SHARES",
    "MEAN_GIFT_DIAMONDS",
    "gift_min_age",
]

PERSONAL_TRUTH_PREFIX = "true_personal_uplift_"
"""Simulator-only columns ``true_personal_uplift_<s>``: a creator's own expected uplift (creator effects on)."""


# --------------------------------------------------------------------------- creator-specific effects
_MASK64 = (1 << 64) - 1


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 (a well-mixed hash of the input bits)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def creator_effects(creator_ids: Sequence[str], sd: float, *, seed: int = 0) -> np.ndarray:
    """Personal log-multipliers b_cs - sd^2/2, shape (n, 6) in ALL_STRATEGIES order ('none' column 0).

    b_cs ~ N(0, sd^2) is a hash of (creator_id, seed, strategy): the same creator
    gets the same effects whatever the other rows or the call (see module docstring).
    """
    if isinstance(sd, bool) or not isinstance(sd, (int, float, np.floating)) or not 0.0 <= sd <= 3.0:
        raise InputError("creator_effect_sd must be a number between 0 and 3", loc="creator_effect_sd",
                         expected="a number between 0 and 3 (a log-scale standard deviation)", input=sd)
    ids = [str(c).encode() for c in creator_ids]
    key = np.array([(zlib.crc32(b) << 32) | zlib.adler32(b) for b in ids], dtype=np.uint64)
    key = _mix64(key ^ np.uint64((int(seed) * 0x9E3779B97F4A7C15) & _MASK64))
    out = np.zeros((len(ids), len(ALL_STRATEGIES)))
    if sd == 0 or not ids:
        return out
    for k in range(1, len(ALL_STRATEGIES)):
        h1 = _mix64(key + np.uint64(2 * k + 1))
        h2 = _mix64(h1 + np.uint64(0x632BE59BD9B4E019))
        u1 = ((h1 >> np.uint64(11)).astype(float) + 0.5) / 2.0**53
        u2 = (h2 >> np.uint64(11)).astype(float) / 2.0**53
        z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)  # Box-Muller
        out[:, k] = sd * z - sd * sd / 2.0
    return out


def _personal_truth(means: np.ndarray, effects: np.ndarray) -> dict[str, np.ndarray]:
    """``true_personal_uplift_<s>`` columns from population arm means (n, 6) and log-multipliers."""
    control = means[:, ALL_STRATEGIES.index(CONTROL)]
    personal = means * np.exp(effects)
    return {f"{PERSONAL_TRUTH_PREFIX}{s}": personal[:, ALL_STRATEGIES.index(s)] - control for s in STRATEGIES}


# --------------------------------------------------------------------------- public: truth with effects
def expected_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str], *,
                     creator_effect_sd: float = 0.0, effect_seed: int = 0) -> np.ndarray:
    """Noise-free expected weekly gift diamonds of each profile under ``strategy`` (the truth).

    ``strategy`` is one name from ``fields.ALL_STRATEGIES`` or one name per row.
    Uses the profile columns (``creator_id`` not needed) and ``region`` if present.
    ``creator_effect_sd`` > 0: each creator's own expectation (``creator_effects``
    of the ``creator_id`` column with ``effect_seed``), as in ``simulate_history``.
    """
    out = _population_outcome(profiles, strategy)
    if creator_effect_sd:
        if not isinstance(profiles, pd.DataFrame) or "creator_id" not in profiles.columns:
            raise InputError("creator effects need a creator_id column", loc="profiles",
                             expected="a DataFrame with a creator_id column",
                             input=list(getattr(profiles, "columns", [])))
        codes = _check_strategy(strategy, len(out)).astype(np.intp)
        effects = creator_effects(profiles["creator_id"].to_numpy(), creator_effect_sd, seed=effect_seed)
        out = out * np.exp(effects[np.arange(len(codes)), codes])
    return out


def simulate_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str], *, seed: int = 0,
                     creator_effect_sd: float = 0.0, effect_seed: int = 0) -> np.ndarray:
    """One random week of gift diamonds per profile row under ``strategy`` (mean = expected_outcome)."""
    mean = expected_outcome(profiles, strategy, creator_effect_sd=creator_effect_sd, effect_seed=effect_seed)
    return _draw_diamonds(np.random.default_rng(seed), mean)


# --------------------------------------------------------------------------- history
def simulate_history(creators: int = 2000, weeks: int = 12, *, seed: int = 0,
                     with_truth: bool = False, start_week: str = _START_WEEK,
                     creator_effect_sd: float = 0.0) -> pd.DataFrame:
    """A synthetic panel: one row per creator-week in the history contract's shape.

    Columns: ``fields.HISTORY_COLUMNS`` then ``week`` (ISO Monday), ``region``,
    ``likes``, ``comments``, ``new_followers``; with ``with_truth`` also
    ``true_uplift_<s>`` for the row's profile. Rows are ordered by creator, then
    week. The same seed gives an identical frame.

    ``creator_effect_sd`` > 0 turns on creator-specific effects (module
    docstring): each creator's gifts under strategy s are multiplied by its own
    exp(b_cs - sd^2/2); with ``with_truth`` the frame then also holds
    ``true_personal_uplift_<s>`` (that creator's own expected uplift), while
    ``true_uplift_<s>`` stays the population's. 0 (the default) is the
    simulator without personal effects, unchanged.
    """
    creators = _int_arg("creators", creators, 1)
    weeks = _int_arg("weeks", weeks, 1)
    start = _monday(start_week)
    effects = creator_effects(_ids(creators), creator_effect_sd, seed=seed) if creator_effect_sd else None
    rng = np.random.default_rng(seed)
    p = _initial_state(rng, creators, 0.0)  # no minors on LIVE (E1)
    _round_state(p)
    p["prior_weekly_diamonds"] = _seed_prior(rng, p)
    rec, strat = _run_weeks(rng, p, weeks, effects)
    frame = _history_frame(p, rec, strat, start, weeks)
    if with_truth:  # the same numbers as true_uplift(frame), without re-reading the frame
        rows = {k: _flat(rec[k]) for k in _STATE_KEYS}
        rows.update(cat=np.repeat(p["cat"], weeks), creator_age=np.repeat(p["creator_age"], weeks),
                    min_age=np.repeat(p["min_age"], weeks))
        means = _all_arms(rows)
        control = means[:, ALL_STRATEGIES.index(CONTROL)]
        for s in STRATEGIES:
            frame[f"{TRUTH_PREFIX}{s}"] = means[:, ALL_STRATEGIES.index(s)] - control
        if effects is not None:
            for name, values in _personal_truth(means, np.repeat(effects, weeks, axis=0)).items():
                frame[name] = values
    return frame


_STATE_KEYS = ("followers", "avg_viewers", "engagement_rate", "streams_per_week", "avg_stream_minutes",
               "retention_rate", "prior_weekly_diamonds")
_CODE = {s: i for i, s in enumerate(ALL_STRATEGIES)}


def _monday(start_week: str) -> pd.Timestamp:
    try:
        start = pd.Timestamp(start_week)
    except (ValueError, TypeError) as exc:
        raise InputError("start_week is not a date", loc="start_week",
                         expected="an ISO date (YYYY-MM-DD) of a Monday", input=start_week) from exc
    if start.day_of_week != 0:
        raise InputError("start_week must be a Monday", loc="start_week",
                         expected="an ISO date (YYYY-MM-DD) of a Monday", input=start_week)
    return start


def _run_weeks(rng: np.random.Generator, p: dict[str, np.ndarray], weeks: int, effects: np.ndarray | None = None):
    """Play ``weeks`` weeks from state ``p``: recorded profiles and outcomes (weeks, n) and strategy codes.

    ``effects`` (n, 6): each creator's log-multipliers of the arm means (``creator_effects``), or None.
    """
    n = len(p["followers"])
    # 4-week rolling means behind avg_viewers, streams_per_week and prior_weekly_diamonds; slow-moving habits
    carry = {
        "v_buf": np.tile(p["avg_viewers"], (4, 1)),
        "s_buf": np.tile(p["streams_per_week"], (4, 1)),
        "g_buf": np.tile(p["prior_weekly_diamonds"], (4, 1)),
        "habit": p["streams_per_week"].copy(),
        "e_bar": p["engagement_rate"].copy(),
        "r_bar": p["retention_rate"].copy(),
        "m_bar": p["avg_stream_minutes"].copy(),
    }
    rec = {k: np.empty((weeks, n)) for k in (*_STATE_KEYS, "gift", "likes", "comments", "new_followers")}
    strat = np.empty((weeks, n), dtype=np.int8)
    for t in range(weeks):
        p["avg_viewers"] = carry["v_buf"].mean(axis=0)
        p["streams_per_week"] = carry["s_buf"].mean(axis=0)
        p["prior_weekly_diamonds"] = carry["g_buf"].mean(axis=0)
        _round_state(p)
        for k in _STATE_KEYS:
            rec[k][t] = p[k]
        code = _choose(rng, _propensity(p))
        strat[t] = code
        results = [_arm(p, k) for k in range(len(ALL_STRATEGIES))]
        mean, viewers, spw_s = (np.choose(code, [r[i] for r in results]) for i in range(3))
        if effects is not None:
            mean = mean * np.exp(np.take_along_axis(effects, code[:, None].astype(np.intp), axis=1)[:, 0])
        gift = _draw_diamonds(rng, mean)
        likes, comments, new_f = _engagement(rng, p, code, viewers, spw_s)
        rec["gift"][t], rec["likes"][t], rec["comments"][t], rec["new_followers"][t] = gift, likes, comments, new_f
        _next_state(rng, p, carry, code, viewers, gift, new_f)
    return rec, strat


def _engagement(rng: np.random.Generator, p: dict[str, np.ndarray], code: np.ndarray, viewers: np.ndarray,
                spw_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Likes, comments and new followers of the week (they follow exposure, not gifts)."""
    n = len(code)
    hours = viewers * spw_s * p["avg_stream_minutes"] / 60.0
    e = p["engagement_rate"]
    likes = rng.poisson(hours * e * 40.0 * rng.gamma(2.0, 0.5, size=n))
    comments = rng.poisson(hours * e * 1.5 * rng.gamma(2.0, 0.5, size=n))
    boost = np.where(code == _CODE["promote"], 1.6, np.where(code == _CODE["collaborate"], 1.4, 1.0))
    new_f = rng.poisson(p["followers"] * 0.002 * boost + hours * 0.03 * (0.5 + e))
    return likes, comments, new_f


def _next_state(rng: np.random.Generator, p: dict[str, np.ndarray], carry: dict[str, np.ndarray],
                code: np.ndarray, viewers: np.ndarray, gift: np.ndarray, new_f: np.ndarray) -> None:
    """The state the next week starts from (updates ``p`` and ``carry`` in place)."""
    n = len(code)
    e = p["engagement_rate"]
    growth = (p["followers"] + new_f) / np.maximum(p["followers"], 1.0)
    v_week = viewers * growth**0.45 * np.exp(rng.normal(-0.005, 0.1, size=n))
    streams = np.clip(np.round(carry["habit"] + np.where(code == _CODE["increase_frequency"], 1.0, 0.0)
                               + rng.normal(0.0, 0.5, size=n)), 1.0, 21.0)
    carry["v_buf"] = np.vstack([carry["v_buf"][1:], v_week])
    carry["s_buf"] = np.vstack([carry["s_buf"][1:], streams])
    carry["g_buf"] = np.vstack([carry["g_buf"][1:], gift])
    p["followers"] = p["followers"] + new_f
    e_bar = carry["e_bar"] = carry["e_bar"] + np.where(code == _CODE["engage_audience"],
                                                       0.1 * np.maximum(0.0, 0.3 - carry["e_bar"]), 0.0)
    r_bar = carry["r_bar"] = carry["r_bar"] + np.where(code == _CODE["improve_content"],
                                                       0.1 * np.maximum(0.0, 0.6 - carry["r_bar"]), 0.0)
    p["engagement_rate"] = np.clip(e + 0.3 * (e_bar - e) + rng.normal(0.0, 0.01, size=n), 0.001, 0.99)
    r = p["retention_rate"]
    p["retention_rate"] = np.clip(r + 0.3 * (r_bar - r) + rng.normal(0.0, 0.01, size=n), 0.03, 0.99)
    p["avg_stream_minutes"] = np.clip(carry["m_bar"] * np.exp(rng.normal(0.0, 0.06, size=n)), 15.0, 300.0)


def _flat(a: np.ndarray) -> np.ndarray:
    """(weeks, n) -> creator-major rows."""
    return a.T.reshape(-1)


def _history_frame(p: dict[str, np.ndarray], rec: dict[str, np.ndarray], strat: np.ndarray,
                   start: pd.Timestamp, weeks: int) -> pd.DataFrame:
    n = len(p["followers"])
    week_dates = (start + pd.to_timedelta(7 * np.arange(weeks), unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)
    return pd.DataFrame({
        "creator_id": np.repeat(_ids(n), weeks),
        "followers": _flat(rec["followers"]).astype(np.int64),
        **{k: _flat(rec[k]) for k in _STATE_KEYS[1:]},
        "category": np.asarray(CATEGORIES, dtype=object)[np.repeat(p["cat"], weeks)],
        "creator_age": np.repeat(p["creator_age"], weeks).astype(np.int64),
        "strategy": np.asarray(ALL_STRATEGIES, dtype=object)[_flat(strat)],
        "gift_diamonds": _flat(rec["gift"]),
        "week": np.tile(week_dates, n),
        "region": np.repeat(p["region"], weeks).astype(object),
        "likes": _flat(rec["likes"]),
        "comments": _flat(rec["comments"]),
        "new_followers": _flat(rec["new_followers"]),
    })
