"""Test durable functions locally: the real engine and a real SQLite store, with a
clock you control.

    from perdure.testing import DurableTestRunner

    with DurableTestRunner(handler) as runner:
        result = runner.run(input={"order": 7})
        assert result.status == "SUCCEEDED"

In the default "virtual" time, time passes only while the test waits for something
(`run`, `wait_for_result`, `wait_for_callback`), and then it jumps straight to the next
due timer, so a day-long wait takes milliseconds while timers and callbacks keep their
real-time order.
"""

from __future__ import annotations

from perdure.testing.result import TestResult
from perdure.testing.runner import DurableTestRunner

DurableFunctionTestRunner = DurableTestRunner

__all__ = ["DurableFunctionTestRunner", "DurableTestRunner", "TestResult"]
