"""A summary table saved with another delimiter (Excel in many locales writes ';') is named as such,
by the same header check the contract reader (recommend, train) uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.errors import InputError
from livelift.ingest.summaries import read_summaries

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("sep, word", [(";", "';'-delimited"), ("\t", "tab-delimited")])
def test_other_delimiters_are_named(tmp_path, sep, word):
    path = tmp_path / "summaries.csv"
    path.write_text((EXAMPLES / "live_summaries.csv").read_text().replace(",", sep))
    with pytest.raises(InputError) as err:
        read_summaries(path)
    assert word in str(err.value) and "got []" not in str(err.value) and err.value.loc == str(path)
    r = CliRunner().invoke(main, ["ingest", str(path), "-o", str(tmp_path / "h.csv")])
    assert r.exit_code == 1 and word in r.output and "missing column" not in r.output
