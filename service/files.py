"""The service's work on files: simulate, train, evaluate, report, check rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..data.writers import check_output_path
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .core import Recommender

def simulate(
    output: str | Path, *, creators: int, weeks: int, seed: int, with_truth: bool = False, creator_effect_sd: float = 0.0,
) -> "pd.DataFrame":
    """Write SYNTHETIC history to ``output`` (atomically), marked ``data_source = simulated`` in every row."""
    from ..data.fields import SIMULATED
    from ..data.writers import check_output_path, write_frame
    from ..recommender.simulate import simulate_history

    check_output_path(output, (".csv", ".parquet", ".jsonl", ".json"))
    options = {"creator_effect_sd": creator_effect_sd} if creator_effect_sd else {}
    df = simulate_history(creators=creators, weeks=weeks, seed=seed, with_truth=with_truth, **options)
    df["data_source"] = SIMULATED
    write_frame(df, output)
    return df


def is_simulated(frame: "pd.DataFrame") -> bool:
    """Does validated history come from the simulator (a ``data_source`` mark or truth columns)?"""
    from ..data.fields import SIMULATED, TRUTH_PREFIX

    if "data_source" in frame.columns and (frame["data_source"] == SIMULATED).any():
        return True
    return any(str(c).startswith(TRUTH_PREFIX) for c in frame.columns)


def train(
    history: "pd.DataFrame", output: str | Path, *, seed: int = 0, synthetic: bool | None = None,
    progress: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the uplift model on validated ``history`` and save it with its card: ``(summary, card)``.

    ``synthetic`` None means: as the data says (:func:`is_simulated`); a
    history with simulated rows is always labelled synthetic, whatever is passed.
    """
    from ..recommender.persistence import save_model
    from ..recommender.training import train_model

    marked = is_simulated(history)
    ranker, summary = train_model(history, random_state=seed, progress=progress)
    return summary, save_model(
        ranker, output, training_summary=summary.get("training_data", summary),
        synthetic=bool(marked or synthetic), metrics=summary.get("metrics"),
    )


def check_model_output(output: Path, data: Path) -> None:
    """Before a long fit: the model and its card must not clobber the data or a foreign .json."""
    import json
    import os

    from ..recommender.persistence import FORMAT, MODEL_SUFFIX, card_path

    check_output_path(output, (MODEL_SUFFIX,))
    card = card_path(output)
    for target in (output, card):
        if target.exists() and data.exists() and os.path.samefile(target, data):
            raise InputError(
                f"would overwrite the training data {data}",
                loc=f"-o {output}", expected=f"a model path whose {MODEL_SUFFIX} file and .json card differ from DATA",
            )
    if card.exists():
        try:
            is_card = json.loads(card.read_text(encoding="utf-8")).get("format") == FORMAT
        except (OSError, ValueError, AttributeError, RecursionError):
            is_card = False
        if not is_card:
            raise InputError(
                f"{card} exists and is not a livelift model card; training would overwrite it",
                loc=f"-o {output}", expected="a model path whose .json card is new or an older livelift card",
            )
    folder = output.parent if str(output.parent) else Path(".")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write to the folder {folder}", loc=f"-o {output}", expected="a writable folder")


def evaluate(history: "pd.DataFrame", *, model_path: str | Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Quality of a model on validated held-out ``history``: ``(metrics, model card)``."""
    from ..recommender.evaluation import evaluate as evaluate_model
    from ..recommender.persistence import load_model

    model = load_model(model_path)
    return evaluate_model(model.ranker, history), model.card


def write_report(
    history: "pd.DataFrame", recommender: "Recommender", output: str | Path, fmt: str, *,
    source: str, creator_id: str | None = None, progress: Any = None,
) -> Any:
    """Build the report for a creator's validated ``history`` and write it (html or pdf); returns what it showed."""
    try:
        import jinja2  # noqa: F401  (used later, inside the renderers: check before any slow work)
        import matplotlib  # noqa: F401

        from ..reports.render import write_report as write
        from ..reports.sections import build_report
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise InputError(
            f"reports need matplotlib and jinja2 (import failed: {exc})", loc="livelift report",
            expected="the report extra: pip install 'livelift[report]'",
        ) from None
    built = build_report(history, recommender, source=source, creator_id=creator_id, progress=progress)
    if progress is not None:
        progress(f"drawing and writing {output}")
    write(built, output, fmt)
    return built


def check_rules(dirs: Sequence[str | Path] = ()) -> tuple[list[Any], str, tuple[str, ...]]:
    """Validate the shipped rules plus ``dirs``: ``(problems, summary, notices)``; never raises for bad rules."""
    from ..rules import check_rules as check, load_ruleset

    problems: list[Any] = []
    for d in dirs or (None,):
        problems += [p for p in check(d) if p not in problems]
    if problems:
        return problems, "", ()
    ruleset = load_ruleset(tuple(dirs))
    files = sorted({r.file for r in ruleset.rules})
    summary = f"{len(ruleset.rules)} rules in {len(files)} files, {len(ruleset.parameters)} parameters"
    return [], summary, tuple(ruleset.notices)
