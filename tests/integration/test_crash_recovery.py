"""Handlers that kill their own process: recorded, retried, and nothing runs twice that
must not."""

from __future__ import annotations

from pathlib import Path

from perdure.testing import DurableTestRunner


def test_a_crashed_invocation_is_recorded_and_the_step_reruns(tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    with DurableTestRunner(
        "tests.integration.handlers:crashing_handler", invoker="process"
    ) as runner:
        result = runner.run(input={"marker": str(marker)}, timeout=60)
    assert result.status == "SUCCEEDED", result.error
    assert result.result == "survived after 1 crash"
    completed = result.events_of_type("InvocationCompleted")
    crash = completed[0]["InvocationCompletedDetails"]["Error"]["Payload"]
    assert crash["ErrorType"] == "Runtime.ExitError"
    assert "InvocationCompletedDetails" in completed[1]
    assert "Error" not in completed[1]["InvocationCompletedDetails"]
    # At-least-once: the step re-ran without a second StepStarted.
    assert len(result.events_of_type("StepStarted")) == 1


def test_an_interrupted_at_most_once_step_is_retried_not_rerun_blindly(tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    with DurableTestRunner(
        "tests.integration.handlers:at_most_once_crash", invoker="process"
    ) as runner:
        result = runner.run(input={"marker": str(marker)}, timeout=60)
    assert result.status == "SUCCEEDED", result.error
    kinds = [e["EventType"] for e in result.history]
    # Started, crash, interrupted attempt recorded as failed, retried, succeeded.
    assert kinds[1:4] == ["StepStarted", "InvocationCompleted", "StepFailed"]
    assert kinds.count("StepStarted") == 2
    assert int(marker.read_text()) == 2  # one body run per attempt
