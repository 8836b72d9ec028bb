"""A real `python -m livelift serve` on loopback, and headless Chromium driven by Selenium.

Chromium and chromedriver are Debian's packages (/usr/bin/chromium, /usr/bin/chromedriver;
`.ci/run` installs them). Without them the browser tests skip, unless
LIVELIFT_REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.
Screenshots go to $LIVELIFT_SCREENSHOTS (default: a pytest temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

CHROMIUM = os.environ.get("LIVELIFT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LIVELIFT_CHROMEDRIVER", "/usr/bin/chromedriver")
REPO = Path(__file__).resolve().parents[2]


def _require_or_skip(reason: str) -> None:
    if os.environ.get("LIVELIFT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (LIVELIFT_REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """`python -m livelift serve` in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "livelift", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tempfile.gettempdir())
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"livelift serve exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("livelift serve did not answer /healthz within 90 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("LIVELIFT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _chrome(javascript: bool, profile_dir: str):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _require_or_skip("selenium is not installed (pip install 'livelift[test]')")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists() and shutil.which(CHROMEDRIVER)):
        _require_or_skip(f"Chromium not found ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile_dir}", "--window-size=1280,1000", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    driver = _chrome(True, str(tmp_path_factory.mktemp("chromium-profile")))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser_nojs(tmp_path_factory: pytest.TempPathFactory):
    driver = _chrome(False, str(tmp_path_factory.mktemp("chromium-profile-nojs")))
    try:
        yield driver
    finally:
        driver.quit()


BASE_FORM = {"creator_id": "t", "followers": "5200", "avg_viewers": "48", "engagement_rate": "0.12",
             "streams_per_week": "4", "avg_stream_minutes": "75", "retention_rate": "0.35",
             "prior_weekly_diamonds": "900", "category": "gaming", "creator_age": "24", "region": "US"}


@pytest.fixture(scope="session")
def state_forms() -> dict[str, dict[str, str]]:
    """Form values the shipped model (models/default.skops) answers with each state, found by trying profiles.

    ``not_recommended``: some strategies predicted to lose income; ``implausible``: an uplift far above the
    recent weekly diamonds (and extrapolation). Tests check the state is there first, so a retrained model
    that changes it fails with a clear message instead of testing nothing.
    """
    return {
        "not_recommended": {**BASE_FORM, "creator_id": "not_recommended", "followers": "2000", "avg_viewers": "3",
                            "engagement_rate": "0.4", "avg_stream_minutes": "15", "retention_rate": "0.8",
                            "prior_weekly_diamonds": "100", "category": "education"},
        "implausible": {**BASE_FORM, "creator_id": "implausible", "followers": "100000", "avg_viewers": "1000",
                        "streams_per_week": "7", "prior_weekly_diamonds": "5000", "category": "music"},
    }
