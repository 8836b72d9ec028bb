"""The simulated creator world behind ``simulate``: constants, profiles, the mean model, the truth.

A SIMULATION, not TikTok data; every assumption is listed in ``simulate``'s
docstring. ``simulate`` holds the public API and the week-by-week history.
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


# --------------------------------------------------------------------------- public: truth
def expected_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str]) -> np.ndarray:
    """Noise-free expected weekly gift diamonds of each profile under ``strategy`` (the truth).

    ``strategy`` is one name from ``fields.ALL_STRATEGIES`` or one name per row.
    Uses the profile columns (``creator_id`` not needed) and ``region`` if present.
    """
    p = _profile_arrays(profiles)
    codes = _check_strategy(strategy, len(p["followers"]))
    out = np.zeros(len(codes))
    for k in np.unique(codes):
        mask = codes == k
        sub = {name: arr[mask] for name, arr in p.items()}
        out[mask] = _arm(sub, int(k))[0]
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


def simulate_outcome(profiles: pd.DataFrame, strategy: str | Sequence[str], *, seed: int = 0) -> np.ndarray:
    """One random week of gift diamonds per profile row under ``strategy`` (mean = expected_outcome)."""
    mean = expected_outcome(profiles, strategy)
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
