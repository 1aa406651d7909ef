"""Runs each test on the local runner, or against the deployed functions.

RUNNER_MODE=local (the default) runs the handler in this process with AWS's testing SDK.
RUNNER_MODE=cloud invokes the deployed function named by the test's marker
(`lambda_function_name`) at LAMBDA_ENDPOINT in AWS_REGION.
"""

import json
import os

import pytest
from aws_durable_execution_sdk_python_testing.runner import (
    DurableFunctionCloudTestRunner,
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)

RUNNER_MODE = os.environ.get("RUNNER_MODE", "local")


class DurableRunner:
    """One face over both runners: inputs are Python values, callbacks take JSON."""

    def __init__(self, runner, mode: str) -> None:
        self._runner = runner
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.mode == "local":
            self._runner.close()

    def register(self, function_name: str, handler) -> None:
        """A function the tested one invokes: registered locally, deployed in the cloud."""
        if self.mode == "local":
            self._runner.register_durable_function(function_name, handler)

    def run(self, input=None, timeout: int = 60) -> DurableFunctionTestResult:
        if self.mode == "local":
            return self._runner.run(input=json.dumps(input), execution_timeout=timeout)
        return self._runner.run(input=input, timeout=timeout)

    def run_async(self, input=None, timeout: int = 60) -> str:
        if self.mode == "local":
            return self._runner.run_async(input=json.dumps(input), execution_timeout=timeout)
        return self._runner.run_async(input=input, timeout=timeout)

    def wait_for_result(self, execution_arn: str, timeout: int = 60) -> DurableFunctionTestResult:
        return self._runner.wait_for_result(execution_arn=execution_arn, timeout=timeout)

    def wait_for_callback(self, execution_arn: str, name=None, timeout: int = 60) -> str:
        return self._runner.wait_for_callback(
            execution_arn=execution_arn, name=name, timeout=timeout
        )

    def succeed_callback(self, callback_id: str, value) -> None:
        self._runner.send_callback_success(
            callback_id=callback_id, result=json.dumps(value).encode()
        )

    def fail_callback(self, callback_id: str, error) -> None:
        self._runner.send_callback_failure(callback_id=callback_id, error=error)


@pytest.fixture
def durable_runner(request):
    marker = request.node.get_closest_marker("durable_execution")
    if marker is None:
        pytest.fail(
            "mark the test with "
            "@pytest.mark.durable_execution(handler=..., lambda_function_name=...)"
        )
    if RUNNER_MODE == "cloud":
        runner = DurableFunctionCloudTestRunner(
            function_name=marker.kwargs["lambda_function_name"],
            region=os.environ.get("AWS_REGION", "us-west-2"),
            lambda_endpoint=os.environ.get("LAMBDA_ENDPOINT"),
            poll_interval=0.1,
        )
    else:
        runner = DurableFunctionTestRunner(handler=marker.kwargs["handler"], poll_interval=0.05)
    with DurableRunner(runner, RUNNER_MODE) as adapter:
        yield adapter
