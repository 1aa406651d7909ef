"""Durable functions the worker tests run in `perdure worker` subprocesses.

Step bodies append a line to the file named by PERDURE_TEST_RECORD (`kind id attempt
pid`), one `write` of a short line to a file opened for appending, so lines from
several processes never interleave. The tests read it to see which process ran what,
and how often.
"""

from __future__ import annotations

import os
import time
from typing import Any

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure.config import Duration, StepSemantics

RECORD_ENV = "PERDURE_TEST_RECORD"


def record(kind: str, key: str, attempt: int = 0) -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{kind} {key} {attempt} {os.getpid()}\n")


@durable_execution
def flow(event: Any, context: DurableContext) -> dict[str, Any]:
    """Steps, a real-time wait and a callback, across several invocations."""
    added = context.step(lambda _: int(event["n"]) + 1, name="add")
    context.wait(Duration.from_seconds(1), name="pause")
    answer = context.wait_for_callback(
        lambda callback_id, _ctx: record("callback", callback_id), name="approval"
    )
    doubled = context.step(lambda _: added * 2, name="double")
    return {"added": added, "doubled": doubled, "answer": answer}


@durable_execution
def charge_then_ship(event: Any, context: DurableContext) -> dict[str, Any]:
    """An at-most-once step (charging twice would be a bug) then a slow step, long
    enough for a worker to be killed in the middle of it."""
    key = str(event["id"])

    def charge(step: StepContext) -> str:
        record("charge", key, step.attempt)
        return f"receipt-{key}"

    receipt = context.step(
        charge,
        name="charge",
        config=StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY),
    )

    def ship(step: StepContext) -> str:
        record("ship", key, step.attempt)
        time.sleep(float(event.get("seconds", 1.5)))
        return "shipped"

    shipped = context.step(ship, name="ship")
    return {"receipt": receipt, "shipped": shipped}


@durable_execution
def chatter(event: Any, context: DurableContext) -> int:
    """Many quick steps, each logged: its process is nearly always talking to the
    worker over their pipe, so a worker killed at any moment breaks that pipe mid-call."""
    key = str(event["id"])

    def chatting(_step: StepContext) -> None:
        record("chatting", key)

    def count(_step: StepContext) -> int:
        return 1

    total = 0
    for i in range(int(event.get("steps", 400))):
        context.logger.info("step %d", i)
        if i == 1:
            context.step(chatting, name="chatting")
        total += context.step(count, name=f"step-{i}")
    return total
