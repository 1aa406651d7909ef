"""What every use case needs: the store, the clock, id minting, an execution cache and
the one place where a decision is committed (`transact`).

Decisions on one execution take turns under that execution's lock (`locked`); those on
different executions run, and commit, at the same time (`execution_locks`). A short
lock guards only the cache's index."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from perdure import _ids
from perdure._clock import Clock, SystemClock
from perdure._config import RetryPolicy
from perdure._model import TERMINAL_EXECUTION_STATUSES, Execution
from perdure._model.durable_config import (
    DEFAULT_EXECUTION_TIMEOUT,
    DEFAULT_RETENTION_DAYS,
    DurableConfig,
    check_execution_timeout,
    check_retention_days,
)
from perdure._model.limits import DEFAULT_LIMITS, Limits
from perdure._model.state import ExecutionState, Transition
from perdure._service.execution_locks import ExecutionLocks
from perdure._service.liveness import Liveness
from perdure._service.local_runner import LocalRunner
from perdure._store.store import SavedReply, StaleStateError, Store
from perdure.errors import ResourceNotFoundError

Decision = Callable[[ExecutionState], "Transition | None"]


@dataclass(frozen=True)
class ServiceSettings:
    """`default_execution_timeout` (seconds) and `default_retention_days` apply to the
    functions whose own `DurableConfig` leaves them unset. `limits`: the payload and
    count limits every caller is held to (`perdure._model.limits`)."""

    region: str = "us-east-1"
    account: str = "000000000000"
    default_execution_timeout: int = DEFAULT_EXECUTION_TIMEOUT
    default_retention_days: int = DEFAULT_RETENTION_DAYS
    limits: Limits = DEFAULT_LIMITS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache_size: int = 1024

    def __post_init__(self) -> None:
        check_execution_timeout(self.default_execution_timeout, "default_execution_timeout")
        check_retention_days(self.default_retention_days, "default_retention_days")

    @property
    def default_durable_config(self) -> DurableConfig:
        return DurableConfig(self.default_execution_timeout, self.default_retention_days)


class ServiceContext:
    """Shared by the use cases of one process. The cache keeps each execution's state
    in memory and is trusted only while the stored row version matches, so replay cost
    stays flat however long an execution's history grows. A cached state is read and
    changed only under its execution's lock."""

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        settings: ServiceSettings | None = None,
        functions: Callable[[str], bool] | None = None,
        configs: Callable[[str], DurableConfig | None] | None = None,
    ) -> None:
        """`configs` gives a function's own `DurableConfig` (from the registry that runs
        it); without it, the configs workers registered in the store are used."""
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or ServiceSettings()
        self.function_exists: Callable[[str], bool] = functions or (lambda _name: True)
        self._configs: Callable[[str], DurableConfig | None] = configs or store.function_config
        # Configs this process recorded for remote workers' functions, and when.
        self.recorded_configs: dict[str, tuple[DurableConfig, int]] = {}
        self.configs_lock = threading.Lock()  # guards recorded_configs
        self.next_prune_at = 0  # when `retention.prune_due` looks for expired executions
        self.locked = ExecutionLocks()
        self._cache: OrderedDict[str, tuple[int, ExecutionState]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._work_listeners: list[Callable[[int], None]] = []
        self._end_listeners: list[Callable[[Execution], None]] = []
        # A runner of this process that a new execution may hand its first invocation
        # to (`local_runner`); the embedded dispatcher sets itself here while it runs.
        self.local_runner: LocalRunner | None = None
        self.liveness = Liveness()  # the process's loops report here; `/health` reads it

    # -- change notification ----------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        """`listener` is called after each commit that may have created due work."""
        self._listeners.append(listener)

    def subscribe_work(self, listener: Callable[[int], None]) -> None:
        """`listener(due_at)` is called with the earliest time (epoch ms) at which a
        commit made work due (a queued invocation, a timer); 0 when that is unknown or
        now. Commits that made nothing due do not call it: a dispatcher that knows when
        its next work is due need not look for more on every commit."""
        self._work_listeners.append(listener)

    def subscribe_ended(self, listener: Callable[[Execution], None]) -> None:
        """`listener(execution)` is called with each execution that a commit of this
        process ended, as committed, just after the commit and under the execution's
        lock (so it must only take note). Waiters for an end learn it without reading
        the row again, and only the waiters of that execution wake."""
        self._end_listeners.append(listener)

    def notify(self, due_at: int | None = 0) -> None:
        """Tell the listeners a commit happened. `due_at`: the earliest time the work it
        made becomes due, None if it made none, 0 (the default) to have them look."""
        for listener in self._listeners:
            listener()
        if due_at is not None:
            self.announce_due(due_at)

    def announce_due(self, due_at: int) -> None:
        """Tell only the work listeners that work falls due at `due_at` (0: look now)."""
        for work_listener in self._work_listeners:
            work_listener(due_at)

    def durable_config(self, function_name: str) -> DurableConfig:
        """The config a new execution of `function_name` starts with: the function's
        own values, the settings' defaults for what it leaves unset."""
        own = self._configs(function_name)
        defaults = self.settings.default_durable_config
        return defaults if own is None else own.or_else(defaults)

    # -- state ------------------------------------------------------------------------

    def now(self) -> int:
        return self.clock.now_ms()

    def load(self, arn: str) -> tuple[int, ExecutionState]:
        """The execution's row version and state, from the cache while the row version
        matches. Call it under `locked(arn)` to read the state it returns."""
        cached = self._cached(arn)
        if cached is not None:
            version = self.store.row_version(arn)
            if version == cached[0]:
                self._touch(arn)
                return cached
        loaded = self.store.load(arn)
        if loaded is None:
            raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
        self.remember(arn, loaded)
        return loaded

    def cached_execution(self, arn: str) -> Execution | None:
        """The execution as this process last committed or read it, if cached (None
        otherwise). Without the lock, and possibly behind what another process has
        committed since: for a waiter that learns this process's changes from its
        notices and reads the store for the rest."""
        cached = self._cached(arn)
        return None if cached is None else cached[1].record.execution

    def _cached(self, arn: str) -> tuple[int, ExecutionState] | None:
        with self._cache_lock:
            return self._cache.get(arn)

    def _touch(self, arn: str) -> None:
        with self._cache_lock:
            if arn in self._cache:
                self._cache.move_to_end(arn)

    def remember(self, arn: str, entry: tuple[int, ExecutionState]) -> None:
        """Cache `entry` (row version, state) for `arn`, evicting the least recently used."""
        with self._cache_lock:
            self._cache[arn] = entry
            self._cache.move_to_end(arn)
            while len(self._cache) > self.settings.cache_size:
                self._cache.popitem(last=False)

    def adopt(self, arn: str, state: ExecutionState) -> None:
        """Cache a just-created execution at version 1, unless another thread has
        already loaded it from the store: that one cannot be older."""
        with self._cache_lock:
            if arn in self._cache:
                return
        self.remember(arn, (1, state))

    def transact(
        self,
        arn: str,
        decide: Decision,
        children: Callable[[Transition], Sequence[tuple[ExecutionState, Transition]]] | None = None,
        lease: Callable[[], tuple[str, int]] | None = None,
        reply: Callable[[], SavedReply | None] | None = None,
    ) -> tuple[ExecutionState, Transition | None]:
        """Load, decide, commit; retry the decision if another writer got in first.
        `lease` gives the invocation lease to set in the same commit, `reply` the
        answer to save with it (asked after each decision).

        A cached state is decided on without asking the store for its row version
        first: the commit is guarded by that version, so a stale cache can only cost a
        retry. A decision that commits nothing (None, or an error) is trusted only
        once the version has been checked. Runs under `arn`'s lock, so the decisions
        of this process on one execution take turns and those on others do not wait."""
        with self.locked(arn):
            for _ in range(20):
                cached = self._cached(arn)
                if cached is None:
                    version, state = self.load(arn)
                else:
                    version, state = cached
                try:
                    transition = decide(state)
                except Exception:
                    if cached is not None and self._stale(arn, version):
                        continue
                    raise
                if transition is None:
                    if cached is not None:
                        if self._stale(arn, version):
                            continue
                        self._touch(arn)
                    return state, None
                kids = children(transition) if children else ()
                try:
                    new_version = self.store.commit(
                        arn,
                        version,
                        transition,
                        kids,
                        lease() if lease else None,
                        reply() if reply else None,
                    )
                except StaleStateError:
                    self.forget(arn)
                    continue
                running = state.record.execution.status not in TERMINAL_EXECUTION_STATUSES
                state.apply(transition)
                self.remember(arn, (new_version, state))
                for kid_state, kid_transition in kids:
                    kid_state.apply(kid_transition)
                    self.adopt(kid_state.record.execution.arn, kid_state)
                execution = transition.record.execution
                if running and execution.status in TERMINAL_EXECUTION_STATUSES:
                    for listener in self._end_listeners:
                        listener(execution)
                return state, transition
            raise StaleStateError(arn)

    def _stale(self, arn: str, version: int) -> bool:
        """Whether the cached state of `arn` is behind the store (and drop it if so)."""
        if self.store.row_version(arn) == version:
            return False
        self.forget(arn)
        return True

    def forget(self, arn: str) -> None:
        with self._cache_lock:
            self._cache.pop(arn, None)

    # -- ids --------------------------------------------------------------------------

    @staticmethod
    def new_token() -> str:
        return _ids.checkpoint_token()

    @staticmethod
    def new_callback_id() -> str:
        return _ids.callback_id()

    @staticmethod
    def new_request_id() -> str:
        return _ids.request_id()
