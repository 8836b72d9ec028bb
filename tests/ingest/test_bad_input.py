"""Bad input: clear errors naming file, line/row and field; --skip-bad-lines counts them; unknown
event types are counted, not errors; no traceback and no partial output file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.errors import InputError
from livelift.ingest.eventlog import EventLogReader
from livelift.ingest.summaries import read_summaries

pytestmark = pytest.mark.usefixtures("engine")  # every test runs with the fast and the reference reader

SUMMARY_HEADER = "creator_id,start,duration_minutes,viewers,avg_viewers,diamonds,likes\n"


def _log(lib, tmp_path, extra_lines, shape="tiktoklive_snake"):
    s = lib.Stream()
    s.connect(lib.T0)
    s.gift(lib.T0 + 1000, s.fan_a, s.lion, 1)
    s.end(lib.T0 + 10 * lib.MIN)
    path = tmp_path / "log.jsonl"
    lib.write_log(path, shape, [s], extra=extra_lines)
    return path


def test_a_corrupt_json_line_names_file_and_line(lib, tmp_path):
    path = _log(lib, tmp_path, ['{"type": "GiftEvent", "data": {oops'])
    reader = EventLogReader()
    with pytest.raises(InputError) as err:
        reader.read(path)
    assert f"{path}, line 4" in str(err.value) and "not valid JSON" in str(err.value)
    assert "--skip-bad-lines" in str(err.value)


def test_a_bad_field_names_the_field(lib, tmp_path):
    bad = {"type": "GiftEvent", "timestamp": lib.T0, "data": {"common": {"roomId": str(lib.ROOM)},
           "repeat_count": "many", "gift": {"diamond_count": 1, "type": 1}}}
    path = _log(lib, tmp_path, [json.dumps(bad)])
    with pytest.raises(InputError) as err:
        EventLogReader().read(path)
    assert "line 4, field 'repeatCount'" in str(err.value) and "not a number" in str(err.value)


def test_skip_bad_lines_counts_them_and_keeps_five_reasons(lib, tmp_path):
    junk = ["not json"] * 7 + ['[1, 2]', '{"data": {}}']
    path = _log(lib, tmp_path, junk)
    reader = EventLogReader(skip_bad_lines=True)
    reader.read(path)
    (x,) = reader.sessions()
    assert x.diamonds == 300
    assert reader.bad == 9 and len(reader.reasons) == 5
    assert reader.reasons[0].startswith(f"{path}, line 4: not valid JSON")


def test_unknown_event_types_are_counted_not_errors(lib, tmp_path):
    path = _log(lib, tmp_path, ['{"type": "MysteryBoxEvent", "data": {}}', '{"event": "hologram"}'])
    reader = EventLogReader()
    reader.read(path)
    assert dict(reader.unknown) == {"MysteryBoxEvent": 1, "hologram": 1}
    assert reader.bad == 0


def test_a_line_without_time_or_room_is_bad(lib, tmp_path):
    no_time = {"type": "LikeEvent", "data": {"common": {"room_id": "5"}, "count": 1, "total": 1}}
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(no_time) + "\n")
    with pytest.raises(InputError, match="no event time"):
        EventLogReader().read(path)
    no_room = {"type": "LikeEvent", "ts": "2026-01-05T19:00:00Z", "data": {"count": 1, "total": 1}}
    path.write_text(json.dumps(no_room) + "\n")
    with pytest.raises(InputError, match="no room id"):
        EventLogReader().read(path)


def test_a_negative_duration_names_file_line_and_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(SUMMARY_HEADER + "mia,2026-01-05T19:00,60,100,20,500,900\nmia,2026-01-06T19:00,-60,100,20,500,900\n")
    with pytest.raises(InputError) as err:
        read_summaries(path)
    assert f"{path}, line 3, column 'duration_minutes'" in str(err.value)
    assert "negative" in str(err.value) and "minutes > 0" in str(err.value)
    out = read_summaries(path, skip_bad_lines=True)
    assert len(out.sessions) == 1 and out.bad == 1 and "line 3" in out.reasons[0]


def test_a_summary_missing_columns_says_which(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("creator_id,start,likes\nmia,2026-01-05,3\n")
    with pytest.raises(InputError) as err:
        read_summaries(path)
    assert "duration_minutes" in str(err.value) and "viewers" in str(err.value)


def test_cli_errors_leave_no_output_and_no_traceback(lib, tmp_path):
    path = _log(lib, tmp_path, ["{broken"])
    out = tmp_path / "history.csv"
    result = CliRunner().invoke(main, ["ingest", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "line 4" in result.output
    assert not out.exists() and not list(tmp_path.glob(".history*"))


def test_cli_unknown_file_type_and_time_zone(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hi")
    result = CliRunner().invoke(main, ["ingest", str(f), "-o", str(tmp_path / "h.csv")])
    assert result.exit_code == 1 and "unknown input file type" in result.output and ".jsonl" in result.output
    g = tmp_path / "s.csv"
    g.write_text(SUMMARY_HEADER)
    result = CliRunner().invoke(main, ["ingest", str(g), "-o", str(tmp_path / "h.csv"), "--timezone", "Mars/Base"])
    assert result.exit_code == 1 and "unknown time zone" in result.output


def test_file_kinds_are_detected(tmp_path, lib):
    from livelift.ingest import file_kind

    log = _log(lib, tmp_path, [])
    nd = tmp_path / "log.ndjson"
    nd.write_bytes(log.read_bytes())
    odd = tmp_path / "events.csv"  # JSON lines under a .csv name are still an event log
    odd.write_bytes(log.read_bytes())
    table = tmp_path / "s.csv"
    table.write_text(SUMMARY_HEADER)
    assert [file_kind(p) for p in (log, nd, odd, table)] == ["events", "events", "events", "summary"]


def test_a_truncated_gzip_is_a_clear_error(lib, tmp_path):
    import gzip

    log = _log(lib, tmp_path, [])
    data = gzip.compress(log.read_bytes() * 50)
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        EventLogReader().read(gz)
    assert f"{gz}, after line" in str(err.value) and "zcat" in str(err.value)
