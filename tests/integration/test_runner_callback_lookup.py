"""`DurableTestRunner.wait_for_callback` finds a callback by the name the handler gave it,
and when the callback asked for cannot come, says so at once, naming the ones that did
start, instead of moving the virtual clock to the execution timeout first."""

from __future__ import annotations

import time
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure.config import Duration
from perdure.testing import DurableTestRunner

DAY_MS = 24 * 3600 * 1000


@durable_execution
def approval_after_a_day(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_days(1))
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approval")
    return f"approved: {answer}"


@pytest.mark.parametrize("name", ["approval", "approval create callback id"])
def test_a_wait_for_callback_is_found_by_its_own_name_or_its_callbacks(name: str) -> None:
    with DurableTestRunner(approval_after_a_day) as runner:
        arn = runner.run_async({})
        callback_id = runner.wait_for_callback(arn, name=name, timeout=10)
        runner.send_callback_success(callback_id, b"yes")
        result = runner.wait_for_result(arn, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == "approved: yes"


def test_a_callback_that_cannot_come_is_reported_at_once_with_those_that_did() -> None:
    with DurableTestRunner(approval_after_a_day) as runner:
        started_at = runner.now_ms()
        arn = runner.run_async({})
        began = time.monotonic()
        with pytest.raises(TimeoutError) as caught:
            runner.wait_for_callback(arn, name="review", timeout=10)
        assert time.monotonic() - began < 5
        message = str(caught.value)
        assert "No callback named 'review'" in message
        assert "'approval'" in message
        # The one-day wait was skipped, the year-long execution timeout was not.
        assert runner.now_ms() - started_at < 2 * DAY_MS
        assert runner.get_execution(arn)["Status"] == "RUNNING"


def test_a_callback_asked_of_an_execution_that_ended_names_how_it_ended() -> None:
    @durable_execution
    def no_callbacks(event: Any, context: DurableContext) -> str:
        return "done"

    with DurableTestRunner(no_callbacks) as runner:
        arn = runner.run_async({})
        with pytest.raises(TimeoutError, match=r"ended SUCCEEDED.*started no callback"):
            runner.wait_for_callback(arn, timeout=10)
