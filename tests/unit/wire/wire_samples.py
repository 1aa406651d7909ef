"""Sample model objects covering every wire shape, shared by the wire tests.

Imported by module name: pytest's default "prepend" import mode puts this directory on
sys.path, since it has no __init__.py."""

from __future__ import annotations

from perdure._model import (
    CallbackDetails,
    CallbackOptions,
    ChainedInvokeDetails,
    ChainedInvokeOptions,
    ContextDetails,
    ContextOptions,
    ErrorObject,
    Event,
    EventType,
    Execution,
    ExecutionDetails,
    ExecutionStatus,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepDetails,
    StepOptions,
    WaitDetails,
    WaitOptions,
)

ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST"
    "/durable-execution/my-exec/0a1b2c3d-4e5f"
)
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST"
T0 = 1769481309631  # epoch ms with a non-zero millisecond part
ERROR = ErrorObject(
    message="boom", type="ValueError", data='{"k": 1}', stack_trace=["a.py:1", "b.py:2"]
)


def sample_operations() -> list[Operation]:
    """One operation per type, every optional member set somewhere."""
    return [
        Operation(
            "0a1b2c3d-4e5f",
            OperationType.EXECUTION,
            OperationStatus.STARTED,
            T0,
            name="my-exec",
            execution_details=ExecutionDetails(input_payload='{"order": 1}'),
        ),
        Operation(
            "ctx1",
            OperationType.CONTEXT,
            OperationStatus.SUCCEEDED,
            T0 + 1,
            name="child",
            sub_type="RunInChildContext",
            end_timestamp=T0 + 2,
            context_details=ContextDetails(replay_children=True, result="42"),
        ),
        Operation(
            "step1",
            OperationType.STEP,
            OperationStatus.PENDING,
            T0 + 3,
            parent_id="ctx1",
            name="flaky",
            sub_type="Step",
            step_details=StepDetails(
                attempt=1, next_attempt_timestamp=T0 + 60_000, result="1", error=ERROR
            ),
        ),
        Operation(
            "wait1",
            OperationType.WAIT,
            OperationStatus.STARTED,
            T0 + 4,
            sub_type="Wait",
            wait_details=WaitDetails(scheduled_end_timestamp=T0 + 5_000),
        ),
        Operation(
            "cb1",
            OperationType.CALLBACK,
            OperationStatus.FAILED,
            T0 + 5,
            end_timestamp=T0 + 9,
            sub_type="Callback",
            callback_details=CallbackDetails(callback_id="Y2IxCg==", error=ErrorObject()),
        ),
        Operation(
            "inv1",
            OperationType.CHAINED_INVOKE,
            OperationStatus.SUCCEEDED,
            T0 + 6,
            end_timestamp=T0 + 7,
            sub_type="ChainedInvoke",
            chained_invoke_details=ChainedInvokeDetails(result='"ok"'),
        ),
        # Bare: no optional members at all.
        Operation("bare", OperationType.STEP, OperationStatus.STARTED, T0),
    ]


def sample_updates() -> list[OperationUpdate]:
    S, A = OperationType, OperationAction
    return [
        OperationUpdate("ctx1", S.CONTEXT, A.START, name="child", sub_type="RunInChildContext"),
        OperationUpdate(
            "ctx1",
            S.CONTEXT,
            A.SUCCEED,
            payload="42",
            context_options=ContextOptions(replay_children=False),
        ),
        OperationUpdate(
            "step1",
            S.STEP,
            A.RETRY,
            parent_id="ctx1",
            error=ERROR,
            step_options=StepOptions(next_attempt_delay_seconds=5),
        ),
        OperationUpdate("wait1", S.WAIT, A.START, wait_options=WaitOptions(wait_seconds=31622400)),
        OperationUpdate(
            "cb1",
            S.CALLBACK,
            A.START,
            callback_options=CallbackOptions(timeout_seconds=300, heartbeat_timeout_seconds=0),
        ),
        OperationUpdate(
            "inv1",
            S.CHAINED_INVOKE,
            A.START,
            chained_invoke_options=ChainedInvokeOptions(
                function_name="other-fn:1", tenant_id="tenant-1", x_amzn_trace_id="Root=1-abc"
            ),
        ),
        OperationUpdate("execution-result-1", S.EXECUTION, A.FAIL, error=ErrorObject()),
    ]


def sample_events() -> list[Event]:
    """A plausible history touching nested timestamps, data members and empty details."""
    E = EventType
    err = {"Payload": {"ErrorType": "ValueError", "ErrorMessage": "boom"}, "Truncated": False}
    return [
        Event(
            1,
            E.EXECUTION_STARTED,
            T0,
            {"Input": {"Payload": '{"a": 1}', "Truncated": False}, "ExecutionTimeout": 86400},
            operation_id="0a1b2c3d-4e5f",
            name="my-exec",
        ),
        Event(2, E.CONTEXT_STARTED, T0 + 1, {}, "ctx1", "child", None, "RunInChildContext"),
        Event(3, E.STEP_STARTED, T0 + 2, {}, "step1", None, "ctx1", "Step"),
        Event(
            4,
            E.STEP_FAILED,
            T0 + 3,
            {"Error": err, "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}},
            "step1",
            None,
            "ctx1",
            "Step",
        ),
        Event(
            5,
            E.WAIT_STARTED,
            T0 + 4,
            {"Duration": 5, "ScheduledEndTimestamp": T0 + 5_004},
            "wait1",
            sub_type="Wait",
        ),
        Event(
            6,
            E.CALLBACK_STARTED,
            T0 + 5,
            {"CallbackId": "Y2IxCg==", "Timeout": 300},
            "cb1",
            sub_type="Callback",
        ),
        Event(
            7,
            E.INVOCATION_COMPLETED,
            T0 + 6,
            {"StartTimestamp": T0, "EndTimestamp": T0 + 6, "RequestId": "req-1", "Error": err},
        ),
        Event(
            8,
            E.STEP_SUCCEEDED,
            T0 + 7,
            {"Result": {"Payload": "2", "Truncated": False}, "RetryDetails": {"CurrentAttempt": 2}},
            "step1",
            None,
            "ctx1",
            "Step",
        ),
        Event(
            9,
            E.EXECUTION_SUCCEEDED,
            T0 + 8,
            {"Result": {"Payload": '"done"', "Truncated": False}},
            operation_id="0a1b2c3d-4e5f",
            name="my-exec",
        ),
    ]


def sample_execution(status: ExecutionStatus = ExecutionStatus.SUCCEEDED) -> Execution:
    return Execution(
        arn=ARN,
        execution_id="0a1b2c3d-4e5f",
        name="my-exec",
        function_name="my-fn",
        version="$LATEST",
        status=status,
        start_timestamp=T0,
        input_payload='{"order": 1}',
        result='"done"',
        error=ERROR,
        end_timestamp=T0 + 10_000,
    )
