"""Operations through the handler wrapper against a recording client: what is
checkpointed, what replay returns, and how failures surface."""

from __future__ import annotations

import json
from typing import Any

from perdure import (
    CompletionConfig,
    DurableContext,
    Duration,
    MapConfig,
    ParallelBranch,
    RetryPresets,
    StepConfig,
    WaitForConditionConfig,
    WaitForConditionDecision,
    WithRetryConfig,
    durable_execution,
    durable_step,
    with_retry,
)
from perdure._model import OperationStatus, OperationType
from perdure._sdk.identifier import operation_id
from perdure.errors import StepError
from tests.unit.sdk_core._recording import RecordingService


def test_step_result_replays_without_running_body() -> None:
    calls: list[int] = []

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        def once(s: Any) -> dict[str, int]:
            calls.append(1)
            return {"n": 1}

        value = ctx.step(once, name="once")
        ctx.wait(Duration(1))
        return value

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    svc.fire_timers()
    assert svc.run(handler) == {"Status": "SUCCEEDED", "Result": '{"n": 1}'}
    assert calls == [1]


def test_step_retry_then_failure_is_step_error() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        try:
            ctx.step(
                _boom,
                name="flaky",
                config=StepConfig(retry_strategy=RetryPresets.fixed(Duration(2))),
            )
        except StepError as exc:
            return {"type": exc.error_type, "msg": exc.message}
        return "unreachable"

    svc = RecordingService()
    for _ in range(4):
        assert svc.run(handler) == {"Status": "PENDING"}
        svc.fire_timers()
    out = svc.run(handler)
    assert json.loads(out["Result"]) == {"type": "ValueError", "msg": "boom"}
    actions = [a for t, a, _ in svc.flat_updates() if t == "STEP"]
    assert actions.count("RETRY") == 4 and actions[-1] == "FAIL"


def _boom(step_ctx: Any) -> None:
    raise ValueError("boom")


def test_decorated_step_is_named_after_function() -> None:
    @durable_step
    def add(step_ctx: Any, a: int, b: int) -> int:
        return a + b

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        return ctx.step(add(1, 2)) + ctx.step(lambda s: 0)

    svc = RecordingService()
    assert svc.run(handler)["Result"] == "3"
    names = [n for t, a, n in svc.flat_updates() if a == "START"]
    assert names == ["add", None]


def test_renamed_step_on_replay_is_non_deterministic() -> None:
    state = {"name": "first"}

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        ctx.step(lambda s: 1, name=state["name"])
        ctx.wait(Duration(1))
        return "ok"

    svc = RecordingService()
    svc.run(handler)
    svc.fire_timers()
    state["name"] = "renamed"
    out = svc.run(handler)
    assert out["Status"] == "FAILED"
    assert out["Error"]["ErrorType"] == "perdure.exceptions.NonDeterministicExecutionError"
    assert "name checkpoint='first' current='renamed'" in out["Error"]["ErrorMessage"]


def test_callback_result_is_raw_string() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        cb = ctx.create_callback(name="approve")
        return {"id": cb.callback_id, "result": cb.result()}

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    svc.complete_callback(operation_id(None, 1), '{"approved": true}')
    out = json.loads(svc.run(handler)["Result"])
    assert out["result"] == '{"approved": true}'


def test_wait_for_callback_runs_submitter_in_a_step() -> None:
    seen: list[str] = []

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        return ctx.wait_for_callback(lambda cid, c: seen.append(cid), name="ext")

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    starts = [(t, n) for t, a, n in svc.flat_updates() if a == "START"]
    assert starts == [
        ("CONTEXT", "ext"),
        ("CALLBACK", "ext create callback id"),
        ("STEP", "ext submitter"),
    ]
    cb = next(o for o in svc.ops.values() if o.operation_type is OperationType.CALLBACK)
    svc.complete_callback(cb.operation_id, "yes")
    assert svc.run(handler) == {"Status": "SUCCEEDED", "Result": '"yes"'}
    assert len(seen) == 1


def test_wait_for_condition_polls_with_state_in_payload() -> None:
    config = WaitForConditionConfig(
        wait_strategy=lambda s, attempt: (
            WaitForConditionDecision.stop_polling()
            if s >= 3
            else WaitForConditionDecision.continue_waiting(Duration(1))
        ),
        initial_state=0,
    )

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        return ctx.wait_for_condition(lambda s, c: s + 1, config=config, name="poll")

    svc = RecordingService()
    for _ in range(2):
        assert svc.run(handler) == {"Status": "PENDING"}
        svc.fire_timers()
    assert svc.run(handler) == {"Status": "SUCCEEDED", "Result": "3"}


def test_invoke_suspends_until_target_finishes() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        return ctx.invoke("other-fn", {"x": 1}, name="call")

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    (start,) = [u for b in svc.batches for u in b]
    assert start.payload == '{"x": 1}'
    assert start.chained_invoke_options is not None
    assert start.chained_invoke_options.function_name == "other-fn"


def test_map_default_is_fail_fast_and_never_raises() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        def item(c: DurableContext, x: int, i: int, xs: Any) -> int:
            return c.step(
                lambda s: _fail_on_two(x), config=StepConfig(retry_strategy=RetryPresets.none())
            )

        result = ctx.map([1, 2, 3], item, name="m", config=MapConfig(max_concurrency=1))
        return {"reason": result.completion_reason.value, "n": result.total_count}

    svc = RecordingService()
    out = json.loads(svc.run(handler)["Result"])
    assert out == {"reason": "FAILURE_TOLERANCE_EXCEEDED", "n": 2}


def _fail_on_two(x: int) -> int:
    if x == 2:
        raise ValueError("bad item")
    return x * 10


def test_map_all_completed_collects_typed_errors() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        def item(c: DurableContext, x: int, i: int, xs: Any) -> int:
            return c.step(
                lambda s: _fail_on_two(x), config=StepConfig(retry_strategy=RetryPresets.none())
            )

        config: MapConfig[int] = MapConfig(completion_config=CompletionConfig.all_completed())
        result = ctx.map([1, 2, 3], item, config=config)
        return {
            "results": result.get_results(),
            "errors": [e.type for e in result.get_errors()],
        }

    svc = RecordingService()
    out = json.loads(svc.run(handler)["Result"])
    assert out == {"results": [10, 30], "errors": ["perdure.exceptions.StepError"]}
    # replay returns the recorded BatchResult
    assert json.loads(svc.run(handler)["Result"]) == out


def test_parallel_branch_names_and_waves() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        def waits(c: Any) -> str:
            c.wait(Duration(1))
            return "w"

        result = ctx.parallel([waits, ParallelBranch(lambda c: "b", name="B")], name="p")
        return result.get_results()

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    names = {n for t, a, n in svc.flat_updates() if t == "CONTEXT" and a == "START"}
    assert names == {"p", "parallel-branch-0", "B"}
    svc.fire_timers()
    assert json.loads(svc.run(handler)["Result"]) == ["w", "b"]


def test_with_retry_waits_between_attempts() -> None:
    attempts: list[int] = []

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        def block(c: Any, attempt: int) -> int:
            attempts.append(attempt)
            if attempt < 2:
                raise RuntimeError("again")
            return attempt

        return with_retry(
            ctx, block, WithRetryConfig(retry_strategy=RetryPresets.fixed(Duration(1))), name="blk"
        )

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    svc.fire_timers()
    assert svc.run(handler)["Result"] == "2"
    waits = [n for t, a, n in svc.flat_updates() if t == "WAIT"]
    assert waits == ["blk-backoff-1"]


def test_large_child_result_is_summarised_and_replayed_from_children() -> None:
    big = "x" * (300 * 1024)

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        value = ctx.run_in_child_context(lambda c: c.step(lambda s: big), name="big")
        ctx.wait(Duration(1))
        return len(value)

    svc = RecordingService()
    assert svc.run(handler) == {"Status": "PENDING"}
    child = svc.ops[operation_id(None, 1)]
    assert child.status is OperationStatus.SUCCEEDED
    assert child.context_details is not None and child.context_details.replay_children
    assert child.context_details.result == ""
    svc.fire_timers()
    assert svc.run(handler)["Result"] == str(len(big))


def test_input_payload_and_logs_are_suppressed_on_replay() -> None:
    records: list[dict[str, Any]] = []

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        ctx.logger.info("before")
        ctx.step(lambda s: 1)
        ctx.wait(Duration(1))
        ctx.logger.info("after")
        return event

    svc = RecordingService(input_payload='{"order": 7}')
    invocation = svc.invocation()
    object.__setattr__(invocation, "log_sink", records.append)
    assert handler(invocation, None) == {"Status": "PENDING"}
    svc.fire_timers()
    invocation = svc.invocation()
    object.__setattr__(invocation, "log_sink", records.append)
    assert handler(invocation, None)["Result"] == '{"order": 7}'
    assert [r["message"] for r in records] == ["before", "after"]
