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

AWS's testing SDK (`aws_durable_execution_sdk_python_testing`, 1.4.0) is here under its
own names and module paths, so tests written for it run after the package rename:
`DurableFunctionTestRunner`, `DurableChildContextTestRunner`,
`DurableFunctionCloudTestRunner` (pointed at a Perdure server), `WebRunner` (a
`perdure dev`-style server), `DurableFunctionTestResult` and the operation classes in
`perdure.testing.runner`, the errors in `perdure.testing.exceptions`.
"""

from __future__ import annotations

from perdure.execution import InvocationStatus
from perdure.testing.cloud_runner import DurableFunctionCloudTestRunner
from perdure.testing.exceptions import DurableFunctionsTestError
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.function_runner import (
    DurableChildContextTestRunner,
    DurableFunctionTestRunner,
)
from perdure.testing.local_runner import DurableTestRunner
from perdure.testing.result import TestResult
from perdure.testing.web_runner import WebRunner, WebRunnerConfig

__version__ = "1.4.0"  # the version of AWS's testing SDK whose API this package offers

__all__ = [
    "DurableChildContextTestRunner",
    "DurableFunctionCloudTestRunner",
    "DurableFunctionTestResult",
    "DurableFunctionTestRunner",
    "DurableFunctionsTestError",
    "DurableTestRunner",
    "InvocationStatus",
    "TestResult",
    "WebRunner",
    "WebRunnerConfig",
    "__version__",
]
