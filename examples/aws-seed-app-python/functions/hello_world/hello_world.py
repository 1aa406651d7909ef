"""The helper function the example invokes: greets the name it is given."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    name = event.get("name", "World")
    greeting: str = context.step(lambda _: f"Hello, {name}!", name="greet")
    return {"statusCode": 200, "greeting": greeting}
