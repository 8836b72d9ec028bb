"""Saving and loading trained models: a skops file plus its JSON model card.

``save_model`` writes ``MODEL.skops`` and, next to it, ``MODEL.json`` (the
card): sha256 of the model file, library versions, training data summary,
``synthetic``, evaluation metrics, how the intervals were built, intended
use, creation time and interval level. Both are written atomically
(temporary file in the same folder, then ``os.replace``).

``load_model`` checks the card (digest, library versions), then builds the
model with :func:`.modelfile.read_model`, which refuses any file that names a
type outside an explicit allow-list *before* building anything: loading a
model file from an untrusted source does not run code. Pickle-based files
(``.joblib``, ``.pkl``: unpickling runs whatever the file says) are refused
unless the caller passes ``trust_pickle=True`` for a file it made itself.
Every refusal is a :class:`~livelift.errors.ModelError` that says what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InputError, ModelError

__all__ = ["LoadedModel", "save_model", "load_model", "default_model_path", "card_path", "FORMAT", "MODEL_SUFFIX"]

FORMAT = "livelift-uplift-model"
FORMAT_VERSION = 2
MODEL_SUFFIX = ".skops"
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
RETRAIN = f"re-train with `livelift train DATA -o MODEL{MODEL_SUFFIX}` or reinstall livelift"
INTENDED_USE = ("ranking the five livelift strategies for one TikTok LIVE creator profile by expected weekly gift "
                "uplift vs changing nothing; advice to weigh, not a promise of income")


@dataclass(frozen=True)
class LoadedModel:
    """A verified model: the fitted ranker, its card (dict) and the file it came from."""

    ranker: Any
    card: dict[str, Any]
    path: Path


def default_model_path() -> Path:
    """The model shipped with livelift (package data ``livelift.models/default.skops``)."""
    from importlib.resources import files

    return Path(str(files("livelift.models").joinpath("default" + MODEL_SUFFIX)))


def card_path(path: str | os.PathLike[str]) -> Path:
    """The model card that belongs to a model file: same name, ``.json``."""
    return Path(path).with_suffix(".json")


def _versions() -> dict[str, str]:
    import numpy
    import pandas
    import skops
    import sklearn

    from .. import __version__

    return {
        "livelift": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "skops": skops.__version__,
        "pandas": pandas.__version__,
        "python": platform.python_version(),
    }


def _jsonable(obj: Any) -> Any:
    """Plain JSON types (numpy scalars/arrays, tuples, paths -> lists, numbers, strings)."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and obj != obj:
        return None
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def save_model(
    ranker: Any,
    path: str | os.PathLike[str],
    *,
    training_summary: dict[str, Any],
    synthetic: bool,
    metrics: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a fitted ranker to ``path`` (.skops) and its card next to it; return the card."""
    from ..data.writers import atomic_path
    from .estimator import UpliftRanker
    from .modelfile import dumps_model

    target = Path(path)
    if target.suffix.lower() != MODEL_SUFFIX:
        raise InputError(f"model files must end in {MODEL_SUFFIX}", loc=str(target),
                         expected=f"a path like model{MODEL_SUFFIX}", input=target.suffix or target.name)
    if not isinstance(ranker, UpliftRanker):
        raise InputError("only a livelift UpliftRanker can be saved", loc="ranker", expected="UpliftRanker",
                         input=type(ranker).__name__)
    ranker._check_fitted()
    data = dumps_model({"format": FORMAT, "format_version": FORMAT_VERSION, "ranker": ranker})
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    card = _card(ranker, target, data, training_summary, synthetic, metrics)
    with atomic_path(card_path(target)) as tmp:
        tmp.write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return card


def _intervals_note(ranker: Any) -> dict[str, Any]:
    calibration = getattr(ranker, "interval_calibration_", None)
    if calibration is not None:
        return dict(calibration)
    return {
        "calibrated": False,
        "method": "the model's own spread only (fold models' spread, learners' disagreement); no true uplift "
                  "in the training data to calibrate against",
        "note": "uncalibrated intervals under-cover where models share a bias, more so with more history; "
                "see the README ('How good is it?') for their coverage on simulated creators",
    }


def _card(ranker: Any, target: Path, data: bytes, training_summary: dict[str, Any], synthetic: bool,
          metrics: dict[str, Any] | None) -> dict[str, Any]:
    report = getattr(ranker, "training_report_", {})
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "serialization": "skops",
        "name": target.stem,
        "model_file": target.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "synthetic": bool(synthetic),
        "intended_use": INTENDED_USE,
        "interval": float(ranker.interval),
        "intervals": _jsonable(_intervals_note(ranker)),
        "strategies": list(ranker.arms_[1:]),
        "unknown_strategies": list(ranker.unknown_strategies_),
        "training_data": _jsonable(training_summary),
        "method": _jsonable({
            "estimator": "UpliftRanker",
            "params": ranker.get_params(),
            "blend_weights": report.get("blend_weights"),
            "dr_loss": report.get("dr_loss"),
            "scale_offset": report.get("scale_offset"),
        }),
        "metrics": _jsonable(metrics or {}),
    }


def _read_card(model: Path) -> dict[str, Any]:
    cp = card_path(model)
    if not cp.is_file():
        raise ModelError("model card is missing", loc=str(cp), expected=f"the .json card written next to {model.name}",
                         hint=f"a model file is only used with its card; {RETRAIN}")
    try:
        card = json.loads(cp.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model card is not readable JSON ({exc})", loc=str(cp), hint=RETRAIN) from None
    if not isinstance(card, dict) or card.get("format") != FORMAT or not isinstance(card.get("sha256"), str):
        raise ModelError("not a livelift model card", loc=str(cp),
                         expected=f"a JSON object with format {FORMAT!r} and a sha256", hint=RETRAIN)
    return card


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(str(version).split(".")[:2])


def _check_versions(card: dict[str, Any], cp: Path) -> None:
    import numpy
    import sklearn

    saved = card.get("versions") or {}
    want_sk, want_np = saved.get("scikit-learn"), saved.get("numpy")
    if want_sk is None or want_np is None:
        raise ModelError("model card does not say which library versions wrote the model", loc=str(cp),
                         hint=RETRAIN)
    if _major_minor(want_sk) != _major_minor(sklearn.__version__):
        raise ModelError(
            f"model was trained with scikit-learn {want_sk}, but scikit-learn {sklearn.__version__} is installed",
            loc=str(cp), expected=f"scikit-learn {'.'.join(_major_minor(want_sk))}.x", input=sklearn.__version__,
            hint=f"install scikit-learn=={want_sk} (pip install 'scikit-learn=={want_sk}'), or {RETRAIN}")
    if str(want_np).split(".")[0] != numpy.__version__.split(".")[0]:
        raise ModelError(
            f"model was trained with numpy {want_np}, but numpy {numpy.__version__} is installed",
            loc=str(cp), expected=f"numpy {str(want_np).split('.')[0]}.x", input=numpy.__version__,
            hint=f"install numpy=={want_np} (pip install 'numpy=={want_np}'), or {RETRAIN}")


def load_model(path: str | os.PathLike[str] | None = None, *, trust_pickle: bool = False) -> LoadedModel:
    """Load and verify a model (``None``: the shipped default). Raises ModelError saying what to do.

    ``trust_pickle=True`` also loads a pickle-based (.joblib) model: only for a
    file you made yourself, as unpickling runs whatever code the file holds.
    """
    model = default_model_path() if path is None else Path(path)
    if not model.is_file():
        hint = ("the shipped model is missing: reinstall livelift" if path is None
                else "check the path, or train one with `livelift train DATA -o MODEL.skops`")
        raise ModelError("model file not found", loc=str(model), expected=f"an existing {MODEL_SUFFIX} file",
                         hint=hint)
    if model.suffix.lower() in PICKLE_SUFFIXES and not trust_pickle:
        raise ModelError(
            f"refusing to load a pickle-based model file ({model.suffix}): loading one runs any code hidden in it",
            loc=str(model), expected=f"a {MODEL_SUFFIX} model file (a format whose loader cannot run code)",
            hint=f"{RETRAIN}; only for a file you made yourself, load it in Python with "
                 "load_model(path, trust_pickle=True) and save it again with save_model(..., 'model.skops')")
    card = _read_card(model)
    data = model.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != card["sha256"]:
        raise ModelError(
            "model file does not match its card (sha256 differs): it was changed or replaced after it was saved",
            loc=str(model), expected=f"sha256 {card['sha256'][:16]}...", input=digest[:16] + "...",
            hint=f"refusing to load it; {RETRAIN}")
    _check_versions(card, card_path(model))
    payload = _pickle_payload(model) if model.suffix.lower() in PICKLE_SUFFIXES else _skops_payload(model, data)
    return LoadedModel(ranker=_checked_ranker(payload, model), card=card, path=model)


def _skops_payload(model: Path, data: bytes) -> Any:
    from .modelfile import UnsafeModelFile, read_model

    try:
        return read_model(data)
    except UnsafeModelFile as exc:
        listed = f" ({', '.join(exc.types[:5])})" if exc.types else ""
        raise ModelError(f"not a safe livelift model file: {exc.reason}{listed}; nothing in it was run",
                         loc=str(model), expected=f"a {MODEL_SUFFIX} file written by livelift (save_model)",
                         hint=RETRAIN) from None
    except Exception as exc:  # a damaged file can fail in many ways inside the loader
        raise ModelError(f"model file could not be read ({type(exc).__name__}: {exc})", loc=str(model),
                         hint=RETRAIN) from None


def _pickle_payload(model: Path) -> Any:
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    try:
        with warnings.catch_warnings():
            # same scikit-learn minor version (checked above): patch releases read each other's models
            warnings.simplefilter("ignore", InconsistentVersionWarning)
            return joblib.load(model)
    except Exception as exc:  # a corrupt pickle can raise almost anything
        raise ModelError(f"model file could not be read ({type(exc).__name__}: {exc})", loc=str(model),
                         hint=RETRAIN) from None


def _checked_ranker(payload: Any, model: Path) -> Any:
    from .estimator import UpliftRanker
    from .features import DENSE_NAMES

    if not (isinstance(payload, dict) and payload.get("format") == FORMAT
            and isinstance(payload.get("ranker"), UpliftRanker)):
        raise ModelError("not a livelift model", loc=str(model), expected=f"a file written by save_model ({FORMAT})",
                         hint=RETRAIN)
    # models fitted before the derived ratio features existed have no dense_features_ (and 15 inputs)
    layout = tuple(getattr(payload["ranker"], "dense_features_", DENSE_NAMES[: DENSE_NAMES.index("category=other") + 1]))
    if layout != DENSE_NAMES:
        raise ModelError("model was trained on another feature layout than this livelift version computes",
                         loc=str(model), expected=f"{len(DENSE_NAMES)} features: " + ", ".join(DENSE_NAMES),
                         input=f"{len(layout)} features", hint=RETRAIN)
    return payload["ranker"]
