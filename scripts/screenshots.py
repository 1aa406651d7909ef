"""Take the dashboard's screenshots in docs/images/ from a running `perdure dev`, so the
pictures in the docs show the dashboard as it is, not as someone once drew it.

It serves the order and hello examples with `perdure dev` on a free port and a database
in a temporary folder, runs executions into the states worth showing (orders approved,
waiting for their approval callback and failed by a refused one; greetings), then opens
the pages in headless Chromium through Selenium and saves, at a fixed size:

- dashboard-executions.png: the executions list;
- dashboard-execution.png: an approved order's page, at its timeline and operation tree;
- dashboard-callback.png: an order waiting for approval, with the form that answers it;
- dashboard-functions.png: the functions page, where an execution is started.

It needs Debian's `chromium` and `chromium-driver` (`./scripts/install-browser`) and
Selenium (the dev extra); nothing is downloaded. `python scripts/screenshots.py` writes
docs/images/; `--out DIR` writes elsewhere. tests/dashboard/test_screenshots.py runs it
into a temporary folder and checks each picture, so the script cannot rot unnoticed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from perdure.client import DurableClient, ErrorDetails

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
# Named from the repository root, as a reader runs them (the functions page shows them).
EXAMPLES = ["examples/order/order_workflow.py", "examples/hello/hello_workflow.py"]
WIDTH, HEIGHT = 1280, 800
# The pictures, by file name, in the order they are taken.
SHOTS = (
    "dashboard-executions.png",
    "dashboard-execution.png",
    "dashboard-callback.png",
    "dashboard-functions.png",
)


class ScreenshotError(Exception):
    """Something the screenshots need is missing or did not happen in time."""


def _pause(seconds: float) -> None:
    threading.Event().wait(seconds)


def _until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        _pause(0.1)
    raise ScreenshotError(f"timed out waiting for {what}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@contextmanager
def dev_server(folder: Path) -> Iterator[str]:
    """`perdure dev` on the examples, a free port and a fresh database in `folder`."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "perdure._cli.main", "dev", *EXAMPLES]
    command += ["--no-reload", "--port", str(port), "--db", str(folder / "perdure.db")]
    log = folder / "dev.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ScreenshotError(f"perdure dev did not start:\n{log.read_text()}")
            _pause(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _callback_id(client: DurableClient, arn: str) -> str:
    def started() -> str | None:
        for event in client.history(arn):
            if event["EventType"] == "CallbackStarted":
                return str(event["CallbackStartedDetails"]["CallbackId"])
        return None

    found: str = _until(started, f"the approval callback of {arn}")
    return found


def run_executions(url: str) -> dict[str, str]:
    """Executions in the states the pictures show; the ARNs of the ones opened."""
    with DurableClient.connect(url) as client:
        for name in ("Ada", "Grace"):
            client.invoke("greet", {"name": name}, name=f"greet-{name.lower()}", timeout=30)
        hello = client.start("hello", {"userId": "u-42"}, name="hello-u-42")
        orders = {
            order: client.start(
                "process_order",
                {"orderId": order, "items": ["book", "lamp"], "amount": 59.9, "coolOffSeconds": 1},
                name=f"order-{order}",
            )
            for order in ("o-1001", "o-1002", "o-1003")
        }
        approved, waiting, refused = orders.values()
        client.send_callback_success(_callback_id(client, approved), '"approved"')
        client.send_callback_failure(
            _callback_id(client, refused),
            ErrorDetails(type="CardDeclined", message="the card was declined"),
        )
        _callback_id(client, waiting)
        for arn in (approved, refused, hello):
            client.wait(arn, timeout=60)
    return {"approved": approved, "waiting": waiting}


@contextmanager
def chromium(width: int, height: int) -> Iterator[Any]:
    """Debian's headless Chromium through its chromedriver, its page `width` by `height`."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise ScreenshotError("needs selenium: pip install -e '.[dev]'") from e
    found = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    if not all(found.values()):
        raise ScreenshotError("needs chromium and chromedriver: ./scripts/install-browser")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(found["chromium"])
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(flag)
    service = Service(executable_path=str(found["chromedriver"]))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        # The page itself is exactly the size asked for, whatever the window's frame.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, url: str, selector: str) -> None:
    driver.get(url)
    _until(lambda: driver.find_elements("css selector", selector), selector, 30)
    _pause(0.5)  # let the page's own script settle (the live refresh, the fonts)


def _scroll_to(driver: Any, selector: str, above: int = 12) -> None:
    """Scroll the first element matching `selector` to `above` pixels from the top."""
    driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "if (e) window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - arguments[1]);",
        selector,
        above,
    )
    _pause(0.3)


def take(out: Path, *, width: int = WIDTH, height: int = HEIGHT) -> list[Path]:
    """Run the executions and save the pictures in `out`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="perdure-screenshots-") as folder:
        with dev_server(Path(folder)) as url, chromium(width, height) as driver:
            arns = run_executions(url)
            ui = f"{url}/ui"

            def page(arn: str) -> str:
                return f"{ui}/execution?arn={urllib.parse.quote(arn, safe='')}"

            def save(name: str) -> None:
                path = out / name
                driver.save_screenshot(str(path))
                written.append(path)

            _open(driver, f"{ui}/executions", "table.executions")
            save(SHOTS[0])
            _open(driver, page(arns["approved"]), "svg.timeline-chart")
            _scroll_to(driver, "svg.timeline-chart", above=HEIGHT // 3)
            save(SHOTS[1])
            _open(driver, page(arns["waiting"]), "form.callback-succeed")
            _scroll_to(driver, "form.callback-succeed", above=HEIGHT // 3)
            save(SHOTS[2])
            _open(driver, f"{ui}/functions", "form.start")
            save(SHOTS[3])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder (default docs/images)")
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    args = parser.parse_args(argv)
    try:
        for path in take(args.out, width=args.width, height=args.height):
            print(path)
    except ScreenshotError as e:
        print(f"screenshots: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
