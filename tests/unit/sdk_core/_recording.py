"""A recording DurableServiceClient for SDK protocol tests.

It applies updates with just enough service behaviour (START → STARTED, SUCCEED, FAIL,
RETRY → PENDING, callback ids) for the SDK to make progress, and records every batch so
tests can assert on batching and ordering. It is not a second implementation of the
engine: end-to-end semantics are tested against the real service in perdure.testing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Any

from perdure._clock import ManualClock
from perdure._model import (
    CallbackDetails,
    CheckpointResponse,
    ContextDetails,
    ExecutionDetails,
    InvocationInput,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StateResponse,
    StepDetails,
    WaitDetails,
)
from perdure._sdk.transport.service_client import EmbeddedInvocation
from perdure.errors import ApiError

EXEC_ID = "0a1b2c3d"
ARN = f"arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST/durable-execution/ex/{EXEC_ID}"


class RecordingService:
    def __init__(self, input_payload: str = "{}", clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock(1_700_000_000_000)
        self.ops: dict[str, Operation] = {
            EXEC_ID: Operation(
                EXEC_ID,
                OperationType.EXECUTION,
                OperationStatus.STARTED,
                self.clock.now_ms(),
                execution_details=ExecutionDetails(input_payload),
            )
        }
        self.batches: list[list[OperationUpdate]] = []
        self.batch_times: list[float] = []
        self.revoke_on_batch: int | None = None  # 0-based batch index answered without token
        self.fail_on_batch: tuple[int, ApiError] | None = None
        self.delay_s = 0.0
        self._n = 0
        self._lock = threading.Lock()

    # -- DurableServiceClient ---------------------------------------------------------

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        import time

        with self._lock:
            index = len(self.batches)
            self.batches.append(list(updates))
            self.batch_times.append(time.perf_counter())
            if self.fail_on_batch is not None and self.fail_on_batch[0] == index:
                raise self.fail_on_batch[1]
            changed = [self._apply(u) for u in updates]
            self._n += 1
            token: str | None = f"t{self._n}"
            if self.revoke_on_batch == index or any(
                u.operation_type is OperationType.EXECUTION for u in updates
            ):
                token = None
        if self.delay_s:
            time.sleep(self.delay_s)
        return CheckpointResponse(token, [c for c in changed if c is not None])

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> StateResponse:
        return StateResponse(list(self.ops.values()))

    # -- driving ----------------------------------------------------------------------

    def invocation(self) -> EmbeddedInvocation:
        self._n += 1
        inp = InvocationInput(ARN, f"t{self._n}", list(self.ops.values()))
        return EmbeddedInvocation(inp, self, self.clock)

    def run(self, handler: Callable[[Any, Any], dict[str, Any]]) -> dict[str, Any]:
        return handler(self.invocation(), None)

    def fire_timers(self) -> None:
        """Complete every wait and make every pending step READY."""
        for op_id, op in list(self.ops.items()):
            if op.operation_type is OperationType.WAIT and op.status is OperationStatus.STARTED:
                self.ops[op_id] = dataclasses.replace(op, status=OperationStatus.SUCCEEDED)
            if op.status is OperationStatus.PENDING:
                details = dataclasses.replace(
                    op.step_details or StepDetails(), next_attempt_timestamp=None
                )
                self.ops[op_id] = dataclasses.replace(
                    op, status=OperationStatus.READY, step_details=details
                )

    def complete_callback(self, op_id: str, result: str | None) -> None:
        op = self.ops[op_id]
        details = dataclasses.replace(op.callback_details or CallbackDetails(), result=result)
        self.ops[op_id] = dataclasses.replace(
            op, status=OperationStatus.SUCCEEDED, callback_details=details
        )

    def flat_updates(self) -> list[tuple[str, str, str | None]]:
        return [(u.operation_type.value, u.action.value, u.name) for b in self.batches for u in b]

    # -- applying one update ----------------------------------------------------------

    def _apply(self, u: OperationUpdate) -> Operation | None:
        now = self.clock.now_ms()
        if u.operation_type is OperationType.EXECUTION:
            return None
        old = self.ops.get(u.operation_id)
        base = old or Operation(
            u.operation_id,
            u.operation_type,
            OperationStatus.STARTED,
            now,
            parent_id=u.parent_id,
            name=u.name,
            sub_type=u.sub_type,
        )
        op = base
        if u.action is OperationAction.START:
            op = dataclasses.replace(base, status=OperationStatus.STARTED)
            if u.operation_type is OperationType.STEP:
                op = dataclasses.replace(op, step_details=base.step_details or StepDetails())
            if u.operation_type is OperationType.WAIT and u.wait_options is not None:
                end = now + u.wait_options.wait_seconds * 1000
                op = dataclasses.replace(op, wait_details=WaitDetails(end))
            if u.operation_type is OperationType.CALLBACK:
                op = dataclasses.replace(
                    op, callback_details=CallbackDetails(f"cb{u.operation_id[:8]}")
                )
        elif u.action is OperationAction.SUCCEED:
            op = self._with_result(base, OperationStatus.SUCCEEDED, u)
        elif u.action is OperationAction.FAIL:
            op = self._with_result(base, OperationStatus.FAILED, u)
        elif u.action is OperationAction.RETRY:
            details = base.step_details or StepDetails()
            delay = u.step_options.next_attempt_delay_seconds if u.step_options else 1
            details = dataclasses.replace(
                details,
                attempt=details.attempt + 1,
                next_attempt_timestamp=now + delay * 1000,
                error=u.error,
                result=u.payload if u.payload is not None else details.result,
            )
            op = dataclasses.replace(base, status=OperationStatus.PENDING, step_details=details)
        self.ops[u.operation_id] = op
        return op

    @staticmethod
    def _with_result(base: Operation, status: OperationStatus, u: OperationUpdate) -> Operation:
        if u.operation_type is OperationType.STEP:
            details = dataclasses.replace(
                base.step_details or StepDetails(), result=u.payload, error=u.error
            )
            return dataclasses.replace(base, status=status, step_details=details)
        if u.operation_type is OperationType.CONTEXT:
            replay = u.context_options.replay_children if u.context_options else False
            ctx = ContextDetails(replay, u.payload, u.error)
            return dataclasses.replace(base, status=status, context_details=ctx)
        return dataclasses.replace(base, status=status)
