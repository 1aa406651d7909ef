"""PluginHost: the plugins of one invocation, and the only place that calls their hooks.

The host exists only when the handler has plugin factories; everywhere else the SDK checks
`state.plugins is None` and moves on, so an execution without plugins pays one attribute
read per operation.

How operations are classified (AWS's "update" versus "replay"): an operation recorded
before this invocation is *replayed* unless the envelope's UpdatedOperationIds lists it
as changed by the service (a timer fired, a callback completed; a step or context that
reached SUCCEEDED/FAILED is listed too when the previous invocation checkpointed it, but
that end was the SDK's own and was reported then). That decides two things: an operation
found non-terminal is reported to `on_operation_start` with is_replayed=True, and an
operation already terminal before this invocation and not updated had its
`on_operation_end` in an earlier invocation, so it never gets another one.

End claims: `observe(op)` is called wherever a thread sees an operation's recorded state
(reading it for replay, or after its own SUCCEED/FAIL checkpoint returned); the first
observer of a terminal status claims and runs `on_operation_end`. Whatever nobody observed
is reported by `finish` before `on_invocation_end`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from perdure._clock import Clock
from perdure._model import (
    TERMINAL_OPERATION_STATUSES,
    ErrorObject,
    InvocationInput,
    Operation,
    OperationStatus,
    OperationUpdate,
)
from perdure._model import OperationType as WireType
from perdure._sdk.error_mapping import error_object_from_dict, error_object_from_exception
from perdure._sdk.plugin_changes import ChangeDispatcher
from perdure._sdk.plugin_infos import fields_of, ident_fields, own_end, replay_start, to_time
from perdure._sdk.plugin_types import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    InvocationStatus,
    OperationChangeInfo,
    OperationEndInfo,
    OperationInfo,
    OperationStartInfo,
    OperationType,
    PropagationInput,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)

if TYPE_CHECKING:
    from perdure._sdk.identifier import OperationIdentifier

__all__ = ["PluginHost", "RecordedExecution"]

T = TypeVar("T")
_log = logging.getLogger("perdure.plugins")
_BASE = DurableInstrumentationPlugin
_HOOKS = (
    "on_invocation_start",
    "on_invocation_end",
    "on_operation_start",
    "on_operation_end",
    "on_operation_change",
    "on_user_function_start",
    "on_user_function_end",
    "provide_propagation_metadata",
)


def _overrides(plugin: DurableInstrumentationPlugin, hook: str) -> bool:
    """Whether `plugin` does anything in `hook` (the base class's no-ops are skipped)."""
    own = getattr(plugin, "__dict__", {})
    return hook in own or getattr(type(plugin), hook, None) is not getattr(_BASE, hook)


class RecordedExecution(Protocol):
    """What the host reads of the execution's state (`ExecutionState` is one): the host
    reports on that state and never changes it, and the state holds the host."""

    @property
    def durable_execution_arn(self) -> str: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def operations(self) -> Mapping[str, Operation]: ...

    def execution_operation(self) -> Operation | None: ...


class PluginHost:
    def __init__(
        self,
        state: RecordedExecution,
        request_id: str | None,
        is_first: bool,
        updated_ids: Iterable[str],
        execution_input: Callable[[], Any],
    ) -> None:
        self._state = state
        self._arn = state.durable_execution_arn
        self._request_id = request_id
        self._is_first = is_first
        self._input = execution_input
        execution = state.execution_operation()
        self._start_time = to_time(execution.start_timestamp) if execution is not None else None
        self._initial: dict[str, Operation] = {
            k: op
            for k, op in state.operations.items()
            if op.operation_type is not WireType.EXECUTION
        }
        # In the envelope's order, known operations only.
        self._updated_order = [k for k in dict.fromkeys(updated_ids) if k in self._initial]
        self._updated = frozenset(self._updated_order)
        # What the service itself changed. UpdatedOperationIds also lists what the previous
        # invocation checkpointed after its input was built (AWS's service does the same);
        # a step or context reaching SUCCEEDED/FAILED is always the SDK's own checkpoint,
        # which that invocation already observed and reported.
        self._external = frozenset(k for k in self._updated if not own_end(self._initial[k]))
        self._lock = threading.Lock()
        # Terminal before this invocation and not changed by the service since: its end
        # hook already ran in an earlier invocation.
        self._ended: set[str] = {
            k
            for k, op in self._initial.items()
            if op.status in TERMINAL_OPERATION_STATUSES and k not in self._external
        }
        self._infos: dict[str, tuple[Operation, OperationInfo]] = {}
        self._start = self._start_info()
        self._plugins: list[DurableInstrumentationPlugin] = []
        self._by_hook: dict[str, list[DurableInstrumentationPlugin]] = {h: [] for h in _HOOKS}
        self._changes: ChangeDispatcher | None = None

    @classmethod
    def create(
        cls,
        factories: Sequence[Any],
        state: RecordedExecution,
        invocation: InvocationInput,
        request_id: str | None,
        is_first: bool,
        execution_input: Callable[[], Any],
    ) -> PluginHost | None:
        """Call every factory once (a failing one is logged and skipped); None when no
        plugin came out of it, so the invocation runs with no plugin overhead at all.
        `execution_input` parses a fresh copy of the input event each time it is called."""
        if not factories:
            return None
        host = cls(state, request_id, is_first, invocation.updated_operation_ids, execution_input)
        plugins: list[DurableInstrumentationPlugin] = []
        for factory in factories:
            try:
                plugin = factory.create_plugin(host._start)
            except Exception:
                _log.exception("Plugin factory %r failed; plugin skipped", factory)
                continue
            if not isinstance(plugin, DurableInstrumentationPlugin):
                _log.error("Plugin factory %r returned %r, not a plugin; skipped", factory, plugin)
                continue
            plugins.append(plugin)
        if not plugins:
            return None
        host._plugins = plugins
        host._by_hook = {h: [p for p in plugins if _overrides(p, h)] for h in _HOOKS}
        if host._by_hook["on_operation_change"]:
            host._changes = ChangeDispatcher(host._deliver_changes)
        return host

    # -- dispatch -----------------------------------------------------------------------

    def _call(self, hook: str, info: object) -> None:
        for plugin in self._by_hook[hook]:
            try:
                getattr(plugin, hook)(info)
            except Exception:
                _log.exception("Plugin hook %s of %r failed; ignored", hook, plugin)

    # -- infos --------------------------------------------------------------------------

    def info(self, op: Operation) -> OperationInfo:
        """`op` as plugins see it in operation maps and end hooks (is_replayed=False, as
        AWS reports them); cached per recorded version of the operation."""
        cached = self._infos.get(op.operation_id)
        if cached is not None and cached[0] is op:
            return cached[1]
        info = OperationInfo.from_operation(op)
        self._infos[op.operation_id] = (op, info)
        return info

    def _snapshot(self, ops: Iterable[Operation] | None = None) -> dict[str, OperationInfo]:
        """Operation maps hold every recorded operation, the EXECUTION included (AWS's)."""
        source = list(self._state.operations.values()) if ops is None else ops
        return {op.operation_id: self.info(op) for op in source}

    def _start_info(self) -> InvocationStartInfo:
        return InvocationStartInfo(
            self._request_id,
            self._arn,
            self._is_first,
            self._start_time,
            execution_input=self._input(),
            operations=self._snapshot(),
            updated_operations=self._snapshot(self._initial[k] for k in self._updated_order),
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._state.clock.now_ms() / 1000, tz=UTC)

    # -- invocation ---------------------------------------------------------------------

    def invocation_started(self) -> None:
        """`on_invocation_start`, then `on_operation_start` (replayed) for every recorded
        operation that is still in flight; runs before checkpointing starts. A READY one
        (a step whose retry delay passed) is left out: it is started again, and that START
        reports it (as AWS's SDK does)."""
        self._call("on_invocation_start", self._start)
        if not self._by_hook["on_operation_start"]:
            return
        for op in self._initial.values():
            if (
                op.status not in TERMINAL_OPERATION_STATUSES
                and op.status is not OperationStatus.READY
            ):
                self._call("on_operation_start", OperationStartInfo(**replay_start(op)))

    def finish(self, output: Mapping[str, Any] | None, raised: BaseException | None) -> None:
        """After checkpointing stopped: deliver pending changes, report the ends nobody
        observed, then `on_invocation_end`."""
        if self._changes is not None:
            self._changes.close()
        for op in list(self._state.operations.values()):
            self.observe(op)
        if output is None:
            status = InvocationStatus.RETRY
            error = error_object_from_exception(raised) if raised is not None else None
            result = None
        else:
            status = InvocationStatus(str(output.get("Status")))
            raw_error = output.get("Error")
            error = error_object_from_dict(raw_error) if isinstance(raw_error, Mapping) else None
            result = output.get("Result") if status is InvocationStatus.SUCCEEDED else None
        info = InvocationEndInfo(
            self._request_id,
            self._arn,
            self._is_first,
            self._start_time,
            error,
            execution_input=self._input(),
            operations=self._snapshot(),
            status=status,
            execution_result=result,
        )
        self._call("on_invocation_end", info)

    # -- operations ---------------------------------------------------------------------

    def operation_starting(self, update: OperationUpdate, existing: Operation | None) -> None:
        """A START is about to be queued (on the queuing thread). As AWS's SDK reports it:
        no start time yet (the service stamps it), no attempt; replayed when the operation
        was already recorded (a step started again after a retry delay)."""
        if update.operation_type is WireType.EXECUTION or not self._by_hook["on_operation_start"]:
            return
        info = OperationStartInfo(
            update.operation_id,
            OperationType(update.operation_type.value),
            update.sub_type,
            update.name,
            update.parent_id,
            None,
            is_replayed=existing is not None,
            status=OperationStatus.STARTED,
        )
        self._call("on_operation_start", info)

    def observe(self, op: Operation) -> None:
        """A thread saw `op`'s recorded state: the first to see it terminal runs its end."""
        if op.status not in TERMINAL_OPERATION_STATUSES:
            return
        if op.operation_type is WireType.EXECUTION:
            return
        with self._lock:
            if op.operation_id in self._ended:
                return
            self._ended.add(op.operation_id)
        self._call("on_operation_end", OperationEndInfo(**fields_of(self.info(op), False)))

    def synthetic_end(
        self, ident: OperationIdentifier, replayed: bool, error: ErrorObject | None
    ) -> None:
        """A context that writes no terminal checkpoint (virtual, or re-running its body
        over recorded children) ended. It gets no start hook, as on AWS: nothing was
        started for it, or its START was reported in an earlier invocation."""
        status = OperationStatus.SUCCEEDED if error is None else OperationStatus.FAILED
        info = OperationEndInfo(
            **ident_fields(ident),
            start_time=None,
            end_time=self._now(),
            is_replayed=replayed,
            status=status,
            error=error,
        )
        self._call("on_operation_end", info)

    def operations_changed(self, ops: Sequence[Operation]) -> None:
        """A checkpoint response was merged (called on the sending thread: only queues)."""
        if self._changes is not None and ops:
            self._changes.notify(ops)

    def _deliver_changes(self, changed: Mapping[str, Operation]) -> None:
        updated = self._snapshot(changed.values())
        if not updated:
            return
        self._call("on_operation_change", OperationChangeInfo(self._arn, updated, self._snapshot()))

    # -- user functions -----------------------------------------------------------------

    def run_user_function(
        self,
        ident: OperationIdentifier,
        func: Callable[[], T],
        *,
        attempt: int | None = None,
        is_replay_children: bool = False,
    ) -> T:
        """Run `func` between `on_user_function_start` and `_end`, on this thread. The
        function runs now, so it is never replayed, and its operation is STARTED (AWS's)."""
        start = UserFunctionStartInfo(
            **ident_fields(ident),
            start_time=self._now(),
            is_replayed=False,
            status=OperationStatus.STARTED,
            attempt=attempt,
            is_replay_children=is_replay_children,
        )
        self._call("on_user_function_start", start)
        try:
            value = func()
        except Exception as exc:
            self._user_function_ended(start, UserFunctionOutcome.FAILED, exc)
            raise
        except BaseException as exc:
            self._user_function_ended(start, UserFunctionOutcome.INCOMPLETE, exc)
            raise
        self._user_function_ended(start, UserFunctionOutcome.SUCCEEDED, None)
        return value

    def _user_function_ended(
        self, start: UserFunctionStartInfo, outcome: UserFunctionOutcome, exc: BaseException | None
    ) -> None:
        if not self._by_hook["on_user_function_end"]:
            return
        failed = outcome is UserFunctionOutcome.FAILED
        error = error_object_from_exception(exc) if failed and exc is not None else None
        # The end time comes from the execution's clock, as every time Perdure reports.
        ended = UserFunctionEndInfo.from_start_info(start, error, outcome=outcome)
        info = replace(ended, end_time=self._now())
        self._call("on_user_function_end", info)

    # -- propagation --------------------------------------------------------------------

    def propagation_trace_id(self, request: PropagationInput) -> str | None:
        """The first non-blank trace id the plugins offer (in plugin order)."""
        chosen: str | None = None
        for plugin in self._by_hook["provide_propagation_metadata"]:
            try:
                metadata = plugin.provide_propagation_metadata(request)
            except Exception:
                _log.exception("provide_propagation_metadata of %r failed; ignored", plugin)
                continue
            value = getattr(metadata, "x_amzn_trace_id", None) if metadata is not None else None
            if not isinstance(value, str) or not value.strip():
                continue
            if chosen is None:
                chosen = value
            elif value != chosen:
                _log.warning(
                    "Plugin %r offers trace id %r for invoke %s; keeping %r",
                    plugin,
                    value,
                    request.operation_id,
                    chosen,
                )
        return chosen
