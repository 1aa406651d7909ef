"""The storage port. Methods are atomic units in domain terms; backends differ only in
SQL dialect, wake-up notification and error classification."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from perdure._model import Event, Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._model.state import ExecutionState, TimerKind, Transition
from perdure._store.faults import FaultLog


@dataclass(frozen=True)
class DueTimer:
    arn: str
    op_id: str
    kind: TimerKind
    due_ms: int


@dataclass(frozen=True)
class CallbackRef:
    arn: str
    op_id: str
    heartbeat_seconds: int


@dataclass(frozen=True)
class ExecutionQuery:
    function_name: str
    name: str | None = None
    version: str | None = None
    statuses: Sequence[ExecutionStatus] = ()
    started_after: int | None = None
    started_before: int | None = None
    oldest_first: bool = False
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True)
class StoreStats:
    """Counts for monitoring (`/metrics`), read in one call."""

    executions_by_status: dict[str, int]
    due_timers: int
    queued_invocations: int
    running_invocations: int
    expired_leases: int


class StaleStateError(Exception):
    """The execution changed since it was loaded; reload and decide again."""


class StoreUnavailableError(Exception):
    """The database cannot be opened or reached (wrong URL, server down, missing
    driver); the message says which and how to fix it."""


class Store(Protocol):
    applied_on_open: list[str]
    """The migrations this store applied when it was opened (none if already current)."""
    fault_log: FaultLog
    """The last database fault a caller met, until a write succeeds (for `/health`)."""

    def schema(self) -> list[str]:
        """The migrations the database has, in order."""
        ...

    def create_execution(self, state: ExecutionState, transition: Transition) -> bool:
        """Insert a new execution; False if one with the same function and name exists."""
        ...

    def find_by_name(self, function_name: str, name: str) -> Execution | None: ...

    def load(self, arn: str) -> tuple[int, ExecutionState] | None:
        """The execution's state and its row version, or None."""
        ...

    def get_execution(self, arn: str) -> Execution | None:
        """The execution as last committed, without waiting for a writer."""
        ...

    def row_version(self, arn: str) -> int | None: ...

    def commit(
        self,
        arn: str,
        version: int,
        transition: Transition,
        children: Sequence[tuple[ExecutionState, Transition]] = (),
        lease: tuple[str, int] | None = None,
    ) -> int:
        """Persist `transition` if the row is still at `version`, create the child
        executions it started and set the invocation lease (owner, expires; as `lease()`)
        when given, in one transaction; return the new row version. Raises
        StaleStateError when another writer got there first."""
        ...

    def resolve_callback(self, callback_id: str) -> CallbackRef | None: ...

    def due_timers(self, now: int, limit: int) -> list[DueTimer]: ...

    def due_invocations(
        self, now: int, limit: int, functions: Sequence[str] | None = None
    ) -> list[str]:
        """Executions whose queued invocation is due and unleased, oldest first; only
        those of `functions` when given (a remote worker claims what it can run)."""
        ...

    def expired_leases(self, now: int, limit: int) -> list[str]: ...

    def lease_owners(self) -> list[str]:
        """The distinct owners of running invocations' leases (a few per process)."""
        ...

    def leases_held_by(self, owner: str, limit: int) -> list[str]:
        """Executions whose running invocation is leased to `owner`."""
        ...

    def next_wakeup(self) -> int | None:
        """The earliest time a timer or queued invocation becomes due."""
        ...

    def lease(self, arn: str, owner: str, expires: int) -> None: ...

    def renew_lease(self, arn: str, request_id: str, owner: str, expires: int) -> bool:
        """Extend the lease of invocation `request_id` if it is still the one running;
        False if it ended or was given up on (a stale worker must not revive a lease)."""
        ...

    def events(self, arn: str, after: int, limit: int, reverse: bool) -> list[Event]: ...

    def list_executions(self, query: ExecutionQuery) -> list[Execution]: ...

    def saved_reply(self, arn: str, client_token: str, checkpoint_token: str) -> str | None: ...

    def save_reply(
        self, arn: str, client_token: str, checkpoint_token: str, reply: str, now: int
    ) -> None: ...

    def running_count(self) -> int: ...

    def delete_execution(self, arn: str) -> bool:
        """Remove the execution and everything recorded for it; False if it was absent."""
        ...

    def stats(self, now: int) -> StoreStats: ...

    def prune_ended(self, now: int, limit: int) -> list[str]:
        """Delete up to `limit` executions that ended more than their retention period
        before `now`, with everything recorded for them (operations, history, timers,
        callbacks, saved replies), oldest first; return their ARNs. An execution that
        has not ended is never touched. Each execution is one row with its own
        retention, so a parent and the children it invoked go when each one's time
        is up."""
        ...

    def function_config(self, function_name: str) -> DurableConfig | None:
        """The config a worker last registered for `function_name`, or None."""
        ...

    def save_function_configs(self, configs: Mapping[str, DurableConfig], now: int) -> None:
        """Register (replace) the configs of these functions, in one transaction."""
        ...

    def watch(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from another thread) when any process commits work that may
        be due: a queued invocation or a timer. Backends that cannot hear other
        processes do nothing; the dispatcher's polling then finds such work."""
        ...

    def close(self) -> None: ...
