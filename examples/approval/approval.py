"""Human-in-the-loop approval with a timeout and escalation.

An expense is recorded, then its approver is asked through a callback. Nobody answering
within a day is not a silent failure: the request escalates to the approver's manager
with a day of their own, and if that runs out too, the expense is refused by policy. Each
wait holds no process: the execution is suspended until an answer or the timer.

The callback's result is JSON (`--result '"approved"'`), decoded by `JsonSerDes`.
"""

from __future__ import annotations

from typing import Any

from perdure import (
    CallbackTimeoutError,
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
    durable_wait_for_callback,
)
from perdure.config import Duration, WaitForCallbackConfig
from perdure.serdes import JsonSerDes
from perdure.types import WaitForCallbackContext

APPROVAL_TIMEOUT = Duration.from_days(1)


@durable_step
def record_expense(step_ctx: StepContext, expense: dict[str, Any]) -> dict[str, Any]:
    """A step, so the expense is recorded once however often the handler replays."""
    return {"id": f"exp-{expense['employee']}-{expense['amount']}", **expense}


@durable_wait_for_callback
def ask(callback_id: str, ctx: WaitForCallbackContext, approver: str, expense_id: str) -> None:
    """Hand the callback id to the approver; a real system would e-mail or page them."""
    ctx.logger.info(
        "%s: approve %s with: perdure callback succeed %s --result '\"approved\"'",
        approver,
        expense_id,
        callback_id,
    )


@durable_step
def pay(step_ctx: StepContext, expense_id: str) -> str:
    return f"payment-{expense_id}"


def _decision(context: DurableContext, approver: str, expense_id: str) -> str:
    config = WaitForCallbackConfig(timeout=APPROVAL_TIMEOUT, serdes=JsonSerDes())
    answer = context.wait_for_callback(ask(approver, expense_id), name=approver, config=config)
    return str(answer)


@durable_execution
def expense_approval(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    expense = context.step(record_expense(event))
    chain = [event.get("approver", "manager"), event.get("escalateTo", "director")]
    for approver in chain:
        try:
            decision = _decision(context, approver, expense["id"])
        except CallbackTimeoutError:
            context.logger.info("%s did not answer in time; escalating", approver)
            continue
        if decision != "approved":
            return {"expenseId": expense["id"], "status": "rejected", "decidedBy": approver}
        payment = context.step(pay(expense["id"]))
        return {
            "expenseId": expense["id"],
            "status": "paid",
            "decidedBy": approver,
            "payment": payment,
        }
    return {"expenseId": expense["id"], "status": "refused", "decidedBy": "policy: no answer"}
