"""Execution states for the engine's unit tests, built only with the engine's own
transitions, so each test starts from a state the service could really be in."""

from __future__ import annotations

from collections.abc import Iterable

from perdure._engine.checkpoint import NOTHING_MINTED, Minted, checkpoint_transition
from perdure._engine.invocations import begin_invocation
from perdure._engine.lifecycle import start_execution
from perdure._model import (
    CallbackOptions,
    Event,
    EventType,
    Execution,
    ExecutionStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
    StepOptions,
    WaitOptions,
)
from perdure._model.state import ExecutionState, Transition

T0 = 1_700_000_000_000
EXECUTION_ID = "x"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/x"
TOKEN = "tok"
REQUEST_ID = "req"
TIMEOUT_SECONDS = 600

A = OperationAction
T = OperationType


def execution(**changes: object) -> Execution:
    fields: dict[str, object] = {
        "arn": ARN,
        "execution_id": EXECUTION_ID,
        "name": "n",
        "function_name": "f",
        "version": "$LATEST",
        "status": ExecutionStatus.RUNNING,
        "start_timestamp": T0,
        "input_payload": '{"order": 1}',
        "execution_timeout": TIMEOUT_SECONDS,
    }
    fields.update(changes)
    return Execution(**fields)  # type: ignore[arg-type]


def started(**changes: object) -> ExecutionState:
    """A new execution whose first invocation is queued."""
    state, transition = start_execution(execution(**changes), T0)
    state.apply(transition)
    return state


def running(now: int = T0 + 1, **changes: object) -> ExecutionState:
    """An execution whose invocation `REQUEST_ID` runs with checkpoint token `TOKEN`."""
    state = started(**changes)
    begun = begin_invocation(state, now, TOKEN, REQUEST_ID)
    assert begun is not None
    state.apply(begun[0])
    return state


def apply(state: ExecutionState, transition: Transition | None) -> ExecutionState:
    """Fold a transition the test expects to exist into `state`, as the service would
    after committing it."""
    assert transition is not None
    state.apply(transition)
    return state


def checkpoint(
    state: ExecutionState,
    *updates: OperationUpdate,
    now: int = T0 + 2,
    minted: Minted = NOTHING_MINTED,
    new_token: str = TOKEN,
) -> Transition:
    """The transition of the running invocation's checkpoint of `updates`, applied to
    `state`. The token stays `TOKEN` so that checkpoints can follow one another."""
    transition = checkpoint_transition(state, updates, now, new_token, minted)
    state.apply(transition)
    return transition


def types(events: Iterable[Event]) -> list[EventType]:
    return [event.event_type for event in events]


def step(op_id: str, action: OperationAction, **fields: object) -> OperationUpdate:
    return OperationUpdate(op_id, T.STEP, action, sub_type="Step", **fields)  # type: ignore[arg-type]


def retry(op_id: str, delay: int, **fields: object) -> OperationUpdate:
    return step(op_id, A.RETRY, step_options=StepOptions(delay), **fields)


def wait(op_id: str, seconds: int) -> OperationUpdate:
    return OperationUpdate(
        op_id, T.WAIT, A.START, sub_type="Wait", wait_options=WaitOptions(seconds)
    )


def callback(op_id: str, timeout: int = 0, heartbeat: int = 0) -> OperationUpdate:
    return OperationUpdate(
        op_id,
        T.CALLBACK,
        A.START,
        sub_type="Callback",
        callback_options=CallbackOptions(timeout, heartbeat),
    )


def context(op_id: str, action: OperationAction, **fields: object) -> OperationUpdate:
    return OperationUpdate(op_id, T.CONTEXT, action, sub_type="RunInChildContext", **fields)  # type: ignore[arg-type]
