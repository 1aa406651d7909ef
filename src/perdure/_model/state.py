"""The state of one execution as the engine sees it, and the transition a decision returns.

`ExecutionRecord` is the execution plus the bookkeeping the service needs to run it:
a change counter (`seq`), the history length, the live invocation's checkpoint token and
what that invocation has already seen. `Transition` is everything one decision changes;
`_service` persists it atomically and `_runtime` acts on its effects later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain

from perdure._model import ErrorObject, Event, Execution, Operation


class InvocationState(StrEnum):
    IDLE = "idle"  # nothing to run until a timer, callback or child completes
    QUEUED = "queued"  # an invocation should start at `invoke_at`
    RUNNING = "running"  # a worker holds the invocation


class TimerKind(StrEnum):
    WAIT_END = "wait_end"
    RETRY_READY = "retry_ready"
    CALLBACK_TIMEOUT = "callback_timeout"
    CALLBACK_HEARTBEAT = "callback_heartbeat"
    EXECUTION_TIMEOUT = "execution_timeout"


@dataclass(frozen=True, slots=True)
class Timer:
    op_id: str
    kind: TimerKind
    due_ms: int


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    execution: Execution
    seq: int = 0
    event_count: int = 0
    token: str | None = None
    token_seen_seq: int = 0
    invocation: InvocationState = InvocationState.IDLE
    invoke_at: int = 0
    request_id: str | None = None
    invocation_started: int = 0
    delivered_seq: int = 0
    failed_invocations: int = 0
    # An EXECUTION SUCCEED/FAIL checkpoint ends the execution when the invocation returns.
    closing_status: str | None = None
    closing_result: str | None = None
    closing_error: ErrorObject | None = None


@dataclass(frozen=True, slots=True)
class ChildStart:
    """Start another function's execution for a chained invoke."""

    op_id: str
    function_name: str
    payload: str | None
    tenant_id: str | None
    child_arn: str
    child_execution_id: str


@dataclass(frozen=True, slots=True)
class ParentNotice:
    """A finished child execution must settle the parent's chained-invoke operation."""

    parent_arn: str
    parent_op_id: str
    status: str
    result: str | None
    error: ErrorObject | None


@dataclass
class Transition:
    record: ExecutionRecord
    ops: dict[str, Operation] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    timers_set: list[Timer] = field(default_factory=list)
    timers_cancelled: list[tuple[str, TimerKind]] = field(default_factory=list)
    callbacks: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (op, heartbeat s)
    child_starts: list[ChildStart] = field(default_factory=list)
    parent_notices: list[ParentNotice] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # start order of new operations

    @property
    def changed(self) -> bool:
        return bool(self.ops or self.events or self.timers_set or self.timers_cancelled) or (
            self.record is not None
        )


@dataclass
class ExecutionState:
    """Everything the engine decides on. The service owns it and applies transitions;
    engine functions only read it."""

    record: ExecutionRecord
    ops: dict[str, Operation] = field(default_factory=dict)
    op_seq: dict[str, int] = field(default_factory=dict)
    timers: dict[tuple[str, TimerKind], int] = field(default_factory=dict)
    # (seq, op id) in the order changes happened, so "what changed since seq N" costs
    # the size of the answer, not the size of the execution.
    _changes: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def apply(self, t: Transition) -> None:
        """Fold a committed transition into this state."""
        self._ensure_changes()
        self.record = t.record
        for op_id, op in t.ops.items():
            self.ops[op_id] = op
            self.op_seq[op_id] = t.record.seq
            self._changes.append((t.record.seq, op_id))
        for op_id, kind in t.timers_cancelled:
            self.timers.pop((op_id, kind), None)
        for timer in t.timers_set:
            self.timers[(timer.op_id, timer.kind)] = timer.due_ms

    def changed_since(self, seq: int) -> list[Operation]:
        return [self.ops[op_id] for op_id in self.changed_ids_since(seq)]

    def changed_ids_since(self, seq: int, pending: Transition | None = None) -> list[str]:
        """The ids of the operations changed since `seq`, in the order of their last
        change; with `pending`, as they will be once it is applied (a checkpoint's
        saved reply names them in the commit that applies it)."""
        self._ensure_changes()
        changes: Iterable[tuple[int, str]] = reversed(self._changes)
        if pending is not None and pending.ops:
            new = [(pending.record.seq, op_id) for op_id in reversed(pending.ops)]
            changes = chain(new, changes)
        ids: dict[str, None] = {}
        for change_seq, op_id in changes:
            if change_seq <= seq:
                break
            ids[op_id] = None
        return list(reversed(ids))

    def _ensure_changes(self) -> None:
        if not self._changes and self.op_seq:
            self._changes = sorted((s, op_id) for op_id, s in self.op_seq.items())
