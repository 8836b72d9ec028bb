"""One rule for `region` at every boundary: the data contract's value rule (data/values.py).

Blank (``""``, spaces) means "not given", surrounding spaces are stripped and
the code is upper-cased, anything else must be an ISO 3166 alpha-2 code. The
Python API, a CSV file, a JSON file, the CLI's ``--region``, the page's form and
the HTTP body (one profile and a batch) all answer the same.
"""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from livelift import InputError
from livelift.cli import main
from livelift.data.contract import parse_profile, read_profiles
from livelift.data.fields import column
from livelift.data.values import OK, check_value
from livelift.web.app import create_app
from livelift.web.page.forms import parse_form

CASES = [("", None), ("   ", None), ("\t", None), (" kr ", "KR"), ("us", "US"), ("NA", "NA")]
"""(text, what the value rule makes of it): blank is not given; 'NA' is Namibia, not a null word."""
BAD = ["ZZ", "U S", "USA"]


def _rule(text: str):
    status, value = check_value(column("region"), text, strict=True)
    return value if status == OK else "bad"


def _flags(profile: dict) -> list[str]:
    """The profile as `livelift recommend` options (--followers 5200 ...)."""
    return [a for key, value in profile.items() for a in (f"--{key.replace('_', '-')}", str(value))]


@pytest.fixture(scope="module")
def http(recommender, serving):
    with serving(create_app(recommender, coalesce=False)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


@pytest.mark.parametrize("text,want", CASES)
def test_each_boundary_reads_a_region_as_the_value_rule_does(tmp_path, example_profile, http, text, want):
    assert _rule(text) == want
    assert parse_profile({**example_profile, "region": text}).region == want  # Python API

    csv = tmp_path / "p.csv"
    pd.DataFrame([{**example_profile, "region": text}]).to_csv(csv, index=False)
    cell = read_profiles(csv).frame["region"].iloc[0]
    assert (None if cell != cell else cell) == want  # a file: missing is NaN

    (tmp_path / "p.json").write_text(json.dumps({**example_profile, "region": text}))
    from_file = CliRunner().invoke(main, ["recommend", str(tmp_path / "p.json"), "--format", "json"])
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout)["profile"]["region"] == want

    flags = _flags(example_profile)
    cli = CliRunner().invoke(main, ["recommend", *flags, "--region", text, "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["profile"]["region"] == want

    form = {k: str(v) for k, v in example_profile.items()} | {"region": text}
    assert parse_form(form).region == want

    one = http.post("/v1/recommendations", json={**example_profile, "region": text})
    assert one.status_code == 200, one.text
    assert one.json()["profile"]["region"] == want
    batch = http.post("/v1/recommendations", json={"profiles": [{**example_profile, "region": text}]})
    assert batch.status_code == 200 and batch.json()["results"][0]["profile"]["region"] == want


@pytest.mark.parametrize("text", BAD)
def test_each_boundary_refuses_what_the_value_rule_refuses(tmp_path, example_profile, http, text):
    assert _rule(text) == "bad"
    with pytest.raises(InputError, match="region"):
        parse_profile({**example_profile, "region": text})
    csv = tmp_path / "p.csv"
    pd.DataFrame([{**example_profile, "region": text}]).to_csv(csv, index=False)
    with pytest.raises(InputError, match="column region"):
        read_profiles(csv)
    flags = _flags(example_profile)
    cli = CliRunner().invoke(main, ["recommend", *flags, "--region", text])
    assert cli.exit_code == 1 and "region" in cli.output and "ISO 3166" in cli.output
    with pytest.raises(InputError, match="region"):
        parse_form({k: str(v) for k, v in example_profile.items()} | {"region": text})
    r = http.post("/v1/recommendations", json={**example_profile, "region": text})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "region"] and err["input"] == text and "ISO 3166" in err["ctx"]["expected"]


def test_null_over_http_is_not_given_too(example_profile, http):
    r = http.post("/v1/recommendations", json={**example_profile, "region": None})
    assert r.status_code == 200 and r.json()["profile"]["region"] is None
