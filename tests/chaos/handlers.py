"""The durable functions the chaos suite runs, under `perdure dev` or `perdure worker`.

Every kind of operation is here: steps (at-least-once and at-most-once), waits,
callbacks, map and parallel, and a chained invoke. Step bodies append a line to the
file named by PERDURE_CHAOS_RECORD, outside Perdure, so the suite can tell afterwards
how often each attempt really ran: `<what> <key> <name> <attempt> <pid>`. Each line is
one `write` to a file opened for appending, so lines from several processes never
interleave. Every function succeeds when nothing goes wrong; anything else is a fault's
doing.
"""

from __future__ import annotations

import os
from typing import Any

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure.config import Duration, MapConfig, StepSemantics, WaitForCallbackConfig

RECORD_ENV = "PERDURE_CHAOS_RECORD"
AT_MOST_ONCE = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)


def record(what: str, key: str, name: str, attempt: int) -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    line = f"{what} {key} {name} {attempt} {os.getpid()}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _key(event: Any) -> str:
    return str(event["key"])


@durable_execution
def chaos_steps(event: Any, context: DurableContext) -> dict[str, Any]:
    """Plain steps around an at-most-once step (a charge that must never run twice)."""
    key = _key(event)

    def prepare(step: StepContext) -> int:
        record("step", key, "prepare", step.attempt)
        return int(event.get("n", 1))

    def charge(step: StepContext) -> str:
        record("amo", key, "charge", step.attempt)
        return f"receipt-{key}-{step.attempt}"

    n = context.step(prepare, name="prepare")
    receipt = context.step(charge, name="charge", config=AT_MOST_ONCE)
    total = context.step(lambda _: n * 2, name="total")
    return {"receipt": receipt, "total": total}


@durable_execution
def chaos_waits(event: Any, context: DurableContext) -> str:
    """Two timers in a row; each must end exactly once."""
    key = _key(event)
    seconds = int(event.get("seconds", 1))
    context.wait(Duration.from_seconds(seconds), name="first")
    context.step(lambda s: record("step", key, "between", s.attempt), name="between")
    context.wait(Duration.from_seconds(seconds), name="second")
    return "woke twice"


@durable_execution
def chaos_callback(event: Any, context: DurableContext) -> Any:
    """Waits for a callback the suite completes from outside (it reads the id from the
    record file), then an at-most-once step."""
    key = _key(event)

    def submit(callback_id: str, _ctx: Any) -> None:
        record("callback", key, callback_id, 0)

    answer = context.wait_for_callback(
        submit,
        name="approval",
        config=WaitForCallbackConfig(timeout=Duration.from_minutes(30)),
    )

    def act(step: StepContext) -> str:
        record("amo", key, "act", step.attempt)
        return f"acted on {answer}"

    return context.step(act, name="act", config=AT_MOST_ONCE)


@durable_execution
def chaos_fanout(event: Any, context: DurableContext) -> list[Any]:
    """A map of at-most-once steps and a parallel of a wait and a step."""
    key = _key(event)

    def item(ctx: DurableContext, value: int, index: int, _items: Any) -> int:
        def work(step: StepContext) -> int:
            record("amo", key, f"item-{index}", step.attempt)
            return value * 10

        return ctx.step(work, name=f"work-{index}", config=AT_MOST_ONCE)

    mapped = context.map([1, 2, 3], item, name="items", config=MapConfig(max_concurrency=2))

    def pause(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(1), name="branch-pause")
        return "paused"

    total = sum(r for r in mapped.get_results() if r is not None)

    def count(ctx: DurableContext) -> int:
        return ctx.step(lambda _: total, name="branch-sum")

    branches = context.parallel([pause, count], name="branches")
    return [mapped.get_results(), branches.get_results()]


@durable_execution
def chaos_child(event: Any, context: DurableContext) -> dict[str, Any]:
    """What `chaos_chain` invokes: a wait and an at-most-once step."""
    key = _key(event)
    context.wait(Duration.from_seconds(1), name="child-pause")

    def reply(step: StepContext) -> str:
        record("amo", key, "reply", step.attempt)
        return f"child of {key}"

    return {"reply": context.step(reply, name="reply", config=AT_MOST_ONCE)}


@durable_execution
def chaos_chain(event: Any, context: DurableContext) -> Any:
    """A chained invoke of `chaos_child` (its own execution, settled into this one)."""
    key = _key(event)
    child: dict[str, Any] = context.invoke(
        "chaos_child", {"key": f"{key}.child"}, name="call-child"
    )
    return {"child": child}


# The functions the workload starts (chaos_child is started only by chaos_chain).
WORKLOAD = ("chaos_steps", "chaos_waits", "chaos_callback", "chaos_fanout", "chaos_chain")
