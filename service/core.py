"""The service's core: rules + model -> typed answers (Recommender, RulesService).

The CLI (``cli.py``), the HTTP app (``web/``) and the Python API
(``livelift.Recommender``) all call :class:`Recommender` (or its rules half,
:class:`RulesService`, for facts, earnings and explanations, which need no
model), so the same profile gets the same answer everywhere. Nothing here imports click, FastAPI or
pydantic: inputs are validated by ``contract.py``, outputs are the frozen
dataclasses of ``domain.py``.

Single profiles run through the durable-rules engine (the reference
evaluator, which also explains itself); batches run through the vectorized
evaluator compiled from the same rule data (a property test keeps the two in
agreement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..advice import answers
from ..data.contract import parse_profile
from ..advice.answers import LONG_TABLE_COLUMNS, predicted_arrays
from ..advice.ranking import OPTIONS, STATUSES
from ..advice.verdict import intervals_calibrated
from ..data.plain import nan_if_none
from ..domain import EarningsEstimate, Fact, ModelSummary, Profile, Recommendation
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Recommender", "RulesService", "facts", "earnings", "SYNTHETIC_NOTE", "LONG_TABLE_COLUMNS"]

SYNTHETIC_NOTE = (
    "Uplift estimates come from a model trained on SIMULATED history (livelift's own simulator), "
    "not on real TikTok data: treat them as illustrations. Train on your own history with "
    "`livelift train HISTORY -o MODEL` and pass --model MODEL."
)

_DIAMOND_USD_PARAM = "diamond_usd"


class RulesService:
    """The rules half of the service: facts, earnings, explanations (no model is loaded).

    ``livelift facts``, ``earnings`` and ``rules explain`` use this directly;
    :class:`Recommender` extends it with the uplift model, so both answer
    these questions the same way.
    """

    def __init__(self, ruleset: Any, engine: Any = None) -> None:
        self.ruleset = ruleset
        self._engine = engine

    @staticmethod
    def load_rules(rules_dirs: Iterable[str | Path] | str | Path | None = None) -> "RulesService":
        """The shipped rules plus ``rules_dirs``; raises RuleFileError with what to fix."""
        from ..rules import load_ruleset

        return RulesService(load_ruleset(() if rules_dirs is None else rules_dirs))

    @property
    def engine(self) -> Any:
        """The durable-rules engine (built on first use: a few ms, and never for facts or earnings)."""
        if self._engine is None:
            from ..rules import DurableEngine

            self._engine = DurableEngine(self.ruleset)
        return self._engine

    @property
    def notices(self) -> tuple[str, ...]:
        """Things the user should know about the loaded setup (e.g. rule overrides)."""
        return tuple(getattr(self.ruleset, "notices", ()))

    def facts(self) -> tuple[Fact, ...]:
        """The monetization facts, each with id, text and sources."""
        return tuple(self.ruleset.facts())

    def earnings(self, diamonds: float | None = None, coins: float | None = None) -> EarningsEstimate:
        """Diamonds or coins -> estimated USD, with the parameters used and their sources."""
        return self.ruleset.earnings(diamonds=diamonds, coins=coins)

    def diamond_usd(self) -> float:
        return float(self.ruleset.parameters[_DIAMOND_USD_PARAM].value)

    def explain(self, profile: Profile | Mapping[str, Any]) -> Any:
        """Which rules fired for ``profile`` and what they allowed or blocked (rules only)."""
        return self.engine.evaluate(_as_profile(profile))


class Recommender(RulesService):
    """Rules + uplift model: recommendations, facts, earnings, explanations.

    Build one with :meth:`load` (shipped rules and model by default). The
    constructor only stores its collaborators, so tests can pass small real
    parts. Safe to call from several threads at once: the durable-rules
    engine serializes itself with a lock, the model is read-only.
    """

    def __init__(self, ruleset: Any, engine: Any, model: Any, *, vectorized: Any = None) -> None:
        super().__init__(ruleset, engine)
        self.model = model  # persistence.LoadedModel: .ranker, .card, .path
        self._vectorized = vectorized

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        model_path: str | Path | None = None,
        rules_dirs: Iterable[str | Path] | str | Path | None = None,
        rules: Iterable[str | Path] | str | Path | None = None,
    ) -> "Recommender":
        """Load rules and model; raises RuleFileError / ModelError with what to do.

        ``path`` (or ``model_path``) is a model file written by ``livelift
        train``; None means the shipped default. ``rules_dirs`` (or ``rules``)
        adds user rule folders that extend or override the shipped rules.
        """
        from ..recommender.persistence import load_model
        from ..rules import DurableEngine

        ruleset = RulesService.load_rules(rules_dirs if rules_dirs is not None else rules).ruleset
        model = load_model(path if path is not None else model_path)
        return cls(ruleset, DurableEngine(ruleset), model)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the rules and the model only (for shipping to Dask workers, ``cluster/``).

        The durable-rules engine is process-local and the vectorized evaluator is
        rebuilt on first use, so a copy on a worker scores batches exactly as here.
        """
        from dataclasses import fields

        rules = {f.name: getattr(self.ruleset, f.name) for f in fields(self.ruleset) if f.init}
        rules = {k: dict(v) if isinstance(v, Mapping) else v for k, v in rules.items()}
        return (_rebuild_recommender, (type(self), type(self.ruleset), rules, self.model))

    def recommend_dataset(self, dataset: str, out_dir: str, *, scheduler: str | None = None,
                          skip_bad_rows: bool = False, progress: Any = None) -> Any:
        """The long table of every profile in ``dataset`` (files, folder, glob; local or fsspec URL),
        scored on a Dask cluster and written as the Parquet dataset ``out_dir``.

        Without ``scheduler`` a LocalCluster sized to this machine is started. See
        :func:`livelift.cluster.score_dataset` (needs the ``livelift[dask]`` extra).
        """
        from ..cluster import score_dataset

        return score_dataset(self, dataset, out_dir, scheduler=scheduler, skip_bad_rows=skip_bad_rows, progress=progress)

    @property
    def vectorized(self) -> Any:
        if self._vectorized is None:
            from ..rules import VectorizedEvaluator

            self._vectorized = VectorizedEvaluator(self.ruleset)
        return self._vectorized

    # ------------------------------------------------------------------ info
    @property
    def is_synthetic(self) -> bool:
        return bool(self.model.card.get("synthetic", True))

    @property
    def model_summary(self) -> ModelSummary:
        card = self.model.card
        data = card.get("training_data", {}) or {}
        synthetic = self.is_synthetic
        return ModelSummary(
            name=Path(str(self.model.path)).name,
            synthetic=synthetic,
            created=str(card.get("created", "")),
            trained_rows=int(data.get("rows", 0) or 0),
            interval=float(card.get("interval", getattr(self.model.ranker, "interval", 0.8))),
            note=SYNTHETIC_NOTE if synthetic else "Trained on history supplied by the user.",
            calibrated=intervals_calibrated(card, self.model.ranker),
        )

    def model_card(self) -> dict[str, Any]:
        """The model card (JSON-able): provenance, versions, data summary, metrics."""
        return dict(self.model.card)

    # ------------------------------------------------------------------ one profile
    def recommend(self, profile: Profile | Mapping[str, Any]) -> Recommendation:
        """The plain verdict and every option for one profile, ranked (see ``livelift.advice``)."""
        prof = _as_profile(profile)
        evaluation = self.engine.evaluate(prof)
        pred = self.model.ranker.predict_uplift(_profiles_frame([prof]))
        return self._answer(prof, evaluation, predicted_arrays(pred))

    def recommend_many(self, profiles: Sequence[Profile | Mapping[str, Any]]) -> list[Recommendation]:
        """:meth:`recommend` for several profiles, with one model call."""
        profs = [_as_profile(p, source=f"profiles[{i}]") for i, p in enumerate(profiles)]
        if not profs:
            return []
        arrays = predicted_arrays(self.model.ranker.predict_uplift(_profiles_frame(profs)))
        evaluations = self.engine.evaluate_many(profs)  # durable assert_facts in chunks: same answers, faster
        return [
            self._answer(p, ev, tuple(a[i : i + 1] for a in arrays))
            for i, (p, ev) in enumerate(zip(profs, evaluations))
        ]

    def _answer(self, prof: Profile, evaluation: Any, predicted: tuple) -> Recommendation:
        notes = list(self.notices) + ([SYNTHETIC_NOTE] if self.is_synthetic else [])
        return answers.recommendation(
            prof, evaluation, predicted, model=self.model_summary, usd_per_diamond=self.diamond_usd(), notes=notes
        )

    def recommendations_table(self, recs: Sequence[Recommendation]) -> "pd.DataFrame":
        """The long table (``LONG_TABLE_COLUMNS``) of recommendations already made: no recomputation."""
        import pandas as pd

        rows = [
            (r.profile.creator_id, a)
            for r in recs
            for a in sorted(r.strategies, key=lambda a: OPTIONS.index(a.strategy))
        ]
        column = {
            "creator_id": [cid for cid, _ in rows],
            "strategy": pd.Categorical([a.strategy for _, a in rows], categories=OPTIONS),
            "rank": pd.array([a.rank for _, a in rows], dtype="Int8"),
            "status": pd.Categorical([a.status for _, a in rows], categories=list(STATUSES)),
            "uplift_diamonds": [nan_if_none(a.uplift_diamonds) for _, a in rows],
            "uplift_low": [nan_if_none(a.uplift_low) for _, a in rows],
            "uplift_high": [nan_if_none(a.uplift_high) for _, a in rows],
            "uplift_usd": [nan_if_none(a.uplift_usd) for _, a in rows],
            "allowed": [a.allowed for _, a in rows],
            "extrapolation": [a.extrapolation for _, a in rows],
            "implausible": [a.implausible for _, a in rows],
            "rule_ids": [";".join(a.rule_ids) for _, a in rows],
            "reason": [" ".join(a.reasons) for _, a in rows],
        }
        return pd.DataFrame(column, columns=list(LONG_TABLE_COLUMNS))

    # ------------------------------------------------------------------ batches
    def recommend_frame(self, df: "pd.DataFrame", *, skip_bad_rows: bool = False, source: str = "<DataFrame>") -> "pd.DataFrame":
        """The long recommendation table for a DataFrame of profiles (vectorized rules)."""
        from ..data.contract import validate_profiles

        result = validate_profiles(df, source=source, skip_bad_rows=skip_bad_rows)
        return self.long_table(result.frame)

    def long_table(self, frame: "pd.DataFrame", *, threads: int | None = None) -> "pd.DataFrame":
        """Long table for an already validated profile frame (see ``data.contract.validate_profiles``).

        ``threads`` caps the prediction threads (None: up to 2 for big batches;
        a Dask worker passes 1, its cores already have one worker process each).
        """
        if len(frame) == 0:
            return answers.long_table(frame, None, (), ruleset=self.ruleset, usd_per_diamond=self.diamond_usd())
        rules = self.vectorized.strategy_table(frame)  # row-major, strategies in STRATEGIES order
        predicted = predicted_arrays(_predict_in_parallel(self.model.ranker, frame, threads))
        return answers.long_table(frame, rules, predicted, ruleset=self.ruleset, usd_per_diamond=self.diamond_usd())


# ---------------------------------------------------------------------- helpers
PARALLEL_MIN_ROWS = 20_000
"""Batches at least this big are predicted in chunks on several threads."""


def _rebuild_recommender(cls: type, ruleset_cls: type, rules: dict[str, Any], model: Any) -> "Recommender":
    return cls(ruleset_cls(**rules), None, model)


def _predict_in_parallel(ranker: Any, frame: "pd.DataFrame", threads: int | None = None) -> Any:
    """``ranker.predict_uplift(frame)``, split over up to 2 threads for big batches.

    scikit-learn's tree prediction releases the GIL and each call is pinned to
    one OpenMP thread, so two Python threads use both cores (benchmarks/bench_service.py
    measures the gain).
    A row's prediction does not depend on its batch-mates (a tested property of
    UpliftRanker), so the result is bitwise the serial one.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    import numpy as np

    workers = min(2 if threads is None else threads, os.cpu_count() or 1)
    n = len(frame)
    if workers < 2 or n < PARALLEL_MIN_ROWS:
        return ranker.predict_uplift(frame)
    bounds = np.linspace(0, n, 2 * workers + 1).astype(int)
    parts = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    with ThreadPoolExecutor(workers, thread_name_prefix="livelift-predict") as pool:
        preds = list(pool.map(ranker.predict_uplift, parts))
    first = preds[0]
    return replace(
        first,
        uplift=np.vstack([p.uplift for p in preds]),
        low=np.vstack([p.low for p in preds]),
        high=np.vstack([p.high for p in preds]),
        extrapolation=np.vstack([p.extrapolation for p in preds]),
    )

def _as_profile(profile: Profile | Mapping[str, Any], *, source: str = "profile") -> Profile:
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, Mapping):
        return parse_profile(profile, source=source)
    raise InputError(
        "a profile must be a mapping of profile fields or a livelift.Profile",
        loc=source,
        expected="a dict such as {'creator_id': 'c1', 'followers': 1200, ...}",
        input=type(profile).__name__,
    )


def _profiles_frame(profiles: Sequence[Profile]) -> "pd.DataFrame":
    import pandas as pd

    from ..data.fields import CATEGORIES

    df = pd.DataFrame([asdict(p) for p in profiles])
    df["category"] = pd.Categorical(df["category"], categories=CATEGORIES)
    return df


# ---------------------------------------------------------------------- conveniences
def facts() -> tuple[Fact, ...]:
    """The shipped monetization facts (no model needed)."""
    return RulesService.load_rules().facts()


def earnings(diamonds: float | None = None, coins: float | None = None) -> EarningsEstimate:
    """Diamonds or coins -> estimated USD with the shipped parameters."""
    return RulesService.load_rules().earnings(diamonds=diamonds, coins=coins)
