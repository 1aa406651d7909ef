"""The Lambda invocation envelope: the event a durable handler receives, and its return.

This is the one place timestamps travel in epoch **milliseconds** (reference §3.1 and
§5.2). The input carries the first page of operations; `NextMarker` is `""` when there are
no more pages, as the real service sends it, and `""` or absent both read back as None.

The output is validated the way the service judges a handler's return (reference §3.2).
An invalid output counts as a failed invocation, so the parser must reject it with a
message that says what the handler got wrong.
"""

from __future__ import annotations

from typing import Any

from perdure._model import InvocationInput, InvocationOutput, InvocationStatus
from perdure._wire.operations import (
    error_from_json,
    error_to_json,
    operation_from_json,
    operation_to_json,
)
from perdure._wire.validation import (
    WireFormatError,
    check_enum,
    check_str,
    json_type,
    opt_str,
    opt_str_list,
    require_object,
    required,
)


def invocation_input_to_json(inp: InvocationInput) -> dict[str, Any]:
    return {
        "DurableExecutionArn": inp.durable_execution_arn,
        "CheckpointToken": inp.checkpoint_token,
        "InitialExecutionState": {
            "Operations": [operation_to_json(op, time_unit="ms") for op in inp.operations],
            "NextMarker": inp.next_marker or "",
        },
        "UpdatedOperationIds": list(inp.updated_operation_ids),
    }


def invocation_input_from_json(d: object) -> InvocationInput:
    """Read the Lambda event; raises `WireFormatError` if it is not a durable envelope."""
    path = "InvocationInput"
    obj = require_object(d, path)
    arn = check_str(
        required(obj, "DurableExecutionArn", path, "the event is not a durable invocation"),
        f"{path}.DurableExecutionArn",
        min_len=1,
    )
    token = check_str(
        required(obj, "CheckpointToken", path, "the event is not a durable invocation"),
        f"{path}.CheckpointToken",
        min_len=1,
    )
    state_path = f"{path}.InitialExecutionState"
    raw_state = obj.get("InitialExecutionState")
    state = {} if raw_state is None else require_object(raw_state, state_path)
    raw_ops = state.get("Operations", [])
    if not isinstance(raw_ops, list):
        raise WireFormatError(
            f"{state_path}.Operations must be an array, got {json_type(raw_ops)}."
        )
    operations = [
        operation_from_json(op, time_unit="ms", path=f"{state_path}.Operations[{i}]")
        for i, op in enumerate(raw_ops)
    ]
    return InvocationInput(
        durable_execution_arn=arn,
        checkpoint_token=token,
        operations=operations,
        next_marker=opt_str(state, "NextMarker", state_path) or None,
        updated_operation_ids=opt_str_list(obj, "UpdatedOperationIds", path) or [],
    )


def invocation_output_to_json(o: InvocationOutput) -> dict[str, Any]:
    out: dict[str, Any] = {"Status": o.status.value}
    if o.result is not None:
        out["Result"] = o.result
    if o.error is not None:
        out["Error"] = error_to_json(o.error)
    return out


def invocation_output_from_json(d: object) -> InvocationOutput:
    """Read a handler's return value. `Result: ""` is kept as `""`: it means the result was
    already checkpointed on the EXECUTION operation (reference §3.2, §5.7)."""
    path = "InvocationOutput"
    obj = require_object(d, path)
    status = check_enum(
        InvocationStatus,
        required(obj, "Status", path, "return SUCCEEDED, FAILED or PENDING"),
        f"{path}.Status",
    )
    result = opt_str(obj, "Result", path)
    raw_error = obj.get("Error")
    if raw_error is not None and not isinstance(raw_error, dict):
        raise WireFormatError(
            f"{path}.Error must be a JSON object with ErrorMessage/ErrorType/ErrorData/"
            f"StackTrace, got {json_type(raw_error)}."
        )
    error = None if raw_error is None else error_from_json(raw_error, path=f"{path}.Error")
    if status is InvocationStatus.FAILED and result is not None:
        raise WireFormatError(f"{path}: a FAILED output must not carry a Result; send Error.")
    if status is InvocationStatus.SUCCEEDED and error is not None:
        raise WireFormatError(
            f"{path}: a SUCCEEDED output must not carry an Error; send Result or FAILED."
        )
    return InvocationOutput(status=status, result=result, error=error)
