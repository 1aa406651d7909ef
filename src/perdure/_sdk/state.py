"""ExecutionState: what one invocation knows about its execution, and its only way to
write to it.

It holds every recorded operation by id — loaded from the invocation input, the pages
after it, and every checkpoint response (a by-id merge; nothing is ever deleted) — the
current checkpoint token, and the batcher that sends updates. Operations read recorded
state here and checkpoint through `create_checkpoint`; nobody else talks to the service.

Token rules (AWS 3.0): every response token is adopted. A response without a token ends
checkpointing: if the batch carried an EXECUTION update the execution is complete;
otherwise the token was revoked (pause, quota, stop) and the invocation must end PENDING,
so waiters get SuspendExecution and the response is not merged.

Orphans: once a context has recorded its result, anything still running below it (a map
branch left behind by an early completion) must not write; its next checkpoint raises
OrphanedChildException.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Executor
from enum import Enum

from perdure._clock import Clock
from perdure._model import (
    TERMINAL_OPERATION_STATUSES,
    Operation,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from perdure._sdk.checkpoint_batcher import BatcherConfig, CheckpointBatcher, ScheduledRefresh, Stop
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.plugins import PluginHost
from perdure._sdk.transport.service_client import DurableServiceClient
from perdure.errors import (
    ApiError,
    BackgroundThreadError,
    BotoClientError,
    CheckpointError,
    GetExecutionStateError,
    OrphanedChildException,
    SuspendExecution,
)

_PAGE_SIZE = 1000
_ENDING_ACTIONS = frozenset({OperationAction.SUCCEED, OperationAction.FAIL})


class ReplayStatus(Enum):
    REPLAY = "REPLAY"
    NEW = "NEW"


class ExecutionState:
    def __init__(
        self,
        durable_execution_arn: str,
        initial_checkpoint_token: str,
        client: DurableServiceClient,
        clock: Clock,
        operations: Iterable[Operation] = (),
        batcher_config: BatcherConfig | None = None,
    ) -> None:
        self.durable_execution_arn = durable_execution_arn
        self.clock = clock
        self._client = client
        self._token = initial_checkpoint_token
        self._operations: dict[str, Operation] = {}
        self._parent_of: dict[str, str | None] = {}
        self._done_contexts: set[str] = set()
        self._revoked = False
        self._completed = False
        self._lock = threading.Lock()
        self._merge(operations)
        self._batcher = CheckpointBatcher(self._send, clock, batcher_config)
        self._started = False
        self._pools: list[Executor] = []
        # The invocation's plugins; None (the common case) skips every hook.
        self.plugins: PluginHost | None = None

    # -- recorded state -----------------------------------------------------------------

    @property
    def operations(self) -> dict[str, Operation]:
        return self._operations

    @property
    def checkpoint_token(self) -> str:
        return self._token

    def get_operation(self, operation_id: str) -> Operation | None:
        return self._operations.get(operation_id)

    def get_checkpoint(self, identifier: OperationIdentifier) -> Operation | None:
        """The recorded operation for `identifier`, after checking it was written by the
        same code (NonDeterministicExecutionError otherwise)."""
        op = self._operations.get(identifier.operation_id)
        if op is not None:
            identifier.validate_checkpoint(op)
            if self.plugins is not None and op.status in TERMINAL_OPERATION_STATUSES:
                self.plugins.observe(op)
        return op

    def has_prior_operations(self) -> bool:
        return any(
            op.operation_type is not OperationType.EXECUTION for op in self._operations.values()
        )

    def execution_operation(self) -> Operation | None:
        """The EXECUTION op, whose id is the last `/` segment of the ARN."""
        exec_id = self.durable_execution_arn.rsplit("/", 1)[-1]
        op = self._operations.get(exec_id)
        if op is not None and op.operation_type is OperationType.EXECUTION:
            return op
        for op in self._operations.values():
            if op.operation_type is OperationType.EXECUTION:
                return op
        return None

    def fetch_paginated_operations(self, marker: str | None) -> None:
        """Load the pages after the invocation input, with the current token."""
        while marker:
            try:
                page = self._client.get_execution_state(
                    self.durable_execution_arn, self._token, marker, _PAGE_SIZE
                )
            except ApiError as exc:
                raise _classified(exc, GetExecutionStateError) from exc
            self._merge(page.operations)
            marker = page.next_marker

    def _merge(self, operations: Iterable[Operation]) -> None:
        ops = self._operations
        parents = self._parent_of
        for op in operations:
            ops[op.operation_id] = op
            parents.setdefault(op.operation_id, op.parent_id)

    # -- status -------------------------------------------------------------------------

    @property
    def is_checkpoint_token_revoked(self) -> bool:
        return self._revoked

    @property
    def is_completed(self) -> bool:
        return self._completed

    # -- writing ------------------------------------------------------------------------

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._batcher.start()

    def create_checkpoint(
        self, update: OperationUpdate | None = None, *, is_sync: bool = True
    ) -> None:
        """Queue `update` (None = an empty refresh). A sync call returns once the batch
        holding it is recorded and its response merged."""
        if not self._started:
            self.start()
        host = self.plugins
        if host is not None and update is not None and update.action is OperationAction.START:
            host.operation_starting(update, self._operations.get(update.operation_id))
        self._batcher.enqueue(
            update, is_sync, None if update is None else lambda: self._admit(update)
        )
        if host is not None and is_sync and update is not None and update.action in _ENDING_ACTIONS:
            op = self._operations.get(update.operation_id)
            if op is not None:
                host.observe(op)  # this thread observes the end it just checkpointed

    def schedule_refresh(self, at_ms: int) -> ScheduledRefresh:
        """An empty checkpoint sent at `at_ms`, shared by everyone due then."""
        if not self._started:
            self.start()
        return self._batcher.schedule_refresh(at_ms)

    def mark_context_done(self, operation_id: str) -> None:
        """Orphan whatever still runs under `operation_id` (early batch completion)."""
        with self._lock:
            self._done_contexts.add(operation_id)

    def producer_started(self) -> None:
        """A thread starts running user code that may checkpoint (map/parallel branch)."""
        self._batcher.producer_started()

    def producer_stopped(self) -> None:
        self._batcher.producer_stopped()

    def register_pool(self, pool: Executor) -> None:
        """A map/parallel branch pool; `close` joins it while checkpointing still works."""
        with self._lock:
            self._pools.append(pool)

    def close(self) -> None:
        """Join branch pools, flush queued updates and stop the batcher thread."""
        with self._lock:
            pools, self._pools = self._pools, []
        for pool in pools:
            pool.shutdown(wait=True)
        if self._started:
            self._batcher.stop(OrphanedChildException("Checkpointing has stopped", operation_id=""))

    def _admit(self, update: OperationUpdate) -> None:
        """Runs under the queue lock: refuse orphans, record parentage and closed contexts."""
        with self._lock:
            ancestor = update.parent_id
            seen = 0
            while ancestor is not None and seen < 10_000:
                if ancestor in self._done_contexts:
                    raise OrphanedChildException(
                        f"Parent context {ancestor} already completed; "
                        f"operation {update.operation_id} is orphaned",
                        operation_id=update.operation_id,
                    )
                ancestor = self._parent_of.get(ancestor)
                seen += 1
            self._parent_of.setdefault(update.operation_id, update.parent_id)
            if update.operation_type is OperationType.CONTEXT and update.action in (
                OperationAction.SUCCEED,
                OperationAction.FAIL,
            ):
                self._done_contexts.add(update.operation_id)

    # -- sender side (the collector thread, or a caller sending its own batch) ---------

    def _send(self, updates: list[OperationUpdate]) -> Stop | None:
        try:
            response = self._client.checkpoint(self.durable_execution_arn, self._token, updates)
        except ApiError as exc:
            error = _classified(exc, CheckpointError)
            raise BackgroundThreadError(str(error), error) from exc
        except BotoClientError as exc:
            raise BackgroundThreadError(str(exc), exc) from exc
        except BaseException as exc:
            error = CheckpointError(f"Checkpoint failed: {exc}")
            raise BackgroundThreadError(str(error), error) from exc
        if response.checkpoint_token is None:
            if any(u.operation_type is OperationType.EXECUTION for u in updates):
                self._completed = True
                self._merge(response.operations)
                done = OrphanedChildException("The execution has completed", operation_id="")
                return Stop(None, done)
            self._revoked = True
            revoked = SuspendExecution("Checkpoint token revoked")
            return Stop(revoked, revoked)
        self._token = response.checkpoint_token
        self._merge(response.operations)
        changed = list(response.operations) if self.plugins is not None else None
        marker = response.next_marker
        while marker:
            try:
                page = self._client.get_execution_state(
                    self.durable_execution_arn, self._token, marker, _PAGE_SIZE
                )
            except ApiError as exc:
                error = _classified(exc, GetExecutionStateError)
                raise BackgroundThreadError(str(error), error) from exc
            self._merge(page.operations)
            if changed is not None:
                changed.extend(page.operations)
            marker = page.next_marker
        if changed and self.plugins is not None:
            self.plugins.operations_changed(changed)  # queued for the change thread
        return None


def _classified(exc: ApiError, cls: type[BotoClientError]) -> BotoClientError:
    category = BotoClientError.classify(exc.code, exc.message, exc.status)
    return cls(
        f"{exc.code}: {exc.message}",
        category,
        {"Code": exc.code, "Message": exc.message},
        {"HTTPStatusCode": exc.status},
    )
