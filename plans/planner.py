"""The weekly loop, as functions the CLI, the HTTP service and a batch job call.

    init_store(db, history, recommender)      load histories, fit the hyper-parameters
    record_weeks(store, results)              add observed weeks (idempotent per creator-week)
    next_picks(store, recommender, ...)       next week's pick per creator (stored: asking again = same answer)
    creator_view(store, recommender, id)      posterior beside the population answer, and the weeks

The population answer always comes from the ``Recommender`` passed in
(``recommend_frame``: uplift, 80% interval, rules-allowed), at the profile
of the creator's latest recorded week.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..data.contract import ReadResult
from ..data.fields import ALL_STRATEGIES, PROFILE_COLUMNS, STRATEGIES
from ..errors import InputError
from . import policy as pol
from .posterior import K, Hyper, Posterior, Prior, fit_hyper, posterior, prior_from_population, weekly_sums
from .reasons import reasons, spread_note
from .store import WEEK_FIELDS, Store, now, picks_table, weeks_table

__all__ = ["InitSummary", "RecordSummary", "CreatorView", "init_store", "record_weeks", "next_picks",
           "creator_view", "PICK_COLUMNS"]

PICK_COLUMNS = ("creator_id", "week", "strategy", "expected_uplift", "low", "high", "reason", "own_weeks",
                "chance_best", "policy")
CHUNK = 20_000
POSTERIOR_MODEL = "baseline-ratio-normal-v2"
"""Which posterior the stored hyper-parameters belong to (posterior.py); another one is refused."""
_TEXT = {"creator_id", "week", "strategy", "category", "region"}
_PROFILE = tuple(c.name for c in PROFILE_COLUMNS)


@dataclass(frozen=True)
class InitSummary:
    creators: int
    weeks: int
    hyper: Hyper
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RecordSummary:
    added: int
    already: int
    creators: int


@dataclass(frozen=True)
class CreatorView:
    creator_id: str
    week: str  # the week the posterior is for (latest recorded + 7 days)
    table: pd.DataFrame  # per strategy: population and personal uplift, intervals, own weeks, allowed, rules
    weeks: pd.DataFrame  # the creator's recorded weeks
    synthetic_model: bool


# --------------------------------------------------------------------------- rows in
def _rows(result: ReadResult) -> tuple[pd.DataFrame, str | None]:
    """Contract-validated rows -> store rows (needs ``week``), and a note on repeated creator-weeks
    (the same values: kept once; different values: refused)."""
    df = result.frame
    if "week" not in df.columns:
        raise InputError("missing column 'week'", loc=result.source,
                         expected="a week column (ISO date of the week's Monday): the plan store keys weeks by it")
    out = pd.DataFrame({name: df[name] for name in _PROFILE})
    out["creator_id"] = out["creator_id"].astype(str)
    out["category"] = out["category"].astype(str)
    out["week"] = pd.to_datetime(df["week"]).dt.strftime("%Y-%m-%d")
    out["strategy"] = df["strategy"].astype(str)
    out["gift_diamonds"] = df["gift_diamonds"].astype(float)
    out["region"] = df["region"].astype(object).where(df["region"].notna(), None) if "region" in df else None
    out, dropped = _dedupe(out, result.source)
    return out.sort_values(["creator_id", "week"], kind="stable").reset_index(drop=True), dropped


def _dedupe(out: pd.DataFrame, source: str) -> tuple[pd.DataFrame, str | None]:
    """Repeated creator-weeks: with the same values counted once (as recording a week twice is), and a
    note naming them; with different values refused, naming both rows."""
    dup = out.duplicated(["creator_id", "week"], keep=False)
    if not dup.any():
        return out, None
    rows = np.flatnonzero(dup.to_numpy())
    clash = out.iloc[rows].drop_duplicates(keep="first").duplicated(["creator_id", "week"], keep=False)
    if clash.any():
        c, w = out.loc[clash.index[clash.to_numpy()][0], ["creator_id", "week"]]
        same = np.flatnonzero(((out["creator_id"] == c) & (out["week"] == w)).to_numpy()) + 1
        raise InputError("the same creator-week appears twice with different values",
                         loc=f"{source}: rows {', '.join(map(str, same))}",
                         expected="one row per (creator_id, week): remove or correct one of them",
                         input=f"creator {c}, week {w}")
    extra = np.flatnonzero(out.duplicated(["creator_id", "week"], keep="first").to_numpy()) + 1
    named = ", ".join(f"row {r} (creator {out['creator_id'].iloc[r - 1]}, week {out['week'].iloc[r - 1]})"
                      for r in extra[:5]) + (f" and {len(extra) - 5:,} more" if len(extra) > 5 else "")
    note = (f"{len(extra):,} repeated creator-week row(s) in {source} with the same values were counted once: "
            f"{named}")
    return out.drop_duplicates(["creator_id", "week"]), note


def _read_weeks(conn: Any, creator_ids: list[str] | None = None, lo: str | None = None,
                hi: str | None = None) -> pd.DataFrame:
    q = sa.select(*[weeks_table.c[f] for f in WEEK_FIELDS])  # columns built below: faster than rows -> frame
    if creator_ids is not None:
        q = q.where(weeks_table.c.creator_id.in_(creator_ids))
    if lo is not None:
        q = q.where(weeks_table.c.creator_id >= lo, weeks_table.c.creator_id <= hi)
    rows = conn.execute(q.order_by(weeks_table.c.creator_id, weeks_table.c.week)).all()
    columns = list(zip(*rows)) if rows else [()] * len(WEEK_FIELDS)
    return pd.DataFrame({f: np.asarray(col, dtype=object if f in _TEXT else float)
                         for f, col in zip(WEEK_FIELDS, columns)})


# --------------------------------------------------------------------------- population prior
def _base(rec: Any, rows: pd.DataFrame) -> np.ndarray:
    """Each week's population baseline B_t (diamonds, >= K) at the profile it was played with.

    The population model's fitted income level (``UpliftRanker.scale_of``: level model + its offset);
    a model without one gives ``prior_weekly_diamonds`` + K.
    """
    ranker = getattr(getattr(rec, "model", None), "ranker", None)
    if len(rows) and ranker is not None and hasattr(ranker, "scale_of"):
        base = np.asarray(ranker.scale_of(rows[list(_PROFILE)]), dtype=float)
    else:
        base = rows["prior_weekly_diamonds"].to_numpy(dtype=float) + K
    return np.maximum(base, K)


def _population(rec: Any, latest: pd.DataFrame) -> tuple[Prior, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Prior (n, 5), rules-allowed mask and the rules' (ids, reason) per strategy, from the Recommender
    at each creator's latest profile."""
    cols = list(_PROFILE) + (["region"] if "region" in latest and latest["region"].notna().all() else [])
    long = rec.recommend_frame(latest[cols].reset_index(drop=True), source="plan store (latest weeks)")
    k = len(long) // max(len(latest), 1)  # rows per profile: the long table's options ('none' and the strategies)
    order = [list(long["strategy"].iloc[:k].astype(str)).index(s) for s in STRATEGIES]

    def grid(name: str, dtype: Any = float) -> np.ndarray:
        return long[name].to_numpy(dtype=dtype).reshape(-1, k)[:, order]

    prior = prior_from_population(_base(rec, latest), grid("uplift_diamonds"),
                                  grid("uplift_low"), grid("uplift_high"))
    allowed = grid("allowed", bool)
    return prior, allowed, (grid("rule_ids", object), grid("reason", object))


def _latest(weeks: pd.DataFrame) -> pd.DataFrame:
    return weeks.groupby("creator_id", sort=True).tail(1).reset_index(drop=True)


# --------------------------------------------------------------------------- init / record
def init_store(db: str, history: ReadResult, rec: Any, *, seed: int = 0, policy: str = "greedy",
               horizon: int = 12, spread: float | None = None) -> tuple[Store, InitSummary]:
    """Create the store at ``db`` with ``history`` (validated), fit and save the hyper-parameters.

    ``spread`` (h, a relative sd) replaces the creator-to-creator spread estimated from the
    history, for when a bigger history or experience says how much creators differ.
    """
    if spread is not None and not (0.0 <= spread <= 3.0):
        raise InputError("spread out of range", loc="--spread", input=spread,
                         expected="a relative standard deviation between 0 and 3 (0.5 = creators' effects differ by ~50%)")
    if policy not in pol.POLICIES:
        raise InputError("unknown policy", loc="--policy", input=policy, expected=" or ".join(pol.POLICIES))
    rows, repeated = _rows(history)
    latest = _latest(rows)
    prior, _, _ = _population(rec, latest)
    hyper = fit_hyper(rows, _base(rec, rows), prior)
    if spread is not None:
        hyper = replace(hyper, het_var=float(spread) ** 2, het_log=float(np.log1p(float(spread) ** 2)))
    store = Store.open(db, create=True)
    with store.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(weeks_table)).scalar_one():
            raise InputError("this plan store already holds weeks", loc="--db",
                             expected="a new store for `plan init`; add weeks to this one with `livelift plan record`")
        _insert_weeks(conn, rows)
        store.put_settings(conn, {"hyper": hyper.to_dict(), "posterior_model": POSTERIOR_MODEL,
                                  "seed": int(seed), "policy": policy,
                                  "horizon": int(horizon), "initialised_at": now()})
    notes = list(history.notes) + ([repeated] if repeated else [])
    if spread is None:
        notes.append(spread_note(hyper))
    return store, InitSummary(int(rows["creator_id"].nunique()), len(rows), hyper, tuple(notes))


def _insert_weeks(conn: Any, rows: pd.DataFrame) -> None:
    stamp = now()
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    for r in records:
        r["recorded_at"] = stamp
    for i in range(0, len(records), 10_000):
        conn.execute(sa.insert(weeks_table), records[i:i + 10_000])


def record_weeks(store: Store, result: ReadResult) -> RecordSummary:
    """Add observed weeks in one transaction: all or nothing.

    A creator-week already in the store (or repeated in the file) with the
    same values is skipped and counted in ``already`` (recording twice is
    harmless); with other values it is refused, naming the row, and nothing
    from the file is written.
    """
    rows, _ = _rows(result)
    repeated = len(result.frame) - len(rows)  # the same week twice in the file: recorded once, like twice in a row
    for attempt in range(3):
        try:
            with store.begin() as conn:
                done = _record(conn, rows, result.source)
                return replace(done, already=done.already + repeated)
        except sa.exc.IntegrityError:  # a concurrent writer added one of these weeks first: look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _record(conn: Any, rows: pd.DataFrame, source: str) -> RecordSummary:
    ids = sorted(rows["creator_id"].unique())
    existing = pd.concat([_read_weeks(conn, ids[i:i + 1000]) for i in range(0, len(ids), 1000)], ignore_index=True)
    already = 0
    if len(existing):
        merged = rows.reset_index().merge(existing, on=["creator_id", "week"], suffixes=("", "_old"))
        for _, m in merged.iterrows():
            diff = [f for f in WEEK_FIELDS if f not in ("creator_id", "week") and not _same(m[f], m[f + "_old"])]
            if diff:
                raise InputError(f"week already recorded with other values ({', '.join(diff)})",
                                 loc=f"{source}: creator {m['creator_id']}, week {m['week']}",
                                 expected="the values recorded before (a recorded week is never overwritten)",
                                 input={f: m[f] for f in diff})
        already = len(merged)
        keep = ~rows.set_index(["creator_id", "week"]).index.isin(merged.set_index(["creator_id", "week"]).index)
        rows = rows[keep]
    if len(rows):
        _insert_weeks(conn, rows)
    return RecordSummary(len(rows), already, len(ids))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None or (isinstance(a, float) and np.isnan(a)):
        return (a is None or a != a) and (b is None or b != b)
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-9))
    return str(a) == str(b)


# --------------------------------------------------------------------------- the posterior for a chunk
def _settings(store: Store) -> tuple[Hyper, dict]:
    s = store.settings()
    if "hyper" not in s:
        raise InputError("this plan store was never initialised", loc="--db",
                         expected="a store made by `livelift plan init HISTORY --db ...`")
    if s.get("posterior_model") != POSTERIOR_MODEL:
        raise InputError("this plan store's hyper-parameters were fitted for another posterior model",
                         loc="--db", input=s.get("posterior_model"),
                         expected=f"a store made by this livelift ({POSTERIOR_MODEL}): run `livelift plan init` again")
    return Hyper.from_dict(s["hyper"]), s


def _posterior_for(rec: Any, weeks: pd.DataFrame, hyper: Hyper) -> tuple[pd.DataFrame, Prior, np.ndarray, Posterior, Any]:
    """Latest weeks, prior, allowed mask, posterior, and the rules' (ids, reasons) per strategy."""
    latest = _latest(weeks)
    creators = latest["creator_id"].to_numpy().astype(str)
    prior, allowed, rules = _population(rec, latest)
    W, WZ = weekly_sums(weeks, _base(rec, weeks), creators, hyper)
    counts = np.zeros((len(creators), len(ALL_STRATEGIES)), dtype=int)
    ci = np.searchsorted(creators, weeks["creator_id"].to_numpy().astype(str))
    ai = pd.Categorical(weeks["strategy"], categories=list(ALL_STRATEGIES)).codes
    np.add.at(counts, (ci, ai), 1)
    return latest, prior, allowed, posterior(prior, hyper, W, WZ, counts), rules


def _next_week(latest_week: pd.Series, week: date | None) -> np.ndarray:
    if week is not None:
        return np.full(len(latest_week), week.isoformat(), dtype=object)
    return (pd.to_datetime(latest_week) + timedelta(days=7)).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)


# --------------------------------------------------------------------------- next
def next_picks(store: Store, rec: Any, *, creator: str | None = None, week: date | None = None) -> pd.DataFrame:
    """Next week's pick for every creator (or one), reusing picks already stored for that week."""
    hyper, settings = _settings(store)
    frames = [_next_chunk(store, rec, hyper, settings, weeks, week) for weeks in _chunks(store, creator)]
    if not frames:
        if creator is not None:
            raise InputError("no recorded weeks for this creator", loc="--creator", input=creator,
                             expected="a creator_id with at least one week in the store (add it with `plan record`)")
        return pd.DataFrame(columns=list(PICK_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _chunks(store: Store, creator: str | None) -> Iterator[pd.DataFrame]:
    with store.engine.connect() as conn:
        if creator is not None:
            weeks = _read_weeks(conn, [creator])
            conn.rollback()
            if len(weeks):
                yield weeks
            return
        ids = [r[0] for r in conn.execute(sa.select(weeks_table.c.creator_id).distinct().order_by(weeks_table.c.creator_id))]
        conn.rollback()
    for i in range(0, len(ids), CHUNK):
        block = ids[i:i + CHUNK]
        with store.engine.connect() as conn:
            weeks = _read_weeks(conn, lo=block[0], hi=block[-1])
            conn.rollback()
        yield weeks


def _stored(conn: Any, creators: np.ndarray, weeks: np.ndarray) -> pd.DataFrame:
    cols = [c.name for c in picks_table.columns if c.name != "created_at"]
    got = []
    for w in np.unique(weeks):
        ids = creators[weeks == w].tolist()
        for i in range(0, len(ids), 5000):
            q = sa.select(*[picks_table.c[c] for c in cols]).where(picks_table.c.week == w,
                                                                     picks_table.c.creator_id.in_(ids[i:i + 5000]))
            got.extend(conn.execute(q).all())
    return pd.DataFrame(got, columns=cols)


def _next_chunk(store: Store, rec: Any, hyper: Hyper, settings: dict, weeks: pd.DataFrame,
                week: date | None) -> pd.DataFrame:
    last = _latest(weeks)
    target = _next_week(last["week"], week)
    with store.engine.connect() as conn:
        old = _stored(conn, last["creator_id"].to_numpy().astype(str), target)
        conn.rollback()
    if len(old):  # picks already made for these weeks are returned as they were: compute only the rest
        done = set(old["creator_id"])
        todo = ~last["creator_id"].isin(done).to_numpy()
        if not todo.any():
            return old.sort_values("creator_id", kind="stable").reset_index(drop=True)[list(PICK_COLUMNS)]
        weeks = weeks[weeks["creator_id"].isin(set(last["creator_id"][todo]))]
        week_of = dict(zip(last["creator_id"], target))
    latest, prior, allowed, post, _ = _posterior_for(rec, weeks, hyper)
    creators = latest["creator_id"].to_numpy().astype(str)
    target = np.array([week_of[c] for c in creators], dtype=object) if len(old) else target
    keys = [f"{c}|{w}" for c, w in zip(creators, target)]
    sigma2 = hyper.sigma2(prior.scale)
    picks = pol.choose(post, prior, sigma2, allowed, keys, seed=int(settings.get("seed", 0)),
                       policy=str(settings.get("policy", "greedy")), horizon=int(settings.get("horizon", 12)))
    rows = np.arange(len(creators))
    a5 = np.clip(picks.arm - 1, 0, len(STRATEGIES) - 1)
    is_none = picks.arm == 0
    up = np.where(is_none, 0.0, post.uplift[rows, a5])
    lo = np.where(is_none, 0.0, post.low[rows, a5])
    hi = np.where(is_none, 0.0, post.high[rows, a5])
    own = post.weeks.sum(axis=1)
    own_arm = post.weeks[rows, picks.arm]
    text = reasons(picks, up, lo, hi, own, own_arm, synthetic=bool(getattr(rec, "is_synthetic", True)))
    fresh = pd.DataFrame({
        "creator_id": creators, "week": target,
        "strategy": np.asarray(ALL_STRATEGIES, dtype=object)[picks.arm],
        "expected_uplift": up, "low": lo, "high": hi, "reason": text,
        "own_weeks": own.astype(int), "chance_best": picks.p_best,
        "policy": str(settings.get("policy", "greedy")),
    })
    return _store_picks(store, fresh)[list(PICK_COLUMNS)]


def _store_picks(store: Store, fresh: pd.DataFrame) -> pd.DataFrame:
    """Insert picks not stored yet; return the stored ones (old picks win: same week, same answer)."""
    creators = fresh["creator_id"].to_numpy().astype(str)
    weeks = fresh["week"].to_numpy()
    for attempt in range(3):
        try:
            with store.begin() as conn:
                old = _stored(conn, creators, weeks)
                have = set(zip(old["creator_id"], old["week"])) if len(old) else set()
                new = fresh[[(c, w) not in have for c, w in zip(creators, weeks)]]
                if len(new):
                    recs = new.to_dict("records")
                    stamp = now()
                    for r in recs:
                        r["created_at"] = stamp
                    for i in range(0, len(recs), 10_000):
                        conn.execute(sa.insert(picks_table), recs[i:i + 10_000])
            break
        except sa.exc.IntegrityError:  # another `next` stored some of them first: take theirs
            if attempt == 2:
                raise
    out = pd.concat([old, new], ignore_index=True) if len(old) else new.copy()
    return out.sort_values("creator_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- show
def creator_view(store: Store, rec: Any, creator_id: str) -> CreatorView:
    hyper, _ = _settings(store)
    with store.engine.connect() as conn:
        weeks = _read_weeks(conn, [creator_id])
        conn.rollback()
    if weeks.empty:
        raise InputError("no recorded weeks for this creator", loc="--creator", input=creator_id,
                         expected="a creator_id with at least one week in the store")
    latest, prior, allowed, post, (rule_ids, rule_reasons) = _posterior_for(rec, weeks, hyper)
    pop_up = prior.scale[:, None] * (prior.mean)
    pop_lo = prior.scale[:, None] * (prior.mean - prior.below)
    pop_hi = prior.scale[:, None] * (prior.mean + prior.above)
    table = pd.DataFrame({
        "strategy": list(STRATEGIES),
        "allowed": allowed[0],
        "population_uplift": pop_up[0], "population_low": pop_lo[0], "population_high": pop_hi[0],
        "personal_uplift": post.uplift[0], "personal_low": post.low[0], "personal_high": post.high[0],
        "own_weeks": post.weeks[0, 1:],
        "rule_ids": [str(i) if i == i else "" for i in rule_ids[0]],  # the rules behind each (blocking ones too)
        "reason": [str(r) if r == r else "" for r in rule_reasons[0]],
    })
    return CreatorView(str(creator_id), _next_week(latest["week"], None)[0], table,
                       weeks[["week", "strategy", "gift_diamonds", "prior_weekly_diamonds"]],
                       bool(getattr(rec, "is_synthetic", True)))
