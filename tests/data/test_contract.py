"""The data contract's rules: every bad cell named by file, row and column; skipping bad rows; normalisation; parse_profile; totality."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelift.data.contract import parse_profile, read_history, read_profiles, validate_history, validate_profiles
from livelift.data.fields import ALL_STRATEGIES, CATEGORIES, HISTORY_COLUMNS, PROFILE_COLUMNS, TRUTH_PREFIX
from livelift.domain import Profile
from livelift.errors import InputError


HISTORY_NAMES = [c.name for c in HISTORY_COLUMNS]
PROFILE_NAMES = [c.name for c in PROFILE_COLUMNS]


junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["", " ", "NA", "nan", "1e3", "12.5", "gaming", "promote", "2024-01-01", "US", "-0", "inf"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


BAD_CELLS = [
    # column, raw text in the CSV, what the message says, the value it shows
    ("engagement_rate", "1.7", "out of range", "1.7"),
    ("retention_rate", "-0.1", "out of range", "-0.1"),
    ("streams_per_week", "22", "out of range", "22"),
    ("avg_stream_minutes", "0", "out of range", "0"),
    ("avg_stream_minutes", "1441", "out of range", "1441"),
    ("gift_diamonds", "-5", "out of range", "-5"),
    ("gift_diamonds", "inf", "not a finite number", "inf"),
    ("creator_age", "12", "out of range", "12"),
    ("creator_age", "121", "out of range", "121"),
    ("followers", "-1", "out of range", "-1"),
    ("followers", "abc", "not a number", "'abc'"),
    ("followers", "12.5", "not a whole number", "12.5"),
    ("followers", "true", "not a number", "'true'"),
    ("avg_viewers", "1,000", None, None),  # an unquoted comma shifts the fields: a row-shape error
    ("followers", "", "missing value", None),
    ("prior_weekly_diamonds", "NaN", "missing value", None),
    ("creator_id", "", "missing value", None),
    ("creator_id", "   ", "missing value", None),
    ("category", "", "missing value", None),
    ("strategy", "promot", "unknown strategy (did you mean 'promote'?)", "'promot'"),
    ("strategy", "", "missing value", None),
]


@pytest.mark.parametrize("column, text, message, shown", BAD_CELLS)
def test_bad_cell_names_file_row_column_and_value(tmp_path, column, text, message, shown, csv_with_cell, error_of):
    path = csv_with_cell(tmp_path, 7, column, text)
    err = error_of(read_history, path)
    out = str(err)
    assert str(path) in out
    assert "row 7" in out
    if message is None:  # the row has one field too many
        assert "has 13 fields, the header has 12" in out
        return
    assert f"column {column}" in out
    assert message in out
    assert err.loc == f"{path}: row 7, column {column}"
    expected = next(c for c in HISTORY_COLUMNS if c.name == column).expected
    assert err.expected == expected
    if shown is not None:
        assert f"(got {shown})" in out
    assert "--skip-bad-rows" in out


def test_the_documented_example_reads_cleanly(tmp_path, csv_with_cell, error_of):
    path = csv_with_cell(tmp_path, 17, "engagement_rate", "1.7")
    assert str(error_of(read_history, path)).splitlines()[0] == (
        f"{path}: row 17, column engagement_rate: out of range; expected a number between 0 and 1 (got 1.7)"
    )


def test_first_bad_cell_by_row_order_and_at_most_five(tmp_path, make_history, error_of):
    df = make_history(30).astype({"followers": object, "creator_age": object})
    df.loc[9, "followers"] = -3
    df.loc[4, "creator_age"] = 200
    for i in (12, 14, 16, 18, 20, 22):
        df.loc[i, "strategy"] = "nope"
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    err = error_of(read_history, path)
    assert err.loc.endswith("row 5, column creator_age")
    assert len(err.problems) == 5
    assert [p.loc.split(": ")[1].split(",")[0] for p in err.problems] == ["row 5", "row 10", "row 13", "row 15", "row 17"]
    assert str(err).startswith(f"{path}: 8 bad rows")


def test_bad_week_and_region(tmp_path, make_history, error_of):
    df = make_history(5)
    df["week"] = ["2024-01-01", "2024-01-08", "2024-13-01", "2024-01-22", None]
    df["region"] = ["US", "kr", " gb ", "ZZ", ""]
    path = tmp_path / "opt.csv"
    df.to_csv(path, index=False)
    err = error_of(read_history, path)
    assert err.problems[0].loc == f"{path}: row 3, column week"
    assert "not a valid date" in str(err) and "'2024-13-01'" in str(err)
    assert err.problems[1].loc == f"{path}: row 4, column region"
    assert "unknown country code" in str(err) and "'ZZ'" in str(err)
    result = read_history(path, skip_bad_rows=True)
    assert result.frame["region"].tolist()[:2] == ["US", "KR"]
    assert pd.isna(result.frame["region"].iloc[2]) and pd.isna(result.frame["week"].iloc[2])
    assert result.skipped == 2


def test_missing_column_suggests_the_misspelt_header(tmp_path, make_history, error_of):
    path = tmp_path / "h.csv"
    make_history().rename(columns={"followers": "folowers"}).to_csv(path, index=False)
    out = str(error_of(read_history, path))
    assert "missing required column 'followers'" in out
    assert "did you mean 'followers'?" in out and "'folowers'" in out
    assert "creator_id, followers, avg_viewers" in out  # lists the required columns


def test_all_missing_columns_in_one_message(tmp_path, make_history, error_of):
    path = tmp_path / "h.csv"
    make_history().drop(columns=["strategy", "gift_diamonds"]).to_csv(path, index=False)
    out = str(error_of(read_history, path))
    assert "missing required columns 'strategy', 'gift_diamonds'" in out
    read_profiles(path)  # profiles do not need them


def test_duplicate_column(tmp_path, make_history, error_of):
    path = tmp_path / "h.csv"
    text = make_history(3).to_csv(index=False).splitlines()
    path.write_text("\n".join([text[0] + ",followers"] + [line + ",5" for line in text[1:]]) + "\n")
    assert "column 'followers' appears 2 times" in str(error_of(read_history, path))


def test_skip_bad_rows_counts_and_keeps_first_five_reasons(tmp_path, make_history):
    df = make_history(40).astype({"engagement_rate": object})
    bad_rows = [2, 5, 8, 11, 14, 17, 20]
    for i in bad_rows:
        df.loc[i, "engagement_rate"] = "high"
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    result = read_history(path, skip_bad_rows=True)
    assert result.rows_read == 40 and result.skipped == 7 and len(result.frame) == 33
    assert len(result.reasons) == 5
    assert result.reasons[0] == f"{path}: row 3, column engagement_rate: not a number; expected a number between 0 and 1 (got 'high')"
    assert [r.split(": ")[1].split(",")[0] for r in result.reasons] == ["row 3", "row 6", "row 9", "row 12", "row 15"]
    assert list(result.frame.index) == list(range(33))
    kept = make_history(40).drop(index=bad_rows).reset_index(drop=True)
    assert result.frame["creator_id"].tolist() == kept["creator_id"].tolist()


def test_skip_bad_rows_with_nothing_left_is_an_error(tmp_path, make_history, error_of):
    df = make_history(3)
    df["creator_age"] = 5
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    out = str(error_of(read_history, path, skip_bad_rows=True))
    assert "all 3 rows are bad" in out and "row 1, column creator_age" in out


def test_unknown_category_maps_to_other_with_one_note(tmp_path, make_history):
    df = make_history(10)
    df["category"] = ["cooking", "asmr", "Gaming", " MUSIC ", "cooking", "other", "talk", "pets", "cooking", "travel"]
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    result = read_history(path)
    cats = result.frame["category"]
    assert list(cats.cat.categories) == list(CATEGORIES)
    assert cats.tolist() == ["other", "other", "gaming", "music", "other", "other", "talk", "other", "other", "other"]
    assert len(result.notes) == 1
    note = result.notes[0]
    assert note.startswith("category: 6 rows had unknown values ('cooking', 'asmr', 'pets', ...) mapped to 'other'")


def test_canonical_dtypes_truth_kept_unknown_dropped(tmp_path, make_history):
    df = make_history(6)
    df["strategy"] = df["strategy"].str.upper()
    df[f"{TRUTH_PREFIX}promote"] = 12.5
    df[f"{TRUTH_PREFIX}bogus"] = 1.0
    df["notes"] = "x"
    df["likes"] = [1, None, 3, 4, 5, 6]
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    result = read_history(path)
    frame = result.frame
    assert list(frame.columns) == HISTORY_NAMES + ["likes", f"{TRUTH_PREFIX}promote"]
    assert pd.api.types.is_string_dtype(frame["creator_id"])
    assert frame["followers"].dtype == np.int64 and frame["creator_age"].dtype == np.int64
    assert frame["engagement_rate"].dtype == np.float64 and frame[f"{TRUTH_PREFIX}promote"].dtype == np.float64
    assert list(frame["strategy"].cat.categories) == list(ALL_STRATEGIES)
    assert frame["strategy"].tolist() == make_history(6)["strategy"].tolist()
    assert math.isnan(frame["likes"].iloc[1])
    assert result.notes == (f"ignored 2 unknown columns (not in the data contract): '{TRUTH_PREFIX}bogus', 'notes'",)
    assert "true_uplift_promote" not in read_profiles(path).frame.columns


def test_validate_frame_does_not_touch_the_input(make_history, error_of):
    df = make_history(8)
    df.index = range(100, 108)
    df.loc[103, "category"] = "Cooking"
    before = df.copy()
    result = validate_history(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(result.frame.index) == list(range(8))
    assert result.source == "<DataFrame>" and result.rows_read == 8 and result.skipped == 0
    df.loc[105, "followers"] = -1
    assert error_of(validate_history, df, source="mine").loc == "mine: row 6, column followers"


def test_validate_profiles_with_an_empty_frame(make_history, error_of):
    assert "no rows" in str(error_of(validate_profiles, make_history(0)))


def test_parse_profile_normalises(profile_dict):
    p = parse_profile(profile_dict(followers=5200, creator_age=30.0, category=" Beauty ", region="kr", extra=1))
    assert p == Profile(
        creator_id="c1", followers=5200, avg_viewers=40.5, engagement_rate=0.12, streams_per_week=3.0,
        avg_stream_minutes=90.0, retention_rate=0.4, prior_weekly_diamonds=800.0, category="beauty",
        creator_age=30, region="KR",
    )  # fmt: skip
    assert type(p.followers) is int and type(p.avg_viewers) is float
    assert parse_profile(profile_dict(category="cooking", creator_id=42)).category == "other"
    assert parse_profile(profile_dict(creator_id=42)).creator_id == "42"
    assert parse_profile(profile_dict()).region is None


@pytest.mark.parametrize(
    "changes, loc, message",
    [
        ({"engagement_rate": 1.7}, "engagement_rate", "out of range; expected a number between 0 and 1 (got 1.7)"),
        ({"followers": True}, "followers", "true/false is not a number"),
        ({"followers": 12.5}, "followers", "not a whole number"),
        ({"followers": "many"}, "followers", "not a number; expected an integer between 0 and 1,000,000,000 (got 'many')"),
        ({"avg_viewers": None}, "avg_viewers", "missing value"),
        ({"creator_id": ""}, "creator_id", "missing value; expected a non-empty string"),
        ({"creator_id": 1.5}, "creator_id", "not text"),
        ({"category": ["gaming"]}, "category", "not text"),
        ({"region": "XX"}, "region", "unknown country code"),
        ({"creator_age": float("inf")}, "creator_age", "not a finite number"),
    ],
)
def test_parse_profile_errors(changes, loc, message, profile_dict, error_of):
    err = error_of(parse_profile, profile_dict(**changes), source="profiles[3]")
    assert err.loc == f"profiles[3].{loc}"
    assert message in str(err)


def test_parse_profile_missing_and_misspelt_fields(profile_dict, error_of):
    data = profile_dict()
    data["folowers"] = data.pop("followers")
    del data["creator_age"]
    err = error_of(parse_profile, data)
    assert [p.loc for p in err.problems] == ["profile.followers", "profile.creator_age"]
    assert "did you mean 'followers'?" in str(err)
    assert "not_a_mapping" not in str(err)
    assert "must be an object" in str(error_of(parse_profile, ["not", "a", "mapping"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), rows=st.integers(min_value=0, max_value=4), skip=st.booleans())
def test_any_small_frame_gives_a_result_or_input_error(tmp_path, data, rows, skip, make_history, is_total):
    base = make_history(max(rows, 1)).head(rows).astype(object)
    names = data.draw(st.lists(st.sampled_from(HISTORY_NAMES + ["week", "region", "likes", "zz"]), max_size=5))
    for name in names:
        base[name] = data.draw(st.lists(junk_values, min_size=rows, max_size=rows))
    drop = data.draw(st.sampled_from([None, *HISTORY_NAMES]))
    if drop and drop in base:
        base = base.drop(columns=[drop])
    is_total(validate_history, base, skip_bad_rows=skip)
    is_total(validate_profiles, base, skip_bad_rows=skip)
    if rows:
        for ext in (".json", ".parquet"):
            path = tmp_path / f"frame{ext}"
            try:
                if ext == ".json":
                    path.write_text(json.dumps(base.to_dict(orient="records"), default=str))
                else:
                    base.astype(str).to_parquet(path)
            except (TypeError, ValueError, OverflowError):
                continue
            is_total(read_history, path, skip_bad_rows=skip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PROFILE_NAMES + ["region", "x"]), junk_values, max_size=12), st.booleans())
def test_parse_profileis_total(profile_dict, extra, fill):
    data = {**profile_dict(), **extra} if fill else extra
    try:
        profile = parse_profile(data)
    except InputError as err:
        assert err.loc.startswith("profile")
    else:
        assert isinstance(profile, Profile)
        assert profile.category in CATEGORIES and 13 <= profile.creator_age <= 120


BIG_INTS = [9223372036854775808, 10**20, 1e20]


@pytest.mark.parametrize("big", BIG_INTS)
def test_integers_beyond_int64_are_out_of_range_not_corrupted(tmp_path, big, make_history, profile_dict, csv_with_cell, error_of):
    """2^63 and more used to wrap to -9.2e18 in .astype(np.int64), silently."""
    expected_msg = "out of range (too large for a 64-bit integer"
    for ext in (".json", ".jsonl"):
        path = tmp_path / f"p{ext}"
        rows = [profile_dict(), profile_dict(followers=big)]
        path.write_text(json.dumps(rows) if ext == ".json" else "\n".join(json.dumps(r) for r in rows))
        err = error_of(read_profiles, path)
        assert err.loc == f"{path}: row 2, column followers" and expected_msg in err.msg
        assert type(err.input) in (int, float) and err.input == big and "np." not in str(err)
        kept = read_profiles(path, skip_bad_rows=True)
        assert kept.skipped == 1 and kept.frame["followers"].tolist() == [5200]
    csv = csv_with_cell(tmp_path, 3, "followers", str(int(big)))
    err = error_of(read_history, csv)
    assert err.loc == f"{csv}: row 3, column followers" and expected_msg in err.msg
    assert type(err.input) is float and "np." not in str(err)
    frame = make_history(4).astype({"followers": object})
    frame.loc[1, "followers"] = big
    err = error_of(validate_history, frame)
    assert err.loc == "<DataFrame>: row 2, column followers" and "np." not in str(err)
    err = error_of(parse_profile, profile_dict(followers=big))
    assert err.loc == "profile.followers" and expected_msg in err.msg


def test_large_but_valid_numbers_still_read(tmp_path, make_history):
    frame = make_history(3)
    frame.loc[0, "followers"] = 10**9  # the documented upper bound: valid
    frame.loc[0, "gift_diamonds"] = 1e308  # finite, >= 0, no upper bound: valid
    result = validate_history(frame)
    assert result.frame["followers"].iloc[0] == 10**9 and result.frame["gift_diamonds"].iloc[0] == 1e308
    frame.loc[0, "followers"] = 10**9 + 1
    with pytest.raises(InputError, match="between 0 and 1,000,000,000"):
        validate_history(frame)


@pytest.mark.parametrize("field, value", [("followers", "5200"), ("avg_viewers", "40.5"), ("creator_age", " 24 ")])
def test_json_typed_number_fields_refuse_strings_like_http(tmp_path, field, value, profile_dict, error_of):
    err = error_of(parse_profile, profile_dict(**{field: value}))
    assert err.loc == f"profile.{field}" and "remove the quotes" in err.msg and err.input == value
    for ext in (".json", ".jsonl"):
        path = tmp_path / f"p{ext}"
        rows = [profile_dict(), profile_dict(**{field: value})]
        path.write_text(json.dumps(rows) if ext == ".json" else "\n".join(json.dumps(r) for r in rows))
        err = error_of(read_profiles, path)
        assert err.loc == f"{path}: row 2, column {field}" and "remove the quotes" in err.msg
    # CSV is text: the same value is a number there
    csv = tmp_path / "p.csv"
    pd.DataFrame([profile_dict(**{field: value})]).to_csv(csv, index=False)
    assert len(read_profiles(csv).frame) == 1
    assert "true/false" in str(error_of(parse_profile, profile_dict(**{field: True})))


def test_creator_id_as_json_number_is_text_everywhere(tmp_path, profile_dict):
    assert parse_profile(profile_dict(creator_id=123)).creator_id == "123"
    path = tmp_path / "p.json"
    path.write_text(json.dumps([profile_dict(creator_id=123), profile_dict(creator_id="c2")]))
    assert read_profiles(path).frame["creator_id"].tolist() == ["123", "c2"]


def test_unknown_keys_noted_for_files_and_misspellings_refused_in_parse_profile(tmp_path, profile_dict, error_of):
    path = tmp_path / "p.json"
    path.write_text(json.dumps([profile_dict(foo=1)]))
    assert read_profiles(path).notes == ("ignored 1 unknown field (not in the data contract): 'foo'",)
    err = error_of(parse_profile, profile_dict(folowers=5))  # followers present too: still a mistake
    assert err.loc == "profile.folowers" and "did you mean 'followers'?" in err.msg
    assert "did you mean 'creator_age'" in str(error_of(parse_profile, profile_dict(Creator_Age=30)))
    assert parse_profile(profile_dict(banana=1, notes="x")).followers == 5200  # unrelated keys: ignored

