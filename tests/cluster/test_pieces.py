"""The Dask engine's parts that need no cluster: files, pieces, row numbers, the commit protocol."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from livelift.cluster import output
from livelift.cluster.inputs import InputFile, Piece, cut_pieces, file_rows, list_inputs
from livelift.cluster.parts import read_piece, score_piece
from livelift.data.contract import validate_profiles
from livelift.errors import InputError
from livelift.recommender.simulate import simulate_history


@pytest.fixture(scope="module")
def rows():
    df = simulate_history(creators=500, weeks=1, seed=5)
    df["creator_id"] = [f"u{i:04d}" for i in range(len(df))]
    return df


def spans(pieces):
    return [(p.file.url, p.start, p.stop) for p in pieces]


def test_pieces_follow_row_groups_and_cut_big_groups():
    pq_file, csv_file = InputFile("a.parquet", "parquet"), InputFile("b.csv", "csv")
    assert spans(cut_pieces([pq_file, csv_file], [(100, 100, 100), ()], 150)) == [
        ("a.parquet", 0, 100), ("a.parquet", 100, 200), ("a.parquet", 200, 300), ("b.csv", 0, None)]
    assert spans(cut_pieces([pq_file], [(10,) * 10], 25)) == [("a.parquet", a, a + 20) for a in range(0, 100, 20)]
    assert spans(cut_pieces([pq_file], [(1000,)], 300)) == [("a.parquet", a, a + 250) for a in (0, 250, 500, 750)]
    pieces = cut_pieces([pq_file, pq_file], [(50, 50, 700, 50), (0,)], 200)
    assert [p.index for p in pieces] == list(range(len(pieces)))
    assert spans(pieces)[0] == ("a.parquet", 0, 100) and pieces[-1].stop == 850  # every row once, in order
    assert all(a.stop == b.start for a, b in zip(pieces, pieces[1:]))


def test_listing_a_folder_skips_hidden_and_notes_unknown_files(tmp_path, rows):
    (tmp_path / "sub").mkdir()
    rows.to_parquet(tmp_path / "b.parquet")
    rows.to_csv(tmp_path / "sub" / "a.csv", index=False)
    (tmp_path / "_meta.parquet").write_bytes(b"")
    (tmp_path / ".hidden.csv").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    files, notes = list_inputs(str(tmp_path))
    assert files == [InputFile(str(tmp_path / "b.parquet"), "parquet"), InputFile(str(tmp_path / "sub" / "a.csv"), "csv")]
    assert notes == ["ignored 1 file(s) that are not .parquet/.pq/.csv: notes.txt"]
    assert [f.url for f in list_inputs(str(tmp_path / "*.parquet"))[0]] == [str(tmp_path / "b.parquet")]
    assert list_inputs(f"file://{tmp_path}/b.parquet")[0] == [InputFile(str(tmp_path / "b.parquet"), "parquet")]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "not found"),
    (lambda p: (p / "x.txt").write_text("x") and p / "x.txt", "unknown file type"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no .parquet or .csv files here"),
])
def test_unusable_datasets_are_input_errors(tmp_path, make, message):
    with pytest.raises(InputError, match=message):
        list_inputs(str(make(tmp_path)))


def test_a_piece_reports_rows_of_the_file(tmp_path, rows):
    bad = rows.copy()
    bad.loc[321, "followers"] = -1
    bad.to_parquet(tmp_path / "f.parquet", row_group_size=100)
    f = InputFile(str(tmp_path / "f.parquet"), "parquet")
    sizes = file_rows(f)
    assert sizes == (100,) * 5
    pieces = cut_pieces([f], [sizes], 100)
    with pytest.raises(InputError) as err:
        read_piece(pieces[3], skip_bad_rows=False)
    assert f"{f.url}: row 322, column followers" in str(err.value)
    skipped = read_piece(pieces[3], skip_bad_rows=True)
    assert (skipped.rows_read, skipped.skipped, len(skipped.frame)) == (100, 1, 99)
    assert "row 322" in skipped.reasons[0]
    # a piece cut inside a row group reads only its own rows
    inner = read_piece(Piece(0, f, 150, 170, sizes), skip_bad_rows=False)
    assert list(inner.frame["creator_id"]) == list(rows["creator_id"].iloc[150:170])


def test_validate_profiles_first_row_and_allow_empty(rows):
    bad = rows.iloc[:3].copy()
    bad["creator_age"] = 5
    with pytest.raises(InputError, match=r"f.csv: row 1001, column creator_age"):
        validate_profiles(bad, source="f.csv", first_row=1001)
    with pytest.raises(InputError, match="all 3 rows are bad"):
        validate_profiles(bad, source="f.csv", skip_bad_rows=True)
    empty = validate_profiles(bad, source="f.csv", skip_bad_rows=True, allow_empty=True)
    assert (len(empty.frame), empty.rows_read, empty.skipped) == (0, 3, 3)


def test_all_bad_csv_is_an_empty_piece_when_skipping(tmp_path, rows):
    bad = rows.iloc[:4].copy()
    bad["followers"] = "lots"
    bad.to_csv(tmp_path / "c.csv", index=False)
    piece = Piece(0, InputFile(str(tmp_path / "c.csv"), "csv"), 0, None)
    result = read_piece(piece, skip_bad_rows=True)
    assert (len(result.frame), result.rows_read, result.skipped, len(result.reasons)) == (0, 4, 4, 4)
    with pytest.raises(InputError, match="c.csv: 4 bad rows"):
        read_piece(piece, skip_bad_rows=False)


def test_recommender_pickles_without_its_engine_and_scores_the_same(recommender, rows, tmp_path):
    frame = validate_profiles(rows).frame
    copy = pickle.loads(pickle.dumps(recommender))
    assert copy._engine is None and copy.ruleset.rules == recommender.ruleset.rules
    pd.testing.assert_frame_equal(copy.long_table(frame, threads=1), recommender.long_table(frame))
    # one task's work, in process: the part holds the local engine's table
    rows.to_parquet(tmp_path / "in.parquet")
    f = InputFile(str(tmp_path / "in.parquet"), "parquet")
    (tmp_path / "out").mkdir()
    res = score_piece(Piece(7, f, 0, 500, file_rows(f)), copy, str(tmp_path / "out"), False)
    assert (res.part, res.profiles, res.out_rows) == ("part-00007.parquet", 500, 3000)  # 6 rows a profile: none and five strategies
    part = pd.read_parquet(tmp_path / "out" / res.part)
    pd.testing.assert_frame_equal(part, recommender.long_table(frame), check_categorical=False)


def test_commit_protocol(tmp_path):
    out = tmp_path / "scores"
    tmp = output.prepare(str(out))
    assert not out.exists() and tmp.startswith(str(tmp_path / ".scores.livelift-tmp-"))
    (tmp_path / tmp / "part-00000.parquet").write_bytes(b"p0")
    (tmp_path / tmp / ".part-00001.parquet.abc.inprogress").write_bytes(b"killed task")
    with pytest.raises(RuntimeError, match="missing"):
        output.commit(tmp, str(out), ["part-00000.parquet", "part-00001.parquet"], {})
    assert not out.exists()
    output.commit(tmp, str(out), ["part-00000.parquet"], {"rows": 5})
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS.json", "part-00000.parquet"]
    assert json.loads((out / "_SUCCESS.json").read_text()) == {"rows": 5}
    with pytest.raises(InputError, match="not empty"):
        output.prepare(str(out))
    again = output.prepare(str(tmp_path / "other"))
    output.abort(again)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores"]
    with pytest.raises(InputError, match="folder does not exist"):
        output.prepare(str(tmp_path / "no" / "such"))


def test_input_errors_survive_pickling_between_processes():
    """Errors raised on a worker reach the client pickled: the message must not change."""
    err = InputError.from_problems([validate_error()], headline=None, hint="fix it")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and "NO_INPUT" not in str(back)


def validate_error():
    from livelift.errors import Problem

    return Problem("f.csv: row 3, column category", "missing value", "one of gaming, music")


def test_progress_line_shows_rate_and_ends_with_a_newline():
    import io

    from livelift.text.progress import RateLine

    buf = io.StringIO()
    line = RateLine(buf)
    line(1, 4, 25_000, 2.0)
    line(4, 4, 100_000, 8.0)
    text = buf.getvalue()
    assert "\r  1/4 parts  25,000 profiles  12.5k profiles/s  eta 6 s" in text
    last = text.rsplit("\r", 1)[1]
    assert last.rstrip() == "  4/4 parts  100,000 profiles  12.5k profiles/s" and last.endswith("\n")
    assert len(last) - 1 >= len(text.split("\r")[1])  # padded over the longer line before it
