"""The child-process invoker: however a handler's process dies, the invocation is a
failure that says how, it is retried, and the thread that ran it is freed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure._config import ConfigError, Settings
from perdure._runtime.process_invoker import child_target
from perdure.testing import DurableTestRunner
from tests.cli.crash_handlers import crash_once, starts_a_process


def _crash_then_succeed(tmp_path: Path, how: str, **extra: Any) -> dict[str, Any]:
    """Run `crash_once` in child processes; the error of the crashed invocation."""
    with DurableTestRunner(crash_once, invoker="process") as runner:
        event = {"marker": str(tmp_path / "crashed"), "how": how, **extra}
        result = runner.run(input=event, timeout=20)
    assert result.status == "SUCCEEDED", result.error
    assert result.result == f"survived {how}"
    ends = [e["InvocationCompletedDetails"] for e in result.events_of_type("InvocationCompleted")]
    assert len(ends) == 2 and "Error" not in ends[1]
    error: dict[str, Any] = ends[0]["Error"]["Payload"]
    assert error["ErrorType"] == "Runtime.ExitError"
    return error


def test_a_handler_that_exits_fails_its_invocation_with_the_exit_status(tmp_path: Path) -> None:
    error = _crash_then_succeed(tmp_path, "exit")
    assert "Runtime exited with error: exit status 3" in error["ErrorMessage"]


def test_a_segfault_fails_the_invocation_naming_the_signal(tmp_path: Path) -> None:
    error = _crash_then_succeed(tmp_path, "segfault")
    assert "signal: segmentation fault (SIGSEGV)" in error["ErrorMessage"]


def test_a_killed_handler_process_fails_the_invocation_naming_sigkill(tmp_path: Path) -> None:
    error = _crash_then_succeed(tmp_path, "kill")
    assert "signal: killed (SIGKILL)" in error["ErrorMessage"]


@pytest.fixture
def release(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "release"
    yield path
    path.write_text("done")  # lets the test's grandchild process go


def test_a_grandchild_holding_the_pipe_does_not_hold_the_invocation(
    tmp_path: Path, release: Path
) -> None:
    # The grandchild keeps the child's end of the pipe open for up to a minute, past
    # the run's timeout; the invocation still ends (and the retry runs) when the
    # child itself exits.
    error = _crash_then_succeed(tmp_path, "fork-then-exit", release=str(release))
    assert "exit status 4" in error["ErrorMessage"]


def test_a_handler_in_a_child_process_may_start_processes_of_its_own() -> None:
    with DurableTestRunner(starts_a_process, invoker="process") as runner:
        result = runner.run(input={}, timeout=20)
    assert result.status == "SUCCEEDED", result.error
    assert result.result == 7


def test_a_handler_given_as_an_object_runs_in_a_child_by_its_module_path() -> None:
    assert child_target("f", crash_once) == "tests.cli.crash_handlers:crash_once"


def test_a_handler_a_child_cannot_import_is_refused_at_start() -> None:
    @durable_execution
    def local(event: Any, context: DurableContext) -> str:
        return "never"

    with pytest.raises(ConfigError, match=r"cannot run in a child process.*--isolation thread"):
        DurableTestRunner(local, invoker="process")


def test_isolation_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).isolation is None
    assert Settings.from_env({"PERDURE_ISOLATION": "Thread"}).isolation == "thread"
    with pytest.raises(ConfigError, match="PERDURE_ISOLATION must be one of process, thread"):
        Settings.from_env({"PERDURE_ISOLATION": "container"})
