"""A durable function written for AWS Lambda with AWS's Python SDK that invokes another
by the ARN its template puts in its environment, as one does on AWS."""

from __future__ import annotations

import os
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    greeting: str = context.invoke(os.environ["GREETER_ARN"], {"name": event["name"]}, name="greet")
    return {
        "greeting": greeting,
        "greeter": os.environ["GREETER_NAME"],
        "summary": os.environ["SUMMARY"],
        "memory": context.lambda_context.memory_limit_in_mb if context.lambda_context else None,
    }
