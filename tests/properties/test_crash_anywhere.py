"""Property: killing invocations at arbitrary checkpoints changes nothing observable.

Hypothesis draws a handler program (steps, at-most-once steps, waits, callbacks, child
contexts, map and parallel) and a set of checkpoint calls at which the invocation dies,
either before its request reaches the service or after the service committed it but
before the handler saw the answer. The crashed execution must end with the same result,
the same operations and the same history (ignoring invocation boundaries) as an
uninterrupted run, and no at-most-once step body may run twice in one attempt.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perdure import DurableContext, StepConfig, durable_execution
from perdure._model import CheckpointResponse, OperationUpdate
from perdure._runtime.embedded_client import EmbeddedClient
from perdure.config import Duration, StepSemantics
from perdure.errors import ServiceError
from perdure.retries import RetryPresets
from perdure.testing import DurableTestRunner

Program = list[tuple[Any, ...]]

leaf = st.one_of(
    st.tuples(st.just("step"), st.integers(0, 99)),
    st.tuples(st.just("once"), st.integers(0, 99)),
    st.tuples(st.just("wait"), st.integers(1, 3600)),
    st.tuples(st.just("callback"), st.integers(0, 99)),
    st.tuples(st.just("map"), st.integers(0, 3)),
    st.tuples(st.just("parallel"), st.integers(1, 3)),
)
programs = st.recursive(
    st.lists(leaf, min_size=1, max_size=4),
    lambda inner: st.lists(
        st.one_of(leaf, st.tuples(st.just("child"), inner)), min_size=1, max_size=4
    ),
    max_leaves=8,
)

BODY_RUNS: Counter[tuple[str, int]] = Counter()
LOCK = threading.Lock()


def _run_body(key: str, attempt: int, value: int) -> int:
    with LOCK:
        BODY_RUNS[(key, attempt)] += 1
    return value


def interpret(program: Program, ctx: DurableContext, path: str) -> list[Any]:
    out: list[Any] = []
    for i, op in enumerate(program):
        key = f"{path}.{i}"
        kind = op[0]
        if kind == "step":
            out.append(ctx.step(lambda sc, k=key, v=op[1]: _run_body(k, sc.attempt, v), name=key))
        elif kind == "once":
            cfg = StepConfig(
                step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                retry_strategy=RetryPresets.fixed(Duration(1)),
            )
            out.append(
                ctx.step(
                    lambda sc, k=key, v=op[1]: _run_body(k, sc.attempt, v), name=key, config=cfg
                )
            )
        elif kind == "wait":
            ctx.wait(Duration(op[1]), name=key)
            out.append(None)
        elif kind == "callback":
            cb = ctx.create_callback(name=key)
            out.append(cb.result())
        elif kind == "map":
            res = ctx.map(
                list(range(op[1])),
                lambda c, item, idx, items, k=key: c.step(
                    lambda sc: _run_body(f"{k}.{idx}", sc.attempt, item), name="m"
                ),
                name=key,
            )
            out.append(res.get_results())
        elif kind == "parallel":
            branches = [
                (
                    lambda c, k=f"{key}.{b}", b=b: c.step(
                        lambda sc: _run_body(k, sc.attempt, b), name="p"
                    )
                )
                for b in range(op[1])
            ]
            out.append(ctx.parallel(branches, name=key).get_results())
        elif kind == "child":
            out.append(
                ctx.run_in_child_context(lambda c, p=op[1], k=key: interpret(p, c, k), name=key)
            )
    return out


@durable_execution
def program_handler(event: dict[str, Any], context: DurableContext) -> list[Any]:
    return interpret(PROGRAM[0], context, "r")


PROGRAM: list[Program] = [[]]
LAST_ARN: list[str] = [""]


class CrashingClient(EmbeddedClient):
    """Fails chosen checkpoint calls like a dying process: before or after the commit."""

    def __init__(self, inner: EmbeddedClient, crashes: dict[int, bool]) -> None:
        self._inner = inner
        self._crashes = dict(crashes)
        self._calls = 0
        self.fired = 0

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        self._calls += 1
        after = self._crashes.pop(self._calls, None)
        if after is not None:
            self.fired += 1
        if after is False:
            raise ServiceError("simulated crash before the request arrived")
        response = self._inner.checkpoint(
            durable_execution_arn, checkpoint_token, updates, client_token
        )
        if after is True:
            raise ServiceError("simulated crash after the commit")
        return response

    def get_execution_state(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.get_execution_state(*args, **kwargs)


def drive(runner: DurableTestRunner) -> tuple[str, Any, list[Any], list[Any]]:
    arn = runner.run_async({})
    LAST_ARN[0] = arn
    answered: set[str] = set()
    for _ in range(500):
        runner.wait_idle()
        ex = runner.get_execution(arn)
        if ex["Status"] != "RUNNING":
            break
        history = runner.get_execution_history(arn)
        pending = [
            e
            for e in history
            if e["EventType"] == "CallbackStarted"
            and e["CallbackStartedDetails"]["CallbackId"] not in answered
        ]
        if pending:
            cid = pending[0]["CallbackStartedDetails"]["CallbackId"]
            answered.add(cid)
            runner.send_callback_success(cid, f'"{pending[0]["Name"]}"'.encode())
            continue
        nxt = runner.next_timer_at()
        assert nxt is not None, "execution is stuck with nothing pending"
        runner.advance_to(nxt)
    result = runner.result(arn)
    ops = sorted(
        (o.operation_id, o.operation_type.value, o.name, o.parent_id, o.status.value)
        for o in result.operations
        if o.operation_type.value != "EXECUTION"
    )
    # Per operation, the sequence of its events. Branches of map and parallel interleave
    # freely, so only the order within each operation is meaningful. A retry after an
    # interrupted at-most-once attempt adds a StepFailed with a retry delay and another
    # StepStarted; those are dropped so the comparison is with an uninterrupted run.
    per_op: dict[str, list[str]] = {}
    for e in result.history:
        if e["EventType"] == "InvocationCompleted" or e["EventType"].startswith("Execution"):
            continue
        if e["EventType"] == "StepFailed" and "NextAttemptDelaySeconds" in e[
            "StepFailedDetails"
        ].get("RetryDetails", {}):
            continue
        seq = per_op.setdefault(f"{e['Id']}:{e.get('Name')}", [])
        if not seq or seq[-1] != e["EventType"]:
            seq.append(e["EventType"])
    return result.status, result.result, ops, sorted(per_op.items())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    program=programs,
    crashes=st.dictionaries(st.integers(1, 12), st.booleans(), max_size=3),
)
def test_crashing_at_any_checkpoint_gives_the_same_execution(
    program: Program, crashes: dict[int, bool]
) -> None:
    PROGRAM[0] = program
    with DurableTestRunner(program_handler, time="manual", max_invocation_failures=50) as runner:
        baseline = drive(runner)
    BODY_RUNS.clear()
    with DurableTestRunner(program_handler, time="manual", max_invocation_failures=50) as runner:
        app = runner._app
        invoker = app.dispatcher._invoker
        client = CrashingClient(app.client, crashes)
        invoker._client = client  # type: ignore[attr-defined]
        crashed = drive(runner)
        failed_invocations = [
            e
            for e in runner.get_execution_history(LAST_ARN[0])
            if e["EventType"] == "InvocationCompleted"
            and "Error" in e["InvocationCompletedDetails"]
        ]
    # Every injected crash ended its invocation as a recorded failure.
    assert len(failed_invocations) == client.fired

    assert crashed[0] == baseline[0] == "SUCCEEDED"
    assert crashed[1] == baseline[1]
    assert crashed[2] == baseline[2]
    assert crashed[3] == baseline[3]
    once_keys = {k for k, _ in BODY_RUNS if ".once" in k}
    for (key, attempt), runs in BODY_RUNS.items():
        if key in once_keys:
            assert runs <= 1, f"at-most-once step {key} ran {runs} times in attempt {attempt}"
