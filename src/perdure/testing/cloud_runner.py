"""AWS's `DurableFunctionCloudTestRunner`, pointed at a Perdure server instead of Lambda.

AWS's cloud runner invokes a deployed function and reads its execution back through the
Lambda API. Here the same calls go to a Perdure server (`perdure dev`, or `perdure
server` with workers) through `perdure.client`: `lambda_endpoint` is the server's URL
(default `$PERDURE_ENDPOINT`, else http://127.0.0.1:9014) and `token` its access token
(default `$PERDURE_TOKEN`). `region` is accepted for AWS's signature.

Results come from GetDurableExecution and the execution's whole history, folded into the
same operation tree the local runner gives, so one test serves both modes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from perdure._clock import monotonic, real_sleep
from perdure._model import ErrorObject
from perdure.client import DurableClient, ErrorDetails
from perdure.errors import ApiError, ResourceNotFoundError
from perdure.testing.exceptions import DurableFunctionsTestError
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.model import (
    Event,
    GetDurableExecutionHistoryResponse,
    GetDurableExecutionResponse,
)

_ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


class DurableFunctionCloudTestRunner:
    """Run a function served by a Perdure server and inspect the outcome.

    `function_name` is the served function's name, optionally with a qualifier
    (`"orders:$LATEST"`), as AWS's runner takes a deployed function's name.
    """

    def __init__(
        self,
        function_name: str,
        region: str = "us-west-2",
        lambda_endpoint: str | None = None,
        poll_interval: float = 1.0,
        *,
        token: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.region = region
        self.lambda_endpoint = lambda_endpoint
        self.poll_interval = poll_interval
        self.client = DurableClient.connect(lambda_endpoint, token)
        name, _, qualifier = function_name.partition(":")
        self._name = name
        self._qualifier = qualifier or None

    def __enter__(self) -> DurableFunctionCloudTestRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # -- running ------------------------------------------------------------------------

    def run(self, input: Any = None, timeout: int = 60) -> DurableFunctionTestResult:
        """Start an execution (the input JSON-encoded, as AWS's cloud runner sends it)
        and wait at most `timeout` seconds for it to end.

        `input` is the event as a Python value: AWS annotates it `str | None` yet encodes
        whatever it is given, so a string arrives as a JSON string."""
        arn = self.run_async(input=input, timeout=timeout)
        return self.wait_for_result(execution_arn=arn, timeout=timeout)

    def run_async(self, input: Any = None, timeout: int = 60) -> str:
        """Start an execution and return its ARN at once."""
        try:
            return self.client.start_raw(self._name, json.dumps(input), qualifier=self._qualifier)
        except (ApiError, OSError) as exc:
            raise DurableFunctionsTestError(
                f"Failed to invoke function {self.function_name} at {self.client.where}: {exc}"
            ) from exc

    def wait_for_result(self, execution_arn: str, timeout: int = 60) -> DurableFunctionTestResult:
        """The result once the execution has ended; TimeoutError after `timeout` seconds."""
        execution = self._wait_for_completion(execution_arn, timeout)
        try:
            history = self._fetch_execution_history(execution_arn)
        except (ApiError, OSError) as exc:
            raise DurableFunctionsTestError(f"Failed to fetch execution history: {exc}") from exc
        return DurableFunctionTestResult.from_execution_history(execution, history)

    def wait_for_callback(
        self, execution_arn: str, name: str | None = None, timeout: int = 60
    ) -> str:
        """The id of a callback the execution started and has not completed (the latest,
        or the one named `name`), once the invocation that created it has ended."""
        deadline = monotonic() + timeout
        while monotonic() < deadline:
            try:
                events = self.client.history(execution_arn)
            except ResourceNotFoundError:
                events = []
            except (ApiError, OSError) as exc:
                raise DurableFunctionsTestError(
                    f"Failed to fetch execution history: {exc}"
                ) from exc
            found = ready_callback_id(events, name)
            if found is not None:
                return found
            real_sleep(self.poll_interval)
        raise TimeoutError(f"Callback did not become available within {timeout}s.")

    # -- callbacks and control ----------------------------------------------------------

    def send_callback_success(self, callback_id: str, result: bytes | None = None) -> None:
        try:
            self.client.send_callback_success(callback_id, result)
        except (ApiError, OSError) as exc:
            raise DurableFunctionsTestError(
                f"Failed to send callback success for {self.function_name}, callback_id "
                f"{callback_id}: {exc}"
            ) from exc

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> None:
        details = None
        if error is not None:
            trace = error.stack_trace
            details = ErrorDetails(
                type=error.type,
                message=error.message,
                data=error.data,
                stack_trace=tuple(trace) if trace is not None else None,
            )
        try:
            self.client.send_callback_failure(callback_id, details)
        except (ApiError, OSError) as exc:
            raise DurableFunctionsTestError(
                f"Failed to send callback failure for {self.function_name}, callback_id "
                f"{callback_id}: {exc}"
            ) from exc

    def send_callback_heartbeat(self, callback_id: str) -> None:
        try:
            self.client.send_callback_heartbeat(callback_id)
        except (ApiError, OSError) as exc:
            raise DurableFunctionsTestError(
                f"Failed to send callback heartbeat for {self.function_name}, callback_id "
                f"{callback_id}: {exc}"
            ) from exc

    def pause_execution(self, execution_arn: str, timeout: float = 60) -> None:
        """Pause the execution (Perdure's server supports it; AWS's cloud runner does not)."""
        self.client.pause(execution_arn)

    def resume_execution(self, execution_arn: str) -> None:
        self.client.resume(execution_arn)

    # -- reading ------------------------------------------------------------------------

    def _wait_for_completion(self, execution_arn: str, timeout: int) -> GetDurableExecutionResponse:
        deadline = monotonic() + timeout
        last = None
        while monotonic() < deadline:
            try:
                execution = self.client.get(execution_arn)
            except ResourceNotFoundError:
                real_sleep(self.poll_interval)
                continue
            except (ApiError, OSError) as exc:
                raise DurableFunctionsTestError(f"Failed to get execution status: {exc}") from exc
            last = execution.status
            if execution.status in _ENDED:
                return GetDurableExecutionResponse.from_dict(dict(execution.wire))
            real_sleep(min(self.poll_interval, max(0.0, deadline - monotonic())))
        raise TimeoutError(f"Execution did not complete within {timeout}s (last status: {last})")

    def _fetch_execution_history(self, execution_arn: str) -> GetDurableExecutionHistoryResponse:
        events = self.client.history(execution_arn)
        return GetDurableExecutionHistoryResponse(events=[Event.from_dict(e) for e in events])


def ready_callback_id(events: Sequence[Mapping[str, Any]], name: str | None) -> str | None:
    """The id of the latest callback (named `name`, by its own name or its
    `wait_for_callback`'s) that is started, not completed, and whose creating invocation
    has ended; None when there is none yet."""
    contexts: dict[str, str] = {}
    started: list[tuple[int, str, tuple[str, ...]]] = []
    completed: set[str] = set()
    op_callback: dict[str, str] = {}
    last_invocation_end = -1
    for index, event in enumerate(events):
        kind = event.get("EventType")
        op_id = str(event.get("Id") or "")
        if kind == "ContextStarted" and event.get("SubType") == "WaitForCallback":
            contexts[op_id] = str(event.get("Name") or "")
        elif kind == "CallbackStarted":
            details = event.get("CallbackStartedDetails") or {}
            callback_id = str(details.get("CallbackId") or "")
            parent = contexts.get(str(event.get("ParentId") or ""))
            names = (str(event.get("Name") or ""),) + ((parent,) if parent else ())
            started.append((index, callback_id, names))
            op_callback[op_id] = callback_id
        elif kind in ("CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"):
            completed.add(op_callback.get(op_id, ""))
        elif kind == "InvocationCompleted":
            last_invocation_end = index
    ready = [
        callback_id
        for index, callback_id, names in started
        if callback_id
        and callback_id not in completed
        and index < last_invocation_end
        and (name is None or name in names)
    ]
    return ready[-1] if ready else None
