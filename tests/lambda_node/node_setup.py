"""Node.js for the tests of Node handlers: found on PATH, and the fixture package's
dependencies (AWS's JavaScript SDK, pinned by handlers/package.json and its lockfile)
installed from the npm registry with `npm ci` when node_modules is missing, as on CI's
fresh machine. Without node or npm the tests are skipped, except under CI (CI=true),
where that is a failure: CI must run them."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
HANDLERS = HERE / "handlers"
RUNTIME_FIXTURES = HERE / "runtime_fixtures"
SDK_PACKAGE = HANDLERS / "node_modules" / "@aws" / "durable-execution-sdk-js" / "package.json"


def _missing(what: str) -> None:
    message = f"{what} is not on PATH; the Node.js handler tests need Node.js and npm"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI must run them: install the nodejs and npm packages)")
    pytest.skip(message)


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        _missing("node")
    assert node is not None
    return node


def install_handlers() -> Path:
    """The fixture package's folder, its node_modules installed (once, under a lock)."""
    require_node()
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm")
    assert npm is not None
    with (HANDLERS / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SDK_PACKAGE.is_file():
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=HANDLERS,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(f"npm ci failed in {HANDLERS}:\n{done.stdout}\n{done.stderr}")
    return HANDLERS
