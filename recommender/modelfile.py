"""Model files that cannot run code when loaded: skops, with an explicit allow-list of types.

A pickle (and so a joblib file) is a program: unpickling a crafted file runs
whatever it says, before any check of its content can happen. livelift
therefore stores models in the skops format: a zip of JSON (``schema.json``,
the object tree) and ``.npy`` arrays, read by a loader that builds only the
types it is told to trust (``skops.io.load(..., trusted=...)``).

:func:`read_model` is stricter still: before skops builds anything it reads
the schema and refuses the file unless every type it names is in
:data:`ALLOWED_TYPES` (the builtin containers and scalars, numpy arrays, the
scikit-learn gradient-boosting pieces and livelift's own ``UpliftRanker`` and
``FlatForest``). Restoring those types only copies data into attributes; no
``__reduce__``, no import of an arbitrary module, no call of a named function.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

__all__ = ["ALLOWED_TYPES", "LIVELIFT_TYPES", "dumps_model", "read_model", "UnsafeModelFile", "types_in"]

LIVELIFT_TYPES: frozenset[str] = frozenset({
    "livelift.recommender.estimator.UpliftRanker",
    "livelift.recommender.forest.FlatForest",
})
"""livelift's own classes in a model file (both are plain data holders when restored)."""

_HGB = "sklearn.ensemble._hist_gradient_boosting."
ALLOWED_TYPES: frozenset[str] = LIVELIFT_TYPES | frozenset({
    *(f"builtins.{t}" for t in ("dict", "list", "tuple", "str", "int", "float", "bool", "NoneType", "bytes")),
    "numpy.ndarray", "numpy.dtype", "numpy.random._generator.Generator",
    *(f"numpy.{t}" for t in ("float64", "float32", "int64", "int32", "int8", "uint8", "uint32", "uint64",
                             "bool_", "str_")),
    _HGB + "gradient_boosting.HistGradientBoostingRegressor",
    _HGB + "gradient_boosting.HistGradientBoostingClassifier",
    _HGB + "predictor.TreePredictor",
    _HGB + "binning._BinMapper",
    "sklearn.preprocessing._label.LabelEncoder",
    *(f"sklearn._loss._loss.{t}" for t in ("CyHalfSquaredError", "CyHalfPoissonLoss", "CyHalfMultinomialLoss",
                                           "CyHalfBinomialLoss")),
    *(f"sklearn._loss.loss.{t}" for t in ("HalfSquaredError", "HalfPoissonLoss", "HalfMultinomialLoss",
                                          "HalfBinomialLoss")),
    *(f"sklearn._loss.link.{t}" for t in ("IdentityLink", "LogLink", "LogitLink", "MultinomialLogit",
                                          "Interval")),
})
"""Every type a livelift model file may name (fully qualified). Anything else: the file is refused."""


class UnsafeModelFile(Exception):
    """The file is not a skops model made only of allowed types (``reason`` says why)."""

    def __init__(self, reason: str, types: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.types = types


def dumps_model(obj: Any) -> bytes:
    """The skops bytes of a model object (compressed zip)."""
    import skops.io as sio

    return sio.dumps(obj, compression=zipfile.ZIP_DEFLATED)


def _walk(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        if "__class__" in node and "__module__" in node:
            found.add(f"{node['__module__']}.{node['__class__']}")
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def types_in(data: bytes) -> set[str]:
    """Every fully qualified type named in a skops file's schema (nothing is built)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            schema = json.loads(zf.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        kind = "a pickle (joblib) file" if data[:1] == b"\x80" else "not a skops model file"
        raise UnsafeModelFile(f"{kind}: no readable skops schema ({type(exc).__name__})") from None
    found: set[str] = set()
    _walk(schema, found)
    return found


def read_model(data: bytes) -> Any:
    """Build the object of a skops file whose schema names only :data:`ALLOWED_TYPES`."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    extra = sorted(types_in(data) - ALLOWED_TYPES)
    if extra:
        raise UnsafeModelFile("the file names types a livelift model never holds", tuple(extra))
    try:
        return sio.loads(data, trusted=sorted(ALLOWED_TYPES))
    except UntrustedTypesFoundException as exc:  # skops' own check (e.g. a type only its loader sees)
        raise UnsafeModelFile(f"skops refused it: {exc}") from None
