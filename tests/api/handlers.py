"""Handlers the API tests run, and a bridge that runs a handler Lambda-style: it gets the
JSON envelope and talks back to the service over HTTP with boto3, as a handler on AWS
Lambda would, so checkpoints and state reads go through the API under test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure._sdk.transport.service_client import EmbeddedInvocation
from perdure._wire.envelope import invocation_input_to_json
from perdure.config import CallbackConfig, Duration
from perdure.retries import RetryDecision


@durable_execution
def greet(event: Any, context: DurableContext) -> Any:
    return context.step(lambda _: {"hello": event}, name="greet")


class Declined(Exception):
    pass


def no_retry(error: Exception, attempt: int) -> RetryDecision:
    return RetryDecision.no_retry()


@durable_execution
def fails(event: Any, context: DurableContext) -> Any:
    def charge(_: Any) -> None:
        raise Declined("card declined")

    return context.step(charge, name="charge", config=StepConfig(retry_strategy=no_retry))


@durable_execution
def waits_a_day(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_hours(24), name="a-day")
    return "woke up"


def _returns(value: int) -> Callable[[StepContext], int]:
    return lambda _: value


@durable_execution
def many_steps(event: Any, context: DurableContext) -> int:
    total = 0
    for i in range(int(event["steps"])):
        total += context.step(_returns(i), name=f"step-{i}")
    return total


@durable_execution
def awaits_callback(event: Any, context: DurableContext) -> str:
    config = CallbackConfig(
        timeout=Duration.from_seconds(int(event.get("timeout", 0))),
        heartbeat_timeout=Duration.from_seconds(int(event.get("heartbeat", 0))),
    )
    cb = context.create_callback(name="approval", config=config)
    return f"approved: {cb.result()}"


def remote_steps(event: Any, context: DurableContext) -> str:
    """Run over HTTP: a step, a callback (so there is a second invocation with several
    operations to replay), another step."""
    first = context.step(lambda _: "one", name="first")
    cb = context.create_callback(name="go-ahead")
    answer = cb.result()
    second = context.step(lambda _: "two", name="second")
    return f"{first}-{answer}-{second}"


Probe = Callable[[Any, str, str], str]


def over_http(
    client: Any, handler: Callable[[Any, DurableContext], Any], probe: Probe | None = None
) -> Callable[[EmbeddedInvocation, Any], Any]:
    """A registry target that runs `handler` as AWS Lambda would: the JSON envelope in,
    the SDK talking to the API through `client`.

    Only the first operation goes in the envelope, with a NextMarker, so the SDK has to
    read the rest with GetDurableExecutionState. `probe(client, arn, token)`, if given,
    runs first with the live token (and returns the token the handler should use)."""
    durable = durable_execution(handler, boto3_client=client)

    def run(event: EmbeddedInvocation, lambda_context: Any) -> Any:
        envelope = invocation_input_to_json(event.input)
        if probe is not None:
            envelope["CheckpointToken"] = probe(
                client, envelope["DurableExecutionArn"], envelope["CheckpointToken"]
            )
        ops = envelope["InitialExecutionState"]["Operations"]
        if len(ops) > 1:
            envelope["InitialExecutionState"] = {"Operations": ops[:1], "NextMarker": "1"}
        return durable(envelope, lambda_context)

    return run
