"""The same validated rules as numpy masks over a DataFrame of profiles (batch path).

Compiled from the :class:`RuleSet` the durable adapter uses, with the same
semantics: a missing value (absent column, ``None``/``NaN``) fails every
comparison, ``!=`` and ``not_in`` included; ``exists`` is "present and not
null"; ``not`` negates its subtree. Verdicts come from
:func:`livelift.rules.verdicts.verdicts`, computed once per distinct pattern
of fired rules and mapped back to rows by code, so nothing loops per row in
Python.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..data.fields import STRATEGIES
from ..errors import InputError, Problem, did_you_mean
from .conditions import FIELDS, All, Always, AnyOf, Condition, Leaf, Not, is_numeric_field, leaves, safe_number
from .ruleset import RuleSet
from .verdicts import verdicts

__all__ = ["VectorizedEvaluator"]

class _Numeric:
    def __init__(self, values: np.ndarray):
        self.x = values
        self.present = ~np.isnan(values)


class _Text:
    def __init__(self, codes: np.ndarray, uniques: list[str]):
        self.codes = codes
        self.uniques = uniques
        self.present = codes >= 0

    def codes_of(self, values) -> np.ndarray:
        wanted = set(values)
        return np.array([k for k, u in enumerate(self.uniques) if u in wanted], dtype=self.codes.dtype)


_VALIDATED = "a frame of profiles from livelift.data.contract.validate_profiles (or read_profiles)"


def _unvalidated(loc: str, what: str) -> InputError:
    return InputError(f"{what}: not a validated profile column", loc=loc, expected=_VALIDATED)


def _numeric(s: pd.Series, loc: str) -> _Numeric:
    """The column as float64 (NaN = missing), in the durable-safe form of tiny/huge values."""
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise _unvalidated(loc, f"holds {s.dtype} values, not numbers")
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        odd = np.flatnonzero((x != 0) & ((np.abs(x) < 1e-4) | (np.abs(x) >= 1e16)) & np.isfinite(x))
    if len(odd):  # the form both engines use for numbers durable cannot parse (rare)
        x = x.copy()  # never write into the caller's frame
        x[odd] = [float(safe_number(float(v))) for v in x[odd]]
    return _Numeric(x)


def _text(s: pd.Series, loc: str) -> _Text:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = list(uniques)
    if not all(isinstance(u, str) for u in values):
        raise _unvalidated(loc, "holds values that are not text")
    return _Text(np.asarray(codes), values)


class VectorizedEvaluator:
    """Evaluates a :class:`RuleSet` over a frame of validated profiles.

    Give it the frame :func:`livelift.data.contract.validate_profiles` returns:
    the values are trusted (categories already mapped, region an ISO code or
    missing), so the one value rule lives in the data contract. ``region`` may
    be absent (missing for every row); every other field the rules test must be
    a column. A column of the wrong type (text where a number belongs) is
    refused with a pointer to ``validate_profiles``, never evaluated.
    """

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.rule_ids: tuple[str, ...] = tuple(r.id for r in ruleset.rules)
        used = {leaf.field for r in ruleset.rules for leaf in leaves(r.when)}
        self.used: tuple[str, ...] = tuple(f for f in FIELDS if f in used)
        self.required: tuple[str, ...] = tuple(f for f in self.used if f != "region")

    def __repr__(self) -> str:
        return f"VectorizedEvaluator({len(self.rule_ids)} rules)"

    # ---------------------------------------------------------------- inputs
    def _columns(self, df: pd.DataFrame, source: str) -> dict[str, _Numeric | _Text]:
        if not isinstance(df, pd.DataFrame):
            raise InputError("profiles must be a pandas DataFrame", loc=source, expected=_VALIDATED, input=type(df).__name__)
        missing = [f for f in self.required if f not in df.columns]
        if missing:
            problems = [
                Problem(f"{source}: column {f}", f"missing column{did_you_mean(f, [str(c) for c in df.columns])}", _VALIDATED)
                for f in missing
            ]
            raise InputError.from_problems(problems, headline=f"{source}: missing columns {missing}" if len(missing) > 1 else None)
        cols: dict[str, _Numeric | _Text] = {}
        for name in self.used:
            if name not in df.columns:  # region: optional, missing for every row
                cols[name] = _Text(np.full(len(df), -1, dtype=np.int64), [])
            elif is_numeric_field(name):
                cols[name] = _numeric(df[name], f"{source}: column {name}")
            else:
                cols[name] = _text(df[name], f"{source}: column {name}")
        return cols

    # ---------------------------------------------------------------- masks
    def _mask(self, cond: Condition, cols: dict, n: int) -> np.ndarray:
        if isinstance(cond, Always):
            return np.ones(n, dtype=bool)
        if isinstance(cond, All):
            return np.logical_and.reduce([self._mask(c, cols, n) for c in cond.items])
        if isinstance(cond, AnyOf):
            return np.logical_or.reduce([self._mask(c, cols, n) for c in cond.items])
        if isinstance(cond, Not):
            return ~self._mask(cond.item, cols, n)
        return self._leaf(cond, cols[cond.field])

    @staticmethod
    def _leaf(leaf: Leaf, col: _Numeric | _Text) -> np.ndarray:
        op, v = leaf.op, leaf.value
        if op == "exists":
            return col.present.copy()
        if op == "missing":
            return ~col.present
        if isinstance(col, _Numeric):
            x = col.x
            with np.errstate(invalid="ignore"):
                if op == "==":
                    return x == v
                if op == "!=":
                    return (x != v) & col.present
                if op == "<":
                    return x < v
                if op == "<=":
                    return x <= v
                if op == ">":
                    return x > v
                if op == ">=":
                    return x >= v
                if op == "between":
                    return (x >= v[0]) & (x <= v[1])
                if op == "in":
                    return np.isin(x, np.asarray(v, dtype=np.float64))
                if op == "not_in":
                    return ~np.isin(x, np.asarray(v, dtype=np.float64)) & col.present
        else:
            if op in ("==", "in"):
                return np.isin(col.codes, col.codes_of([v] if op == "==" else v))
            if op in ("!=", "not_in"):
                return ~np.isin(col.codes, col.codes_of([v] if op == "!=" else v)) & col.present
        raise ValueError(f"no vectorized form for op {op!r} on field {leaf.field!r}")

    def _matrix(self, df: pd.DataFrame, source: str) -> np.ndarray:
        cols = self._columns(df, source)
        n = len(df)
        fired = np.empty((n, len(self.rule_ids)), dtype=bool)
        for j, rule in enumerate(self.ruleset.rules):
            fired[:, j] = self._mask(rule.when, cols, n)
        return fired

    def fired(self, df: pd.DataFrame, *, source: str = "profiles") -> pd.DataFrame:
        """A bool DataFrame: one column per rule id (file order), one row per profile."""
        return pd.DataFrame(self._matrix(df, source), index=df.index, columns=list(self.rule_ids))

    # -------------------------------------------------------------- verdicts
    def _patterns(self, fired: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(code per row, the distinct fired patterns as rows of a bool matrix)."""
        n, r = fired.shape
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, r), dtype=bool)
        packed = np.packbits(fired, axis=1, bitorder="little")
        width = -(-packed.shape[1] // 8) * 8
        if width == 8:
            padded = np.zeros((n, 8), dtype=np.uint8)
            padded[:, : packed.shape[1]] = packed
            keys = padded.view(np.uint64).ravel()
            codes, uniq = pd.factorize(keys)
            first = np.zeros(len(uniq), dtype=np.int64)
            first[codes] = np.arange(n)  # any row of a pattern will do: they are identical
        else:  # more than 64 rules
            view = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
            _, first, codes = np.unique(view, return_index=True, return_inverse=True)
        return np.asarray(codes, dtype=np.int64), fired[first]

    def _tables(self, fired: np.ndarray):
        codes, patterns = self._patterns(fired)
        k, s = len(patterns), len(STRATEGIES)
        allowed = np.zeros((k, s), dtype=bool)
        boosted = np.zeros((k, s), dtype=bool)
        caution = np.zeros((k, s), dtype=bool)
        ids: list[str] = []
        kinds: list[str] = []
        reasons: list[str] = []
        rules = self.ruleset.rules
        for p, pattern in enumerate(patterns):
            verdict, _, _ = verdicts([rules[j] for j in np.flatnonzero(pattern)])
            for q, strategy in enumerate(STRATEGIES):
                v = verdict[strategy]
                allowed[p, q], boosted[p, q], caution[p, q] = v.allowed, v.boosted, v.caution
                ids.append(";".join(v.rule_ids))
                kinds.append(";".join(h.kind for h in v.hits))
                reasons.append(" ".join(v.reasons))
        return codes, allowed, boosted, caution, ids, kinds, reasons

    def strategy_table(self, df: pd.DataFrame, *, source: str = "profiles") -> pd.DataFrame:
        """Long form: one row per (input row, strategy), strategies in ``fields.STRATEGIES`` order.

        Columns: ``row`` (int position in ``df``), ``strategy``, ``allowed``,
        ``boosted``, ``caution``, ``rule_ids`` (';'-joined, eligibility rules
        included), ``rule_kinds`` (the same rules' kinds, ';'-joined: block,
        boost, caution, eligibility) and ``reason`` (the reasons joined with
        ' '). ``strategy``, ``rule_ids``, ``rule_kinds`` and ``reason`` are
        categoricals (few distinct values).
        """
        fired = self._matrix(df, source)
        codes, allowed, boosted, caution, ids, kinds, reasons = self._tables(fired)
        n, s = len(df), len(STRATEGIES)
        flat = (codes[:, None] * s + np.arange(s)).ravel()  # pattern*s + strategy, row-major
        id_cats, id_codes = _dedupe(ids)
        kind_cats, kind_codes = _dedupe(kinds)
        reason_cats, reason_codes = _dedupe(reasons)
        return pd.DataFrame(
            {
                "row": np.repeat(np.arange(n, dtype=np.int64), s),
                "strategy": pd.Categorical.from_codes(np.tile(np.arange(s, dtype=np.int8), n), categories=list(STRATEGIES)),
                "allowed": allowed.ravel()[flat],
                "boosted": boosted.ravel()[flat],
                "caution": caution.ravel()[flat],
                "rule_ids": pd.Categorical.from_codes(id_codes[flat], categories=id_cats),
                "rule_kinds": pd.Categorical.from_codes(kind_codes[flat], categories=kind_cats),
                "reason": pd.Categorical.from_codes(reason_codes[flat], categories=reason_cats),
            }
        )


def _dedupe(values: list[str]) -> tuple[list[str], np.ndarray]:
    """(distinct values, code of each value) for building a Categorical."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values))
    return list(index), codes
