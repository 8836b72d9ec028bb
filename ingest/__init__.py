"""Real history in: LIVE event logs and LIVE summaries -> sessions -> weekly history.

``ingest()`` reads event logs recorded with the unofficial TikTok LIVE clients
(TikTokLive for Python, v6/v7, camelCase or snake_case; TikTok-Live-Connector
for Node.js, v1 flat or v2 nested) and LIVE summary tables (.csv, .parquet),
and turns them into the data contract's weekly history. The aggregation
rules are in :mod:`.rooms`, the profile and week rules in :mod:`.weekly`, the
strategy labels in :mod:`.labels`.

Layering: imports ``domain``/``errors``/``data`` only; the service passes in
the diamond value from the rules.
"""

from __future__ import annotations

from .money import CreatorMoney, money_by_creator
from .pipeline import IngestReport, IngestResult, file_kind, ingest, read_creators, write_outputs
from .rooms import Session

__all__ = ["ingest", "write_outputs", "read_creators", "file_kind", "IngestResult", "IngestReport", "Session",
           "CreatorMoney", "money_by_creator"]
