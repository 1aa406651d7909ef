"""Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`) for durable functions.

* `X-Amz-Invocation-Type: Event` starts the execution and answers 202 at once.
* `RequestResponse` (the default) starts it and waits for it to end, up to Lambda's
  15 minutes: 200 with the result as the body, or, if it failed, timed out or was
  stopped, 200 with `X-Amz-Function-Error: Unhandled` and a Lambda-style error payload
  (`errorType`, `errorMessage`, ...). If it is still running at the limit, the answer is
  the same kind of function error, typed `Sandbox.Timedout`; the execution goes on.
* `DryRun` only checks that the function exists (204).

Every answer that started or found an execution carries its ARN in
`X-Amz-Durable-Execution-Arn`. A `X-Amz-Durable-Execution-Name` makes the start
idempotent: the same name and payload return the existing execution, a different
payload is `DurableExecutionAlreadyStartedException` (reference §5.24).
"""

from __future__ import annotations

from typing import Any

from perdure._api.context import ApiContext
from perdure._api.functions import function_name_and_version
from perdure._api.http import Request, Response
from perdure._model import Execution, ExecutionStatus
from perdure._service import start
from perdure._service.limits import check_invoke_input
from perdure._wire.invoke import invoke_payload
from perdure._wire.json_text import finite_json
from perdure._wire.operations import error_to_json
from perdure.errors import ApiError, InvalidParameterValueError, ResourceNotFoundError

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
_DEFAULT_ERROR_TYPES = {
    ExecutionStatus.FAILED: "ExecutionFailed",
    ExecutionStatus.TIMED_OUT: "ExecutionTimedOut",
    ExecutionStatus.STOPPED: "ExecutionStopped",
}


def _payload(api: ApiContext, req: Request, synchronous: bool) -> str | None:
    # Before parsing: the service checks the size again, with the same message.
    check_invoke_input(api.ctx.settings.limits, len(req.body), synchronous=synchronous)
    return invoke_payload(req.body)


def _tenant(req: Request) -> str | None:
    tenant = req.header("x-amz-tenant-id")
    if tenant is not None and not 1 <= len(tenant) <= 256:
        raise InvalidParameterValueError("X-Amz-Tenant-Id must be 1 to 256 characters long.")
    return tenant


async def invoke(api: ApiContext, req: Request) -> Response:
    invocation_type = req.header("x-amz-invocation-type") or "RequestResponse"
    try:
        return await _invoke(api, req, invocation_type)
    except ApiError as exc:
        if invocation_type in INVOCATION_TYPES:
            api.metrics.invocation(invocation_type, exc.code)
        raise


async def _invoke(api: ApiContext, req: Request, invocation_type: str) -> Response:
    if invocation_type not in INVOCATION_TYPES:
        raise InvalidParameterValueError(
            f"X-Amz-Invocation-Type must be one of {', '.join(INVOCATION_TYPES)}; got "
            f"{invocation_type[:40]!r}."
        )
    name, version = function_name_and_version(req.params["FunctionName"], req)
    version = version or "$LATEST"
    if not api.ctx.function_exists(name):
        raise ResourceNotFoundError(f"Function not found: {name}")
    if invocation_type == "DryRun":
        api.metrics.invocation(invocation_type, "ok")
        return Response(204, b"", [("x-amz-executed-version", version)])
    synchronous = invocation_type == "RequestResponse"
    payload = _payload(api, req, synchronous)
    started = await api.threads.run(
        start.start_execution,
        api.ctx,
        name,
        payload,
        name=req.header("x-amz-durable-execution-name"),
        version=version,
        tenant_id=_tenant(req),
        synchronous=synchronous,
    )
    headers = [
        ("x-amz-durable-execution-arn", started.arn),
        ("x-amz-executed-version", version),
    ]
    if invocation_type == "Event":
        api.metrics.invocation(invocation_type, "started" if started.created else "existing")
        return Response(202, b"", headers)
    assert api.waiter is not None
    execution = await api.waiter.wait_terminal(started.arn, api.invoke_timeout)
    if execution is None:
        api.metrics.invocation(invocation_type, "still_running")
        waited = (
            "when the server began to shut down"
            if api.waiter.closed
            else f"after {api.invoke_timeout:g} seconds"
        )
        return _function_error(
            headers,
            {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"The durable execution is still running {waited}; it goes "
                "on. Follow it with GetDurableExecution and the ARN in "
                "X-Amz-Durable-Execution-Arn.",
            },
        )
    api.metrics.invocation(invocation_type, execution.status.value.lower())
    if execution.status is ExecutionStatus.SUCCEEDED:
        # The body is a JSON document: NaN and Infinity from Python's json become null.
        result = execution.result if execution.result is not None else "null"
        body = finite_json(result).encode("utf-8")
        return Response(200, body, [("content-type", "application/json"), *headers])
    return _function_error(headers, _error_payload(execution))


def _error_payload(execution: Execution) -> dict[str, Any]:
    """The execution's error in Lambda's function-error shape."""
    wire = error_to_json(execution.error) if execution.error is not None else {}
    payload: dict[str, Any] = {
        "errorType": wire.get("ErrorType") or _DEFAULT_ERROR_TYPES[execution.status],
        "errorMessage": wire.get("ErrorMessage")
        or f"The durable execution ended {execution.status.value}.",
    }
    if "ErrorData" in wire:
        payload["errorData"] = wire["ErrorData"]
    if "StackTrace" in wire:
        payload["stackTrace"] = wire["StackTrace"]
    return payload


def _function_error(headers: list[tuple[str, str]], payload: dict[str, Any]) -> Response:
    return Response.json(200, payload, [("x-amz-function-error", "Unhandled"), *headers])
