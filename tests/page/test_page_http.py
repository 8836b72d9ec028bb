"""The page over real HTTP (uvicorn in a thread on loopback), without a browser.

Checks what a browser test cannot see cheaply: every input is named and
labelled from the contract, every asset comes from the package, bad input gets
the contract's messages, uploads are located by the uploaded name, and a
second kind of upload (an event log reader) plugs in with a few lines.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from fastapi import FastAPI
from markupsafe import escape

from livelift.data.contract import read_history
from livelift.data.fields import CATEGORIES, OPTIONAL_COLUMNS, PROFILE_COLUMNS, column
from livelift.web.app import create_app
from livelift.web.page import make_router
from livelift.web.page import charts
from livelift.web.page.charts import nice_ticks
from livelift.web.page.uploads import HISTORY_READER, UploadReader

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FORM = {"creator_id": "t", "followers": "5200", "avg_viewers": "48", "engagement_rate": "0.12",
        "streams_per_week": "4", "avg_stream_minutes": "75", "retention_rate": "0.35",
        "prior_weekly_diamonds": "900", "category": "gaming", "creator_age": "24", "region": "US"}


@pytest.fixture(scope="module")
def base(recommender, serving) -> Iterator[str]:
    with serving(create_app(recommender, coalesce=False)) as url:
        yield url


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "label":
            self._label, self._text = a.get("for"), []

    def handle_endtag(self, tag):
        if tag == "label" and self._label:
            self.labels[self._label] = " ".join("".join(self._text).split())
            self._label = None

    def handle_data(self, data):
        if self._label:
            self._text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def test_every_input_is_a_contract_field_labelled_with_its_range(base):
    page = _parse(httpx.get(base + "/", timeout=30).text)
    inputs = {a["name"]: (t, a) for t, a in page.tags if t in ("input", "select") and "name" in a}
    region = next(c for c in OPTIONAL_COLUMNS if c.kind == "region")
    assert list(inputs) == [c.name for c in PROFILE_COLUMNS] + ["region"]
    for col in (*PROFILE_COLUMNS, region):
        tag, attrs = inputs[col.name]
        assert attrs["id"] == col.name
        assert col.expected in page.labels[col.name]  # the range, from the Column spec
        if col.kind in ("int", "float"):
            assert attrs["type"] == "number" and float(attrs["min"]) == col.min
            assert col.max is None or float(attrs["max"]) == col.max
    options = [a["value"] for t, a in page.tags if t == "option"]
    assert set(CATEGORIES) <= set(options) and "KR" in options and "" in options  # region may be left out


def test_every_asset_comes_from_the_package(base):
    html = httpx.get(base + "/", timeout=30).text
    refs = [a.get("src") or a.get("href") for t, a in _parse(html).tags if t in ("link", "script", "img")]
    assert refs and all(r.startswith("/static/page/") for r in refs)
    for ref in refs:
        r = httpx.get(base + ref, timeout=30)
        assert r.status_code == 200 and len(r.content) > 100
        assert "http://" not in r.text and "https://" not in r.text  # no CDN, no web fonts
    assert httpx.get(base + "/static/page/../app.py", timeout=30).status_code == 404
    assert httpx.get(base + "/static/page/secret.py", timeout=30).status_code == 404


def _esc(text: str) -> str:
    """Text as the page's templates (Jinja2 autoescape) write it."""
    return str(escape(text))


def _signed(x: float) -> str:
    """How the page writes a whole number of diamonds: rounded first, so never '-0' or '+0'."""
    r = round(x)
    return f"{r:+,.0f}" if r else "0"


def _bars(html_text: str) -> list[tuple[str, str]]:
    """(strategy, status) of every bar of the strategy chart, top to bottom."""
    return re.findall(r'<rect class="bar" data-strategy="([a-z_]+)" data-status="([a-z_]+)"', html_text)


def _api_json(url: str, form: dict[str, str]) -> dict:
    body = {k: (v if k in ("creator_id", "category", "region") else float(v)) for k, v in form.items() if v != ""}
    r = httpx.post(url + "/v1/recommendations", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_post_renders_the_same_numbers_as_the_json_api(base, recommender):
    r = httpx.post(base + "/", data=FORM, timeout=30)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    api = _api_json(base, FORM)
    assert f'<p class="verdict" id="verdict">{_esc(api["verdict"])}</p>' in r.text  # the verdict, first
    assert r.text.index('id="verdict"') < r.text.index('id="strategy-chart"') < r.text.index('id="strategy-table"')
    for s in api["strategies"]:
        assert f'data-strategy="{s["strategy"]}"' in r.text
        if s["uplift_diamonds"] is not None:
            assert f'<td class="num">{_signed(s["uplift_diamonds"])}</td>' in r.text
    charted = [s for s in api["strategies"] if s["status"] in ("recommended", "keep", "not_recommended")]
    assert sorted(_bars(r.text)) == sorted((s["strategy"], s["status"]) for s in charted)
    assert [name for name, _ in _bars(r.text)][:len(api["ranked"])] == api["ranked"]  # best first, then none
    assert _esc(api["model"]["source"]) in r.text  # where the numbers come from


def test_bad_fields_get_the_contract_messages_next_to_the_field(base):
    r = httpx.post(base + "/", data={**FORM, "engagement_rate": "2", "followers": "lots", "creator_age": ""},
                   timeout=30)
    assert r.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">(.*?)</p>', r.text, re.S))
    assert set(errors) == {"engagement_rate", "followers", "creator_age"}
    assert "out of range; expected a number between 0 and 1 (got 2)" in errors["engagement_rate"]
    followers = _esc(f"not a number; expected {column('followers').expected} (got 'lots')")
    assert followers in errors["followers"] and "1,000,000,000" in followers  # the contract's bound, as it says it
    assert "missing field; expected an integer between 13 and 120" in errors["creator_age"]
    assert 'value="lots"' in r.text  # what was typed is kept


def test_upload_history_shows_weeks_likes_and_gifts(base, recommender):
    data = (EXAMPLES / "history.csv").read_bytes()
    r = httpx.post(base + "/upload", files={"history": ("my weeks.csv", data, "text/csv")}, timeout=60)
    assert r.status_code == 200
    frame = read_history(EXAMPLES / "history.csv").frame
    usd = recommender.earnings(diamonds=float(frame["gift_diamonds"].sum())).usd
    assert f"Your {frame['likes'].sum():,.0f} likes earned <strong>$0</strong>" in r.text
    assert f"earned <strong>${usd:,.2f}</strong>" in r.text
    assert r.text.count('class="week"') == len(frame)
    from livelift.reports.weeks import creator_weeks

    latest = recommender.recommend(creator_weeks(frame)[0].latest_profile)  # the latest week's answer, verdict first
    assert f'id="verdict">{_esc(latest.verdict)}</p>' in r.text
    assert r.text.index('id="weekly-chart"') < r.text.index('id="verdict"') < r.text.index('id="strategy-chart"')


def test_upload_errors_name_the_uploaded_file(base):
    r = httpx.post(base + "/upload", files={"history": ("w.csv", b"creator_id,followers\nme,1\n", "text/csv")},
                   timeout=30)
    assert r.status_code == 422 and "w.csv: missing" in r.text and "livelift-upload-" not in r.text
    r = httpx.post(base + "/upload", files={"history": ("notes.txt", b"hello", "text/plain")}, timeout=30)
    assert r.status_code == 422 and "unknown file type" in r.text and ".csv" in r.text
    r = httpx.post(base + "/upload", data={"creator_id": "x"}, files={}, timeout=30)
    assert r.status_code == 422 and "no file was uploaded" in r.text


def test_an_event_log_reader_plugs_in(recommender, tmp_path, serving):
    """Another reader plugs in ahead of the shipped ones: one UploadReader that turns its file into a history frame."""
    seen = []

    def read_event_log(path: Path):
        seen.append(path.name)
        return HISTORY_READER.read(EXAMPLES / "history.csv")  # stands in for ingest's sessions -> weeks

    events = UploadReader("LIVE event log", (".events.jsonl",), read_event_log)
    app = FastAPI()
    app.include_router(make_router(lambda: recommender, readers=(events, HISTORY_READER)))
    with serving(app) as url:
        page = httpx.get(url + "/upload", timeout=30).text
        assert ".events.jsonl" in page and "LIVE event log" in page
        r = httpx.post(url + "/upload", files={"history": ("live.events.jsonl", b"{}\n", "application/json")},
                       timeout=60)
    assert r.status_code == 200 and seen == ["live.events.jsonl"] and 'id="weekly-chart"' in r.text


def test_nice_ticks_cover_the_range():
    for lo, hi in [(-37.2, 156.4), (0, 1), (0, 3368), (-5, 0), (0, 0)]:
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) <= 12


def test_verdict_always_shown_and_blocked_strategies_are_never_bars(base, recommender):
    kr_minor = {**FORM, "creator_age": "18", "region": "KR"}  # KR: gifts need 19, so every strategy is blocked
    r = httpx.post(base + "/", data=kr_minor, timeout=60)
    ok = httpx.post(base + "/", data={**FORM, "followers": "800"}, timeout=60)  # some blocked, some allowed
    kr = recommender.recommend(forms_profile(kr_minor))
    assert r.status_code == 200 and not kr.can_earn_gifts
    assert f'<p class="verdict cannot" id="verdict">{_esc(kr.verdict)}</p>' in r.text
    assert 'class="bar"' not in r.text and 'id="strategy-chart"' not in r.text  # nothing but none: no chart
    assert r.text.count('class="blocked-item"') == 5
    direct = recommender.recommend(forms_profile({**FORM, "followers": "800"}))
    charted = [s.strategy for s in direct.strategies if s.status in ("recommended", "keep", "not_recommended")]
    blocked = [s for s in direct.strategies if s.status == "blocked"]
    assert blocked and len(charted) > 1
    assert all(s.uplift_diamonds is None for s in blocked)  # blocked: no number at all
    assert sorted(name for name, _ in _bars(ok.text)) == sorted(charted)
    for s in blocked:
        item = re.search(rf'<li class="blocked-item" data-strategy="{s.strategy}">(.*?)</ul></li>', ok.text, re.S)
        assert item, s.strategy
        kinds = re.findall(r'<span class="kind">([a-z]+)</span>', item.group(1))
        assert kinds and set(kinds) <= {"block", "eligibility"}  # each reason labelled with its kind
        row = re.search(rf'<tr class="status-blocked" data-strategy="{s.strategy}">(.*?)</tr>', ok.text, re.S)
        assert row and "blocked" in row.group(1) and re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["", "", ""]


def test_not_recommended_strategies_are_muted_bars_below_none_with_model_reasons(base, state_forms):
    form = state_forms["not_recommended"]
    api = _api_json(base, form)
    worse = [s for s in api["strategies"] if s["status"] == "not_recommended"]
    assert worse, "the shipped model no longer predicts a loss for this profile: pick another (conftest.py)"
    r = httpx.post(base + "/", data=form, timeout=60)
    bars = _bars(r.text)
    statuses = [status for _, status in bars]
    assert statuses.index("keep") == len(api["ranked"]) - 1  # none closes the ranked ones...
    assert statuses[statuses.index("keep") + 1:] == ["not_recommended"] * len(worse)  # ...never below a loss
    assert "Not recommended: predicted to add nothing" in r.text  # the chart labels the grey group
    for s in worse:
        assert re.search(rf'<rect class="bar" data-strategy="{s["strategy"]}" data-status="not_recommended" '
                         rf'[^>]*fill="{charts.BAR_MUTED}"', r.text), s["strategy"]
        row = re.search(rf'<tr class="status-not_recommended" data-strategy="{s["strategy"]}">(.*?)</tr>', r.text, re.S)
        assert row and "not recommended" in row.group(1)
        why = re.search(rf'<li class="why-item" data-strategy="{s["strategy"]}">(.*?)</ul></li>', r.text, re.S)
        shown = re.findall(r'<li class="([a-z]+)"><span class="kind">([a-z]+)</span> (.*?) <span class="rule">',
                           why.group(1))
        assert [(k, t) for _, k, t in shown] == [(k, _esc(t)) for k, t in zip(s["reason_kinds"], s["reasons"])]
        assert "boost" not in s["reason_kinds"] and "model" in s["reason_kinds"]


def test_implausible_and_extrapolation_flags_sit_next_to_the_number(base, state_forms):
    form = state_forms["implausible"]
    api = _api_json(base, form)
    flagged = [s for s in api["strategies"] if s["implausible"]]
    assert flagged, "the shipped model no longer gives an implausible uplift here: pick another (conftest.py)"
    r = httpx.post(base + "/", data=form, timeout=60)
    for s in api["strategies"]:
        if s["uplift_diamonds"] is None:
            continue
        flags = [f for f, on in (("implausible", s["implausible"]), ("extrapolation", s["extrapolation"])) if on]
        row = re.search(rf'data-strategy="{s["strategy"]}"><th scope="row">.*?</tr>', r.text, re.S).group(0)
        assert f'<td class="num">{_signed(s["uplift_diamonds"])}</td>' in row
        assert f'<td class="flags">{", ".join(flags)}</td>' in row  # the table: in the row of the number
    svg = r.text[r.text.index('<svg id="strategy-chart"'):r.text.index("</svg>", r.text.index('<svg id="strategy-chart"'))]
    desc = re.search(r'<desc id="strategy-chart-desc">(.*?)</desc>', svg).group(1)
    for s in flagged:  # the chart: the flag follows the number in the same row, and the description says it
        value = re.search(rf'<text class="value" x="([0-9.]+)" y="([0-9.]+)"[^>]*>{re.escape(_signed(s["uplift_diamonds"]))}</text>'
                          rf'<text class="flag" x="([0-9.]+)" y="([0-9.]+)"[^>]*>implausible</text>', svg)
        assert value and float(value.group(3)) > float(value.group(1))
        assert abs(float(value.group(4)) - float(value.group(2))) < 12
        assert f"{s['strategy']}, recommended: {_signed(s['uplift_diamonds'])} diamonds per week" in desc
    assert "implausible" in desc


def forms_profile(values: dict[str, str]) -> Any:
    from livelift.web.page.forms import parse_form

    return parse_form(values)


def test_simulated_example_is_the_example_file_and_says_so(base):
    r = httpx.post(base + "/upload", data={"example": "1"}, files={"history": ("", b"", "application/octet-stream")},
                   timeout=60)
    assert r.status_code == 200 and "SIMULATED example" in r.text
    frame = read_history(EXAMPLES / "history.csv").frame
    assert f"Your {frame['likes'].sum():,.0f} likes earned" in r.text
    assert f"your gifts ({frame['gift_diamonds'].sum():,.0f} diamonds)" in r.text


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        c = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_chart_and_page_colours_keep_their_contrast():
    assert _contrast(charts.INK, "#ffffff") >= 4.5 and _contrast(charts.MUTED, "#ffffff") >= 4.5  # text
    assert _contrast(charts.BAR, "#ffffff") >= 3 and _contrast(charts.BAR_FLAGGED, "#ffffff") >= 3  # marks
    assert _contrast(charts.BAR_MUTED, "#ffffff") >= 3 and _contrast(charts.FLAG, "#ffffff") >= 4.5  # muted bar, flag text
    from importlib import resources

    css = resources.files("livelift.web.page").joinpath("static", "page.css").read_text()  # the installed file
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    for fg, bg in (("ink", "bg"), ("muted", "panel"), ("accent", "bg"), ("error", "bg"), ("warn-ink", "warn-bg")):
        assert _contrast(var[fg], var[bg]) >= 4.5, (fg, bg)
