"""Headless Chromium for the browser tests: Debian's `chromium` and `chromium-driver`
packages (installed by `.ci/run`), driven with Selenium through that chromedriver.
Nothing is downloaded at run time: the driver and the browser are named by path, and
Selenium's own driver manager is told to stay offline.

Without the browser the tests skip on a developer's machine (saying how to install
it) and fail under CI, where a skipped browser test would hide a missing install step.
Screenshots land in `test-artifacts/dashboard/` (ignored by git) for people to look
at; the tests themselves compare the pages' structure, never pixels.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
INSTALL = "apt-get install -y chromium chromium-driver (as root; .ci/run does it on CI)"


def require(what: str) -> None:
    """Stop the test for want of `what`: a failure under CI, a skip elsewhere."""
    message = f"the dashboard's browser tests need {what}: {INSTALL}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _executable(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        require(f"{name} on PATH")
    assert found is not None
    return found


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """A headless Chromium window, 1400 by 1000, closed afterwards."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        require("selenium (in the dev extra: pip install -e '.[dev]')")
    browser = _executable("chromium")
    chromedriver = _executable("chromedriver")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    chrome.set_page_load_timeout(30)
    try:
        yield chrome
    finally:
        chrome.quit()


def screenshot(chrome: Any, name: str) -> Path:
    """Save the whole page as test-artifacts/dashboard/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = chrome.execute_script("return document.documentElement.scrollHeight")
    chrome.set_window_size(1400, min(max(int(height), 600), 6000))
    chrome.save_screenshot(str(path))
    chrome.set_window_size(1400, 1000)
    return path


def csp_violations(chrome: Any) -> list[str]:
    """Console messages about the Content-Security-Policy refusing something."""
    return [
        entry["message"]
        for entry in chrome.get_log("browser")
        if "Content Security Policy" in entry.get("message", "")
    ]
