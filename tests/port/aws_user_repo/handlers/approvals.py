"""Approvals: a callback created and awaited, and wait_for_callback with a submitter.
Answers arrive as the JSON text the approver sent."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    Duration,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.exceptions import CallbackError
from aws_durable_execution_sdk_python.types import WaitForCallbackContext


def notify_manager(callback_id: str, callback_ctx: WaitForCallbackContext) -> None:
    callback_ctx.logger.info("asking the manager", extra={"callback_id": callback_id})


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    timeout = Duration.from_seconds(event.get("timeout_seconds", 60))
    finance = context.create_callback(name="finance", config=CallbackConfig(timeout=timeout))
    context.step(lambda _: finance.callback_id, name="send-to-finance")
    try:
        finance_answer = finance.result()
    except CallbackError as error:
        return {"approved": False, "by": "finance", "error": error.message}
    manager_answer = context.wait_for_callback(
        notify_manager,
        name="manager",
        config=WaitForCallbackConfig(timeout=timeout),
    )
    return {
        "approved": True,
        "finance": json.loads(finance_answer),
        "manager": json.loads(manager_answer),
    }
