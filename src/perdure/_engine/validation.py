"""What a checkpoint must satisfy before its updates are applied: a live token, a batch in
a valid order, operations that keep their identity, and option values in range.

Each check raises `InvalidParameterValueError` with the update's position and id, so the
handler's author can find the call that sent it. The messages are only built when a check
fails: the checkpoint is the hot path.
"""

from __future__ import annotations

import re

from perdure._engine.pause import held
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
    Operation,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState
from perdure.errors import INVALID_CHECKPOINT_TOKEN_PREFIX, InvalidParameterValueError

MAX_DELAY_SECONDS = 31_622_400
MAX_CALLBACK_TIMEOUT_SECONDS = 99_999_999
# What an execution ARN takes as a function name (`perdure._wire.arns`).
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]+")

A = OperationAction
T = OperationType


def where(index: int, u: OperationUpdate) -> str:
    """How an error names the update it refuses."""
    return f"Updates[{index}] (Id={u.operation_id!r})"


def check_token(state: ExecutionState, token: str) -> None:
    """Refuse a checkpoint that does not carry the running invocation's current token,
    saying why the token is no longer good."""
    rec = state.record
    if rec.token is None or token != rec.token or rec.invocation is not InvocationState.RUNNING:
        status = rec.execution.status
        if status in TERMINAL_EXECUTION_STATUSES:
            why = f"the execution has ended ({status.value}) and takes no more checkpoints"
        elif held(state):
            why = "the execution was paused and this invocation's token withdrawn"
        else:
            why = (
                "the token is stale or belongs to an invocation that has ended; use the "
                "token from the latest checkpoint response"
            )
        raise InvalidParameterValueError(f"{INVALID_CHECKPOINT_TOKEN_PREFIX}: {why}")


class BatchOrder:
    """The order rules of one batch: an EXECUTION update comes last, and an operation
    appears once, except that a STEP or CONTEXT may be started and then finished once."""

    __slots__ = ("_last", "_seen", "_started")

    def __init__(self, size: int) -> None:
        self._last = size - 1
        self._seen: set[str] = set()
        self._started: set[str] = set()

    def admit(self, index: int, u: OperationUpdate) -> None:
        if u.operation_type is T.EXECUTION:
            if index != self._last:
                raise InvalidParameterValueError(
                    f"{where(index, u)}: an EXECUTION update must be the last update of its batch"
                )
            return
        key = u.operation_id
        if key in self._seen:
            if not (
                key in self._started
                and u.action is not A.START
                and u.operation_type in (T.STEP, T.CONTEXT)
            ):
                raise InvalidParameterValueError(
                    f"{where(index, u)}: the operation appears twice in one batch; only a "
                    "START followed by one completion of the same STEP or CONTEXT may share "
                    "a batch"
                )
            self._started.discard(key)  # one completion after the START at most
        self._seen.add(key)
        if u.action is A.START:
            self._started.add(key)


def check_parent(parent: Operation | None, index: int, u: OperationUpdate) -> None:
    """`parent` is what the update's ParentId names (None when it names nothing)."""
    if parent is None or parent.operation_type is not T.CONTEXT:
        raise InvalidParameterValueError(
            f"{where(index, u)}: ParentId {u.parent_id!r} does not name a CONTEXT operation "
            "of this execution"
        )


def check_identity(op: Operation, index: int, u: OperationUpdate) -> None:
    """An operation keeps its type, sub-type, name and parent for life: a change means
    the handler no longer replays the same way."""
    for field, recorded, sent in (
        ("Type", op.operation_type, u.operation_type),
        ("SubType", op.sub_type, u.sub_type),
        ("Name", op.name, u.name),
        ("ParentId", op.parent_id, u.parent_id),
    ):
        if (recorded or None) != (sent or None):
            raise InvalidParameterValueError(
                f"{where(index, u)}: inconsistent operation {field}: recorded {recorded!r}, "
                f"sent {sent!r}. The handler no longer replays the same operations "
                "(non-deterministic code)"
            )


def bad_action(op: Operation | None, index: int, u: OperationUpdate) -> InvalidParameterValueError:
    """The error for an action the operation's type and status do not allow."""
    state = op.status.value if op else "absent"
    return InvalidParameterValueError(
        f"{where(index, u)}: action {u.action.value} is not valid for a "
        f"{u.operation_type.value} operation that is {state}"
    )


def check_execution_update(index: int, u: OperationUpdate) -> None:
    """EXECUTION SUCCEED carries no Error, FAIL no Payload, and nothing else is allowed."""
    if u.action is A.SUCCEED:
        if u.error is not None:
            raise InvalidParameterValueError(
                f"{where(index, u)}: EXECUTION SUCCEED must not carry Error"
            )
    elif u.action is A.FAIL:
        if u.payload is not None:
            raise InvalidParameterValueError(
                f"{where(index, u)}: EXECUTION FAIL must not carry Payload"
            )
    else:
        raise bad_action(None, index, u)


def retry_delay(index: int, u: OperationUpdate) -> int:
    """A STEP RETRY's delay in seconds, once its options are checked."""
    if u.step_options is None:
        raise InvalidParameterValueError(f"{where(index, u)}: RETRY requires StepOptions")
    if u.error is not None and u.payload is not None:
        raise InvalidParameterValueError(
            f"{where(index, u)}: RETRY carries either Error (a failed attempt) or Payload "
            "(polling state), not both"
        )
    delay = u.step_options.next_attempt_delay_seconds
    if not 1 <= delay <= MAX_DELAY_SECONDS:
        raise InvalidParameterValueError(
            f"{where(index, u)}: StepOptions.NextAttemptDelaySeconds must be between 1 and "
            f"{MAX_DELAY_SECONDS}, got {delay}"
        )
    return delay


def wait_seconds(index: int, u: OperationUpdate) -> int:
    """A WAIT START's duration in seconds, once checked to be in range."""
    seconds = u.wait_options.wait_seconds if u.wait_options else 0
    if not 1 <= seconds <= MAX_DELAY_SECONDS:
        raise InvalidParameterValueError(
            f"{where(index, u)}: WaitOptions.WaitSeconds must be between 1 and "
            f"{MAX_DELAY_SECONDS}, got {seconds}"
        )
    return seconds


def callback_timeouts(index: int, u: OperationUpdate) -> tuple[int, int]:
    """A CALLBACK START's (timeout, heartbeat timeout) in seconds; 0 means none."""
    opts = u.callback_options
    timeout = opts.timeout_seconds if opts else 0
    heartbeat = opts.heartbeat_timeout_seconds if opts else 0
    for label, value in (("TimeoutSeconds", timeout), ("HeartbeatTimeoutSeconds", heartbeat)):
        if not 0 <= value <= MAX_CALLBACK_TIMEOUT_SECONDS:
            raise InvalidParameterValueError(
                f"{where(index, u)}: CallbackOptions.{label} must be between 0 and "
                f"{MAX_CALLBACK_TIMEOUT_SECONDS}, got {value}"
            )
    return timeout, heartbeat


def check_invoke_target(index: int, u: OperationUpdate) -> str:
    """A CHAINED_INVOKE START names the function to run (`fn`, `fn:qualifier` or a
    function ARN); returns the name as sent."""
    opts = u.chained_invoke_options
    if opts is None or not opts.function_name:
        raise InvalidParameterValueError(
            f"{where(index, u)}: CHAINED_INVOKE START requires ChainedInvokeOptions.FunctionName"
        )
    if _FUNCTION_NAME.fullmatch(bare_function_name(opts.function_name)) is None:
        raise InvalidParameterValueError(
            f"{where(index, u)}: ChainedInvokeOptions.FunctionName {opts.function_name!r} "
            "does not name a function: use its name (letters, digits, '-' and '_'), "
            "optionally with a qualifier, or its ARN"
        )
    return opts.function_name


def invoke_target(u: OperationUpdate) -> str | None:
    """The function a CHAINED_INVOKE START asks to run, as a bare name: what the service
    checks and mints a child execution for before the decision. None for any other
    update, and for one whose FunctionName `check_invoke_target` refuses."""
    if u.operation_type is not T.CHAINED_INVOKE or u.action is not A.START:
        return None
    opts = u.chained_invoke_options
    if opts is None or not opts.function_name:
        return None
    name = bare_function_name(opts.function_name)
    return name if _FUNCTION_NAME.fullmatch(name) else None


def bare_function_name(name: str) -> str:
    """`fn`, `fn:qualifier`, or a function ARN → the function's name."""
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) >= 7:
            return parts[6]
    return name.split(":", 1)[0]
