"""DurableContext: the handle user code gets, with the nine durable operations.

A context owns an id namespace (each call takes the next id, so call order within a
context is the replay contract), the parent id its operations record, and a replay flag.
The flag only drives log suppression (AWS §2.4): a context starts REPLAY when the
execution has history and turns NEW once it reaches operations that were never recorded
or a step that still has work to do. It never changes control flow; each operation
decides from its own recorded state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from perdure._model import TERMINAL_OPERATION_STATUSES, OperationType
from perdure._sdk.batch_result import BatchResult
from perdure._sdk.config import (
    CallbackConfig,
    ChildConfig,
    InvokeConfig,
    MapConfig,
    ParallelBranch,
    ParallelConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from perdure._sdk.identifier import OperationIdNamespace
from perdure._sdk.logger import Logger, LogInfo
from perdure._sdk.operations.callback import Callback, run_create_callback
from perdure._sdk.operations.child import run_child
from perdure._sdk.operations.invoke import run_invoke
from perdure._sdk.operations.map import run_map
from perdure._sdk.operations.parallel import run_parallel
from perdure._sdk.operations.scope import ExecutionContext
from perdure._sdk.operations.step import run_step
from perdure._sdk.operations.wait import run_wait
from perdure._sdk.operations.wait_for_callback import run_wait_for_callback
from perdure._sdk.operations.wait_for_condition import run_wait_for_condition
from perdure._sdk.serdes import PassThroughSerDes
from perdure._sdk.state import ExecutionState, ReplayStatus
from perdure._sdk.types import DurableContext as DurableContextProtocol
from perdure._sdk.types import (
    LambdaContext,
    LoggerInterface,
    StepContext,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)
from perdure._sdk.values import Duration, SerDes
from perdure._sdk.waits import WaitForConditionConfig
from perdure.errors import ValidationError

__all__ = [
    "Callback",
    "DurableContext",
    "ExecutionContext",
]

T = TypeVar("T")
U = TypeVar("U")
P = TypeVar("P")
R = TypeVar("R")


PASS_THROUGH_SERDES: SerDes[Any] = PassThroughSerDes()
"""Hands callback results to user code as the raw strings they arrived as."""


def _resolve_name(name: str | None, func: object) -> str | None:
    """An explicit name, else the decorated function's name (decorators only)."""
    return name or getattr(func, "_original_name", None)


class DurableContext(DurableContextProtocol):
    def __init__(
        self,
        state: ExecutionState,
        execution_context: ExecutionContext,
        lambda_context: LambdaContext | None = None,
        parent_id: str | None = None,
        logger: Logger | None = None,
        step_id_prefix: str | None = None,
        replay_status: ReplayStatus = ReplayStatus.NEW,
    ) -> None:
        self.state = state
        self.execution_context = execution_context
        self.lambda_context = lambda_context
        # Operations here are parented to `parent_id` and take their ids from
        # `step_id_prefix`; the two differ only in a virtual child context.
        self._parent_id = parent_id
        prefix = step_id_prefix if step_id_prefix is not None else parent_id
        self._namespace = OperationIdNamespace(prefix)
        self._replay_status = replay_status
        self._is_virtual = parent_id != prefix
        self._replaying_children = False
        base = logger or Logger.from_log_info(None, LogInfo(execution_context, parent_id))
        self.logger: Logger = base.with_is_replaying(self.is_replaying)

    @staticmethod
    def from_lambda_context(
        state: ExecutionState,
        lambda_context: LambdaContext | None,
        replay_status: ReplayStatus = ReplayStatus.NEW,
    ) -> DurableContext:
        return DurableContext(
            state,
            ExecutionContext(state.durable_execution_arn),
            lambda_context,
            replay_status=replay_status,
        )

    # -- bookkeeping --------------------------------------------------------------------

    @property
    def is_virtual(self) -> bool:
        return self._is_virtual

    def is_replaying(self) -> bool:
        return self._replay_status is ReplayStatus.REPLAY

    def set_logger(self, new_logger: LoggerInterface) -> None:
        self.logger = self.logger.with_logger(new_logger)

    def create_child_context(
        self, operation_id: str, *, is_virtual: bool = False
    ) -> DurableContext:
        """A context for the body of `operation_id`: its ops are prefixed with that id and
        parented to it (a virtual child keeps this context's parent)."""
        parent = self._parent_id if is_virtual else operation_id
        logger = self.logger.with_log_info(LogInfo(self.execution_context, parent))
        return DurableContext(
            self.state,
            self.execution_context,
            self.lambda_context,
            parent_id=parent,
            logger=logger,
            step_id_prefix=operation_id,
            replay_status=self._replay_status,
        )

    def _begin_operation(self) -> str:
        """Take the next id; leave replay mode if this op has nothing recorded or is a
        step that still has work to do."""
        op_id = self._namespace.next_id()
        if self._replay_status is ReplayStatus.REPLAY:
            op = self.state.get_operation(op_id)
            if op is None or (
                op.operation_type is OperationType.STEP
                and op.status not in TERMINAL_OPERATION_STATUSES
            ):
                self._replay_status = ReplayStatus.NEW
        return op_id

    def _end_operation(self, op_id: str) -> None:
        """After an op returned: leave replay mode at a resume point or when the next op
        was never recorded."""
        if self._replay_status is not ReplayStatus.REPLAY:
            return
        op = self.state.get_operation(op_id)
        if (
            op is not None
            and op.operation_type is not OperationType.STEP
            and op.status not in TERMINAL_OPERATION_STATUSES
        ) or self.state.get_operation(self._namespace.peek_id()) is None:
            self._replay_status = ReplayStatus.NEW

    # -- operations ---------------------------------------------------------------------

    def step(
        self,
        func: Callable[[StepContext], T],
        name: str | None = None,
        config: StepConfig | None = None,
    ) -> T:
        return run_step(self, func, _resolve_name(name, func), config)

    def wait(
        self,
        duration: Duration | None = None,
        name: str | None = None,
        *,
        seconds: int | None = None,
    ) -> None:
        """Pause for `duration` (AWS's signature); `seconds=` is accepted as the shorthand
        some published examples use."""
        if duration is None:
            if seconds is None:
                raise ValidationError("wait requires a duration")
            duration = Duration(int(seconds))
        elif seconds is not None:
            raise ValidationError("wait takes either duration or seconds, not both")
        run_wait(self, duration, name)

    def create_callback(
        self, name: str | None = None, config: CallbackConfig | None = None
    ) -> Callback[Any]:
        return run_create_callback(self, name, config)

    def wait_for_callback(
        self,
        submitter: Callable[[str, WaitForCallbackContext], Any],
        name: str | None = None,
        config: WaitForCallbackConfig | None = None,
    ) -> Any:
        return run_wait_for_callback(self, submitter, _resolve_name(name, submitter), config)

    def wait_for_condition(
        self,
        check: Callable[[T, WaitForConditionCheckContext], T],
        config: WaitForConditionConfig[T],
        name: str | None = None,
    ) -> T:
        if check is None or not callable(check):
            raise ValidationError("wait_for_condition requires a check function")
        if config is None:
            raise ValidationError("wait_for_condition requires a config")
        return run_wait_for_condition(self, check, config, name)

    def invoke(
        self,
        function_name: str,
        payload: P,
        name: str | None = None,
        config: InvokeConfig[P, R] | None = None,
    ) -> R:
        result: R = run_invoke(self, function_name, payload, name, config)
        return result

    def run_in_child_context(
        self,
        func: Callable[[DurableContext], T],
        name: str | None = None,
        config: ChildConfig[T] | None = None,
    ) -> T:
        config = config or ChildConfig()
        return run_child(
            self,
            func,
            _resolve_name(name, func),
            sub_type=config.sub_type or "RunInChildContext",
            serdes=config.serdes,
            summary_generator=config.summary_generator,
            is_virtual=config.is_virtual,
        )

    def map(
        self,
        inputs: Sequence[U],
        func: Callable[[DurableContext, U, int, Sequence[U]], T],
        name: str | None = None,
        config: MapConfig[T] | None = None,
    ) -> BatchResult[T]:
        return run_map(self, inputs, func, _resolve_name(name, func), config)

    def parallel(
        self,
        functions: Sequence[Callable[[DurableContext], T] | ParallelBranch[T]],
        name: str | None = None,
        config: ParallelConfig | None = None,
    ) -> BatchResult[T]:
        return run_parallel(self, functions, name, config)
