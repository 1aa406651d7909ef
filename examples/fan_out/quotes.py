"""Fan-out with `map` and a completion policy: ask every supplier for a quote, and stop
as soon as enough have answered.

Each supplier is asked in a branch of its own (a child context, checkpointed on its
own), at most four at a time. The completion policy says when the batch is done: three
quotes are enough to choose from, and two suppliers failing is tolerated; a third failure
ends the batch early, since three quotes can no longer come. Branches not yet started
when the batch completes are never started.

`down` in the input lists suppliers that fail, to try the policy from the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.concurrency import CompletionReason
from perdure.config import CompletionConfig, MapConfig, StepConfig
from perdure.retries import RetryPresets

SUPPLIERS = ["acme", "globex", "initech", "umbrella", "hooli"]
POLICY: MapConfig[dict[str, Any]] = MapConfig(
    max_concurrency=4,
    completion_config=CompletionConfig(min_successful=3, tolerated_failure_count=2),
)


class SupplierDown(Exception):
    """The supplier did not answer."""


@durable_step
def request_quote(step_ctx: StepContext, supplier: str, item: str, down: list[str]) -> int:
    if supplier in down:
        raise SupplierDown(f"{supplier} did not answer")
    return 100 + 7 * len(supplier) + len(item)  # a made-up price, the same on every run


@durable_execution
def collect_quotes(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    item = str(event.get("item", "widget"))
    down = [str(s) for s in event.get("down", [])]
    no_retry = StepConfig(retry_strategy=RetryPresets.none())

    def ask(ctx: DurableContext, supplier: str, index: int, _: Sequence[str]) -> dict[str, Any]:
        price = ctx.step(request_quote(supplier, item, down), config=no_retry)
        return {"supplier": supplier, "price": price}

    batch = context.map(SUPPLIERS, ask, name="quotes", config=POLICY)
    quotes = batch.get_results()
    enough = batch.completion_reason != CompletionReason.FAILURE_TOLERANCE_EXCEEDED
    return {
        "item": item,
        "status": "chosen" if enough else "not enough quotes",
        "best": min(quotes, key=lambda q: q["price"]) if enough else None,
        "quotes": len(quotes),
        "failures": batch.failure_count,
        "completionReason": str(batch.completion_reason.value),
    }
