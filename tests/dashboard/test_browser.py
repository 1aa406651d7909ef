"""A person's clicks through the dashboard in headless Chromium: open the list, filter
it, open an execution and read its timeline, answer a callback, stop an execution, log
in on a protected server, and watch the list refresh itself. Each key page is checked
against the structure it should have (headings, navigation, forms, table columns),
and saved as a screenshot in test-artifacts/dashboard/."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure._model import ExecutionStatus
from perdure._service.start import start_execution
from tests.dashboard import chromium
from tests.dashboard.chromium import csp_violations, screenshot
from tests.dashboard.conftest import TOKEN, Site
from tests.dashboard.waiting import open_callback, status, until
from tests.http_serving import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


def by_css(chrome: Any, selector: str) -> list[Any]:
    return list(chrome.find_elements("css selector", selector))


def texts(chrome: Any, selector: str) -> list[str]:
    """The visible text of each element matching `selector`, read in one go in the page
    (so the live refresh cannot swap an element out between finding and reading it)."""
    found = chrome.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())",
        selector,
    )
    return [str(t) for t in found]


def wait_for(chrome: Any, selector: str, timeout: float = 20.0) -> Any:
    until(lambda: bool(by_css(chrome, selector)), timeout, what=selector)
    return by_css(chrome, selector)[0]


def text_of(chrome: Any, selector: str) -> str:
    """The text of the first element matching `selector` ("" when there is none)."""
    found = texts(chrome, selector)
    return found[0] if found else ""


def focus(chrome: Any, selector: str, timeout: float = 30.0) -> Any:
    """Click into the element matching `selector` once it is there, as a person
    would; a part of the page that holds the focus is not refreshed under them."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            element = wait_for(chrome, selector, max(0.1, deadline - time.monotonic()))
            element.click()
            return element
        except StaleElementReferenceException:
            if time.monotonic() > deadline:
                raise


def skeleton(chrome: Any) -> dict[str, Any]:
    """A page's structure: what a person finds on it, not how it looks."""
    return {
        "title": chrome.title,
        "nav": texts(chrome, "header nav a"),
        "h1": texts(chrome, "main h1"),
        "h2": texts(chrome, "main h2"),
        "forms": [
            f.get_attribute("action").split("/ui", 1)[-1] for f in by_css(chrome, "main form")
        ],
        "columns": texts(chrome, "main table thead th")[:5],
    }


@pytest.fixture
def served(site: Site) -> Iterator[str]:
    with serve_in_thread(site.asgi) as url:
        yield url


@pytest.fixture
def served_protected(protected: Site) -> Iterator[str]:
    with serve_in_thread(protected.asgi) as url:
        yield url


def test_open_filter_and_read_an_execution_s_timeline(site: Site, served: str, driver: Any) -> None:
    ctx = site.app.ctx
    for name in ("ada", "grace"):
        status(
            ctx,
            start_execution(ctx, "greet", f'"{name}"', name=f"greet-{name}").arn,
            ExecutionStatus.SUCCEEDED,
        )
    flaky = start_execution(ctx, "flaky", '{"key": "browser"}', name="flaky-charge").arn
    start_execution(ctx, "sleeper", "{}", name="napping")
    status(ctx, flaky, ExecutionStatus.SUCCEEDED)

    driver.get(served + "/ui/")
    wait_for(driver, "table.executions")
    assert skeleton(driver) == {
        "title": "Executions · Perdure",
        "nav": ["Perdure", "Executions", "Functions", "Health"],
        "h1": ["Executions"],
        "h2": [],
        "forms": ["/executions"],
        "columns": ["Status", "Function", "Name", "Started (UTC)", "Duration"],
    }
    assert len(by_css(driver, "table.executions tbody tr")) == 4
    screenshot(driver, "executions")

    box = driver.find_element("name", "function")
    box.send_keys("flaky")
    driver.find_element("css selector", "form.filters button[type=submit]").click()
    until(lambda: "function=flaky" in driver.current_url, what="the filtered list")
    assert texts(driver, "table.executions td.name") == ["flaky-charge"]
    screenshot(driver, "executions-filtered")

    driver.find_element("link text", "flaky-charge").click()
    wait_for(driver, "svg.timeline-chart")
    shape = skeleton(driver)
    assert shape["h1"] == ["flaky-charge"]
    assert shape["h2"] == ["Input", "Result", "Timeline", "Operations", "History"]
    assert shape["forms"] == ["/execution/rerun", "/execution/delete"]
    tips = [
        driver.execute_script("return arguments[0].textContent", t)
        for t in by_css(driver, "svg.timeline-chart rect title")
    ]
    assert sum(t.startswith("invocation ") for t in tips) == 3  # one per attempt
    assert any(t.startswith("sleeping ") for t in tips)
    assert any(t.startswith("STEP charge SUCCEEDED") for t in tips)
    assert "attempt 1 failed" in text_of(driver, "#operations")
    assert csp_violations(driver) == []
    screenshot(driver, "execution-timeline")


def test_the_list_refreshes_in_place(site: Site, served: str, driver: Any) -> None:
    ctx = site.app.ctx
    start_execution(ctx, "sleeper", "{}", name="first")
    driver.get(served + "/ui/executions")
    wait_for(driver, "table.executions")
    driver.execute_script("window.stayed = 'yes'")  # gone if the page reloads
    start_execution(ctx, "sleeper", "{}", name="second")
    until(lambda: "second" in texts(driver, "table.executions td.name"), 15, "the new row")
    assert driver.execute_script("return window.stayed") == "yes"
    assert "RUNNING 2" in text_of(driver, "#status-counts")


def test_a_person_answers_the_example_s_approval_in_the_page(tmp_path: Path, driver: Any) -> None:
    """The order example's walk-through: `perdure dev examples/order/order_workflow.py`,
    open the URL it prints, start an order, approve it in the page, and see it complete."""
    command = [
        sys.executable,
        "-m",
        "perdure._cli.main",
        "dev",
        "examples/order/order_workflow.py",
        "--port",
        "0",
        "--no-reload",
        "--db",
        str(tmp_path / "perdure.db"),
    ]
    log = tmp_path / "dev.log"
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stderr=sink, stdout=subprocess.DEVNULL)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"Dashboard\s+(?:\x1b\[[\d;]*m)?(http://\S+/ui/)", log.read_text())
            url = found.group(1) if found else None
            time.sleep(0.05)
        assert url is not None, "perdure dev printed no dashboard URL"

        driver.get(url + "functions")
        wait_for(driver, "form.start")
        driver.find_element("css selector", "#start-function option[value=process_order]").click()
        area = driver.find_element("id", "start-input")
        area.clear()
        area.send_keys('{"orderId": "o-1", "coolOffSeconds": 1}')
        driver.find_element("css selector", "form.start button[type=submit]").click()
        wait_for(driver, "p.notice")
        assert "Execution started." in driver.find_element("css selector", "p.notice").text

        answer = focus(driver, "form.callback-succeed textarea")  # it comes by live refresh
        screenshot(driver, "execution-waiting-for-approval")
        answer.clear()
        answer.send_keys('"approved"')
        driver.find_element("css selector", "form.callback-succeed button").click()
        until(lambda: "Callback answered with success." in driver.page_source, 15, "the notice")
        until(
            lambda: "SUCCEEDED" in text_of(driver, "#summary .status"),
            30,
            "the order to complete",
        )
        assert "confirmed" in text_of(driver, "#outcome")
        assert csp_violations(driver) == []
        screenshot(driver, "execution-approved")
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_stopping_an_execution_from_its_page(site: Site, served: str, driver: Any) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "approval", "{}", name="to-stop").arn
    open_callback(ctx, arn)
    driver.get(served + "/ui/executions")
    driver.find_element("link text", "to-stop").click()
    wait_for(driver, "form.action-stop")
    assert skeleton(driver)["forms"][:2] == ["/execution/pause", "/execution/stop"]
    driver.find_element("css selector", "form.action-stop button").click()
    alert = driver.switch_to.alert
    assert "Stop this execution?" in alert.text
    alert.accept()
    until(lambda: "Execution stopped." in driver.page_source, 15, "the notice")
    assert text_of(driver, "#summary .status") == "STOPPED"
    assert status(ctx, arn, ExecutionStatus.STOPPED).status is ExecutionStatus.STOPPED
    screenshot(driver, "execution-stopped")


def test_logging_in_on_a_protected_server(served_protected: str, driver: Any) -> None:
    driver.get(served_protected + "/ui/executions")
    wait_for(driver, "form.login-form")
    assert skeleton(driver)["h1"] == ["Log in"]
    screenshot(driver, "login")
    field = driver.find_element("id", "token")
    field.send_keys("wrong")
    driver.find_element("css selector", "form.login-form button").click()
    until(lambda: "not a token this server accepts" in driver.page_source, 10, "the refusal")
    driver.find_element("id", "token").send_keys(TOKEN)
    driver.find_element("css selector", "form.login-form button").click()
    wait_for(driver, "form.logout")
    assert driver.current_url.endswith("/ui/executions")
    session = next(c for c in driver.get_cookies() if c["name"] == "perdure_session")
    assert session["httpOnly"] is True and session["sameSite"] == "Strict"
    driver.find_element("css selector", "form.logout button").click()
    wait_for(driver, "form.login-form")
    assert csp_violations(driver) == []


def test_a_missing_browser_fails_the_run_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium.require("chromium on PATH")


def test_a_missing_browser_skips_on_a_developer_s_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        chromium.require("chromium on PATH")
