"""The instrumentation-plugin vocabulary (AWS 3.0 `plugin` module shape): the plugin base
class, the factory protocol, the info objects each hook receives and the plugin-owned
enums.

Why plugin-owned enums: a plugin must not depend on the SDK's wire layer, and AWS 3.0
gives `OperationType`/`InvocationStatus` their own classes here (same values, different
objects: compare by value, never with `is` against another module's enum). They are plain
`Enum`s, as AWS's, so a plugin that formats or compares them behaves the same on both.

Field order and defaults are AWS's too, so a plugin (or its test) that builds an info
positionally or by keyword works unchanged.

Why a factory: one plugin instance shared by concurrent executions mixed their records,
so a factory's `create_plugin(info)` is called once per invocation and its plugin is
dropped when the invocation ends.

Threading and ordering contract (what the SDK guarantees a plugin):

- no hook ever runs on the checkpoint thread;
- `on_invocation_start`, and `on_operation_start` for operations found non-terminal in
  the recorded state, run on the invocation worker before checkpointing starts;
- `on_operation_start` for a new START runs on the thread about to queue it;
- `on_operation_end` runs at most once per operation per invocation, on the thread that
  observes the terminal status; ends nobody observed run before `on_invocation_end`;
- `on_user_function_start/end` run on the thread running the user function (step,
  wait-for-condition check, child/branch body);
- `on_operation_change` runs on a dedicated change thread; notifications that pile up
  while a hook runs are coalesced (latest status per operation);
- `on_invocation_end` runs last, on the invocation worker.

A hook that raises is logged and ignored: a plugin can never change an execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from perdure._model import ErrorObject, Operation, OperationStatus
from perdure._sdk.error_mapping import error_object_from_dict

__all__ = [
    "DurableInstrumentationPlugin",
    "DurableInstrumentationPluginFactory",
    "InvocationEndInfo",
    "InvocationInfo",
    "InvocationStartInfo",
    "InvocationStatus",
    "OperationChangeInfo",
    "OperationEndInfo",
    "OperationInfo",
    "OperationStartInfo",
    "OperationType",
    "PropagationInput",
    "PropagationMetadata",
    "UserFunctionEndInfo",
    "UserFunctionOutcome",
    "UserFunctionStartInfo",
]


class OperationType(Enum):
    """An operation's type as plugins see it (values as on the wire)."""

    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class InvocationStatus(Enum):
    """How an invocation ended. PENDING: suspended, the execution goes on. RETRY: the
    handler raised an error worth another invocation (the service retries it)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


class UserFunctionOutcome(Enum):
    """How a user function (step body, check, child body) ended. INCOMPLETE: it left by
    a BaseException that is not an error of its own, such as a suspension."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"

    @classmethod
    def from_error(cls, error: ErrorObject | None) -> UserFunctionOutcome:
        """SUCCEEDED without an error, FAILED with one."""
        return cls.SUCCEEDED if error is None else cls.FAILED


# -- operation infos --------------------------------------------------------------------


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def _copy(error: ErrorObject | None) -> ErrorObject | None:
    """The plugin's own copy: the recorded error is what the operation raises on replay,
    and its stack trace is a list a plugin could change."""
    if error is None or error.stack_trace is None:
        return error
    return replace(error, stack_trace=list(error.stack_trace))


@dataclass(frozen=True)
class OperationInfo:
    """One operation as plugins see it. `is_replayed`: the hook reports an operation
    recorded before this invocation (a replay) rather than one it created or changed.
    `result` is the checkpointed serialized result, `attempt` a step's attempt number."""

    operation_id: str
    operation_type: OperationType
    sub_type: str | None
    name: str | None
    parent_id: str | None
    start_time: datetime | None
    is_replayed: bool
    status: OperationStatus
    end_time: datetime | None = field(default=None, kw_only=True)
    result: str | None = field(default=None, kw_only=True, repr=False)
    error: ErrorObject | None = field(default=None, kw_only=True)
    attempt: int | None = field(default=None, kw_only=True)

    @staticmethod
    def from_operation(operation: Operation, *, is_replayed: bool = False) -> OperationInfo:
        """A recorded operation as plugins see it: timestamps as aware UTC datetimes, the
        result and error from whichever details its type has, a step's attempt."""
        details: Any = operation.step_details or operation.callback_details
        details = details or operation.chained_invoke_details or operation.context_details
        error = getattr(details, "error", None)
        step = operation.step_details
        return OperationInfo(
            operation_id=operation.operation_id,
            operation_type=OperationType(operation.operation_type.value),
            sub_type=operation.sub_type,
            name=operation.name,
            parent_id=operation.parent_id,
            start_time=_time(operation.start_timestamp),
            is_replayed=is_replayed,
            status=operation.status,
            end_time=_time(operation.end_timestamp),
            result=getattr(details, "result", None),
            error=_copy(error),
            attempt=step.attempt if step is not None else None,
        )


@dataclass(frozen=True)
class OperationStartInfo(OperationInfo):
    """Before a START is queued (is_replayed=False for a first START), or for an operation
    found non-terminal in the recorded state (is_replayed=True)."""


@dataclass(frozen=True)
class OperationEndInfo(OperationInfo):
    """An operation reached a terminal status (or a virtual / replay-children context
    finished its body)."""


@dataclass(frozen=True)
class OperationChangeInfo:
    """A checkpoint response was merged: `updated_operations` holds what it changed
    (coalesced: latest state per operation), `operations` every recorded operation."""

    execution_arn: str | None
    updated_operations: Mapping[str, OperationInfo]
    operations: Mapping[str, OperationInfo] = field(repr=False)


@dataclass(frozen=True)
class UserFunctionStartInfo(OperationInfo):
    """A user function is about to run. `is_replay_children`: a context body re-runs over
    children that are already recorded (ReplayChildren)."""

    is_replay_children: bool = False


@dataclass(frozen=True)
class UserFunctionEndInfo(OperationInfo):
    """A user function returned (SUCCEEDED), raised (FAILED, with `error`) or was left by
    a suspension or another BaseException (INCOMPLETE)."""

    is_replay_children: bool
    outcome: UserFunctionOutcome

    @classmethod
    def from_start_info(
        cls,
        start_info: UserFunctionStartInfo,
        error: ErrorObject | None,
        *,
        outcome: UserFunctionOutcome | None = None,
    ) -> UserFunctionEndInfo:
        """The end of the function `start_info` began, now; the outcome follows from
        `error` unless given."""
        return cls(
            operation_id=start_info.operation_id,
            operation_type=start_info.operation_type,
            sub_type=start_info.sub_type,
            name=start_info.name,
            parent_id=start_info.parent_id,
            start_time=start_info.start_time,
            is_replayed=start_info.is_replayed,
            status=start_info.status,
            is_replay_children=start_info.is_replay_children,
            outcome=outcome if outcome is not None else UserFunctionOutcome.from_error(error),
            end_time=datetime.now(UTC),
            error=error,
            attempt=start_info.attempt,
        )


# -- invocation infos -------------------------------------------------------------------


@dataclass(frozen=True)
class InvocationInfo:
    """What every invocation hook learns. `operations` is a snapshot of the recorded
    operations taken when the info is built; `execution_input` is the handler's input
    event, a copy of its own."""

    request_id: str | None
    execution_arn: str | None
    is_first_invocation: bool
    execution_start_time: datetime | None = None
    execution_input: Any = field(default=None, kw_only=True, repr=False, compare=False)
    operations: Mapping[str, OperationInfo] = field(
        default_factory=dict, kw_only=True, repr=False, compare=False
    )


@dataclass(frozen=True)
class InvocationStartInfo(InvocationInfo):
    """`updated_operations`: the operations the service changed since the previous
    invocation (a timer fired, a callback completed) — the envelope's UpdatedOperationIds."""

    updated_operations: Mapping[str, OperationInfo] = field(
        default_factory=dict, kw_only=True, repr=False, compare=False
    )


@dataclass(frozen=True)
class InvocationEndInfo(InvocationInfo):
    """`execution_result` is the JSON result of a SUCCEEDED invocation (`""` when it was
    too large and was checkpointed instead; None otherwise); `error` the error of a FAILED
    or RETRY one."""

    error: ErrorObject | None = None
    status: InvocationStatus = field(kw_only=True)
    execution_result: str | None = field(default=None, kw_only=True, repr=False, compare=False)

    @classmethod
    def from_durable_execution_invocation_output(
        cls,
        invocation_start_info: InvocationStartInfo,
        output: Any,
        operations: Mapping[str, OperationInfo] | None = None,
    ) -> InvocationEndInfo:
        """The end of the invocation `invocation_start_info` began. `output` is what the
        handler returned: its `{"Status", "Result", "Error"}` mapping, or an object with
        `status`, `result` and `error`. `operations` defaults to the start's snapshot."""
        if isinstance(output, Mapping):
            status, result, error = output.get("Status"), output.get("Result"), output.get("Error")
        else:
            status = getattr(output, "status", None)
            result, error = getattr(output, "result", None), getattr(output, "error", None)
        if isinstance(error, Mapping):
            error = error_object_from_dict(error)
        return cls(
            invocation_start_info.request_id,
            invocation_start_info.execution_arn,
            invocation_start_info.is_first_invocation,
            invocation_start_info.execution_start_time,
            error,
            execution_input=invocation_start_info.execution_input,
            operations=operations if operations is not None else invocation_start_info.operations,
            status=InvocationStatus(getattr(status, "value", status)),
            execution_result=result,
        )


# -- propagation --------------------------------------------------------------------------


@dataclass(frozen=True)
class PropagationInput:
    """A new chained invoke is about to be started (never asked on replay)."""

    execution_arn: str
    operation_id: str
    target_function_name: str
    parent_operation_id: str | None = None


@dataclass(frozen=True)
class PropagationMetadata:
    """What a plugin wants carried to the invoked function (ChainedInvokeOptions)."""

    x_amzn_trace_id: str | None = None


# -- the plugin ----------------------------------------------------------------------------


class DurableInstrumentationPlugin:
    """Base class of instrumentation plugins: every hook is a no-op; override the ones
    you need. See the module docstring for when and on which thread each runs."""

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        return None

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        return None

    def on_operation_start(self, info: OperationStartInfo) -> None:
        return None

    def on_operation_end(self, info: OperationEndInfo) -> None:
        return None

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        return None

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        return None

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        return None

    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata | None:
        return None


@runtime_checkable
class DurableInstrumentationPluginFactory(Protocol):
    """What `durable_execution(plugins=[...])` takes: `create_plugin(info)` is called once
    per invocation, before any hook. A class with a classmethod/staticmethod
    `create_plugin` qualifies; a plugin instance or class does not."""

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin: ...
