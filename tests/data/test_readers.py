"""Reading files: every whole-file problem is one clear error; every format round-trips; any bytes give a result or an InputError."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.data.contract import parse_profile, read_history, read_profiles, validate_history
from livelift.data.fields import HISTORY_COLUMNS, PROFILE_COLUMNS, TRUTH_PREFIX
from livelift.data.writers import write_frame


HISTORY_NAMES = [c.name for c in HISTORY_COLUMNS]
PROFILE_NAMES = [c.name for c in PROFILE_COLUMNS]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "empty file (0 bytes); expected a header row, then data rows (history)"),
        ("empty.parquet", b"", "empty file (0 bytes); expected a Parquet table (history)"),
        ("empty.json", b"", "empty file (0 bytes); expected a JSON list of objects (history)"),
        ("empty.jsonl", b"", "empty file (0 bytes); expected one JSON object per line (history)"),
        ("header.csv", (",".join(HISTORY_NAMES) + "\n").encode(), "no data rows"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("latin1.csv", (",".join(HISTORY_NAMES) + "\n").encode() + "caf\xe9,1\n".encode("latin-1"), "not UTF-8"),
        ("latin1head.csv", "caf\xe9,x\n1,2\n".encode("latin-1"), "not UTF-8"),
        ("semi.csv", (";".join(HISTORY_NAMES) + "\n").encode(), "looks ';'-delimited; livelift reads comma-separated CSV"),
        ("tab.csv", ("\t".join(HISTORY_NAMES) + "\n").encode(), "looks tab-delimited"),
        ("blank.csv", b"\n\n", "the first line is empty"),
        ("bad.parquet", b"PAR1 this is not really parquet", "not a valid Parquet file"),
        ("parquet.csv", b"PAR1\x00\x00", "this is a Parquet file, not CSV"),
        ("bad.json", b'[{"creator_id": "a",', "not valid JSON"),
        ("string.json", b'"hello"', "not an object or a list of objects"),
        ("numbers.json", b"[1, 2]", "record 1 is not an object"),
        ("emptylist.json", b"[]", "no records"),
        ("bad.jsonl", b'{"creator_id": "a"}\n{"creator_id": \n', "line 2: not valid JSON"),
        ("list.jsonl", b"[1]\n", "line 1: not a JSON object"),
        ("blank.jsonl", b"\n\n  \n", "no records"),
        ("latin1.json", '{"creator_id": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
        ("utf16.csv", (",".join(HISTORY_NAMES) + "\n").encode("utf-16"), "UTF-16 text, not UTF-8; expected a comma-separated CSV file saved as UTF-8"),
        ("utf16be.csv", b"\xfe\xff" + (",".join(HISTORY_NAMES) + "\n").encode("utf-16-be"), "UTF-16 text, not UTF-8"),
        ("utf16.jsonl", '{"creator_id": "a"}\n'.encode("utf-16"), "UTF-16 text, not UTF-8; expected a JSON file saved as UTF-8"),
        ("data.txt", b"a,b\n1,2\n", "unknown file type"),
    ],
)
def test_whole_file_problems(tmp_path, name, content, message, error_of):
    path = tmp_path / name
    path.write_bytes(content)
    err = error_of(read_history, path)
    assert str(path) in str(err)
    assert message in str(err)
    if name == "data.txt":
        assert ".csv, .parquet, .pq, .json, .jsonl, .ndjson" in str(err)


def test_missing_file_and_folder(tmp_path, error_of):
    assert "file not found" in str(error_of(read_history, tmp_path / "nope.csv"))
    folder = tmp_path / "data.csv"
    folder.mkdir()
    assert "is a folder, not a file" in str(error_of(read_history, folder))
    assert "is a folder" in str(error_of(read_profiles, tmp_path))


def test_malformed_row_keeps_later_row_numbers_right(tmp_path, make_history, error_of):
    lines = make_history(12).to_csv(index=False).splitlines()
    lines[3] += ",extra"
    cells = lines[9].split(",")
    cells[3] = "7"  # engagement_rate of data row 9
    lines[9] = ",".join(cells)
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    err = error_of(read_history, path)
    assert [p.loc for p in err.problems] == [f"{path}: row 3", f"{path}: row 9, column engagement_rate"]
    result = read_history(path, skip_bad_rows=True)
    assert (result.rows_read, result.skipped, len(result.frame)) == (12, 2, 10)


def test_quoted_values_spanning_lines_are_read(tmp_path, make_history, error_of):
    df = make_history(6)
    df["notes"] = ["a", "two\nlines", "b", "c", "d", "e"]
    df.loc[4, "retention_rate"] = 3.0
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    assert error_of(read_history, path).loc == f"{path}: row 5, column retention_rate"
    assert len(read_history(path, skip_bad_rows=True).frame) == 5


def test_wrong_types_in_parquet_and_json(tmp_path, make_history, error_of):
    df = make_history(4)
    df["followers"] = [True, False, True, False]
    path = tmp_path / "h.parquet"
    df.to_parquet(path)
    out = str(error_of(read_history, path))
    assert "row 1, column followers: true/false is not a number" in out and "(got True)" in out

    records = make_history(4).to_dict(orient="records")
    records[2]["avg_viewers"] = {"nested": 1}
    records[3]["creator_id"] = ["a"]
    path = tmp_path / "h.json"
    path.write_text(json.dumps(records))
    err = error_of(read_history, path)
    assert err.problems[0].loc == f"{path}: row 3, column avg_viewers"
    assert err.problems[0].msg == "not a number"
    assert err.problems[1].loc == f"{path}: row 4, column creator_id"


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".json", ".jsonl"])
def test_round_trip_every_format(tmp_path, ext, make_history):
    df = make_history(25)
    df["week"] = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(25) % 4 * 7, unit="D")
    df["region"] = ["US", "KR", None, "NA", "GB"] * 5  # 'NA' is Namibia, not missing
    df[f"{TRUTH_PREFIX}collaborate"] = np.linspace(-1, 1, 25)
    first = validate_history(df).frame
    path = write_frame(first, tmp_path / f"h{ext}")
    again = read_history(path)
    assert again.notes == () and again.skipped == 0
    pd.testing.assert_frame_equal(first, again.frame, check_exact=False, rtol=1e-12)
    assert again.frame["region"].iloc[3] == "NA"


def test_read_profiles_json_object_list_and_history_shaped(tmp_path, make_history, profile_dict):
    one = tmp_path / "one.json"
    one.write_text(json.dumps(profile_dict(region="kr")))
    frame = read_profiles(one).frame
    assert list(frame.columns) == PROFILE_NAMES + ["region"] and frame["region"].tolist() == ["KR"]
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"profiles": [profile_dict(), profile_dict(creator_id="c2")]}))
    assert read_profiles(body).frame["creator_id"].tolist() == ["c1", "c2"]
    many = tmp_path / "many.ndjson"
    many.write_text("\n".join(json.dumps(profile_dict(creator_id=f"c{i}")) for i in range(3)) + "\n\n")
    assert read_profiles(many).frame["creator_id"].tolist() == ["c0", "c1", "c2"]
    hist = tmp_path / "h.pq"
    make_history(5).to_parquet(hist)
    result = read_profiles(hist)
    assert list(result.frame.columns) == PROFILE_NAMES and result.notes == ()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(HISTORY_NAMES + ["", "x", ";", '"']), max_size=14).map(
            lambda names: (",".join(names) + "\n1,2,3\n,,\n").encode()
        ),
    ),
    ext=st.sampled_from([".csv", ".json", ".jsonl", ".parquet"]),
    skip=st.booleans(),
)
def test_any_bytes_give_a_result_or_input_error(tmp_path, content, ext, skip, is_total):
    path = tmp_path / f"f{ext}"
    path.write_bytes(content)
    is_total(read_history, path, skip_bad_rows=skip)
    is_total(read_profiles, path, skip_bad_rows=skip)


def test_deeply_nested_values_give_one_line_errors(tmp_path, make_history, profile_dict, error_of):
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    for call, loc in ((parse_profile, "profile.followers"),):
        err = error_of(call, profile_dict(followers=deep))
        assert err.loc == loc and "not a number" in err.msg and len(str(err)) < 400
        assert err.as_dicts()[0]["input"].startswith("[[[")
    frame = make_history(2).astype({"avg_viewers": object})
    frame.at[0, "avg_viewers"] = deep
    err = error_of(validate_history, frame)
    assert "row 1, column avg_viewers: not a number" in str(err)
    nested = "[" * 100_000 + "]" * 100_000
    for ext, reader in ((".json", read_profiles), (".jsonl", read_profiles), (".json", read_history), (".jsonl", read_history)):
        path = tmp_path / f"deep{ext}"
        path.write_text(nested)
        err = error_of(reader, path)
        assert "nested too deeply" in str(err) and "\n" not in str(err)
    path = tmp_path / "deep_value.json"
    path.write_text('{"creator_id": ' + nested + "}")
    assert "nested too deeply" in str(error_of(read_profiles, path))



def test_parquet_string_numbers_read_like_csv_text(tmp_path, make_history, error_of):
    """README, 'How values are read': numbers in a Parquet string column read as CSV text does."""
    frame = make_history(3)
    frame["followers"] = frame["followers"].astype(str)
    frame.to_parquet(tmp_path / "s.parquet")
    assert read_history(tmp_path / "s.parquet").frame["followers"].tolist() == [int(v) for v in frame["followers"]]
    frame.loc[1, "followers"] = "5200.5"
    frame.to_parquet(tmp_path / "bad.parquet")
    err = error_of(read_history, tmp_path / "bad.parquet")
    assert "row 2, column followers: not a whole number" in str(err)
