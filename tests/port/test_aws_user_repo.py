"""A repository written for AWS's SDKs passes on Perdure after the package rename alone.

tests/port/aws_user_repo holds handlers written with `aws_durable_execution_sdk_python`
(every operation, configs and error types) and their tests written with
`aws_durable_execution_sdk_python_testing`, with a conftest that picks the local or the
cloud runner by RUNNER_MODE, as AWS's examples do. Each test here copies it to a fresh
directory and runs its pytest in a subprocess: unmodified on AWS's testing SDK (so the
tests are AWS-valid), and after the two renames of docs/porting.md, and nothing else,
on Perdure's local runner and against a `perdure dev` started here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.perdure_processes import free_port, healthy

REPO = Path(__file__).parent / "aws_user_repo"
# The port, in the order docs/porting.md gives it (the testing package's name contains
# the SDK's, so it is replaced first).
RENAMES = (
    ("aws_durable_execution_sdk_python_testing", "perdure.testing"),
    ("aws_durable_execution_sdk_python", "perdure"),
)
EXPECTED_TESTS = 15
# How perdure dev serves the repository's functions, by the names its tests' markers give.
FUNCTIONS = """FUNCTIONS = {
    "steps": "handlers.steps:handler",
    "waits": "handlers.waits:handler",
    "approvals": "handlers.approvals:handler",
    "batches": "handlers.batches:handler",
    "children": "handlers.children:handler",
    "pricing": "handlers.pricing:handler",
    "price-quote": "handlers.pricing:quote",
}
"""


def copy_repo(tmp_path: Path, *, ported: bool) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    if ported:
        for path in target.rglob("*"):
            if path.is_file():
                text = path.read_text()
                for old, new in RENAMES:
                    text = text.replace(old, new)
                path.write_text(text)
    return target


def run_pytest(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PERDURE_", "PYTEST_", "RUNNER_MODE", "LAMBDA_ENDPOINT"))
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=repo,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_all_passed(run: subprocess.CompletedProcess[str]) -> None:
    output = run.stdout + run.stderr
    summary = re.findall(r"^(\d+) passed(?: in [\d.]+s)?$", output, re.MULTILINE)
    assert run.returncode == 0 and summary == [str(EXPECTED_TESTS)], output[-6000:]


@contextmanager
def perdure_dev(repo: Path) -> Iterator[str]:
    """`perdure dev` serving the repository's handlers, as a user would start it there."""
    (repo / "perdure_functions.py").write_text(FUNCTIONS)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = repo / "dev.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    command = [sys.executable, "-m", "perdure._cli.main", "dev", "perdure_functions.py"]
    command += ["--port", str(port), "--db", str(repo / "dev.db"), "--no-reload"]
    with log.open("w") as sink:
        proc = subprocess.Popen(command, cwd=repo, env=env, stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + 30
            while not healthy(url):
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            yield url
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(20) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_the_repository_is_valid_for_aws_testing_sdk(tmp_path: Path) -> None:
    assert_all_passed(run_pytest(copy_repo(tmp_path, ported=False)))


def test_the_port_is_the_two_package_renames_and_nothing_else(tmp_path: Path) -> None:
    original = copy_repo(tmp_path / "a", ported=False)
    ported = copy_repo(tmp_path / "b", ported=True)
    for path in original.rglob("*.py"):
        before = path.read_text()
        after = (ported / path.relative_to(original)).read_text()
        assert after.replace("perdure.testing", "aws_durable_execution_sdk_python_testing") \
            .replace("perdure", "aws_durable_execution_sdk_python") == before, path  # fmt: skip
    assert "aws_durable" not in "".join(p.read_text() for p in ported.rglob("*.py"))


def test_the_ported_repository_passes_on_perdures_local_runner(tmp_path: Path) -> None:
    assert_all_passed(run_pytest(copy_repo(tmp_path, ported=True)))


def test_the_ported_repository_passes_against_perdure_dev(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path, ported=True)
    with perdure_dev(repo) as url:
        assert_all_passed(run_pytest(repo, RUNNER_MODE="cloud", LAMBDA_ENDPOINT=url))
