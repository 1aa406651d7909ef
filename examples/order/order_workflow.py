"""An order workflow: steps, a durable wait and a callback that a person (or another
system) completes.

`process_order` reserves the stock in a step, cools off in a durable wait (2 s by default,
`coolOffSeconds` in the input), asks for approval through a callback (a day to answer),
and charges the card in a second step once approved; any other answer rejects the order
without charging. The handler is ordinary AWS-style durable code: only the imports say
`perdure`. README.md has the commands that run it.
"""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration, WaitForCallbackConfig
from perdure.serdes import JsonSerDes
from perdure.types import WaitForCallbackContext


@durable_step
def reserve_stock(step_ctx: StepContext, order_id: str, items: list[str]) -> dict[str, Any]:
    step_ctx.logger.info("reserving %d item(s) for %s", len(items), order_id)
    return {"orderId": order_id, "reserved": items}


@durable_step
def charge_card(step_ctx: StepContext, order_id: str, amount: float) -> str:
    step_ctx.logger.info("charging %.2f for %s", amount, order_id)
    return f"receipt-{order_id}"


def ask_for_approval(callback_id: str, ctx: WaitForCallbackContext) -> None:
    # A real workflow would e-mail a reviewer or post to a ticketing system here.
    ctx.logger.info(
        "waiting for approval; approve with: perdure callback succeed %s --result '\"approved\"'",
        callback_id,
    )


@durable_execution
def process_order(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    order_id = str(event.get("orderId", "o-1"))
    items = list(event.get("items", ["book"]))
    amount = float(event.get("amount", 42.0))

    reservation = context.step(reserve_stock(order_id, items))
    # A durable wait: no process or thread is held while it lasts.
    context.wait(Duration.from_seconds(int(event.get("coolOffSeconds", 2))), name="cool-off")
    decision = context.wait_for_callback(
        ask_for_approval,
        name="approval",
        # The callback's result is JSON text (`--result '"approved"'`); decode it.
        config=WaitForCallbackConfig(timeout=Duration.from_hours(24), serdes=JsonSerDes()),
    )
    if decision != "approved":
        return {"orderId": order_id, "status": "rejected", "decision": decision}
    receipt = context.step(charge_card(order_id, amount))
    return {"orderId": order_id, "status": "confirmed", "receipt": receipt, **reservation}
