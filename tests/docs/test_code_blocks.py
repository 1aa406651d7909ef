"""Every code block of the README, the getting-started pages and the examples' READMEs
runs as written.

Python blocks are saved in a temporary folder (as the file their `<!-- file: -->` marker
names, else one file per block) and run there against the installed package: a block
defining `test_` functions through pytest, any other as a script. Shell blocks run for
real, in order, in one bash session (so `ARN=...` carries to the next block), with `perdure`
from the venv, against a `perdure dev` the page's `<!-- background -->` block starts on a
free port with a fresh database. A block the tests cannot run carries
`<!-- not-runnable: REASON -->`; any other kind of block fails here. Markers: blocks.py.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.blocks import ROOT, Block, blocks

# Example READMEs whose commands another test runs as written (they need npm and SAM
# templates), with that test.
RUN_ELSEWHERE = {
    "examples/aws-seed-app-js/README.md": "tests/sam/test_seed_apps.py",
    "examples/aws-seed-app-python/README.md": "tests/sam/test_seed_apps.py",
}
# The README, the getting-started tutorial, and each example's README.
PAGES = [
    "README.md",
    "docs/getting-started.md",
    *sorted(
        page
        for page in (str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*/README.md"))
        if page not in RUN_ELSEWHERE
    ),
]
MARKERS = {"not-runnable", "file", "background", "before"}
SHELLS = {"sh", "shell", "bash", "console"}


def _runnable(page: str) -> list[Block]:
    return [b for b in blocks(page) if b.marker != "not-runnable"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PERDURE_PORT"] = str(port)
    env["PERDURE_ENDPOINT"] = f"http://127.0.0.1:{port}"
    env["PERDURE_DATABASE_URL"] = str(tmp_path / "perdure.db")
    env["PYTHONPATH"] = f"{tmp_path / 'code'}{os.pathsep}{ROOT}"
    for name in ("PERDURE_TOKEN", "PERDURE_DB", "PERDURE_ACCESS_KEY_ID", "NO_COLOR"):
        env.pop(name, None)
    return env


@pytest.fixture(params=PAGES)
def page(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if not (ROOT / name).exists():
        pytest.fail(f"{name} is one of the pages whose blocks must run; it is missing")
    return name


def test_the_pages_run_elsewhere_are_run_by_the_test_named() -> None:
    for page, test in RUN_ELSEWHERE.items():
        folder = Path(page).parent.name
        assert folder in (ROOT / test).read_text("utf-8"), f"{test} does not run {page}"


def test_every_block_is_runnable_or_says_why_not(page: str) -> None:
    for block in blocks(page):
        assert block.marker is None or block.marker in MARKERS, (
            f"{block.where}: unknown marker {block.marker!r} (known: {sorted(MARKERS)})"
        )
        if block.marker == "not-runnable":
            assert block.value, f"{block.where}: not-runnable needs a reason"
            continue
        assert block.lang == "python" or block.lang in SHELLS, (
            f"{block.where}: a ```{block.lang} block cannot be run; mark it "
            "<!-- not-runnable: REASON -->"
        )


def test_python_blocks_run_as_written(page: str, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    env = _environment(tmp_path, _free_port())
    python = [b for b in _runnable(page) if b.lang == "python"]
    for n, block in enumerate(python):
        name = block.value if block.marker == "file" and block.value else None
        is_test = "\ndef test_" in "\n" + block.body
        path = code / (name or (f"test_block_{n}.py" if is_test else f"block_{n}.py"))
        path.write_text(block.body, "utf-8")
        if is_test:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path.name],
                cwd=code, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
        elif name is None:
            done = subprocess.run(
                [sys.executable, path.name],
                cwd=code, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
        else:
            continue  # a module for later blocks: importing it is their test
        assert done.returncode == 0, f"{block.where} failed:\n{done.stdout}\n{done.stderr}"
        assert "passed" in done.stdout or not is_test, f"{block.where} ran no tests"


@pytest.fixture
def background(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    _stop(started)


def _wait_until_serving(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the background block exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the background block did not serve within 60 s:\n{log.read_text()}")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop what background blocks started, as a reader presses Ctrl-C in their terminal."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _run_script(lines: list[str], cwd: Path, env: dict[str, str], page: str) -> None:
    if len(lines) == 1:
        return
    done = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"{page}'s shell blocks failed (the last '---' line names the block):\n"
        f"{done.stdout}\n{done.stderr}"
    )


def test_shell_blocks_run_for_real(
    page: str, tmp_path: Path, background: list[subprocess.Popen[bytes]]
) -> None:
    runnable = _runnable(page)
    shell = [b for b in runnable if b.lang in SHELLS]
    if not shell:
        pytest.skip(f"{page} has no runnable shell blocks")
    # The reader's folder: the files the page asked them to save, and the repository's
    # examples, which the README runs from a clone.
    code = tmp_path / "code"
    code.mkdir()
    (code / "examples").symlink_to(ROOT / "examples")
    for block in runnable:
        if block.marker == "file" and block.value:
            (code / block.value).write_text(block.body, "utf-8")
    port = _free_port()
    env = _environment(tmp_path, port)
    script = ["set -euo pipefail"]
    for block in shell:
        if block.marker != "background":
            script.append(f"echo '--- {block.where}' >&2")
            if block.marker == "before" and block.value:
                script.append(block.value)
            script.append(block.body)
            continue
        # What ran so far runs now; shell variables do not carry past a background block.
        _run_script(script, code, env, page)
        script = ["set -euo pipefail"]
        if block.value == "replaces":
            _stop(background)
        log = tmp_path / f"background-{block.line}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["bash", "-c", block.body], cwd=code, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        background.append(proc)
        if re.search(r"\bperdure (dev|server)\b", block.body):
            _wait_until_serving(port, proc, log)
    _run_script(script, code, env, page)
