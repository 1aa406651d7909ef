"""A durable function written for AWS Lambda with AWS's Python SDK."""

from __future__ import annotations

import os
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> str:
    greeting = os.environ["GREETING"]
    return context.step(lambda _: f"{greeting}, {event['name']}!", name="greet")
