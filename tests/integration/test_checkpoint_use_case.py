"""The checkpoint use case over a real SQLite store: the identifiers a batch needs are
minted before the decision and are the ones recorded, a chained invoke's target function
is checked before the engine decides, a stale token is still reported first, a retry
gets the answer its first attempt's commit saved, and threads checkpointing different
executions at once lose nothing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from perdure._app import open_store
from perdure._model import (
    CallbackOptions,
    ChainedInvokeOptions,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from perdure._service import checkpoint, invocations, queries, start
from perdure._service.context import ServiceContext
from perdure._store.store import Store
from perdure.errors import INVALID_CHECKPOINT_TOKEN_PREFIX, InvalidParameterValueError

A = OperationAction
T = OperationType
REGISTERED = {"parent", "child"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    backend = open_store(str(tmp_path / "perdure.db"), synchronous="OFF")
    yield backend
    backend.close()


@pytest.fixture
def ctx(store: Store) -> ServiceContext:
    return ServiceContext(store, functions=REGISTERED.__contains__)


def claimed(ctx: ServiceContext) -> tuple[str, str]:
    """A started execution of `parent` whose invocation is claimed: ARN and token."""
    arn = start.start_execution(ctx, "parent", "{}").arn
    got = invocations.claim_invocation(ctx, arn, "worker-1", 30_000)
    assert got is not None
    return arn, got[1].checkpoint_token


def invoke(function_name: str) -> OperationUpdate:
    return OperationUpdate(
        "i",
        T.CHAINED_INVOKE,
        A.START,
        payload='{"n": 1}',
        chained_invoke_options=ChainedInvokeOptions(function_name),
    )


def test_a_callback_gets_the_id_minted_for_it_and_the_response_carries_it(
    ctx: ServiceContext,
) -> None:
    arn, token = claimed(ctx)
    update = OperationUpdate("c", T.CALLBACK, A.START, callback_options=CallbackOptions(60))
    reply = checkpoint.checkpoint(ctx, arn, token, [update])
    sent = next(op for op in reply.operations if op.operation_id == "c")
    assert sent.callback_details is not None and sent.callback_details.callback_id
    ctx.forget(arn)
    _, stored = ctx.load(arn)
    assert stored.ops["c"].callback_details == sent.callback_details


def test_a_chained_invoke_starts_the_child_recorded_in_its_event(ctx: ServiceContext) -> None:
    arn, token = claimed(ctx)
    checkpoint.checkpoint(ctx, arn, token, [invoke("child:$LATEST")])
    started_event = next(
        e for e in ctx.store.events(arn, 0, 100, reverse=False) if e.operation_id == "i"
    )
    child_arn = started_event.details["DurableExecutionArn"]
    child = queries.get_execution(ctx, child_arn)
    assert (child.function_name, child.input_payload) == ("child", '{"n": 1}')
    assert (child.parent_arn, child.parent_operation_id) == (arn, "i")
    assert child_arn.endswith(f"/durable-execution/{child.execution_id}/{child.execution_id}")


def test_a_chained_invoke_of_an_unregistered_function_is_refused_and_changes_nothing(
    ctx: ServiceContext,
) -> None:
    arn, token = claimed(ctx)
    with pytest.raises(InvalidParameterValueError, match="Function not found: nobody"):
        checkpoint.checkpoint(ctx, arn, token, [invoke("nobody")])
    ctx.forget(arn)
    _, state = ctx.load(arn)
    assert "i" not in state.ops
    assert state.record.token == token  # the invocation may go on checkpointing


def test_a_stale_token_is_reported_before_an_unregistered_function(ctx: ServiceContext) -> None:
    arn, _ = claimed(ctx)
    with pytest.raises(InvalidParameterValueError) as caught:
        checkpoint.checkpoint(ctx, arn, "0" * 32, [invoke("nobody")])
    assert caught.value.message.startswith(INVALID_CHECKPOINT_TOKEN_PREFIX)


def step(op_id: str) -> list[OperationUpdate]:
    return [
        OperationUpdate(op_id, T.STEP, A.START, name="s"),
        OperationUpdate(op_id, T.STEP, A.SUCCEED, name="s", payload="1"),
    ]


def test_a_retried_checkpoint_gets_the_answer_its_commit_saved(ctx: ServiceContext) -> None:
    arn, token = claimed(ctx)
    first = checkpoint.checkpoint(ctx, arn, token, step("a"), client_token="ct-1")
    ctx.forget(arn)  # the retry is answered from the database, not this process's cache
    retried = checkpoint.checkpoint(ctx, arn, token, step("a"), client_token="ct-1")
    assert retried == first
    assert [op.operation_id for op in first.operations] == ["a"]
    assert [e.event_type.value for e in queries.all_events(ctx, arn)].count("StepSucceeded") == 1


def test_a_used_token_with_another_client_token_is_still_refused(ctx: ServiceContext) -> None:
    arn, token = claimed(ctx)
    checkpoint.checkpoint(ctx, arn, token, step("a"), client_token="ct-1")
    with pytest.raises(InvalidParameterValueError) as caught:
        checkpoint.checkpoint(ctx, arn, token, step("b"), client_token="ct-2")
    assert caught.value.message.startswith(INVALID_CHECKPOINT_TOKEN_PREFIX)


def test_threads_checkpointing_many_executions_at_once_lose_no_step(ctx: ServiceContext) -> None:
    executions = [claimed(ctx) for _ in range(6)]

    def run(arn: str, token: str) -> None:
        for i in range(20):
            answer = checkpoint.checkpoint(ctx, arn, token, step(f"s{i}"), client_token=f"c{i}")
            assert answer.checkpoint_token is not None
            token = answer.checkpoint_token

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda pair: run(*pair), executions))
    for arn, _ in executions:
        ctx.forget(arn)
        _, state = ctx.load(arn)
        assert [op for op in state.ops if op.startswith("s")] == [f"s{i}" for i in range(20)]
