"""ingest's gifts and strategy_source are optional contract columns: later commands read them quietly."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from livelift.cli import main
from livelift.data.contract import read_history

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_ingested_history_reads_without_unknown_column_notes(tmp_path):
    out = tmp_path / "history.csv"
    r = CliRunner().invoke(main, ["ingest", str(EXAMPLES / "live_summaries.csv"), "--creators",
                                  str(EXAMPLES / "creators.csv"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    result = read_history(out)
    assert not [n for n in result.notes if "unknown column" in n], result.notes
    assert {"gifts", "strategy_source"} <= set(result.frame.columns)
    assert set(result.frame["strategy_source"]) <= {"detected", "labelled", "default"}
    assert result.frame["gifts"].sum() > 0
    r = CliRunner().invoke(main, ["plan", "init", str(out), "--db", str(tmp_path / "p.db")])
    assert r.exit_code == 0 and "unknown column" not in r.output, r.output
