"""Flat tree ensembles: fast prediction of fitted HistGradientBoosting models on a few rows.

scikit-learn predicts tree by tree in a Python loop, so hundreds of trees
cost milliseconds even for a single profile. A :class:`FlatForest` copies the
fitted trees' node arrays into one table and walks all trees at once with
numpy (one step per tree level), which is much cheaper for a handful of rows
(benchmarks/bench_recommender.py measures both). For large batches scikit-learn's
compiled predictor is faster, so callers walk the flat table only for blocks of
up to ``FAST_ROWS`` profiles.

**Batch invariance.** Both engines give every row bitwise the same raw score,
whatever the other rows of the batch: a leaf value is copied exactly, and the
sum is taken sequentially in scikit-learn's order (``0 + baseline``, then
tree 1, tree 2, ...), which is what ``_raw_predict`` does row by row. A
row-wise pairwise ``sum(axis=1)`` would not do: its rounding depends on the
array layout. So a profile scored alone, in a coalesced HTTP batch or in a
500k-row file gets the same digits (tests/test_recommender.py checks it).

Only numeric splits without missing values are supported, which is what the
prediction-time models use (``features.dense_from_coded`` input, validated
finite); :func:`flatten` refuses anything else.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FlatForest", "flatten", "raw_predict", "FAST_ROWS", "pack_trees", "unpack_trees"]

FAST_ROWS = 16
"""Up to this many profiles (x 5 strategies) the numpy walk is used; above it, scikit-learn's compiled predictor (the crossover measured by benchmarks/bench_recommender.py)."""


@dataclass(frozen=True)
class FlatForest:
    """All trees of one fitted HGB model as flat arrays (node ids are global)."""

    feature: np.ndarray  # (nodes,) int64
    threshold: np.ndarray  # (nodes,) float64
    left: np.ndarray  # (nodes,) int64, global id
    right: np.ndarray  # (nodes,) int64, global id
    is_leaf: np.ndarray  # (nodes,) bool
    value: np.ndarray  # (nodes,) float64
    roots: np.ndarray  # (trees,) int64
    tree_output: np.ndarray  # (trees,) int64: which output column (class) each tree adds to
    baseline: np.ndarray  # (outputs,) float64
    depth: int

    def raw_predict(self, X: np.ndarray) -> np.ndarray:
        """Sum of leaf values plus baseline, shape (rows, outputs): HGB's raw prediction."""
        m = len(X)
        node = np.broadcast_to(self.roots, (m, len(self.roots))).copy()
        rows = np.arange(m)[:, None]
        for _ in range(self.depth):
            leaf = self.is_leaf[node]
            if leaf.all():
                break
            go_left = X[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(leaf, node, np.where(go_left, self.left[node], self.right[node]))
        vals = self.value[node]  # (m, trees), leaf values copied exactly
        n_out = len(self.baseline)
        out = np.empty((m, n_out))
        for k in range(n_out):
            # sequential sum baseline + tree 1 + tree 2 + ... (scikit-learn's order, one row at a time)
            seq = np.empty((m, 1 + int(np.count_nonzero(self.tree_output == k))))
            seq[:, 0] = self.baseline[k]
            seq[:, 1:] = vals[:, self.tree_output == k]
            out[:, k] = np.cumsum(seq, axis=1)[:, -1]
        return out


def raw_predict(model, flat: "FlatForest | None", X: np.ndarray) -> np.ndarray:
    """Raw score (rows, outputs) of a fitted HGB model; the same digits for a row in any batch.

    Walks ``flat`` when given (fast for a few rows), otherwise uses
    scikit-learn's compiled per-tree predictor (fast for many rows); both add
    the trees in the same order, so the two engines agree bit for bit.
    """
    if flat is not None:
        return flat.raw_predict(X)
    return np.asarray(model._raw_predict(X), dtype=np.float64)


def flatten(model) -> FlatForest:
    """Build a :class:`FlatForest` from a fitted HistGradientBoosting regressor or classifier."""
    if getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_):
        raise ValueError("flatten supports numeric features only")
    feats, thr, lefts, rights, leaves, values, roots, outs = [], [], [], [], [], [], [], []
    offset = 0
    depth = 0
    for predictors in model._predictors:
        for k, pred in enumerate(predictors):
            nodes = pred.nodes
            feats.append(nodes["feature_idx"].astype(np.int64))
            thr.append(nodes["num_threshold"].astype(np.float64))
            lefts.append(nodes["left"].astype(np.int64) + offset)
            rights.append(nodes["right"].astype(np.int64) + offset)
            leaves.append(nodes["is_leaf"].astype(bool))
            values.append(nodes["value"].astype(np.float64))
            roots.append(offset)
            outs.append(k)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
    is_leaf = np.concatenate(leaves)
    left = np.concatenate(lefts)
    right = np.concatenate(rights)
    # leaves point at themselves so the walk can run in lock step
    ids = np.arange(offset)
    left[is_leaf] = ids[is_leaf]
    right[is_leaf] = ids[is_leaf]
    return FlatForest(
        feature=np.where(is_leaf, 0, np.concatenate(feats)),
        threshold=np.concatenate(thr),
        left=left,
        right=right,
        is_leaf=is_leaf,
        value=np.concatenate(values),
        roots=np.asarray(roots, dtype=np.int64),
        tree_output=np.asarray(outs, dtype=np.int64),
        baseline=np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
        depth=depth + 1,
    )


def pack_trees(model) -> tuple[Any, dict[str, Any]]:
    """A shallow copy of a fitted HGB model without its trees, and the trees as a few arrays.

    A fitted model holds one small ``TreePredictor`` object (3 arrays) per
    tree; stored one by one, hundreds of them make a model file slow to read.
    Packed, they are three concatenated arrays and their offsets; nothing is
    rounded (``unpack_trees`` restores the same arrays).
    """
    trees = [pred for predictors in model._predictors for pred in predictors]
    parts = {"nodes": [t.nodes for t in trees], "binned": [t.binned_left_cat_bitsets for t in trees],
             "raw": [t.raw_left_cat_bitsets for t in trees]}
    packed: dict[str, Any] = {"shape": [len(model._predictors), len(model._predictors[0]) if trees else 0]}
    for name, arrays in parts.items():
        packed[name] = np.concatenate(arrays) if arrays else np.zeros(0)
        packed[name + "_offsets"] = np.cumsum([0] + [len(a) for a in arrays]).astype(np.int64)
    bare = copy.copy(model)
    bare._predictors = None
    return bare, packed


def unpack_trees(bare, packed: dict[str, Any]):
    """The model of :func:`pack_trees` with its trees back (the same arrays, as contiguous slices)."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    def piece(name: str, i: int) -> np.ndarray:
        off = packed[name + "_offsets"]
        return np.ascontiguousarray(packed[name][off[i]:off[i + 1]])

    n_iter, per_iter = (int(v) for v in packed["shape"])
    trees = [TreePredictor(piece("nodes", i), piece("binned", i), piece("raw", i)) for i in range(n_iter * per_iter)]
    model = copy.copy(bare)
    model._predictors = [trees[i * per_iter:(i + 1) * per_iter] for i in range(n_iter)]
    return model
