"""The storage port. Methods are atomic units in domain terms; backends differ only in
SQL dialect, wake-up notification and error classification."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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
class ExecutionFilter:
    """Which executions a browser of all of them (the dashboard) wants: any function
    unless `function_name` is given; `name_prefix` matches the start of the name,
    case-sensitively; the times bound the start (epoch ms, inclusive)."""

    function_name: str | None = None
    name_prefix: str | None = None
    statuses: Sequence[ExecutionStatus] = ()
    started_after: int | None = None
    started_before: int | None = None


@dataclass(frozen=True, order=True)
class PageKey:
    """Where a page of executions ends, newest first: (start, execution id) is unique
    and indexed, so the next page is a range read from here rather than an offset
    that costs the rows it skips."""

    start_ms: int
    execution_id: str


@dataclass(frozen=True)
class ExecutionSummary:
    """An execution's row without its payloads, for lists (an input or a result may
    be a mebibyte; a page of fifty must not read them)."""

    arn: str
    execution_id: str
    function_name: str
    name: str
    status: ExecutionStatus
    start_timestamp: int
    end_timestamp: int | None

    @property
    def key(self) -> PageKey:
        return PageKey(self.start_timestamp, self.execution_id)


@dataclass(frozen=True)
class LeaseHolding:
    """A running invocation and the worker that holds its lease, until `expires_ms`."""

    arn: str
    function_name: str
    owner: str
    expires_ms: int


@dataclass(frozen=True)
class StoreStats:
    """Counts for monitoring (`/metrics`), read in one call."""

    executions_by_status: dict[str, int]
    due_timers: int
    queued_invocations: int
    running_invocations: int
    expired_leases: int


# The tables an execution's rows live in, the execution's own first.
EXECUTION_TABLES = (
    "executions",
    "operations",
    "events",
    "timers",
    "callbacks",
    "checkpoint_replies",
)
FUNCTION_CONFIGS = "function_configs"


@dataclass(frozen=True)
class ExecutionRows:
    """One execution as stored, row for row, for copying it to another database (which
    may be the other backend: both hold the same logical schema). `execution` holds the
    values of `rows.EXEC_COLUMNS`; the lease is left out, so a copy is never leased.
    The other tables' rows are given without the execution id they are keyed by."""

    execution: tuple[Any, ...]
    operations: tuple[tuple[str, int, int, str], ...]  # op_id, position, seq, doc
    events: tuple[tuple[int, str], ...]  # event_id, doc
    timers: tuple[tuple[str, str, int], ...]  # op_id, kind, due_ms
    callbacks: tuple[tuple[str, str, int], ...]  # callback_id, op_id, heartbeat_s
    checkpoint_replies: tuple[tuple[str, str, str, int], ...]  # tokens, reply, created_ms

    @property
    def execution_id(self) -> str:
        return str(self.execution[0])

    def row_counts(self) -> dict[str, int]:
        """Rows per table (`EXECUTION_TABLES`)."""
        return {
            "executions": 1,
            "operations": len(self.operations),
            "events": len(self.events),
            "timers": len(self.timers),
            "callbacks": len(self.callbacks),
            "checkpoint_replies": len(self.checkpoint_replies),
        }


# function_name, execution_timeout, retention_days, updated_ms
FunctionConfigRow = tuple[str, int | None, int | None, int]


@dataclass(frozen=True)
class RowCounts:
    """How much a database holds: rows per table (`EXECUTION_TABLES` and
    `FUNCTION_CONFIGS`), and the sum of the executions' row versions, which grows with
    every commit, so two readings that agree mean nothing was committed in between."""

    tables: dict[str, int]
    versions: int


@dataclass(frozen=True)
class SavedReply:
    """A checkpoint's answer, kept so that a retry of the same request (same client
    token, same checkpoint token) gets it again instead of being refused for its used
    token. Written in the checkpoint's own commit: one durable write per checkpoint, and
    never a commit whose answer could be lost."""

    client_token: str
    checkpoint_token: str  # the token the checkpoint was sent with
    reply: str
    created_ms: int


# How long a saved reply is kept (AWS's SDK retries a checkpoint for far less).
REPLY_TTL_MS = 15 * 60 * 1000


class CopyConflictError(Exception):
    """An execution being copied in collides with a different one the database holds
    (same function and name, or same ARN, under another id); the message names it."""


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
    refuses_to_wait: bool
    """True if, where waiting is forbidden (`perdure._store.waiting`), every wait of a
    commit is for a lock it refuses at once instead (SQLite); False if a commit waits
    on a server anyway (PostgreSQL's round trip), so its callers must be free to wait."""

    def schema(self) -> list[str]:
        """The migrations the database has, in order."""
        ...

    def create_execution(
        self, state: ExecutionState, transition: Transition, lease: tuple[str, int] | None = None
    ) -> bool:
        """Insert a new execution; False if one with the same function and name exists.
        With `lease` (owner, expires), its invocation is leased in the same transaction:
        a runner with a free thread starts an execution and claims its first invocation
        (`transition` leaves it RUNNING) with one durable commit instead of two."""
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
        reply: SavedReply | None = None,
    ) -> int:
        """Persist `transition` if the row is still at `version`, create the child
        executions it started, set the invocation lease (owner, expires; as `lease()`)
        and save the checkpoint's `reply` (replacing one saved under the same tokens,
        and dropping those older than REPLY_TTL_MS) when given, in one transaction;
        return the new row version. Raises StaleStateError when another writer got
        there first."""
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

    def browse_executions(
        self,
        where: ExecutionFilter,
        *,
        older_than: PageKey | None = None,
        newer_than: PageKey | None = None,
        limit: int = 50,
    ) -> list[ExecutionSummary]:
        """Up to `limit` executions of any function matching `where`, newest first:
        the newest of all, those just older than `older_than`, or those just newer
        than `newer_than` (still listed newest first)."""
        ...

    def count_by_status(self, where: ExecutionFilter) -> dict[str, int]:
        """How many executions match `where`, by status (only statuses that occur)."""
        ...

    def lease_holdings(self, limit: int) -> list[LeaseHolding]:
        """Running invocations with their lease owner and expiry, soonest expiry first."""
        ...

    def saved_reply(self, arn: str, client_token: str, checkpoint_token: str) -> str | None:
        """The reply a commit saved for these tokens (`commit`'s `reply`), or None."""
        ...

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

    def row_counts(self) -> RowCounts:
        """Rows per table and the sum of row versions, read in one snapshot."""
        ...

    def export_executions(self, after: str, limit: int) -> list[ExecutionRows]:
        """Up to `limit` executions whose id sorts after `after` (bytewise), in id
        order, each with all its rows, read in one snapshot: page through a whole
        database by passing the last id seen."""
        ...

    def import_executions(
        self, batch: Sequence[ExecutionRows], *, skip_existing: bool = False
    ) -> list[str]:
        """Insert exported executions, unleased, in one transaction; return the ids
        inserted. One whose id is already here is skipped when `skip_existing`, else
        nothing is inserted and CopyConflictError is raised; so is it for a different
        execution holding the same ARN or function and name."""
        ...

    def export_function_configs(self) -> list[FunctionConfigRow]:
        """Every registered function config, by function name."""
        ...

    def import_function_configs(self, rows: Sequence[FunctionConfigRow]) -> None:
        """Insert these configs; where a function already has one, the one registered
        later (`updated_ms`) wins, as if both registrations had happened here."""
        ...

    def watch(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from another thread) when any process commits work that may
        be due: a queued invocation or a timer. Backends that cannot hear other
        processes do nothing; the dispatcher's polling then finds such work."""
        ...

    def close(self) -> None: ...
