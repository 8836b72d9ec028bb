"""Values the data contract refuses are refused where they come in (option, summary row, creators file),
naming the option or file + line + column and the valid range; a breach of the built history names the
creator-week and input files, never an option ingest lacks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.errors import InputError
from livelift.ingest import ingest
from livelift.ingest.pipeline import validate_outputs
from livelift.ingest.summaries import read_summaries

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _summary_with(tmp_path, row: int, column: str, value: str) -> Path:
    with open(EXAMPLES / "live_summaries.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    out = tmp_path / "summaries.csv"
    with open(out, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out


def test_creator_age_option_is_checked_at_once_with_the_range(tmp_path):
    out = tmp_path / "h.csv"
    r = _run("ingest", EXAMPLES / "events.jsonl.gz", "-o", out, "--followers", 3000, "--category", "gaming",
             "--creator-age", 5)
    assert r.exit_code == 1 and "--creator-age" in r.output and "between 13 and 120" in r.output, r.output
    assert "skip-bad-rows" not in r.output and not out.exists()


@pytest.mark.parametrize("column, value", [("diamonds", "1e23"), ("creator_age", "7"), ("followers", "-5"),
                                           ("avg_viewers", "1e12")])
def test_a_bad_summary_value_names_file_line_and_column(tmp_path, column, value):
    path = _summary_with(tmp_path, 3, column, value)
    with pytest.raises(InputError) as err:
        read_summaries(path)
    assert err.value.loc == f"{path}, line 4, column {column!r}" and "--skip-bad-lines" in str(err.value)
    assert "between" in err.value.expected and "data contract" in err.value.expected
    skipped = read_summaries(path, skip_bad_lines=True)
    assert skipped.bad == 1 and len(skipped.sessions) == skipped.rows - 1
    out = tmp_path / "h.csv"
    r = _run("ingest", path, "-o", out)
    assert r.exit_code == 1 and f"line 4, column '{column}'" in r.output and "skip-bad-rows" not in r.output
    assert not out.exists()
    assert _run("ingest", path, "-o", out, "--skip-bad-lines").exit_code == 0 and out.exists()


def test_a_bad_age_in_the_creators_file_names_its_line(tmp_path):
    creators = tmp_path / "creators.csv"
    creators.write_text("creator_id,followers,category,creator_age,region\ncreator00,2370,other,5,US\n")
    r = _run("ingest", EXAMPLES / "live_summaries.csv", "-o", tmp_path / "h.csv", "--creators", creators)
    assert r.exit_code == 1 and f"{creators}, line 2, column 'creator_age'" in r.output, r.output
    assert "between 13 and 120" in r.output and "ingested history" not in r.output


def test_a_breach_of_the_built_history_names_creator_week_and_inputs(tmp_path):
    result = ingest([EXAMPLES / "live_summaries.csv"], diamond_usd=0.005)
    row = result.history.index[3]
    result.history.loc[row, "streams_per_week"] = 30.0
    with pytest.raises(InputError) as err:
        validate_outputs(result, tmp_path / "h.csv")
    text = str(err.value)
    who, week = result.history.loc[row, "creator_id"], str(result.history.loc[row, "week"])[:10]
    assert f"creator {who}, week {week}, column streams_per_week" in text and "live_summaries.csv" in text
    assert "--skip-bad-rows" not in text and "ingested history: row" not in text
