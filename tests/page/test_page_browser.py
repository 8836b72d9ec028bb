"""The page in headless Chromium against a real `python -m livelift serve` on loopback.

Each state is saved as a PNG under the screenshots folder (see conftest.py).
Expected numbers come from the Python API and the JSON API of the same
service, so the page must show what they say.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from livelift.data.contract import parse_profile, read_history
from livelift.errors import InputError

pytestmark = pytest.mark.slow  # starts a server and a browser: ~20 s in all

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROFILE = {
    "creator_id": "browser_test", "followers": "5200", "avg_viewers": "48", "engagement_rate": "0.12",
    "streams_per_week": "4", "avg_stream_minutes": "75", "retention_rate": "0.35",
    "prior_weekly_diamonds": "900", "category": "gaming", "creator_age": "24", "region": "US",
}
MINOR = {**PROFILE, "creator_id": "minor_test", "creator_age": "17", "followers": "800", "region": ""}


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _shot(driver, folder: Path, name: str) -> Path:
    """A full-page PNG (the window is stretched to the page's height first)."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(1280, min(max(int(height) + 40, 800), 6000))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    assert path.stat().st_size > 10_000, f"screenshot {path} looks empty"
    return path


def _fill(driver, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in values.items():
        el = driver.find_element(By.NAME, name)
        assert el.get_attribute("id") == name
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def _submit(driver, form_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]").click()


def _api(server: str, values: dict[str, str]) -> dict:
    """The JSON API's answer for the same profile (numbers as JSON numbers)."""
    body = {k: (v if k in ("creator_id", "category", "region") else float(v)) for k, v in values.items() if v != ""}
    r = httpx.post(server + "/v1/recommendations", json=body, timeout=30)
    return {"status": r.status_code, "json": r.json()}


def _answer_checks(driver, server: str, values: dict[str, str]) -> dict:
    """The page shows the JSON API's verdict first, and charts exactly the options the API gives a number.

    Bars: the recommended strategies, ``none`` and the not recommended (muted); never a blocked or
    unknown one; no chart at all when ``none`` is the only option with a number.
    """
    from selenium.webdriver.common.by import By

    api = _api(server, values)
    assert api["status"] == 200
    rec = api["json"]
    charted = [s for s in rec["strategies"] if s["status"] in ("recommended", "keep", "not_recommended")]
    if not any(s["strategy"] != "none" for s in charted):
        charted = []
    bars = driver.find_elements(By.CSS_SELECTOR, "#answer svg#strategy-chart rect.bar")
    assert sorted((b.get_attribute("data-strategy"), b.get_attribute("data-status")) for b in bars) == \
        sorted((s["strategy"], s["status"]) for s in charted)
    verdict = driver.find_element(By.ID, "verdict")
    assert verdict.text == rec["verdict"] and rec["verdict"]
    first = driver.find_element(By.CSS_SELECTOR, "#answer > :nth-child(2)")  # right under the heading
    assert first.get_attribute("id") == "verdict"
    if charted:
        svg = driver.find_element(By.ID, "strategy-chart")
        assert svg.get_attribute("role") == "img"
        desc = driver.find_element(By.ID, "strategy-chart-desc").get_attribute("textContent")
        for s in charted:
            assert s["strategy"] in desc
        assert rec["model"]["source"] in driver.find_element(By.ID, "model-source").text
    return rec


def test_form_answer_with_javascript(server, browser, screenshots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.find_element(By.ID, "profile-form")
    _shot(browser, screenshots, "01-form")
    _fill(browser, PROFILE)
    _submit(browser, "profile-form")
    _wait(browser, lambda d: d.find_elements(By.ID, "answer-title"))
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-enhanced") == "true"  # sent by page.js
    assert browser.switch_to.active_element.get_attribute("id") == "answer-title"  # focus lands on the answer
    rec = _answer_checks(browser, server, PROFILE)
    table = browser.find_element(By.ID, "strategy-table").text
    top = rec["strategies"][0]
    assert top["rank"] == 1 and f"{top['uplift_diamonds']:+,.0f}" in table
    assert "Simulated model" in browser.find_element(By.CSS_SELECTOR, "aside.notice").text
    facts = browser.find_element(By.CSS_SELECTOR, "details.facts")
    assert "Likes pay nothing" in facts.get_attribute("textContent")
    _shot(browser, screenshots, "02-answer-js")


def test_minor_sees_blocked_strategies_with_reasons(server, browser, screenshots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    _fill(browser, MINOR)
    _submit(browser, "profile-form")
    _wait(browser, lambda d: d.find_elements(By.ID, "answer-title"))
    rec = _answer_checks(browser, server, MINOR)
    blocked = {el.get_attribute("data-strategy"): el.text for el in browser.find_elements(By.CSS_SELECTOR, ".blocked-item")}
    api_blocked = [s for s in rec["strategies"] if not s["allowed"]]
    assert api_blocked and set(blocked) == {s["strategy"] for s in api_blocked}
    age_reason = next(r for r in api_blocked[0]["reasons"] if "under 18" in r)
    assert all(age_reason in text for text in blocked.values())
    assert not browser.find_elements(By.CSS_SELECTOR, "rect.bar")  # blocked ones are never bars
    _shot(browser, screenshots, "03-minor-blocked")


def test_not_recommended_and_flags_are_visible(server, browser, screenshots, state_forms):
    from selenium.webdriver.common.by import By

    for key, name in (("not_recommended", "03b-not-recommended"), ("implausible", "03c-implausible-extrapolation")):
        values = state_forms[key]
        browser.get(server + "/")
        _fill(browser, values)
        _submit(browser, "profile-form")
        _wait(browser, lambda d: d.find_elements(By.ID, "answer-title"))
        rec = _answer_checks(browser, server, values)
        muted = browser.find_elements(By.CSS_SELECTOR, 'rect.bar[data-status="not_recommended"]')
        assert muted or key != "not_recommended", "no strategy is predicted to lose income: pick another (conftest.py)"
        keep = browser.find_element(By.CSS_SELECTOR, 'rect.bar[data-status="keep"]')
        for bar in muted:  # drawn below the zero reference, and visibly apart (grey)
            assert bar.location["y"] > keep.location["y"]
            assert bar.value_of_css_property("fill") != keep.value_of_css_property("fill")
        flags = browser.find_elements(By.CSS_SELECTOR, "svg#strategy-chart text.flag")
        expected = sum(s["implausible"] + (s["extrapolation"] and s["allowed"]) for s in rec["strategies"])
        assert len(flags) == expected and all(f.is_displayed() for f in flags)
        _shot(browser, screenshots, name)
    assert any(s["implausible"] for s in rec["strategies"])


def test_field_error_matches_the_api(server, browser, screenshots):
    from selenium.webdriver.common.by import By

    bad = {**PROFILE, "engagement_rate": "2"}
    browser.get(server + "/")
    _fill(browser, bad)
    _submit(browser, "profile-form")
    _wait(browser, lambda d: d.find_elements(By.ID, "error-summary"))
    field = browser.find_element(By.ID, "engagement_rate")
    assert field.get_attribute("aria-invalid") == "true"
    assert "engagement_rate-error" in field.get_attribute("aria-describedby")
    shown = browser.find_element(By.ID, "engagement_rate-error").text
    with pytest.raises(InputError) as info:
        parse_profile(_api_body(bad), source="profile")
    problem = info.value.problems[0]
    assert problem.loc == "profile.engagement_rate"
    assert problem.msg in shown and problem.expected in shown
    api = _api(server, bad)
    assert api["status"] == 422
    api_expected = [d["ctx"]["expected"] for d in api["json"]["detail"] if d["loc"][-1] == "engagement_rate"]
    assert api_expected and api_expected[0] in shown  # the same "what is valid" as the JSON API
    assert browser.switch_to.active_element.get_attribute("id") == "error-summary"
    _shot(browser, screenshots, "04-field-error")


def _api_body(values: dict[str, str]) -> dict:
    return {k: (v if k in ("creator_id", "category", "region") else float(v)) for k, v in values.items() if v != ""}


def test_upload_tab_with_example_history(server, browser, screenshots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "Your history").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "upload-form"))
    history = EXAMPLES / "history.csv"
    browser.find_element(By.ID, "history").send_keys(str(history))
    _submit(browser, "upload-form")
    _wait(browser, lambda d: d.find_elements(By.ID, "history-result"))
    frame = read_history(history).frame
    likes, diamonds = frame["likes"].sum(), frame["gift_diamonds"].sum()
    usd = httpx.post(server + "/v1/earnings", json={"diamonds": float(diamonds)}, timeout=30).json()["usd"]
    text = browser.find_element(By.ID, "likes-vs-gifts").text
    assert f"Your {likes:,.0f} likes earned $0" in text
    assert f"{diamonds:,.0f} diamonds) earned ${usd:,.2f}" in text
    weeks = browser.find_elements(By.CSS_SELECTOR, "svg#weekly-chart rect.week")
    assert len(weeks) == len(frame)
    latest = frame.sort_values("week").iloc[-1]
    assert browser.find_element(By.ID, "answer-title").text.endswith(str(latest["creator_id"]))
    assert browser.find_elements(By.CSS_SELECTOR, "#answer svg#strategy-chart rect.bar")
    profile = {k: str(latest[k]) for k in PROFILE if k in latest.index and str(latest[k]) not in ("nan", "None")}
    _answer_checks(browser, server, profile)  # the latest week's verdict, first, and its chart
    _shot(browser, screenshots, "05-upload-history")


def test_upload_of_a_wrong_file_says_what_is_valid(server, browser, screenshots, tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "weeks.csv"
    bad.write_text("creator_id,followers\nme,12\n")
    browser.get(server + "/upload")
    browser.find_element(By.ID, "history").send_keys(str(bad))
    _submit(browser, "upload-form")
    _wait(browser, lambda d: d.find_elements(By.ID, "upload-errors"))
    text = browser.find_element(By.ID, "upload-errors").text
    assert "weeks.csv" in text and "missing" in text
    assert str(tmp_path) not in text and "livelift-upload-" not in text  # no server temp path leaks
    _shot(browser, screenshots, "06-upload-error")


def test_form_without_javascript(server, browser_nojs, screenshots):
    from selenium.webdriver.common.by import By

    d = browser_nojs
    d.get(server + "/")
    assert d.execute_script is not None
    _fill(d, PROFILE)
    _submit(d, "profile-form")
    _wait(d, lambda drv: drv.find_elements(By.ID, "answer-title"))
    assert d.find_element(By.TAG_NAME, "body").get_attribute("data-enhanced") is None  # a plain POST answered it
    assert d.current_url.rstrip("/") == server  # the form posted to / and the server rendered the answer
    _answer_checks(d, server, PROFILE)
    _shot(d, screenshots, "07-answer-no-js")
    d.get(server + "/")
    _fill(d, {**PROFILE, "engagement_rate": "2"})
    _submit(d, "profile-form")
    _wait(d, lambda drv: drv.find_elements(By.ID, "error-summary"))
    assert re.search(r"between 0 and 1", d.find_element(By.ID, "engagement_rate-error").text)
    # what the user typed is kept, so they can correct it
    assert d.find_element(By.ID, "engagement_rate").get_attribute("value") == "2"
    _shot(d, screenshots, "08-field-error-no-js")


def test_keyboard_reaches_every_field_in_order(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    names = [el.get_attribute("name") for el in browser.find_elements(By.CSS_SELECTOR, "#profile-form input, #profile-form select")]
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    seen = []
    for _ in range(len(names) + 6):
        el = browser.switch_to.active_element
        if el.get_attribute("name") in names and el.get_attribute("name") not in seen:
            seen.append(el.get_attribute("name"))
        el.send_keys(Keys.TAB)
    assert seen == names


def test_page_loads_nothing_from_elsewhere(server, browser):
    browser.get(server + "/")
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server + "/static/page/") for u in urls), urls


def test_report_renders_offline_in_chromium(browser, screenshots, tmp_path):
    """The report file alone: every image decodes, and the browser fetches nothing."""
    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from livelift.cli import main

    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLES / "history.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    browser.get(out.as_uri())
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == 3
    assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i) for i in images)
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith("data:") for u in urls), urls
    browser.set_window_size(1100, 1400)  # about one A4 page at this width
    path = screenshots / "09-report-first-page.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 1000)
    assert path.stat().st_size > 10_000
