"""Batch scoring on a Dask cluster: ``livelift recommend DATASET -o OUT_DIR --engine dask``.

An engine BESIDE the service layer: ``service.Recommender.recommend_dataset``
calls :func:`score_dataset` and passes itself as the *scorer*. This package
never imports ``livelift.service`` (nor cli, web, text): it only needs an
object with ``long_table(frame, threads=1)`` that pickles, so the layers stay
acyclic (domain, errors < data < rules, recommender < cluster < service).
``Recommender.__reduce__`` pickles the rules and the model without the
process-local durable-rules engine.

What runs where:

- client: list the files (``inputs``), check OUT_DIR and make a temporary
  folder next to it (``output``), start or connect to the cluster, check the
  workers' livelift / scikit-learn versions, cut pieces, gather counts, commit;
- workers: read Parquet footers; per piece (``parts``) read the rows, validate
  them with the data contract (``validate_profiles`` with the piece's first
  row number: errors name the FILE and the row in it), run the vectorized
  rules and the model (the scorer arrives once per worker via
  ``client.scatter(..., broadcast=True)``), write one Parquet part.

Commit protocol (details in ``output``): parts go to
``.<OUT_DIR name>.livelift-tmp-<id>/`` next to OUT_DIR; only when every task has
succeeded is ``_SUCCESS.json`` written and the folder renamed to OUT_DIR (one
atomic rename on a local or network file system; on object stores the
parts are copied and ``_SUCCESS.json`` is written last). On failure the
temporary folder is deleted. A worker that dies mid-run has its tasks re-run
by Dask; the re-run rewrites the same part, and the counts (profiles,
skipped bad rows) are summed once per piece, so they are exact.

``livelift ingest --engine dask`` (:func:`ingest_dataset`, modules ``ingest`` and
``ingest_plan``) runs the local ingest's per-creator step in one task per group
of creators and writes the history (and sessions, profiles) as Parquet
datasets with the same commit protocol.

Needs the ``livelift[dask]`` extra (dask[dataframe], distributed); ``s3://``
inputs or outputs need s3fs (``gs://`` gcsfs) on the client and every worker.
"""

from __future__ import annotations

from .engine import MAX_PIECE_ROWS, DatasetResult, score_dataset
from .ingest import IngestRun, ingest_dataset
from .output import MARKER

__all__ = ["score_dataset", "DatasetResult", "MAX_PIECE_ROWS", "MARKER", "ingest_dataset", "IngestRun"]
