"""Holding every caller to `Limits`: the HTTP API, the embedded SDK client, the CLI's
embedded client and the test runner all reach these checks through the use cases, so
what one mode refuses every mode refuses, with the same error and message.

Refusals are AWS's: an Invoke input over its limit is `RequestTooLargeException`
(413); a checkpoint, callback or stop request over a limit is
`InvalidParameterValueException` (400), which the SDK treats as an execution error;
a handler's returned result or error over its limit fails the execution.
"""

from __future__ import annotations

from collections.abc import Sequence

from perdure._model import (
    ErrorObject,
    Execution,
    InvocationOutput,
    InvocationStatus,
    OperationType,
    OperationUpdate,
)
from perdure._model.limits import Limits, error_size, utf8_size
from perdure._model.state import ExecutionState
from perdure.errors import InvalidParameterValueError, RequestTooLargeError

SMALL_DATA_ADVICE = (
    "Keep durable payloads small: store large data elsewhere (a file, a database, an "
    "object store) and pass a reference to it."
)
_LIMITS_DOC = "docs/limits.md"


def check_invoke_input(limits: Limits, size: int, *, synchronous: bool) -> None:
    """Refuse an execution input of `size` UTF-8 bytes over the invocation's limit."""
    limit = limits.invoke_payload(synchronous)
    if size <= limit:
        return
    kind = (
        "a synchronous invocation (RequestResponse)"
        if synchronous
        else "an asynchronous invocation (Event; `perdure invoke`, DurableClient.start and "
        "the test runner start executions this way)"
    )
    raise RequestTooLargeError(
        f"The input payload is {size} bytes, over the {limit}-byte limit of {kind}. "
        f"{SMALL_DATA_ADVICE} See {_LIMITS_DOC}."
    )


def payload_size(payload: str | None) -> int:
    return 0 if payload is None else utf8_size(payload)


def check_checkpoint(
    limits: Limits, state: ExecutionState, updates: Sequence[OperationUpdate]
) -> None:
    """Refuse a checkpoint batch with a payload or error over its limit, or one that
    would take the execution past its number of operations."""
    execution = state.record.execution
    new_ops: set[str] = set()
    for update in updates:
        if update.payload is not None:
            limit = _payload_limit(limits, execution, update.operation_type)
            size = utf8_size(update.payload)
            if size > limit:
                raise InvalidParameterValueError(
                    f"{_describe(update)} payload is {size} bytes, over the {limit}-byte "
                    f"limit of a checkpointed {update.operation_type.value} payload. "
                    f"{SMALL_DATA_ADVICE}"
                )
        if update.error is not None:
            check_error(limits, update.error, _describe(update))
        if update.operation_id not in state.ops:
            new_ops.add(update.operation_id)
    count = len(state.ops) + len(new_ops)
    if new_ops and count > limits.operations_per_execution:
        raise InvalidParameterValueError(
            f"This checkpoint would give the execution {count} operations, over the limit "
            f"of {limits.operations_per_execution} per execution. Split the work across "
            "executions (context.invoke another durable function) or record fewer, larger "
            "steps."
        )


def _payload_limit(limits: Limits, execution: Execution, kind: OperationType) -> int:
    if kind is OperationType.EXECUTION:
        return limits.execution_result(execution.sync_invoke)
    return limits.operation_payload


def _describe(update: OperationUpdate) -> str:
    kind = update.operation_type.value
    if update.name:
        return f"{kind} operation {update.name!r}"
    return f"{kind} operation {update.operation_id}"


def check_error(limits: Limits, error: ErrorObject, what: str) -> None:
    size = error_size(error)
    if size > limits.error_payload:
        raise InvalidParameterValueError(
            f"{what} error is {size} bytes (type, message, data and stack trace together), "
            f"over the {limits.error_payload}-byte limit. Shorten its message or data."
        )


def check_callback_result(limits: Limits, size: int) -> None:
    if size > limits.callback_result:
        raise InvalidParameterValueError(
            f"Callback result is {size} bytes, over the {limits.callback_result}-byte limit. "
            f"{SMALL_DATA_ADVICE}"
        )


def bounded_output(
    limits: Limits, execution: Execution, output: InvocationOutput | None
) -> InvocationOutput | None:
    """The handler's output, or a FAILED one in its place when its result or error is
    over the limit: an execution cannot record what it may not hold, and retrying
    would return the same."""
    if output is None:
        return None
    if output.status is InvocationStatus.SUCCEEDED and output.result is not None:
        limit = limits.execution_result(execution.sync_invoke)
        size = utf8_size(output.result)
        if size > limit:
            return InvocationOutput(
                InvocationStatus.FAILED,
                error=ErrorObject(
                    message=f"Execution output payload is {size} bytes, over the "
                    f"{limit}-byte limit of an execution result. {SMALL_DATA_ADVICE}",
                    type=InvalidParameterValueError.code,
                ),
            )
    if output.error is not None:
        size = error_size(output.error)
        if size > limits.error_payload:
            head = (output.error.message or "")[:1000]
            return InvocationOutput(
                InvocationStatus.FAILED,
                error=ErrorObject(
                    message=f"The execution's error was {size} bytes, over the "
                    f"{limits.error_payload}-byte limit, and was cut short: {head}",
                    type=output.error.type,
                ),
            )
    return output


def page_size(limits: Limits, max_items: int | None) -> int:
    """The items a page holds: `max_items`, or the default for None and 0."""
    size = max_items or limits.page_default_items
    if not 0 < size <= limits.page_max_items:
        raise InvalidParameterValueError(
            f"MaxItems must be between 0 and {limits.page_max_items}, got {max_items}"
        )
    return size
