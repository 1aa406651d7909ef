"""Shipping: a durable wait, and polling a carrier until the parcel is delivered."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.types import WaitForConditionCheckContext
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)

STAGES = ["label", "picked", "in_transit", "delivered"]


def next_stage(state: dict, check_ctx: WaitForConditionCheckContext) -> dict:
    index = STAGES.index(state["stage"]) + 1
    return {"stage": STAGES[min(index, len(STAGES) - 1)], "checks": state["checks"] + 1}


def keep_polling(state: dict, attempt: int) -> WaitForConditionDecision:
    if state["stage"] == "delivered":
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    context.wait(Duration.from_seconds(event.get("cool_off_seconds", 1)), name="cool-off")
    final = context.wait_for_condition(
        next_stage,
        config=WaitForConditionConfig(
            wait_strategy=keep_polling, initial_state={"stage": "label", "checks": 0}
        ),
        name="track",
    )
    return {"delivered": final["stage"] == "delivered", "checks": final["checks"]}
