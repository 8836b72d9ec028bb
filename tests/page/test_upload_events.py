"""The upload tab with a LIVE event log: weekly diamonds, likes vs gifts, the recommendation.

HTTP tests run a real uvicorn on loopback; the browser test drives headless
Chromium against `python -m livelift serve` (conftest.py). Expected numbers
come from the service's own ingest and the JSON API, not from the page code.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from markupsafe import escape

from livelift.data.fields import column
from livelift.service import ingest_files
from livelift.web.app import create_app
from livelift.web.page.eventlogs import is_history, is_ingestable

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EVENTS = EXAMPLES / "events.jsonl.gz"
FACTS = {"followers": "3000", "category": "gaming", "creator_age": "24"}


@pytest.fixture(scope="module")
def url(recommender, serving) -> Iterator[str]:
    with serving(create_app(recommender, coalesce=False)) as u:
        yield u


def _expected(server: str) -> dict[str, Any]:
    """What the page must show for the first creator of the example log (three tie on weeks: the first)."""
    result = ingest_files([EVENTS], defaults={"followers": 3000, "category": "gaming", "creator_age": 24})
    money = result.report.money[0]  # sorted by creator id; the page picks the first on a tie
    profile = result.profiles[result.profiles["creator_id"] == money.creator_id].iloc[0]
    body = {k: (v.item() if hasattr(v, "item") else v) for k, v in profile.items() if v == v}
    rec = httpx.post(server + "/v1/recommendations", json=body, timeout=30).json()
    usd = httpx.post(server + "/v1/earnings", json={"diamonds": money.diamonds}, timeout=30).json()["usd"]
    weeks = result.sessions[result.sessions["creator_id"] == money.creator_id]["week"].nunique()
    return {"creator": money.creator_id, "likes": money.likes, "diamonds": money.diamonds, "usd": usd,
            "verdict": rec["verdict"], "weeks": weeks}


def _post(base: str, name: str, data: bytes, form: dict[str, str]) -> httpx.Response:
    return httpx.post(base + "/upload", files={"history": (name, data, "application/octet-stream")}, data=form,
                      timeout=120)


def test_event_log_upload_shows_weeks_likes_gifts_and_verdict(url):
    want = _expected(url)
    r = _post(url, "events.jsonl.gz", EVENTS.read_bytes(), FACTS)
    assert r.status_code == 200, r.text[:2000]
    assert f"Your {want['likes']:,.0f} likes earned <strong>$0</strong>" in r.text
    assert f"gifts ({want['diamonds']:,.0f} diamonds) earned <strong>${want['usd']:,.2f}</strong>" in r.text
    svg = r.text[r.text.index('<svg id="weekly-chart"'):]
    svg = svg[:svg.index("</svg>")]
    assert svg.count('class="week"') == want["weeks"] > 3  # every week with LIVEs, warm-up weeks included
    assert f'id="verdict">{escape(want["verdict"])}</p>' in r.text
    assert want["creator"] in r.text and "unofficial TikTok LIVE client" in r.text


def test_missing_profile_facts_are_asked_for_next_to_each_input(url):
    r = _post(url, "events.jsonl.gz", EVENTS.read_bytes(), {"category": "gaming"})
    assert r.status_code == 422 and "Traceback" not in r.text
    for name in ("followers", "creator_age"):
        error = r.text[r.text.index(f'id="{name}-error"'):]
        error = error[:error.index("</p>")]
        assert f"no {name} for creator(s) with history weeks" in error  # the CLI's wording, for this field
        assert f"expected {escape(column(name).expected)}" in error
        assert f'aria-describedby="{name}-hint {name}-error" aria-invalid="true"' in r.text
    assert 'id="category-error"' not in r.text and 'id="history-result"' not in r.text
    summary = r.text[r.text.index('id="upload-errors"'):]  # the CLI's whole message, once, above the form
    assert "no creator_age, followers for creator(s) with history weeks (lee.talks: followers, creator_age;" in summary
    assert "expected followers (now), category and creator_age for each creator" in summary


def test_bad_profile_facts_are_field_errors_with_the_contract_range(url):
    r = _post(url, "events.jsonl.gz", EVENTS.read_bytes(), {**FACTS, "creator_age": "7", "followers": "x"})
    assert r.status_code == 422
    age = r.text[r.text.index('id="creator_age-error"'):]
    assert age[:age.index("</p>")].endswith(f"expected {column('creator_age').expected} (got 7)")
    assert 'id="followers-error"' in r.text and 'id="category-error"' not in r.text
    page = httpx.get(url + "/upload", timeout=30).text  # labels state the contract's ranges
    for name in ("followers", "creator_age"):
        assert f'name="{name}"' in page and str(escape(column(name).expected)) in page


def test_jsonl_goes_to_exactly_one_reader(tmp_path, url):
    history_row = '{"creator_id": "me", "strategy": "none", "gift_diamonds": 1}\n'
    (tmp_path / "h.jsonl").write_text(history_row)
    (tmp_path / "e.jsonl").write_bytes(gzip.decompress(EVENTS.read_bytes())[:20000])
    assert is_history(tmp_path / "h.jsonl") and not is_ingestable(tmp_path / "h.jsonl")
    assert not is_history(tmp_path / "e.jsonl") and is_ingestable(tmp_path / "e.jsonl")
    summary = (EXAMPLES / "live_summaries.csv").read_bytes()  # a .csv that is not a history: ingest reads it
    r = _post(url, "summaries.csv", summary, {})
    assert r.status_code == 200 and 'id="weekly-chart"' in r.text and "likes earned <strong>$0</strong>" in r.text
    r = _post(url, "h.jsonl", history_row.encode(), {})  # a history row, read as one (and found incomplete)
    assert r.status_code == 422 and "h.jsonl" in r.text and "no creator_id" not in r.text


@pytest.mark.slow
def test_event_log_upload_in_chromium(server, browser, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    want = _expected(server)
    browser.get(server + "/upload")
    browser.find_element(By.ID, "history").send_keys(str(EVENTS))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "followers-error"))
    text = browser.find_element(By.ID, "followers-error").text
    assert text.startswith("no followers for creator(s) with history weeks")
    assert "no category, creator_age, followers for creator(s)" in browser.find_element(By.ID, "upload-errors").text
    _shot(browser, screenshots, "10-upload-events-missing-facts")
    browser.find_element(By.ID, "history").send_keys(str(EVENTS))  # a file input is emptied by the reload
    browser.find_element(By.ID, "followers").send_keys(FACTS["followers"])
    browser.find_element(By.ID, "creator_age").send_keys(FACTS["creator_age"])
    Select(browser.find_element(By.ID, "category")).select_by_value(FACTS["category"])
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "history-result"))
    text = browser.find_element(By.ID, "likes-vs-gifts").text
    assert f"Your {want['likes']:,.0f} likes earned $0" in text and f"earned ${want['usd']:,.2f}" in text
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg#weekly-chart rect.week")) == want["weeks"]
    assert browser.find_element(By.ID, "verdict").text == want["verdict"]
    assert "current profile" in browser.find_element(By.ID, "latest-week").text
    _shot(browser, screenshots, "11-upload-events")


def _shot(driver, folder: Path, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height) + 40, 800), 6000))
    driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(1280, 1000)
    assert (folder / f"{name}.png").stat().st_size > 10_000


@pytest.mark.parametrize("name,data,says", [
    ("a.jsonl.gz", b"not gzip", "cannot read the file past this point"),
    ("b.jsonl", b"", "no LIVE found in the input"),
    ("c.jsonl", b"hello\n", "line 1: not valid JSON"),
    ("e.ndjson", b'{"type":"LikeEvent"}\n', "line 1, field 'common.createTime': no event time"),
    ("f.csv", b"start,diamonds\n", "summary table is missing column(s)"),
])
def test_broken_event_uploads_say_where_and_what(url, name, data, says):
    r = _post(url, name, data, FACTS)
    summary = r.text[r.text.index('id="upload-errors"'):]
    summary = summary[:summary.index("</div>")]
    assert r.status_code == 422 and f"{name}" in summary and str(escape(says)) in summary
    assert "Traceback" not in r.text and "livelift-upload-" not in r.text
