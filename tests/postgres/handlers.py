"""The durable function the PostgreSQL fault tests run, under `perdure worker` and
`perdure dev`. Its steps append each attempt they run to the record file
(`tests.chaos.handlers.record`), which lies outside Perdure, so a test can tell
afterwards whether an at-most-once step ever ran twice."""

from __future__ import annotations

import time
from typing import Any

from perdure import DurableContext, StepContext, durable_execution
from perdure.config import Duration, WaitForCallbackConfig
from tests.chaos.handlers import AT_MOST_ONCE, record


@durable_execution
def journey(event: Any, context: DurableContext) -> dict[str, Any]:
    """A step, an at-most-once charge, a wait of `wait` seconds, a callback answered
    from outside when `callback` is set, and an at-most-once shipment. Each step takes
    `step_seconds`, so that faults can strike while steps run."""
    key = str(event["key"])
    step_seconds = float(event.get("step_seconds", 0))

    def prepare(step: StepContext) -> int:
        record("step", key, "prepare", step.attempt)
        time.sleep(step_seconds)
        return len(key)

    def charge(step: StepContext) -> str:
        record("amo", key, "charge", step.attempt)
        time.sleep(step_seconds)
        return f"receipt-{key}"

    def submit(callback_id: str, _ctx: Any) -> None:
        record("callback", key, callback_id, 0)

    def ship(step: StepContext) -> str:
        record("amo", key, "ship", step.attempt)
        time.sleep(step_seconds)
        return "shipped"

    size = context.step(prepare, name="prepare")
    receipt = context.step(charge, name="charge", config=AT_MOST_ONCE)
    context.wait(Duration.from_seconds(int(event.get("wait", 1))), name="pause")
    answer = None
    if event.get("callback"):
        answer = context.wait_for_callback(
            submit,
            name="approval",
            config=WaitForCallbackConfig(timeout=Duration.from_minutes(30)),
        )
    shipped = context.step(ship, name="ship", config=AT_MOST_ONCE)
    return {"size": size, "receipt": receipt, "answer": answer, "shipped": shipped}
