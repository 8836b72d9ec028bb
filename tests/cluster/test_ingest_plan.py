"""The pieces of `ingest --engine dask` without a cluster: grouping files by creator, the check that no
creator or room was split, and the per-creator step + finish giving exactly the local ingest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from livelift.cluster.ingest_plan import Group, Task, TaskResult, conflicts, group_files, ingest_task, pack, sniff
from livelift.ingest.facts import base_facts, merge_facts
from livelift.ingest.pipeline import CreatorPart, build_part, finish, ingest, read_creators
from livelift.ingest.reading import summary_stats
from livelift.ingest.summaries import read_summaries


def test_sniff_names_the_creator_of_a_files_first_lines(ingest_data):
    by_name = {p.name: sniff(str(p)) for p in ingest_data["logs"]}
    assert by_name["mia.plays-w1.jsonl.gz"][0] == ("mia.plays",)
    assert by_name["bo+cy-w3.jsonl.gz"][0] == ("cy.draws",)  # bo's LIVEs come later in the file: the check finds them
    assert by_name["sam.sings-w3.jsonl.gz"][0] == ("sam.sings",)  # starts mid-LIVE (host named in the file before)
    assert all(size == p.stat().st_size for p, (_, size) in zip(ingest_data["logs"], by_name.values()))


def test_files_of_one_creator_form_one_group_and_packing_balances():
    sniffed = [(("a",), 10), (("b",), 50), (("a",), 10), ((), 5), (("a", "c"), 10), (("c",), 1)]
    groups = group_files(sniffed, {"a": 1, "z": 2}, None)
    by_claims = {frozenset(g.claims): g for g in groups}
    assert by_claims[frozenset("ac")].files == [0, 2, 4, 5]
    assert by_claims[frozenset("b")].files == [1] and by_claims[frozenset()].files == [3]
    assert by_claims[frozenset("z")].files == [] and by_claims[frozenset("z")].cost == 600  # summary rows only
    assert [g.files for g in group_files(sniffed, {}, "host")] == [[0, 1, 2, 3, 4, 5]]  # --creator: one creator
    bins = pack([Group([i], {str(i)}, c) for i, c in enumerate([100, 60, 50, 10, 5])], 2)
    assert sorted(b.cost for b in bins) == [110, 115] and all(b.files == sorted(b.files) for b in bins)


def _result(i: int, creators: set[str], rooms: set[str]) -> TaskResult:
    return TaskResult(i, None, (), frozenset(creators), frozenset(rooms), 0, 0)


def test_conflicts_merge_split_creators_and_rooms_and_unclaimed_known_creators():
    tasks = {0: Task(0, (0,), ("f0",), frozenset({"a"})), 1: Task(1, (1,), ("f1",), frozenset({"b"})),
             2: Task(2, (2,), ("f2",), frozenset()), 3: Task(3, (3,), ("f3",), frozenset({"d"}))}
    clean = {0: _result(0, {"a"}, {"r1"}), 1: _result(1, {"b"}, {"r2"}), 2: _result(2, {"x"}, {"r3"}),
             3: _result(3, {"d"}, {"r4"})}
    assert conflicts(tasks, clean, known={"a", "b", "d"}) == []  # x: no facts, rows or labels anywhere: fine where it is
    split = {**clean, 2: _result(2, {"a"}, {"r3"})}  # f2 holds a's LIVEs too
    assert conflicts(tasks, split, known=set()) == [{0, 2}]
    room = {**clean, 3: _result(3, {"d"}, {"r4", "r2"})}  # a LIVE continues from f1 into f3
    assert conflicts(tasks, room, known=set()) == [{1, 3}]
    assert conflicts(tasks, clean, known={"x"}) == [{2}]  # x has facts: task 2 must run again and get them


def test_tasks_per_creator_then_finish_give_exactly_the_local_ingest(ingest_data):
    """The per-creator step on disjoint creator sets, put together by finish, equals one local ingest."""
    logs = [str(p) for p in ingest_data["logs"]]
    creators = read_creators(ingest_data["creators"])
    from livelift.ingest.labels import read_labels

    label_map = read_labels(ingest_data["labels"])
    paths = logs + [str(ingest_data["summaries"])]
    want = ingest(paths, diamond_usd=0.005, creators=creators, labels=ingest_data["labels"], timezone="Europe/Berlin")
    summary = read_summaries(ingest_data["summaries"], timezone="Europe/Berlin")
    info: dict = {}
    merge_facts(info, summary.creator_info)
    info = base_facts(info, creators)
    groups = [["mia.plays", "ana.cooks"], ["sam.sings"], ["lee.talks", "bo.runs", "cy.draws"],
              [f"sum{i:02d}" for i in range(8)]]  # every file's LIVEs are in one group (bo+cy with bo and cy)
    parts, per_file = [], []
    for i, claims in enumerate(groups):
        files = [k for k, p in enumerate(logs) if any(Path(p).name.startswith(c) for c in claims)
                 or ("bo+cy" in p and "bo.runs" in claims)]
        task = Task(i, tuple(files), tuple(logs[k] for k in files), frozenset(claims),
                    tuple(s for s in summary.sessions if s.creator_id in claims),
                    {c: info[c] for c in claims if c in info}, {k: v for k, v in label_map.items() if k[0] in claims})
        res = ingest_task(task, creator=None, skip_bad_lines=False, timezone="Europe/Berlin", defaults={},
                          diamond_usd=0.005)
        assert res.creators <= set(claims)
        parts.append(res.part)
        per_file += res.stats
    stats = [summary_stats(summary)] + [s for _, s in sorted(per_file, key=lambda p: p[0])]
    got = finish(paths, stats, list(reversed(parts)), label_map)
    assert got.report == want.report
    pd.testing.assert_frame_equal(got.history, want.history)
    pd.testing.assert_frame_equal(got.sessions, want.sessions)
    pd.testing.assert_frame_equal(got.profiles, want.profiles)
    assert any("label(s) name no history week" in n for n in got.report.notes)


def test_a_part_of_creators_without_lives_is_empty():
    part = build_part([], {}, {}, timezone="UTC", diamond_usd=0.005)
    assert isinstance(part, CreatorPart) and len(part.history) == 0 and part.money == ()
