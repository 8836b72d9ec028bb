"""`livelift recommend --format json` has the HTTP shapes: one profile -> one object, a file -> a batch.

One profile (profile options, or a .json file holding one object) prints what
POST /v1/recommendations answers for one profile; a file of profiles (.csv,
.parquet, .jsonl, a .json list), whatever its row count, prints what it answers
for {"profiles": [...]}: {"results": [...], "count": n}, in file order.
"""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.web.app import create_app

PROFILE_KEYS = ("creator_id", "followers", "avg_viewers", "engagement_rate", "streams_per_week",
                "avg_stream_minutes", "retention_rate", "prior_weekly_diamonds", "category", "creator_age", "region")


def _json(args: list[str]) -> object:
    res = CliRunner().invoke(main, ["recommend", *args, "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def profiles(examples_dir) -> list[dict]:
    frame = pd.read_csv(examples_dir / "profiles.csv", keep_default_na=False)
    rows = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items() if k in PROFILE_KEYS and v != ""}
            for r in frame.head(3).to_dict("records")]
    assert len(rows) == 3
    return rows


@pytest.fixture(scope="module")
def http_batch(recommender, profiles, serving):
    """What the HTTP batch endpoint answers for the first n profiles."""
    with serving(create_app(recommender, coalesce=False)) as url:
        def post(n: int) -> dict:
            r = httpx.post(url + "/v1/recommendations", json={"profiles": profiles[:n]}, timeout=60)
            assert r.status_code == 200, r.text
            return r.json()

        yield {n: post(n) for n in (1, 3)}


def _write(kind: str, rows: list[dict], path) -> str:
    if kind == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    elif kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:  # a .json list
        path.write_text(json.dumps(rows))
    return str(path)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("n", [1, 3])
def test_a_file_prints_the_http_batch_shape_whatever_its_row_count(tmp_path, profiles, http_batch, kind, n):
    out = _json([_write(kind, profiles[:n], tmp_path / f"profiles.{kind}")])
    assert set(out) == {"results", "count"} and out["count"] == n
    assert [r["creator_id"] for r in out["results"]] == [p["creator_id"] for p in profiles[:n]]
    assert out == http_batch[n]


def test_one_profile_prints_one_recommendation_object_as_http_does(tmp_path, profiles, recommender, serving):
    one = profiles[1]
    (tmp_path / "me.json").write_text(json.dumps(one))
    flags = []
    for key, value in one.items():
        flags += [f"--{key.replace('_', '-')}", str(value)]
    from_file, from_flags = _json([str(tmp_path / "me.json")]), _json(flags)
    with serving(create_app(recommender, coalesce=False)) as url:
        http = httpx.post(url + "/v1/recommendations", json=one, timeout=60).json()
    assert from_file == from_flags == http
    assert "results" not in from_file and from_file["creator_id"] == one["creator_id"] and from_file["strategies"]


def test_rules_explain_still_takes_a_one_row_file(tmp_path, profiles):
    path = _write("csv", profiles[:1], tmp_path / "one.csv")
    res = CliRunner().invoke(main, ["rules", "explain", path, "--format", "json"])
    assert res.exit_code == 0, res.output
    many = CliRunner().invoke(main, ["rules", "explain", _write("csv", profiles, tmp_path / "three.csv")])
    assert many.exit_code == 1 and "holds 3 profiles" in many.output
