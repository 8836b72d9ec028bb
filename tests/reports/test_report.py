"""`livelift report`: one self-contained HTML file (or a PDF) with every section.

The HTML is parsed: each section is there with its image (an embedded PNG) and
its numbers, and no attribute or style references anything outside the file.
Numbers are checked against the functions they come from (the evaluation's
doubly-robust estimates, the rules' diamond value, the history itself).
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from markupsafe import escape

from livelift.cli import main
from livelift.data.contract import read_history
from livelift.data.fields import ALL_STRATEGIES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECTIONS = ("weekly", "uplift", "model-check", "coverage")
URL_ATTRS = {"href", "src", "srcset", "action", "poster", "data", "formaction", "background"}


class _Doc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.images: list[dict[str, str]] = []
        self.styles: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        self.refs += [v for k, v in a.items() if k in URL_ATTRS]
        if "style" in a:
            self.styles.append(a["style"])
        if tag == "img":
            self.images.append(a)
        if tag == "style":
            self._in_style = True
        if tag == "table":
            self._table = a.get("id", "")
            self.tables[self._table] = []
        if tag == "tr" and self._table is not None:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(path: Path) -> _Doc:
    doc = _Doc()
    doc.feed(path.read_text(encoding="utf-8"))
    return doc


def _self_contained(doc: _Doc) -> None:
    for ref in doc.refs:
        assert ref.startswith(("#", "data:image/png;base64,")), f"reference outside the file: {ref[:80]}"
    for style in doc.styles:
        assert "url(" not in style and "@import" not in style
    for img in doc.images:
        assert img["alt"].strip(), "every image needs a text alternative"
        data = base64.b64decode(img["src"].split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2_000


@pytest.fixture(scope="module")
def simulated_history(tmp_path_factory) -> Path:
    from livelift.recommender.simulate import simulate_history

    path = tmp_path_factory.mktemp("report") / "sim.csv"
    simulate_history(creators=120, weeks=8, seed=21, with_truth=True).to_csv(path, index=False)
    return path


def test_small_history_report_has_every_section_and_says_what_it_could_not_estimate(tmp_path, recommender):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLES / "history.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = _parse(out)
    assert set(SECTIONS) <= doc.ids
    _self_contained(doc)
    assert len(doc.images) == 3  # weekly, uplift, coverage; no calibration plot without enough rows
    html = out.read_text(encoding="utf-8")
    assert "simulated" in doc.ids and "SIMULATED" in html  # the shipped model is labelled
    assert "Not estimated: data: too little history to evaluate" in html
    frame = read_history(EXAMPLES / "history.csv").frame
    usd = recommender.earnings(diamonds=float(frame["gift_diamonds"].sum())).usd
    assert f"Your {frame['likes'].sum():,.0f} likes earned <strong>$0</strong>" in html
    assert f"<strong>${usd:,.2f}</strong>" in html
    # the verdict for the latest week comes first, before any section; the table has every option (none too)
    from livelift.reports.weeks import creator_weeks

    weeks, _ = creator_weeks(frame)
    rec = recommender.recommend(weeks.latest_profile)
    assert rec.verdict and escape(rec.verdict) in html
    assert html.index('id="verdict"') < html.index('id="weekly"') < html.index('id="uplift"')
    assert escape(rec.model.source) in html
    rows = {row[0]: row for row in doc.tables["uplift-table"][1:]}
    assert sorted(rows) == sorted(ALL_STRATEGIES)
    words = {"keep": "what you do now", "not_recommended": "not recommended", "blocked": "blocked"}
    for s in rec.strategies:
        row = rows[s.strategy]
        status = f"recommended (#{s.rank})" if s.status == "recommended" else words.get(s.status, s.status)
        assert row[1] == status
        assert row[2] == ("" if s.uplift_diamonds is None else (f"{s.uplift_diamonds:+,.0f}" if round(s.uplift_diamonds) else "0"))
        flags = [f for f, on in (("implausible", s.implausible), ("extrapolation", s.extrapolation)) if on]
        assert row[5] == ", ".join(flags)
        for kind, reason in zip(s.reason_kinds, s.reasons):
            if kind != "eligibility":
                assert f"{kind} {reason}" in row[6]  # each reason labelled with its kind
    coverage = {row[0]: row for row in doc.tables["coverage-table"][1:]}
    counts = frame["strategy"].astype(str).value_counts()
    for s in ALL_STRATEGIES:
        assert coverage[s][1] == f"{int(counts.get(s, 0)):,}" and coverage[s][2] == str(int(counts.get(s, 0)))


@pytest.mark.slow
def test_report_with_enough_history_shows_calibration_and_policy_value(tmp_path, simulated_history, recommender):
    from livelift.recommender.evaluation import evaluate_off_policy

    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(simulated_history), "-o", str(out), "--creator", "cr000003"])
    assert result.exit_code == 0, result.output
    doc = _parse(out)
    _self_contained(doc)
    assert {"calibration", "policy-value"} <= doc.ids and len(doc.images) == 5
    deciles = doc.tables["calibration-table"][1:]
    assert [row[0] for row in deciles] == [str(i) for i in range(1, 11)]
    frame = read_history(simulated_history).frame
    policy = evaluate_off_policy(recommender.model.ranker, frame)["diamonds"]
    rows = {row[0]: row for row in doc.tables["policy-table"][1:]}
    logged = policy["top_vs_logged"]
    assert rows["the creators' own choices"][1] == f"{logged['estimate']:+,.0f}"
    assert rows["the creators' own choices"][2] == f"{logged['ci95_low']:+,.0f} to {logged['ci95_high']:+,.0f}"
    predicted = [float(row[2].replace(",", "")) for row in deciles]
    assert predicted == sorted(predicted)  # deciles of predicted uplift, in order
    # simulated with truth: the simulator's true uplift per decile is shown, rises with the prediction, and
    # the doubly-robust intervals cover it in most deciles (a wrong pairing of rows would break both)
    truth = [float(row[5].replace(",", "")) for row in deciles]
    assert np.corrcoef(predicted, truth)[0, 1] > 0.8
    covered = 0
    for row, t in zip(deciles, truth):
        low, high = (float(x.replace(",", "")) for x in row[4].split(" to "))
        covered += low <= t <= high
    assert covered >= 8
    assert "cr000003" in out.read_text(encoding="utf-8")


def test_pdf_report(tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(EXAMPLES / "history.csv"), "-o", str(out), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 4  # cover + 3 figures


def test_report_refuses_bad_arguments_without_writing(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["report", str(EXAMPLES / "history.csv"), "-o", str(tmp_path / "r.txt")])
    assert r.exit_code == 1 and "unknown output file type" in r.output and ".html" in r.output
    r = runner.invoke(main, ["report", str(EXAMPLES / "history.csv"), "-o", str(tmp_path / "r.html"),
                             "--creator", "nobody"])
    assert r.exit_code == 1 and "no rows for this creator" in r.output and "example_creator" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("creator_id,followers\nx,1\n")
    r = runner.invoke(main, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 1 and "bad.csv" in r.output and "Traceback" not in r.output
    assert list(tmp_path.glob("r.*")) == []  # nothing half-written


def test_calibration_bins_are_equal_count_deciles():
    from livelift.reports.sections import calibration_bins

    rng = np.random.default_rng(0)
    pred = rng.normal(size=1000)
    real = pred * 2 + rng.normal(size=1000)
    bins = calibration_bins(pred, real, groups=np.repeat(np.arange(100), 10))
    assert [b.pairs for b in bins] == [100] * 10
    assert all(b.low <= b.realized <= b.high for b in bins)
    assert np.corrcoef([b.predicted for b in bins], [b.realized for b in bins])[0, 1] > 0.95


def test_options_order_none_between_recommended_and_not_recommended(recommender):
    """The page and the report draw the same rows: recommended by rank, none, then the not recommended."""
    from livelift.reports.options import chart_options, options

    base = {"creator_id": "o", "followers": 2000, "avg_viewers": 3, "engagement_rate": 0.4, "streams_per_week": 4,
            "avg_stream_minutes": 15, "retention_rate": 0.8, "prior_weekly_diamonds": 100, "category": "education",
            "creator_age": 24, "region": "US"}
    for profile in (base, {**base, "followers": 800}, {**base, "creator_age": 18, "region": "KR"}):
        rec = recommender.recommend(profile)
        rows = options(rec)
        assert sorted(o.strategy for o in rows) == sorted(s.strategy for s in rec.strategies)
        statuses = [o.status for o in rows]
        keep = statuses.index("keep")
        assert all(st == "recommended" for st in statuses[:keep])
        assert [o.rank for o in rows[:keep + 1]] == list(range(1, keep + 2))
        tail = statuses[keep + 1:]
        assert tail == sorted(tail, key=["not_recommended", "unknown", "blocked"].index)
        worse = [o.value for o in rows if o.status == "not_recommended"]
        assert worse or profile is not base, "the shipped model predicts no loss here any more: pick another profile"
        assert worse == sorted(worse, reverse=True) and all(v <= 0 for v in worse)
        chart = chart_options(rec)
        assert all(o.status in ("recommended", "keep", "not_recommended") and o.value is not None for o in chart)
        assert not chart or len(chart) == sum(o.charted for o in rows)
        assert bool(chart) == any(o.charted and o.strategy != "none" for o in rows)
    assert not chart  # KR at 18: every strategy blocked, so nothing to chart


def test_report_shows_not_recommended_options_and_flags_for_the_latest_week(tmp_path, recommender):
    """A history whose latest week is a profile the model predicts losses for: grey, labelled rows in the report."""
    import pandas as pd

    frame = pd.read_csv(EXAMPLES / "history.csv").sort_values("week").reset_index(drop=True)
    latest = {"followers": 2000, "avg_viewers": 3.0, "engagement_rate": 0.4, "streams_per_week": 4.0,
              "avg_stream_minutes": 15.0, "retention_rate": 0.8, "prior_weekly_diamonds": 100.0,
              "category": "education", "creator_age": 24, "region": "US"}
    for key, value in latest.items():
        frame.loc[frame.index[-1], key] = value
    path = tmp_path / "latest_changed.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc, text = _parse(out), out.read_text(encoding="utf-8")
    _self_contained(doc)
    rec = recommender.recommend({"creator_id": "example_creator", **latest})
    worse = [s for s in rec.strategies if s.status == "not_recommended"]
    assert worse, "the shipped model predicts no loss for this profile any more: pick another"
    assert escape(rec.verdict) in text
    rows = {row[0]: row for row in doc.tables["uplift-table"][1:]}
    for s in worse:
        assert rows[s.strategy][1] == "not recommended"
        assert "model The model predicts this would not add gift income for you." in rows[s.strategy][6]
        assert f"{s.strategy} not recommended" in doc.images[1]["alt"]  # the chart's text alternative says so
    flagged = [s for s in rec.strategies if s.extrapolation]
    assert flagged and all(rows[s.strategy][5].endswith("extrapolation") for s in flagged)


def test_a_repeated_week_is_named_in_the_report_not_counted_silently():
    import pandas as pd

    from livelift.reports.weeks import creator_weeks

    frame = read_history(EXAMPLES / "history.csv").frame
    one = frame[frame["creator_id"] == frame["creator_id"].iloc[0]]
    weeks, note = creator_weeks(one)
    assert note is None or "repeat" not in note
    doubled = pd.concat([one, one.iloc[[2]]], ignore_index=True)
    weeks2, note2 = creator_weeks(doubled)
    assert len(weeks2.weeks) == len(weeks.weeks) + 1
    assert note2 is not None and "1 row(s)" in note2 and weeks.weeks[2] in note2
    assert f"{len(weeks.weeks)} distinct weeks" in note2
