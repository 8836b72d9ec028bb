"""Synthetic creator-week history with a known answer (a SIMULATION, not TikTok data).

Nothing in here was measured on TikTok. It is a data-generating process (DGP)
whose numbers are assumptions, chosen to be plausible against the sourced facts
in ``shared/docs/facts.md`` (ids in brackets), so that the uplift estimator
can be trained and scored against a known truth.

Public API::

    simulate_profiles(n, *, seed=0, minor_share=0.02) -> DataFrame   # profile columns + region
    expected_outcome(profiles, strategy) -> ndarray                # noise-free mean weekly diamonds
    true_uplift(profiles) -> DataFrame                             # true_uplift_<s> = E[s] - E[none]
    true_propensity(profiles) -> DataFrame                         # P(creator picks s | profile)
    simulate_outcome(profiles, strategy, *, seed=0) -> ndarray     # one random week of gifts per row
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

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..data.fields import (
    ALL_STRATEGIES,
    CATEGORIES,
    CONTROL,
    PROFILE_COLUMNS,
    STRATEGIES,
    TRUTH_PREFIX,
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

# --------------------------------------------------------------------------- constants
GIFT_PRICES = np.array([1, 5, 10, 30, 99, 100, 299, 1_000, 5_000, 34_999], dtype=float)
"""Gift prices in coins = diamonds to the creator (M5, M8); 10/30/99/299/5000 assumed."""
GIFT_SHARES = np.array([0.45, 0.22, 0.10, 0.08, 0.05, 0.06, 0.025, 0.012, 0.0025, 0.0005])
"""Share of gifts at each price (assumed)."""
MEAN_GIFT_DIAMONDS = float(GIFT_PRICES @ GIFT_SHARES)

_GIFT_SHAPE = 0.8  # negative-binomial shape of the weekly gift count
_BASE_RATE = 0.25  # gifts per viewer-hour at engagement 0.2, retention 0.375, category multiplier 1
_THANKS_GIFTS = 0.08  # additive gifts per effective stream-hour from acknowledging gifters (assumed)
_CATEGORY_P = np.array([0.22, 0.15, 0.20, 0.07, 0.10, 0.06, 0.20])
_CATEGORY_RATE = np.array([0.9, 1.3, 1.2, 0.6, 1.0, 0.8, 0.9])
_CAT_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_OTHER = _CAT_INDEX["other"]

_REGIONS = np.array(["US", "GB", "DE", "FR", "BR", "MX", "ID", "PH", "TR", "JP", "KR", "VN", "SA", "EG"])
_REGION_P = np.array([0.26, 0.07, 0.05, 0.04, 0.09, 0.06, 0.10, 0.07, 0.05, 0.04, 0.06, 0.05, 0.03, 0.03])
_GIFT_MIN_AGE = {"KR": 19}  # E3-old / E4; everywhere else 18 (E3)
_CATEGORY_DTYPE = pd.CategoricalDtype(list(CATEGORIES))
_REGION_DTYPE = pd.CategoricalDtype(sorted(set(_REGIONS) | set(_GIFT_MIN_AGE)))
_REGION_INDEX = {r: i for i, r in enumerate(_REGION_DTYPE.categories)}
_DEFAULT_MIN_AGE = 18

PERSONAL_TRUTH_PREFIX = "true_personal_uplift_"
"""Simulator-only columns ``true_personal_uplift_<s>``: a creator's own expected uplift (creator effects on)."""

_PROPENSITY_FLOOR = 0.03
_START_WEEK = "2025-09-01"  # a Monday

_PROFILE_NAMES = tuple(c.name for c in PROFILE_COLUMNS)
_NUMERIC = tuple(c for c in PROFILE_COLUMNS if c.kind in ("int", "float"))


def gift_min_age(region: str | None) -> int:
    """Minimum age to receive gifts in ``region`` as the simulator assumes (19 in KR, else 18)."""
    return _GIFT_MIN_AGE.get((region or "").upper(), _DEFAULT_MIN_AGE)


# --------------------------------------------------------------------------- input checks
def _int_arg(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}", loc=name,
                         expected=f"an integer >= {minimum}", input=value)
    return int(value)


def _check_strategy(strategy: object, n: int) -> np.ndarray:
    """Strategy codes (index into ALL_STRATEGIES), one per row."""
    if isinstance(strategy, str):
        if strategy not in ALL_STRATEGIES:
            raise InputError("unknown strategy", loc="strategy",
                             expected="one of " + ", ".join(map(repr, ALL_STRATEGIES)), input=strategy)
        return np.full(n, ALL_STRATEGIES.index(strategy), dtype=np.int8)
    values = np.asarray(strategy, dtype=object)
    if values.shape != (n,):
        raise InputError("strategy must be one name or one name per profile row", loc="strategy",
                         expected=f"a string or a sequence of {n} strategy names", input=values.shape)
    codes = pd.Categorical(values, categories=list(ALL_STRATEGIES)).codes
    bad = np.flatnonzero(codes < 0)
    if bad.size:
        raise InputError("unknown strategy", loc=f"strategy[{bad[0]}]",
                         expected="one of " + ", ".join(map(repr, ALL_STRATEGIES)), input=values[bad[0]])
    return codes.astype(np.int8)


def _profile_arrays(profiles: pd.DataFrame | Mapping) -> dict[str, np.ndarray]:
    """Validated float arrays of a profile frame (InputError names column and row)."""
    if isinstance(profiles, Mapping) and not isinstance(profiles, pd.DataFrame):
        profiles = pd.DataFrame([profiles]) if all(np.ndim(v) == 0 for v in profiles.values()) \
            else pd.DataFrame(dict(profiles))
    if not isinstance(profiles, pd.DataFrame):
        raise InputError("profiles must be a pandas DataFrame", loc="profiles",
                         expected="a DataFrame with the profile columns", input=type(profiles).__name__)
    needed = [c for c in _PROFILE_NAMES if c != "creator_id"]
    missing = [c for c in needed if c not in profiles.columns]
    if missing:
        raise InputError(f"missing profile column(s): {', '.join(missing)}", loc="profiles",
                         expected="columns " + ", ".join(needed), input=missing)
    out: dict[str, np.ndarray] = {}
    problems: list[Problem] = []
    for col in _NUMERIC:
        raw = pd.to_numeric(profiles[col.name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(raw)
        if col.min is not None:
            ok &= (raw > col.min) if col.min_exclusive else (raw >= col.min)
        if col.max is not None:
            ok &= raw <= col.max
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            problems.append(Problem(f"row {i}, column {col.name}", "value out of range",
                                    col.expected, profiles[col.name].iloc[i]))
        out[col.name] = raw
    if problems:
        raise InputError.from_problems(problems, headline="invalid profile values")
    codes = profiles["category"].astype(_CATEGORY_DTYPE).cat.codes.to_numpy().astype(np.int64)
    out["cat"] = np.where(codes < 0, _OTHER, codes)  # unknown category -> other (contract)
    min_age = np.full(len(profiles), float(_DEFAULT_MIN_AGE))
    if "region" in profiles.columns:
        region = profiles["region"].astype(_REGION_DTYPE).cat.codes.to_numpy()
        for reg, age in _GIFT_MIN_AGE.items():
            min_age[region == _REGION_INDEX[reg]] = age
    out["min_age"] = min_age
    return out


# --------------------------------------------------------------------------- the mean model
def _effective_streams(spw: np.ndarray) -> np.ndarray:
    """Streams/week weighted by consistency (few streams = long gaps) and fatigue."""
    consistency = 0.6 + 0.4 * (1.0 - np.exp(-spw / 2.0))
    fatigue = 1.0 / (1.0 + (spw / 9.0) ** 2)
    return spw * consistency * fatigue


def _effective_hours(minutes: np.ndarray) -> np.ndarray:
    return (minutes / 60.0) / (1.0 + minutes / 300.0)


def _arm(p: dict[str, np.ndarray], code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected diamonds, mean concurrent viewers, streams/week) under strategy ``code``."""
    f, v, e = p["followers"], p["avg_viewers"], p["engagement_rate"]
    r, spw, m = p["retention_rate"], p["streams_per_week"], p["avg_stream_minutes"]
    eligible = p["creator_age"] >= p["min_age"]
    cat_rate = _CATEGORY_RATE[p["cat"]]
    name = ALL_STRATEGIES[code]

    viewers = v.copy()
    gifting_viewers = v.copy()  # viewers weighted by how much they gift relative to regulars
    rate_mult = np.ones_like(v)
    stream_mult = np.ones_like(v)
    r_new, spw_new = r, spw
    extra_gifts_per_hour = 0.0
    if name == "engage_audience":
        rate_mult = 1.0 + 0.6 * np.exp(-e / 0.15) - 0.06
        extra_gifts_per_hour = _THANKS_GIFTS  # thanked regulars gift again, whatever the audience size
    elif name == "promote":
        reach = 0.0008 * f / np.maximum(v, 0.1)  # notified followers per current viewer
        extra = v * reach / (1.0 + reach / 1.5)  # saturates at +150% viewers
        viewers = v + extra
        gifting_viewers = v + 0.5 * extra
        stream_mult = np.full_like(v, 0.94)
    elif name == "improve_content":
        r_new = r + 0.3 * np.maximum(0.0, 0.6 - r)
        lift = np.where(r > 0, (r_new / np.maximum(r, 1e-9)) ** 0.3, 1.0)
        viewers = v * lift
        gifting_viewers = viewers
        stream_mult = np.full_like(v, 0.93)
    elif name == "collaborate":
        bump = np.exp(-(((np.log10(np.maximum(f, 1.0)) - 4.3) / 0.6) ** 2))
        viewers = v * (1.0 + 0.6 * bump)
        gifting_viewers = viewers * 0.9  # guests keep their own gifts (E8)
        rate_mult = np.where(f >= 1000, 1.12, 1.0)  # battles need ~1k followers (E7b)
    elif name == "increase_frequency":
        spw_new = np.minimum(21.0, spw + 1.0)

    rate = (_BASE_RATE * cat_rate * (e / 0.2) ** 0.7 * (r_new / 0.375) ** 0.8) * rate_mult
    stream_hours = _effective_streams(spw_new) * stream_mult * _effective_hours(m)
    gifts = (gifting_viewers * rate + extra_gifts_per_hour) * stream_hours
    mean = np.where(eligible, gifts * MEAN_GIFT_DIAMONDS, 0.0)
    return mean, viewers, spw_new


def _all_arms(p: dict[str, np.ndarray]) -> np.ndarray:
    """Expected diamonds, shape (n, 6) in ALL_STRATEGIES order."""
    return np.column_stack([_arm(p, k)[0] for k in range(len(ALL_STRATEGIES))])


def _logits(p: dict[str, np.ndarray]) -> np.ndarray:
    z = np.log10(np.maximum(p["followers"], 1.0)) - 3.6
    e, r, spw = p["engagement_rate"], p["retention_rate"], p["streams_per_week"]
    social = np.isin(p["cat"], [_CAT_INDEX["talk"], _CAT_INDEX["music"]]).astype(float)
    lp = np.log10(1.0 + p["prior_weekly_diamonds"]) - 2.0
    cols = {
        "none": np.zeros_like(z),
        "engage_audience": -1.3 + 6.0 * (0.18 - e) + 0.4 * social,
        "promote": -1.4 + 0.5 * z - 0.15 * lp,
        "improve_content": -1.3 + 6.0 * (0.35 - r),
        "collaborate": -1.5 + 0.9 * z + 0.2 * lp,
        "increase_frequency": -0.9 - 0.45 * (spw - 3.0),
    }
    return np.column_stack([cols[s] for s in ALL_STRATEGIES])


def _propensity(p: dict[str, np.ndarray]) -> np.ndarray:
    x = _logits(p)
    x -= x.max(axis=1, keepdims=True)
    w = np.exp(x)
    soft = w / w.sum(axis=1, keepdims=True)
    k = len(ALL_STRATEGIES)
    return _PROPENSITY_FLOOR + (1.0 - k * _PROPENSITY_FLOOR) * soft


def _choose(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1).astype(np.int8)


def _draw_diamonds(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """One week of gift diamonds with E[.] = mean: NB gift count x heavy-tailed price mix."""
    mu_gifts = mean / MEAN_GIFT_DIAMONDS
    lam = mu_gifts * rng.gamma(_GIFT_SHAPE, 1.0 / _GIFT_SHAPE, size=mean.shape)
    remaining = rng.poisson(lam)
    total = np.zeros(mean.shape)
    tail = GIFT_SHARES[::-1].cumsum()[::-1]  # share of this tier and all dearer ones
    for price, share, rest in zip(GIFT_PRICES[:-1], GIFT_SHARES[:-1], tail[:-1]):
        count = rng.binomial(remaining, share / rest)
        total += count * price
        remaining = remaining - count
    total += remaining * GIFT_PRICES[-1]
    return total


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
    if isinstance(sd, bool) or not isinstance(sd, (int, float)) or not 0.0 <= sd <= 3.0:
        raise InputError("creator_effect_sd must be a number between 0 and 3", loc="creator_effect_sd",
                         expected="a number between 0 and 3 (a log-scale standard deviation)", input=sd)
    import zlib

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


# --------------------------------------------------------------------------- public: truth
def expected_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str], *,
                     creator_effect_sd: float = 0.0, effect_seed: int = 0) -> np.ndarray:
    """Noise-free expected weekly gift diamonds of each profile under ``strategy`` (the truth).

    ``strategy`` is one name from ``fields.ALL_STRATEGIES`` or one name per row.
    Uses the profile columns (``creator_id`` not needed) and ``region`` if present.
    ``creator_effect_sd`` > 0: each creator's own expectation (``creator_effects``
    of the ``creator_id`` column with ``effect_seed``), as in ``simulate_history``.
    """
    p = _profile_arrays(profiles)
    codes = _check_strategy(strategy, len(p["followers"]))
    out = np.zeros(len(codes))
    for k in np.unique(codes):
        mask = codes == k
        sub = {name: arr[mask] for name, arr in p.items()}
        out[mask] = _arm(sub, int(k))[0]
    if creator_effect_sd:
        if "creator_id" not in profiles.columns:
            raise InputError("creator effects need a creator_id column", loc="profiles",
                             expected="a DataFrame with a creator_id column", input=list(profiles.columns))
        effects = creator_effects(profiles["creator_id"].to_numpy(), creator_effect_sd, seed=effect_seed)
        out = out * np.exp(effects[np.arange(len(codes)), codes.astype(np.intp)])
    return out


def true_uplift(profiles: pd.DataFrame) -> pd.DataFrame:
    """``true_uplift_<s>`` = expected_outcome(s) - expected_outcome('none') for the 5 strategies."""
    p = _profile_arrays(profiles)
    means = _all_arms(p)
    control = means[:, ALL_STRATEGIES.index(CONTROL)]
    data = {f"{TRUTH_PREFIX}{s}": means[:, ALL_STRATEGIES.index(s)] - control for s in STRATEGIES}
    return pd.DataFrame(data, index=profiles.index if isinstance(profiles, pd.DataFrame) else None)


def true_propensity(profiles: pd.DataFrame) -> pd.DataFrame:
    """Probability that the creator picks each strategy (columns ``ALL_STRATEGIES``); rows sum to 1."""
    p = _profile_arrays(profiles)
    return pd.DataFrame(_propensity(p), columns=list(ALL_STRATEGIES),
                        index=profiles.index if isinstance(profiles, pd.DataFrame) else None)


def simulate_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str], *, seed: int = 0,
                     creator_effect_sd: float = 0.0, effect_seed: int = 0) -> np.ndarray:
    """One random week of gift diamonds per profile row under ``strategy`` (mean = expected_outcome)."""
    mean = expected_outcome(profiles, strategy, creator_effect_sd=creator_effect_sd, effect_seed=effect_seed)
    return _draw_diamonds(np.random.default_rng(seed), mean)


# --------------------------------------------------------------------------- profiles
def _initial_state(rng: np.random.Generator, n: int, minor_share: float) -> dict[str, np.ndarray]:
    log_f = np.clip(3.6 + 0.55 * rng.standard_t(5, size=n), 2.3, 7.3)
    followers = np.round(10.0**log_f)
    engagement = np.clip(rng.beta(2.0, 8.0, size=n) * np.clip(1.3 - 0.08 * log_f, 0.7, 1.2), 0.005, 0.95)
    retention = np.clip(rng.beta(3.0, 5.0, size=n), 0.05, 0.95)
    viewers = 0.22 * followers**0.45 * np.exp(rng.normal(-0.1, 0.45, size=n)) * (retention / 0.375) ** 0.3
    kind = rng.random(n)
    spw = np.where(kind < 0.90, 1.0 + rng.gamma(2.0, 1.3, size=n),
                   np.where(kind < 0.965, rng.uniform(7.0, 14.0, size=n), rng.uniform(14.0, 21.0, size=n)))
    spw = np.clip(np.round(spw * 4.0) / 4.0, 1.0, 21.0)
    minutes = np.clip(np.round(75.0 * np.exp(rng.normal(0.0, 0.5, size=n))), 15.0, 300.0)
    cat = rng.choice(len(CATEGORIES), size=n, p=_CATEGORY_P)
    region_idx = rng.choice(len(_REGIONS), size=n, p=_REGION_P)
    age = np.where(rng.random(n) < 0.08, 18, np.clip(np.round(19 + rng.gamma(2.0, 5.5, size=n)), 19, 80))
    if minor_share > 0:
        minors = rng.random(n) < minor_share
        age = np.where(minors, rng.integers(13, 18, size=n), age)
    region = _REGIONS[region_idx]
    min_age = np.where(region == "KR", 19.0, float(_DEFAULT_MIN_AGE))
    return {
        "followers": followers, "avg_viewers": viewers, "engagement_rate": engagement,
        "streams_per_week": spw, "avg_stream_minutes": minutes, "retention_rate": retention,
        "prior_weekly_diamonds": np.zeros(n), "cat": cat.astype(np.int64),
        "creator_age": age.astype(float), "min_age": min_age, "region": region,
    }


_DECIMALS = {"avg_viewers": 2, "engagement_rate": 4, "avg_stream_minutes": 1, "retention_rate": 4,
             "prior_weekly_diamonds": 2}


def _round_state(p: dict[str, np.ndarray]) -> None:
    """Round in place to the precision written out, so the frame holds exactly what drove the outcome."""
    for key, decimals in _DECIMALS.items():
        p[key] = np.round(p[key], decimals)


def _seed_prior(rng: np.random.Generator, p: dict[str, np.ndarray]) -> np.ndarray:
    """Initial prior_weekly_diamonds: mean of 4 simulated weeks under 'none'."""
    mean = _arm(p, 0)[0]
    return np.mean([_draw_diamonds(rng, mean) for _ in range(4)], axis=0)


def _frame(p: dict[str, np.ndarray], ids: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "creator_id": ids,
        "followers": p["followers"].astype(np.int64),
        "avg_viewers": p["avg_viewers"],
        "engagement_rate": p["engagement_rate"],
        "streams_per_week": p["streams_per_week"],
        "avg_stream_minutes": p["avg_stream_minutes"],
        "retention_rate": p["retention_rate"],
        "prior_weekly_diamonds": p["prior_weekly_diamonds"],
        "category": np.asarray(CATEGORIES, dtype=object)[p["cat"]],
        "creator_age": p["creator_age"].astype(np.int64),
        "region": p["region"].astype(object),
    })


def _ids(n: int) -> np.ndarray:
    width = max(6, len(str(n - 1)))
    return np.char.add("cr", np.char.zfill(np.arange(n).astype(str), width)).astype(object)


def simulate_profiles(n: int, *, seed: int = 0, minor_share: float = 0.02) -> pd.DataFrame:
    """``n`` synthetic creator profiles: the contract's profile columns plus ``region``.

    ``minor_share`` of creators are 13-17 (they may ask for advice but cannot
    earn gifts: expected income and uplift are 0). Same seed, same frame.
    """
    n = _int_arg("n", n, 1)
    if not (isinstance(minor_share, (int, float)) and 0.0 <= minor_share <= 1.0):
        raise InputError("minor_share must be a share", loc="minor_share",
                         expected="a number between 0 and 1", input=minor_share)
    rng = np.random.default_rng(seed)
    p = _initial_state(rng, n, float(minor_share))
    _round_state(p)
    p["prior_weekly_diamonds"] = _seed_prior(rng, p)
    _round_state(p)
    return _frame(p, _ids(n))


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
    try:
        start = pd.Timestamp(start_week)
    except (ValueError, TypeError) as exc:
        raise InputError("start_week is not a date", loc="start_week",
                         expected="an ISO date (YYYY-MM-DD) of a Monday", input=start_week) from exc
    if start.day_of_week != 0:
        raise InputError("start_week must be a Monday", loc="start_week",
                         expected="an ISO date (YYYY-MM-DD) of a Monday", input=start_week)
    rng = np.random.default_rng(seed)
    n = creators
    effects = creator_effects(_ids(n), creator_effect_sd, seed=seed) if creator_effect_sd else None
    p = _initial_state(rng, n, 0.0)  # no minors on LIVE (E1)
    _round_state(p)
    p["prior_weekly_diamonds"] = _seed_prior(rng, p)

    v_buf = np.tile(p["avg_viewers"], (4, 1))
    s_buf = np.tile(p["streams_per_week"], (4, 1))
    g_buf = np.tile(p["prior_weekly_diamonds"], (4, 1))
    habit = p["streams_per_week"].copy()
    e_bar, r_bar, m_bar = p["engagement_rate"].copy(), p["retention_rate"].copy(), p["avg_stream_minutes"].copy()

    keys = ("followers", "avg_viewers", "engagement_rate", "streams_per_week", "avg_stream_minutes",
            "retention_rate", "prior_weekly_diamonds")
    rec = {k: np.empty((weeks, n)) for k in (*keys, "gift", "likes", "comments", "new_followers")}
    strat = np.empty((weeks, n), dtype=np.int8)
    arms = range(len(ALL_STRATEGIES))
    for t in range(weeks):
        p["avg_viewers"] = v_buf.mean(axis=0)
        p["streams_per_week"] = s_buf.mean(axis=0)
        p["prior_weekly_diamonds"] = g_buf.mean(axis=0)
        _round_state(p)
        for k in keys:
            rec[k][t] = p[k]
        code = _choose(rng, _propensity(p))
        strat[t] = code
        results = [_arm(p, k) for k in arms]
        mean = np.choose(code, [r[0] for r in results])
        if effects is not None:
            mean = mean * np.exp(np.take_along_axis(effects, code[:, None].astype(np.intp), axis=1)[:, 0])
        viewers = np.choose(code, [r[1] for r in results])
        spw_s = np.choose(code, [r[2] for r in results])
        gift = _draw_diamonds(rng, mean)

        hours = viewers * spw_s * p["avg_stream_minutes"] / 60.0
        e = p["engagement_rate"]
        likes = rng.poisson(hours * e * 40.0 * rng.gamma(2.0, 0.5, size=n))
        comments = rng.poisson(hours * e * 1.5 * rng.gamma(2.0, 0.5, size=n))
        boost = np.where(code == ALL_STRATEGIES.index("promote"), 1.6,
                         np.where(code == ALL_STRATEGIES.index("collaborate"), 1.4, 1.0))
        new_f = rng.poisson(p["followers"] * 0.002 * boost + hours * 0.03 * (0.5 + e))
        rec["gift"][t], rec["likes"][t], rec["comments"][t], rec["new_followers"][t] = gift, likes, comments, new_f

        # the state the next week starts from
        growth = (p["followers"] + new_f) / np.maximum(p["followers"], 1.0)
        v_week = viewers * growth**0.45 * np.exp(rng.normal(-0.005, 0.1, size=n))
        streams = np.clip(np.round(habit + np.where(code == ALL_STRATEGIES.index("increase_frequency"), 1.0, 0.0)
                                   + rng.normal(0.0, 0.5, size=n)), 1.0, 21.0)
        v_buf = np.vstack([v_buf[1:], v_week])
        s_buf = np.vstack([s_buf[1:], streams])
        g_buf = np.vstack([g_buf[1:], gift])
        p["followers"] = p["followers"] + new_f
        e_bar = e_bar + np.where(code == ALL_STRATEGIES.index("engage_audience"), 0.1 * np.maximum(0.0, 0.3 - e_bar), 0.0)
        r_bar = r_bar + np.where(code == ALL_STRATEGIES.index("improve_content"), 0.1 * np.maximum(0.0, 0.6 - r_bar), 0.0)
        p["engagement_rate"] = np.clip(e + 0.3 * (e_bar - e) + rng.normal(0.0, 0.01, size=n), 0.001, 0.99)
        r = p["retention_rate"]
        p["retention_rate"] = np.clip(r + 0.3 * (r_bar - r) + rng.normal(0.0, 0.01, size=n), 0.03, 0.99)
        p["avg_stream_minutes"] = np.clip(m_bar * np.exp(rng.normal(0.0, 0.06, size=n)), 15.0, 300.0)

    def flat(a: np.ndarray) -> np.ndarray:  # (weeks, n) -> creator-major rows
        return a.T.reshape(-1)

    ids = np.repeat(_ids(n), weeks)
    week_dates = (start + pd.to_timedelta(7 * np.arange(weeks), unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)
    cat = np.repeat(p["cat"], weeks)
    frame = pd.DataFrame({
        "creator_id": ids,
        "followers": flat(rec["followers"]).astype(np.int64),
        "avg_viewers": flat(rec["avg_viewers"]),
        "engagement_rate": flat(rec["engagement_rate"]),
        "streams_per_week": flat(rec["streams_per_week"]),
        "avg_stream_minutes": flat(rec["avg_stream_minutes"]),
        "retention_rate": flat(rec["retention_rate"]),
        "prior_weekly_diamonds": flat(rec["prior_weekly_diamonds"]),
        "category": np.asarray(CATEGORIES, dtype=object)[cat],
        "creator_age": np.repeat(p["creator_age"], weeks).astype(np.int64),
        "strategy": np.asarray(ALL_STRATEGIES, dtype=object)[flat(strat)],
        "gift_diamonds": flat(rec["gift"]),
        "week": np.tile(week_dates, n),
        "region": np.repeat(p["region"], weeks).astype(object),
        "likes": flat(rec["likes"]),
        "comments": flat(rec["comments"]),
        "new_followers": flat(rec["new_followers"]),
    })
    if with_truth:  # the same numbers as true_uplift(frame), without re-reading the frame
        rows = {k: flat(rec[k]) for k in keys}
        rows.update(cat=cat, creator_age=np.repeat(p["creator_age"], weeks), min_age=np.repeat(p["min_age"], weeks))
        means = _all_arms(rows)
        control = means[:, ALL_STRATEGIES.index(CONTROL)]
        for s in STRATEGIES:
            frame[f"{TRUTH_PREFIX}{s}"] = means[:, ALL_STRATEGIES.index(s)] - control
        if effects is not None:
            for name, values in _personal_truth(means, np.repeat(effects, weeks, axis=0)).items():
                frame[name] = values
    return frame
