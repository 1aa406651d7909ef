"""A scratch pad for one engine decision: reads through to the current state, collects
every change, and turns into a `Transition`. Keeps the decision functions short."""

from __future__ import annotations

import dataclasses
from typing import Any

from perdure._model import Event, EventType, Operation
from perdure._model.state import (
    ChildStart,
    ExecutionRecord,
    ExecutionState,
    ParentNotice,
    Timer,
    TimerKind,
    Transition,
)


class Draft:
    def __init__(self, state: ExecutionState, now: int) -> None:
        self.state = state
        self.now = now
        self.record: ExecutionRecord = state.record
        self.ops: dict[str, Operation] = {}
        self.events: list[Event] = []
        self.timers_set: list[Timer] = []
        self.timers_cancelled: list[tuple[str, TimerKind]] = []
        self.callbacks: dict[str, tuple[str, int]] = {}
        self.child_starts: list[ChildStart] = []
        self.parent_notices: list[ParentNotice] = []
        self._event_count = state.record.event_count

    def get(self, op_id: str) -> Operation | None:
        op = self.ops.get(op_id)
        return op if op is not None else self.state.ops.get(op_id)

    def put(self, op: Operation) -> None:
        self.ops[op.operation_id] = op

    def update_record(self, **changes: Any) -> None:
        self.record = dataclasses.replace(self.record, **changes)

    def event(
        self,
        event_type: EventType,
        details: dict[str, Any],
        op: Operation | None = None,
    ) -> None:
        self._event_count += 1
        self.events.append(
            Event(
                event_id=self._event_count,
                event_type=event_type,
                timestamp=self.now,
                details=details,
                operation_id=op.operation_id if op else None,
                name=op.name if op else None,
                parent_id=op.parent_id if op else None,
                sub_type=op.sub_type if op else None,
            )
        )

    def set_timer(self, op_id: str, kind: TimerKind, due_ms: int) -> None:
        self.timers_set.append(Timer(op_id, kind, due_ms))

    def cancel_timer(self, op_id: str, kind: TimerKind) -> None:
        if (op_id, kind) in self.state.timers or any(
            t.op_id == op_id and t.kind == kind for t in self.timers_set
        ):
            self.timers_set = [
                t for t in self.timers_set if not (t.op_id == op_id and t.kind == kind)
            ]
            self.timers_cancelled.append((op_id, kind))

    def finish(self, *, seen: bool = False, **changes: Any) -> Transition:
        """The transition; `changes` are last record updates (one copy, not one per
        update), and `seen` marks every change as seen by the running invocation."""
        seq = self.record.seq + (1 if self.ops else 0)
        if seen:
            changes["token_seen_seq"] = seq
        record = dataclasses.replace(self.record, seq=seq, event_count=self._event_count, **changes)
        base = len(self.state.ops)
        new_ids = [op_id for op_id in self.ops if op_id not in self.state.ops]
        return Transition(
            record=record,
            positions={op_id: base + i for i, op_id in enumerate(new_ids)},
            ops=self.ops,
            events=self.events,
            timers_set=self.timers_set,
            timers_cancelled=self.timers_cancelled,
            callbacks=self.callbacks,
            child_starts=self.child_starts,
            parent_notices=self.parent_notices,
        )
