"""The instrumentation-plugin vocabulary (AWS 3.0 `plugin` module shape): the plugin base
class, the factory protocol, the info objects each hook receives and the plugin-owned
enums.

Why plugin-owned enums: a plugin must not depend on the SDK's wire layer, and AWS 3.0
gives `OperationType`/`InvocationStatus` their own classes here (same values, different
objects: compare by value, never with `is` against another module's enum).

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
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from perdure._model import ErrorObject, OperationStatus

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


class OperationType(StrEnum):
    """An operation's type as plugins see it (values as on the wire)."""

    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class InvocationStatus(StrEnum):
    """How an invocation ended. PENDING: suspended, the execution goes on. RETRY: the
    handler raised an error worth another invocation (the service retries it)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


class UserFunctionOutcome(StrEnum):
    """How a user function (step body, check, child body) ended. INCOMPLETE: it left by
    a BaseException that is not an error of its own, such as a suspension."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"


# -- invocation infos -------------------------------------------------------------------


@dataclass(frozen=True)
class InvocationInfo:
    """What every invocation hook learns. `operations` is a snapshot of the recorded
    operations (the EXECUTION itself excluded) taken when the info is built;
    `execution_input` is the handler's input event, a copy of its own."""

    request_id: str | None
    execution_arn: str
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

    status: InvocationStatus = field(kw_only=True)
    execution_result: str | None = field(default=None, kw_only=True, repr=False, compare=False)
    error: ErrorObject | None = field(default=None, kw_only=True, repr=False, compare=False)


# -- operation infos --------------------------------------------------------------------


@dataclass(frozen=True)
class OperationInfo:
    """One operation as plugins see it. `is_replayed`: the operation was already recorded
    before this invocation (a replay), as opposed to created or changed by it. `result` is
    the checkpointed serialized result, `attempt` a step's attempt number."""

    operation_id: str
    operation_type: OperationType
    sub_type: str | None = None
    name: str | None = None
    parent_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    is_replayed: bool = False
    status: OperationStatus | None = None
    result: str | None = field(default=None, repr=False)
    error: ErrorObject | None = None
    attempt: int | None = None


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

    execution_arn: str
    updated_operations: Mapping[str, OperationInfo] = field(default_factory=dict)
    operations: Mapping[str, OperationInfo] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class UserFunctionStartInfo(OperationInfo):
    """A user function is about to run. `is_replay_children`: a context body re-runs over
    children that are already recorded (ReplayChildren)."""

    is_replay_children: bool = False


@dataclass(frozen=True)
class UserFunctionEndInfo(UserFunctionStartInfo):
    outcome: UserFunctionOutcome = UserFunctionOutcome.SUCCEEDED


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
