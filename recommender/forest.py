"""Flat tree ensembles: fast prediction of fitted HistGradientBoosting models on a few rows.

scikit-learn predicts tree by tree in a Python loop (about 6 us per tree per
call), so a 700-tree set of models costs ~4 ms for a single profile. A
:class:`FlatForest` copies the fitted trees' node arrays into one table and
walks all trees at once with numpy (one step per tree level), which takes a few
hundred microseconds for a handful of rows. For large batches scikit-learn's
compiled predictor is faster, so :meth:`FlatForest.raw_predict` is only used
below ``FAST_ROWS`` rows.

Only numeric splits without missing values are supported, which is what the
prediction-time models use (``features.dense_from_coded`` input, validated
finite); :func:`flatten` refuses anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FlatForest", "flatten", "FAST_ROWS"]

FAST_ROWS = 64
"""Up to this many rows, the numpy walk beats scikit-learn's per-tree loop."""


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
        vals = self.value[node]  # (m, trees)
        n_out = len(self.baseline)
        out = np.empty((m, n_out))
        for k in range(n_out):
            out[:, k] = vals[:, self.tree_output == k].sum(axis=1)
        return out + self.baseline


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
