"""Stopping or pausing an execution while its handler is inside a step, through the
embedded runtime: the running invocation still ends in exactly one InvocationCompleted,
a stop refuses the step's later checkpoint, and a pause keeps the step's result but
holds the execution PAUSED (not SUCCEEDED) until it is resumed."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from perdure import DurableContext, StepContext, durable_execution
from perdure.testing import DurableTestRunner

entered = threading.Event()
release = threading.Event()
runs: list[str] = []


def _slow_step(_: StepContext) -> str:
    runs.append("slow")
    entered.set()
    release.wait(10)
    return "stepped"


@durable_execution
def slow_then_done(event: Any, context: DurableContext) -> str:
    stepped = context.step(_slow_step, name="slow")
    return f"{stepped}, done"


@pytest.fixture
def runner() -> Iterator[DurableTestRunner]:
    entered.clear()
    release.clear()
    runs.clear()
    with DurableTestRunner(slow_then_done) as r:
        yield r
    release.set()


def _types(history: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(e["EventType"]) for e in history]


def test_a_stop_mid_step_ends_the_invocation_and_refuses_its_checkpoint(
    runner: DurableTestRunner,
) -> None:
    arn = runner.run_async({})
    assert entered.wait(5)
    runner.stop(arn)
    release.set()
    result = runner.wait_for_result(arn, timeout=10)
    assert runner.wait_idle(5)
    assert result.status == "STOPPED"
    types = _types(runner.get_execution_history(arn))
    assert types.count("InvocationCompleted") == 1
    assert types[-2:] == ["InvocationCompleted", "ExecutionStopped"]
    assert "StepSucceeded" not in types  # the step's checkpoint came after the stop


def test_a_pause_mid_step_keeps_the_step_and_holds_the_result_until_resume(
    runner: DurableTestRunner,
) -> None:
    arn = runner.run_async({})
    assert entered.wait(5)
    runner.pause_execution(arn, reason="maintenance")
    assert runner.get_execution(arn)["Status"] == "PAUSING"
    release.set()
    assert runner.wait_idle(5)
    assert runner.get_execution(arn)["Status"] == "PAUSED"
    types = _types(runner.get_execution_history(arn))
    assert types == [
        "ExecutionStarted",
        "ExecutionPaused",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
    ]
    runner.resume_execution(arn)
    result = runner.wait_for_result(arn, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == "stepped, done"
    assert runs == ["slow"]  # replayed, not run again
    types = _types(result.history)
    assert types.count("InvocationCompleted") == 2
    assert types[-3:] == ["ExecutionResumed", "InvocationCompleted", "ExecutionSucceeded"]
