"""A per-value rule applied to a whole column, once per distinct value.

Choice, region and date columns, and columns of mixed Python objects (from
JSON), hold few distinct values or no vectorizable type: their rule runs once
per distinct value (:func:`by_value`) and the result is broadcast to the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["distinct", "by_value", "take"]

def take(values: Any, keep: Any) -> Any:
    """``values`` restricted to the ``keep`` mask (None keeps all)."""
    return values if keep is None else values[keep]


def distinct(s: "pd.Series") -> tuple[Any, list[Any]]:
    """(codes, distinct values): ``s[i]`` is ``uniques[codes[i]]``; code -1 is missing.

    Categorical and text columns are factorized (fast); object columns (from
    JSON) are walked in Python, keyed by type so that ``True`` and ``1`` stay apart.
    """
    import numpy as np
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.intp), list(s.cat.categories)
    if not pd.api.types.is_object_dtype(s.dtype):
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        return codes, list(uniq)
    seen: dict[Any, int] = {}
    uniques: list[Any] = []
    codes = np.empty(len(s), dtype=np.intp)
    for i, v in enumerate(s.to_numpy(dtype=object)):
        try:
            key = (type(v), v)
            hash(key)
        except (TypeError, RecursionError):
            key = ("unhashable", id(v))
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(uniques)
            uniques.append(v)
        codes[i] = code
    return codes, uniques


def by_value(s: "pd.Series", one: Callable[[Any], tuple[int, Any]], out_dtype: Any) -> tuple[Any, Any]:
    """Apply ``one(value) -> (status, out)`` to each distinct value; broadcast to rows.

    Returns (outputs per row, statuses per row); a missing output is NaN /
    NaT / None, by ``out_dtype``.
    """
    import numpy as np

    codes, uniques = distinct(s)
    fill = {np.dtype(np.float64): np.nan, np.dtype("datetime64[s]"): np.datetime64("NaT")}.get(np.dtype(out_dtype))
    statuses = np.empty(len(uniques) + 1, dtype=np.uint8)
    outs = np.empty(len(uniques) + 1, dtype=out_dtype)
    for k, v in enumerate(uniques + [None]):  # the last slot is for missing (code -1)
        st, out = one(v)
        statuses[k] = st
        outs[k] = fill if out is None else out
    return outs[codes], statuses[codes]
