"""The Store contract: what every backend must do, run against each backend.

A backend adds one fixture parameter and must pass the same tests; the PostgreSQL ones
run on a fresh database cloned from a migrated template (tests/postgres_databases.py).
The tests drive the store with transitions made by the real engine, so they check the
storage port in the terms the service uses it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from perdure._engine.checkpoint import Minted, checkpoint_transition
from perdure._engine.invocations import begin_invocation, start_and_begin
from perdure._engine.lifecycle import start_execution
from perdure._engine.timers import fire_timer
from perdure._model import Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._model.enums import OperationAction, OperationType
from perdure._model.operations import CallbackOptions, OperationUpdate, WaitOptions
from perdure._model.state import ExecutionState, InvocationState, TimerKind, Transition
from perdure._store.postgres import PostgresStore
from perdure._store.sqlite import SqliteStore
from perdure._store.store import (
    CopyConflictError,
    ExecutionQuery,
    SavedReply,
    StaleStateError,
    Store,
)

NOW = 1_700_000_000_000
DAY_MS = 86_400_000


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens a store on the test's database; several may share it, like processes do."""
    opened: list[Store] = []

    def opener() -> Store:
        backend: Store
        if request.param == "postgres":
            backend = PostgresStore(request.getfixturevalue("postgres_url"))
        else:
            backend = SqliteStore(str(tmp_path / "contract.db"))
        opened.append(backend)
        return backend

    yield opener
    for backend in opened:
        backend.close()


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    return open_store()


@pytest.fixture
def other_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second, empty database of the same backend as `store`."""
    backend: Store
    if "postgres" in request.node.callspec.id:
        databases = request.getfixturevalue("postgres_databases")
        url = databases.clone()
        backend = PostgresStore(url)
        yield backend
        backend.close()
        databases.drop(url)
    else:
        backend = SqliteStore(str(tmp_path / "other.db"))
        yield backend
        backend.close()


def new_execution(
    name: str,
    *,
    function: str = "f",
    start: int = NOW,
    retention_days: int = 14,
    sync_invoke: bool = False,
) -> Execution:
    return Execution(
        arn=f"arn:aws:lambda:us-east-1:000000000000:function:{function}:$LATEST/durable-execution/{name}/id-{name}",
        execution_id=f"id-{name}",
        name=name,
        function_name=function,
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=start,
        input_payload='{"n": 1}',
        execution_timeout=60,
        retention_days=retention_days,
        sync_invoke=sync_invoke,
    )


def create(store: Store, name: str, **kw: object) -> ExecutionState:
    ex = new_execution(name, **kw)  # type: ignore[arg-type]
    state, transition = start_execution(ex, ex.start_timestamp)
    assert store.create_execution(state, transition)
    state.apply(transition)
    return state


def test_creating_twice_with_one_name_is_refused(store: Store) -> None:
    create(store, "a")
    ex = new_execution("a")
    state, transition = start_execution(ex, NOW)
    assert store.create_execution(state, transition) is False
    found = store.find_by_name("f", "a")
    assert found is not None and found.arn == ex.arn


def test_a_loaded_execution_equals_what_was_written(store: Store) -> None:
    written = create(store, "a")
    loaded = store.load(written.record.execution.arn)
    assert loaded is not None
    version, state = loaded
    assert version == 1
    assert state.record == written.record
    assert state.ops == written.ops
    assert state.timers == written.timers


def test_a_commit_at_a_stale_version_is_refused_and_changes_nothing(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    transition = fire_timer(state, "id-a", TimerKind.EXECUTION_TIMEOUT, NOW + 61_000)
    assert transition is not None
    assert store.commit(arn, 1, transition) == 2
    with pytest.raises(StaleStateError):
        store.commit(arn, 1, transition)
    loaded = store.load(arn)
    assert loaded is not None
    assert loaded[1].record.execution.status is ExecutionStatus.TIMED_OUT


def test_history_pages_forward_and_backward(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    transition = fire_timer(state, "id-a", TimerKind.EXECUTION_TIMEOUT, NOW + 61_000)
    assert transition is not None
    store.commit(arn, 1, transition)
    forward = store.events(arn, 0, 10, False)
    assert [e.event_id for e in forward] == [1, 2]
    assert [e.event_id for e in store.events(arn, 1, 10, False)] == [2]
    assert [e.event_id for e in store.events(arn, 0, 10, True)] == [2, 1]
    assert [e.event_id for e in store.events(arn, 2, 10, True)] == [1]


def test_due_timers_come_earliest_first_and_only_when_due(store: Store) -> None:
    create(store, "late", start=NOW + 5_000)
    create(store, "early", start=NOW)
    assert store.due_timers(NOW + 10_000, 10) == []
    due = store.due_timers(NOW + 70_000, 10)
    assert [d.arn.split("/")[-2] for d in due] == ["early", "late"]
    assert store.next_wakeup() == NOW  # both first invocations are queued now


def test_queued_invocations_are_offered_until_claimed(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    assert store.due_invocations(NOW, 10) == [arn]
    running = dataclasses.replace(
        state.record, invocation=InvocationState.RUNNING, request_id="r1", token="t"
    )
    store.commit(arn, 1, Transition(record=running))
    assert store.due_invocations(NOW, 10) == []
    store.lease(arn, "w1", NOW + 1_000)
    assert store.expired_leases(NOW + 2_000, 10) == [arn]
    assert store.expired_leases(NOW + 500, 10) == []


def test_an_execution_created_with_its_first_invocation_claimed_is_leased(store: Store) -> None:
    ex = new_execution("a")
    begun = start_and_begin(ex, NOW, "tok", "req-1")
    assert begun is not None
    state, transition, inp = begun
    assert store.create_execution(state, transition, lease=("w1", NOW + 1_000))
    arn = ex.arn
    assert inp.checkpoint_token == "tok" and inp.updated_operation_ids == [ex.execution_id]
    assert store.due_invocations(NOW, 10) == []  # claimed: not offered to anyone
    assert store.lease_owners() == ["w1"]
    assert store.leases_held_by("w1", 10) == [arn]
    assert store.expired_leases(NOW + 500, 10) == []
    assert store.expired_leases(NOW + 2_000, 10) == [arn]
    loaded = store.load(arn)
    assert loaded is not None
    version, stored = loaded
    assert version == 1
    assert stored.record.invocation is InvocationState.RUNNING
    assert stored.record.request_id == "req-1" and stored.record.token == "tok"
    assert [e.event_type.value for e in store.events(arn, 0, 10, False)] == ["ExecutionStarted"]
    assert store.renew_lease(arn, "req-1", "w1", NOW + 5_000)


def test_a_claimed_creation_under_a_taken_name_writes_nothing(store: Store) -> None:
    create(store, "a")
    begun = start_and_begin(new_execution("a"), NOW, "tok", "req-1")
    assert begun is not None
    state, transition, _ = begun
    assert store.create_execution(state, transition, lease=("w1", NOW + 1_000)) is False
    assert store.lease_owners() == []


def test_listing_filters_by_status_name_and_time_newest_first(store: Store) -> None:
    create(store, "a", start=NOW)
    create(store, "b", start=NOW + 1)
    create(store, "c", function="other")
    listed = store.list_executions(ExecutionQuery(function_name="f"))
    assert [e.name for e in listed] == ["b", "a"]
    oldest = store.list_executions(ExecutionQuery(function_name="f", oldest_first=True))
    assert [e.name for e in oldest] == ["a", "b"]
    assert [e.name for e in store.list_executions(ExecutionQuery("f", name="a"))] == ["a"]
    none = store.list_executions(ExecutionQuery("f", statuses=[ExecutionStatus.SUCCEEDED]))
    assert none == []
    page = store.list_executions(ExecutionQuery("f", limit=1, offset=1))
    assert [e.name for e in page] == ["a"]


def test_a_checkpoint_reply_is_saved_by_its_commit_for_retries(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    assert store.saved_reply(arn, "ct", "tok") is None
    begun = begin_invocation(state, NOW, "tok", "req-1")
    assert begun is not None
    store.commit(arn, 1, begun[0], reply=SavedReply("ct", "tok", '{"token": "n"}', NOW))
    assert store.saved_reply(arn, "ct", "tok") == '{"token": "n"}'
    assert store.saved_reply(arn, "ct", "other") is None


def test_a_refused_commit_saves_no_reply(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    store.commit(arn, 1, Transition(record=state.record))
    with pytest.raises(StaleStateError):
        store.commit(arn, 1, Transition(record=state.record), reply=SavedReply("ct", "t", "r", NOW))
    assert store.saved_reply(arn, "ct", "t") is None


def test_deleting_removes_the_execution_and_its_history(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    assert store.delete_execution(arn) is True
    assert store.load(arn) is None
    assert store.events(arn, 0, 10, False) == []
    assert store.delete_execution(arn) is False


def test_queued_invocations_can_be_offered_only_for_some_functions(store: Store) -> None:
    a = create(store, "a", function="f").record.execution.arn
    b = create(store, "b", function="g", start=NOW + 1).record.execution.arn
    assert store.due_invocations(NOW + 1, 10, ["g"]) == [b]
    assert store.due_invocations(NOW + 1, 10, ["f", "g"]) == [a, b]
    assert store.due_invocations(NOW + 1, 10, []) == []


def test_a_lease_is_renewed_only_for_the_invocation_still_running(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    running = dataclasses.replace(
        state.record, invocation=InvocationState.RUNNING, request_id="r1", token="t"
    )
    store.commit(arn, 1, Transition(record=running), lease=("w1", NOW + 1_000))
    assert store.renew_lease(arn, "r1", "w1", NOW + 5_000)
    assert store.expired_leases(NOW + 2_000, 10) == []
    assert not store.renew_lease(arn, "r0", "w1", NOW + 9_000)
    assert store.expired_leases(NOW + 6_000, 10) == [arn]


def test_lease_owners_and_their_leases_are_listed_while_invocations_run(store: Store) -> None:
    arns = []
    for name, owner in (("a", "w1"), ("b", "w1"), ("c", "w2")):
        state = create(store, name)
        arn = state.record.execution.arn
        running = dataclasses.replace(
            state.record, invocation=InvocationState.RUNNING, request_id=f"r-{name}", token="t"
        )
        store.commit(arn, 1, Transition(record=running), lease=(owner, NOW + 1_000))
        arns.append(arn)
    create(store, "queued")  # queued, never leased: no owner
    assert sorted(store.lease_owners()) == ["w1", "w2"]
    assert sorted(store.leases_held_by("w1", 10)) == sorted(arns[:2])
    assert store.leases_held_by("w1", 1)[0] in arns[:2]
    assert store.leases_held_by("w3", 10) == []


def test_of_two_processes_committing_at_one_version_exactly_one_wins(
    open_store: Callable[[], Store],
) -> None:
    first, second = open_store(), open_store()
    state = create(first, "a")
    arn = state.record.execution.arn
    transition = fire_timer(state, "id-a", TimerKind.EXECUTION_TIMEOUT, NOW + 61_000)
    assert transition is not None
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def race(backend: Store) -> None:
        start.wait()
        try:
            backend.commit(arn, 1, transition)
            outcomes.append("won")
        except StaleStateError:
            outcomes.append("stale")

    threads = [threading.Thread(target=race, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale", "won"]
    assert second.row_version(arn) == 2
    assert [e.event_id for e in first.events(arn, 0, 10, False)] == [1, 2]


def test_stats_and_the_next_wakeup_follow_queued_running_and_timed_work(store: Store) -> None:
    state = create(store, "a")
    arn = state.record.execution.arn
    create(store, "b", start=NOW + 10)
    stats = store.stats(NOW)
    assert stats.executions_by_status == {"RUNNING": 2}
    assert (stats.queued_invocations, stats.running_invocations) == (2, 0)
    assert (stats.due_timers, stats.expired_leases) == (0, 0)
    assert store.stats(NOW + 60_000).due_timers == 1  # a's execution timeout
    running = dataclasses.replace(
        state.record, invocation=InvocationState.RUNNING, request_id="r1", token="t"
    )
    store.commit(arn, 1, Transition(record=running), lease=("w1", NOW + 1_000))
    assert store.running_count() == 1
    assert store.next_wakeup() == NOW + 10  # b's queued invocation
    later = store.stats(NOW + 2_000)
    assert (later.queued_invocations, later.running_invocations) == (1, 1)
    assert later.expired_leases == 1


def test_a_saved_reply_is_replaced_and_old_ones_expire(store: Store) -> None:
    record = create(store, "a").record
    arn = record.execution.arn
    store.commit(arn, 1, Transition(record=record), reply=SavedReply("ct", "tok", "first", NOW))
    store.commit(arn, 2, Transition(record=record), reply=SavedReply("ct", "tok", "second", NOW))
    assert store.saved_reply(arn, "ct", "tok") == "second"
    later = SavedReply("ct2", "tok", "later", NOW + 16 * 60 * 1000)
    store.commit(arn, 3, Transition(record=record), reply=later)
    assert store.saved_reply(arn, "ct", "tok") is None
    assert store.saved_reply(arn, "ct2", "tok") == "later"


def test_an_executions_retention_and_invocation_type_are_stored(store: Store) -> None:
    written = create(store, "a", retention_days=30, sync_invoke=True)
    loaded = store.load(written.record.execution.arn)
    assert loaded is not None
    execution = loaded[1].record.execution
    assert (execution.retention_days, execution.sync_invoke) == (30, True)
    found = store.get_execution(execution.arn)
    assert found is not None and found.retention_days == 30


def end_by_timeout(store: Store, state: ExecutionState, reply: SavedReply | None = None) -> int:
    """End `state`'s execution (TIMED_OUT), saving `reply` with it; when it ended."""
    ended = NOW + 61_000
    transition = fire_timer(
        state, state.record.execution.execution_id, TimerKind.EXECUTION_TIMEOUT, ended
    )
    assert transition is not None
    store.commit(state.record.execution.arn, 1, transition, reply=reply)
    return ended


def test_pruning_deletes_executions_ended_longer_ago_than_their_retention(store: Store) -> None:
    short = create(store, "short", retention_days=1)
    long = create(store, "long", retention_days=3)
    running = create(store, "running", retention_days=1)
    ended = end_by_timeout(store, short, SavedReply("ct", "tok", "reply", NOW + 61_000))
    end_by_timeout(store, long)
    short_arn, long_arn = short.record.execution.arn, long.record.execution.arn

    assert store.prune_ended(ended + DAY_MS - 1, 10) == []
    assert store.prune_ended(ended + DAY_MS, 10) == [short_arn]
    assert store.load(short_arn) is None
    assert store.get_execution(short_arn) is None
    assert store.events(short_arn, 0, 10, False) == []
    assert store.saved_reply(short_arn, "ct", "tok") is None
    assert store.find_by_name("f", "short") is None  # the name may be used again

    assert store.prune_ended(ended + 2 * DAY_MS, 10) == []
    assert store.load(long_arn) is not None
    assert store.prune_ended(ended + 3 * DAY_MS, 10) == [long_arn]
    # An execution that has not ended is never pruned, however old.
    assert store.prune_ended(ended + 365 * DAY_MS, 10) == []
    assert store.load(running.record.execution.arn) is not None


def test_pruning_takes_the_longest_ended_first_and_at_most_the_limit(store: Store) -> None:
    first = create(store, "first", retention_days=1)
    second = create(store, "second", retention_days=1, start=NOW + 1_000)
    end_by_timeout(store, first)
    transition = fire_timer(second, "id-second", TimerKind.EXECUTION_TIMEOUT, NOW + 62_000)
    assert transition is not None
    store.commit(second.record.execution.arn, 1, transition)
    later = NOW + 10 * DAY_MS
    assert store.prune_ended(later, 1) == [first.record.execution.arn]
    assert store.prune_ended(later, 1) == [second.record.execution.arn]
    assert store.prune_ended(later, 1) == []


def test_function_configs_are_registered_replaced_and_read_back(store: Store) -> None:
    assert store.function_config("f") is None
    store.save_function_configs({"f": DurableConfig(60, 3), "g": DurableConfig(None, 7)}, NOW)
    assert store.function_config("f") == DurableConfig(60, 3)
    assert store.function_config("g") == DurableConfig(None, 7)
    store.save_function_configs({"f": DurableConfig()}, NOW + 1)
    assert store.function_config("f") == DurableConfig()
    assert store.function_config("g") == DurableConfig(None, 7)


def suspend_on_a_wait_and_a_callback(store: Store, name: str) -> ExecutionState:
    """An execution whose invocation ran a step, started a wait and a callback and is
    still running under a lease: a row in every table an execution has."""
    state = create(store, name)
    arn = state.record.execution.arn
    begun = begin_invocation(state, NOW, f"tok-{name}-1", f"req-{name}")
    assert begun is not None
    store.commit(arn, 1, begun[0], lease=("worker-1", NOW + 30_000))
    state.apply(begun[0])
    updates = [
        OperationUpdate("s1", OperationType.STEP, OperationAction.START, name="charge"),
        OperationUpdate(
            "s1", OperationType.STEP, OperationAction.SUCCEED, name="charge", payload='"ok"'
        ),
        OperationUpdate(
            "w1", OperationType.WAIT, OperationAction.START, wait_options=WaitOptions(60)
        ),
        OperationUpdate(
            "c1",
            OperationType.CALLBACK,
            OperationAction.START,
            name="approval",
            callback_options=CallbackOptions(timeout_seconds=300, heartbeat_timeout_seconds=30),
        ),
    ]
    minted = Minted(callback_ids={"c1": f"cb-{name}"})
    transition = checkpoint_transition(state, updates, NOW + 1, f"tok-{name}-2", minted)
    saved = SavedReply("client-1", f"tok-{name}-1", '{"CheckpointToken": "t"}', NOW + 1)
    store.commit(arn, 2, transition, reply=saved)
    state.apply(transition)
    return state


def test_exported_executions_import_unchanged_into_another_database_unleased(
    store: Store, other_store: Store
) -> None:
    running = suspend_on_a_wait_and_a_callback(store, "running")
    arn = running.record.execution.arn
    queued = create(store, "queued", start=NOW + 5)
    exported = store.export_executions("", 10)
    assert [rows.execution_id for rows in exported] == ["id-queued", "id-running"]
    counts = exported[1].row_counts()
    assert counts["operations"] == 4  # the execution's own, the step, the wait, the callback
    # Timers: the execution's timeout, the wait's end, the callback's timeout and heartbeat.
    assert (counts["timers"], counts["callbacks"], counts["checkpoint_replies"]) == (4, 1, 1)

    assert other_store.import_executions(exported) == ["id-queued", "id-running"]

    assert other_store.export_executions("", 10) == exported
    copied = other_store.load(arn)
    assert copied is not None and copied == store.load(arn)
    assert other_store.events(arn, 0, 100, False) == store.events(arn, 0, 100, False)
    assert other_store.resolve_callback("cb-running") == store.resolve_callback("cb-running")
    assert other_store.saved_reply(arn, "client-1", "tok-running-1") is not None
    assert store.lease_owners() == ["worker-1"]
    assert other_store.lease_owners() == []  # unleased: a destination process takes it up
    assert other_store.expired_leases(NOW, 10) == [arn]
    assert other_store.due_invocations(NOW + 5, 10) == [queued.record.execution.arn]
    assert other_store.row_counts() == store.row_counts()


def test_executions_are_exported_in_pages_after_the_last_id_seen(store: Store) -> None:
    for name in ("c", "a", "b"):
        create(store, name)
    first = store.export_executions("", 2)
    assert [rows.execution_id for rows in first] == ["id-a", "id-b"]
    rest = store.export_executions(first[-1].execution_id, 2)
    assert [rows.execution_id for rows in rest] == ["id-c"]
    assert store.export_executions("id-c", 2) == []


def test_importing_an_execution_already_there_is_refused_or_skipped(
    store: Store, other_store: Store
) -> None:
    create(store, "a")
    exported = store.export_executions("", 10)
    other_store.import_executions(exported)
    create(store, "b")
    both = store.export_executions("", 10)
    with pytest.raises(CopyConflictError, match="already in the destination"):
        other_store.import_executions(both)
    assert other_store.row_counts().tables["executions"] == 1  # the batch wrote nothing
    assert other_store.import_executions(both, skip_existing=True) == ["id-b"]
    assert other_store.row_counts() == store.row_counts()


def test_importing_a_different_execution_with_a_name_in_use_is_refused(
    store: Store, other_store: Store
) -> None:
    create(store, "a")
    create(other_store, "a")
    exported = store.export_executions("", 10)
    renamed = dataclasses.replace(
        exported[0], execution=("id-other", "arn-other", *exported[0].execution[2:])
    )
    with pytest.raises(CopyConflictError, match="different execution"):
        other_store.import_executions([renamed], skip_existing=True)


def test_row_counts_count_every_table_and_every_commit(store: Store) -> None:
    empty = store.row_counts()
    assert set(empty.tables.values()) == {0} and empty.versions == 0
    suspend_on_a_wait_and_a_callback(store, "a")
    store.save_function_configs({"f": DurableConfig(60, 3)}, NOW)
    counts = store.row_counts()
    assert counts.tables == {
        "executions": 1,
        "operations": 4,
        "events": 5,
        "timers": 4,
        "callbacks": 1,
        "checkpoint_replies": 1,
        "function_configs": 1,
    }
    assert counts.versions == 3


def test_imported_function_configs_replace_only_older_ones(
    store: Store, other_store: Store
) -> None:
    store.save_function_configs({"f": DurableConfig(60, 3), "g": DurableConfig(None, 7)}, NOW)
    other_store.save_function_configs({"f": DurableConfig(10, 1)}, NOW - 1)
    other_store.save_function_configs({"g": DurableConfig(20, 2)}, NOW + 1)
    exported = store.export_function_configs()
    assert exported == [("f", 60, 3, NOW), ("g", None, 7, NOW)]
    other_store.import_function_configs(exported)
    assert other_store.function_config("f") == DurableConfig(60, 3)
    assert other_store.function_config("g") == DurableConfig(20, 2)  # registered later there


def test_each_commit_leaves_the_row_as_the_engine_decided_seen_from_another_process(
    open_store: Callable[[], Store],
) -> None:
    """Commits set only the columns that changed since the version they are made at (on
    SQLite): whatever each sets, and whichever process made the commit before it, the
    row another process reads is the whole record decided."""
    first, second = open_store(), open_store()
    state = create(first, "a")
    arn = state.record.execution.arn
    begun = begin_invocation(state, NOW, "tok-1", "req-1")
    assert begun is not None
    version = first.commit(arn, 1, begun[0], lease=("w", NOW + 30_000))
    state.apply(begun[0])
    updates = [
        (first, OperationAction.START, "s1"),
        (second, OperationAction.SUCCEED, "s1"),
        (first, OperationAction.START, "s2"),  # made at a version `first` did not write
        (first, OperationAction.SUCCEED, "s2"),
    ]
    for n, (writer, action, op_id) in enumerate(updates, start=2):
        update = OperationUpdate(op_id, OperationType.STEP, action, name=op_id, payload="1")
        transition = checkpoint_transition(state, [update], NOW + n, f"tok-{n}", Minted())
        version = writer.commit(arn, version, transition)
        state.apply(transition)
        reader = second if writer is first else first
        loaded = reader.load(arn)
        assert loaded is not None and loaded[0] == version
        assert loaded[1].record == transition.record
        assert loaded[1].ops == state.ops
