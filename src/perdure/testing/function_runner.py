"""AWS's local test runners (testing SDK 1.4.0), served by Perdure's own runner.

`DurableFunctionTestRunner` takes AWS's constructor keywords and methods and hands back
AWS's result and operation classes, so a test written for
`aws_durable_execution_sdk_python_testing` runs after the package rename. Underneath is
`DurableTestRunner`: the real engine, a SQLite store and virtual time (`skip_time=True`),
which skips every timer AWS's runner skips (waits, retry delays) and also callback,
heartbeat and execution timeouts, in the order they fall due.

The underlying runner is `runner.durable_test_runner`, for what AWS's API has no word for
(`advance`, `get_logs`, Perdure's history documents).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, Concatenate, ParamSpec

from perdure._model import ErrorObject
from perdure._model.durable_config import DurableConfig
from perdure._sdk.context import DurableContext
from perdure._sdk.execution import durable_execution
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.local_runner import DurableTestRunner
from perdure.testing.model import Event, GetDurableExecutionHistoryResponse

P = ParamSpec("P")

DEFAULT_FUNCTION_NAME = "test-function"
# AWS's default execution name; AWS's local runner does not hold names unique, so a run
# under this name gets a fresh one, as it gets a fresh ARN there.
DEFAULT_EXECUTION_NAME = "execution-name"
# AWS's defaults for a chained-invoke target registered without its own values, and
# the invocation-input page size its runner is configured with (Perdure sends the whole
# state in one envelope, as the service does under its own limit).
DEFAULT_CHILD_EXECUTION_TIMEOUT_SECONDS = 120
DEFAULT_CHILD_RETENTION_PERIOD_DAYS = 1
DEFAULT_MAX_INVOCATION_PAGE_BYTES = 5 * 1024 * 1024


def normalized_input(input: Any) -> str:
    """The payload a local run stores, as AWS's local runner makes it: text that is JSON
    is kept as it is; anything else (plain text, a dict) is JSON-encoded. No input is
    JSON null, which the handler receives as None there."""
    if input is None:
        return "null"
    if isinstance(input, str):
        try:
            json.loads(input)
        except ValueError:
            return json.dumps(input)
        return input
    try:
        return json.dumps(input)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"input must be JSON text or a JSON-serializable value, not {type(input).__name__}"
            f": {exc}"
        ) from None


def _plain_target(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A non-durable function as an invoke target: called once with the payload and the
    invocation's Lambda context; what it returns is the invoke's result."""

    @durable_execution
    def target(event: Any, context: DurableContext) -> Any:
        return handler(event, context.lambda_context)

    return target


class DurableFunctionTestRunner:
    """Run a `@durable_execution` handler locally and inspect the outcome.

    `skip_time=True` (the default) runs on virtual time; False on the wall clock.
    `execution_timeout` (seconds, default 300) is how long `run` waits, in wall time, as
    AWS's runner measures it while skipping time; on the wall clock it is also the
    execution's timeout. `poll_interval`, `max_invocation_page_bytes`,
    `invocation_timeout`, `store` and `region` are accepted for AWS's signature; Perdure
    sends every invocation its whole state, keeps executions in its own SQLite store and
    does not need to poll.
    """

    def __init__(
        self,
        handler: Callable[..., Any],
        poll_interval: float = 1.0,
        max_invocation_page_bytes: int | None = None,
        execution_timeout: int = 300,
        invocation_timeout: int = 900,
        store: Any = None,
        skip_time: bool = True,
        region: str = "us-west-2",
    ) -> None:
        self.poll_interval = poll_interval
        self._execution_timeout = execution_timeout
        self._invocation_timeout = invocation_timeout
        self._region = region
        self._handler = handler
        self.durable_test_runner = DurableTestRunner(
            handler,
            time="virtual" if skip_time else "real",
            function_name=DEFAULT_FUNCTION_NAME,
        )

    # -- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> DurableFunctionTestRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.durable_test_runner.close()

    # -- invoke targets -----------------------------------------------------------------

    def register_durable_function(
        self,
        function_name: str,
        handler: Callable[..., Any],
        execution_timeout: int = DEFAULT_CHILD_EXECUTION_TIMEOUT_SECONDS,
        retention_period_days: int = DEFAULT_CHILD_RETENTION_PERIOD_DAYS,
    ) -> DurableFunctionTestRunner:
        """Make `handler` the durable function that `context.invoke(function_name, ...)`
        starts, as its own execution. Returns the runner, for chaining."""
        self.durable_test_runner.register_function(
            function_name,
            handler,
            DurableConfig(
                execution_timeout=execution_timeout,
                retention_period_in_days=retention_period_days,
            ),
        )
        return self

    def register_function(
        self, function_name: str, handler: Callable[..., Any]
    ) -> DurableFunctionTestRunner:
        """Make a plain (non-durable) function an invoke target: `handler(payload,
        lambda_context)` is called once and its return value is the invoke's result."""
        self.durable_test_runner.register_function(function_name, _plain_target(handler))
        return self

    # -- running ------------------------------------------------------------------------

    def run(
        self,
        input: str | None = None,
        execution_timeout: int | None = None,
        timeout: int | None = None,
        function_name: str = DEFAULT_FUNCTION_NAME,
        execution_name: str = DEFAULT_EXECUTION_NAME,
        account_id: str = "123456789012",
        tenant_id: str | None = None,
    ) -> DurableFunctionTestResult:
        """Start an execution and wait (at most `execution_timeout` seconds of wall time)
        for it to end. `timeout` is AWS's deprecated spelling of `execution_timeout`."""
        if timeout is not None and execution_timeout is None:
            warnings.warn(
                "timeout on run() is deprecated. Use execution_timeout instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            execution_timeout = timeout
        effective = execution_timeout if execution_timeout is not None else self._execution_timeout
        arn = self.run_async(
            input=input,
            execution_timeout=effective,
            function_name=function_name,
            execution_name=execution_name,
            account_id=account_id,
            tenant_id=tenant_id,
        )
        return self.wait_for_result(execution_arn=arn, timeout=effective)

    def run_async(
        self,
        input: str | None = None,
        execution_timeout: int | None = None,
        timeout: int | None = None,
        function_name: str = DEFAULT_FUNCTION_NAME,
        execution_name: str = DEFAULT_EXECUTION_NAME,
        account_id: str = "123456789012",
        tenant_id: str | None = None,
    ) -> str:
        """Start an execution and return its ARN at once."""
        if timeout is not None and execution_timeout is None:
            execution_timeout = timeout
        effective = execution_timeout if execution_timeout is not None else self._execution_timeout
        inner = self.durable_test_runner
        if not inner.has_function(function_name):
            inner.register_function(function_name, self._handler)
        return inner.start_payload(
            normalized_input(input),
            name=None if execution_name == DEFAULT_EXECUTION_NAME else execution_name,
            # Skipping time, AWS's runner measures the execution timeout in real seconds
            # while waits take none, so a test's timeout bounds its wall time, not the
            # handler's waits: `run` waits that long, and the execution keeps its
            # function's own timeout. On the wall clock the two are the same thing.
            execution_timeout=None if inner.time == "virtual" else effective,
            function_name=function_name,
        )

    def wait_for_result(self, execution_arn: str, timeout: int = 60) -> DurableFunctionTestResult:
        """The result once the execution has ended; TimeoutError after `timeout` seconds
        of wall time."""
        try:
            finished = self.durable_test_runner.wait_for_result(execution_arn, timeout=timeout)
        except TimeoutError:
            raise TimeoutError("Execution did not complete within timeout") from None
        return DurableFunctionTestResult.create(execution=finished)

    def wait_for_callback(
        self, execution_arn: str, name: str | None = None, timeout: int = 60
    ) -> str:
        """The id of a callback the execution started (the latest, or the one named
        `name`: a `wait_for_callback`'s name or the callback operation's), once the
        invocation that created it has ended."""
        return self.durable_test_runner.wait_for_callback(execution_arn, name, timeout=timeout)

    # -- callbacks and control ----------------------------------------------------------

    def send_callback_success(self, callback_id: str, result: bytes | None = None) -> None:
        self.durable_test_runner.send_callback_success(callback_id, result)

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> None:
        self.durable_test_runner.send_callback_failure(callback_id, error)

    def send_callback_heartbeat(self, callback_id: str) -> None:
        self.durable_test_runner.send_callback_heartbeat(callback_id)

    def pause_execution(self, execution_arn: str, timeout: float = 60) -> None:
        """Pause the execution and wait (at most `timeout` real seconds) until no
        invocation of it runs; none starts until `resume_execution`."""
        if not timeout > 0 or timeout == float("inf"):
            raise ValueError(f"timeout must be finite and positive, not {timeout!r}")
        self.durable_test_runner.pause_execution(execution_arn)
        if not self.durable_test_runner.wait_idle(timeout):
            raise TimeoutError(f"Execution {execution_arn} was still running after {timeout} s")

    def resume_execution(self, execution_arn: str) -> None:
        self.durable_test_runner.resume_execution(execution_arn)

    def get_execution_history(
        self,
        execution_arn: str,
        include_execution_data: bool = False,
    ) -> GetDurableExecutionHistoryResponse:
        """Every event of the execution (or of a chained child execution), oldest first;
        payloads are left out unless `include_execution_data`."""
        events = self.durable_test_runner.get_execution_history(
            execution_arn, include_data=include_execution_data
        )
        return GetDurableExecutionHistoryResponse(events=[Event.from_dict(e) for e in events])


class DurableChildContextTestRunner(DurableFunctionTestRunner):
    """Test one `@durable_with_child_context` function on its own: it runs as the body
    of a generated handler, called with `*args` and `**kwargs`."""

    def __init__(
        self,
        context_function: Callable[Concatenate[DurableContext, P], Any],
        *args: Any,
        skip_time: bool = True,
        **kwargs: Any,
    ) -> None:
        @durable_execution
        def handler(event: Any, context: DurableContext) -> Any:
            return context_function(*args, **kwargs)(context)

        super().__init__(handler, skip_time=skip_time)
