"""Virtual time: long waits and timeouts complete at once, in real-time order."""

from __future__ import annotations

import time

from perdure.testing import DurableTestRunner
from tests.integration.handlers import hour_callback, long_wait


def test_a_24_hour_wait_and_a_1_hour_callback_timeout_finish_in_under_a_second() -> None:
    started = time.monotonic()
    with DurableTestRunner(long_wait) as runner:
        waited = runner.run(timeout=5)
    with DurableTestRunner(hour_callback) as runner:
        timed_out = runner.run(timeout=5)
    elapsed = time.monotonic() - started

    assert waited.status == "SUCCEEDED" and waited.result == "woke up"
    started_ev = waited.events_of_type("WaitStarted")[0]["WaitStartedDetails"]
    assert started_ev["Duration"] == 86_400
    assert timed_out.status == "FAILED"
    timeout_ev = timed_out.events_of_type("CallbackTimedOut")[0]["CallbackTimedOutDetails"]
    assert timeout_ev["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"
    assert elapsed < 1.0


def test_virtual_time_moves_only_while_the_test_waits() -> None:
    with DurableTestRunner(hour_callback) as runner:
        arn = runner.run_async()
        callback_id = runner.wait_for_callback(arn, name="hourly", timeout=5)
        # The test acts before the timeout: time did not jump past it.
        runner.send_callback_success(callback_id, b"on time")
        result = runner.wait_for_result(arn, timeout=5)
    assert result.status == "SUCCEEDED"
    assert result.result == "on time"


def test_event_timestamps_follow_virtual_time() -> None:
    with DurableTestRunner(long_wait) as runner:
        result = runner.run(timeout=5)
    started = result.events_of_type("WaitStarted")[0]
    succeeded = result.events_of_type("WaitSucceeded")[0]
    assert succeeded["EventTimestamp"] - started["EventTimestamp"] == 86_400
