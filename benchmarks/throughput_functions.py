"""The durable functions `benchmarks/pg_throughput.py` runs in its `perdure worker`s.

Steps do no work of their own, so what is measured is what Perdure costs per step: the
checkpoint's trip to the server and its commit.
"""

from __future__ import annotations

from perdure import DurableContext, durable_execution


@durable_execution
def steps(event: dict[str, int], context: DurableContext) -> int:
    """`event["steps"]` sequential steps, each one checkpoint."""
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name="s")
    return total


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")
