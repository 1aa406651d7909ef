"""Handlers for the ``invoke`` suite (5-x): chained invokes of the targets in `targets`."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, durable_execution, durable_with_child_context
from perdure.config import Duration, InvokeConfig
from perdure.errors import InvokeError
from perdure.serdes import SerDes, SerDesContext
from tests.conformance.handlers._support import UppercaseSerDes

ECHO = "TargetEcho"
ERROR = "TargetError"
ECHO_TENANT = "TargetEchoTenant"


@durable_execution
def handler_5_1(event: str, context: DurableContext) -> Any:
    """5-1: invoke the echo target with the input; return what it echoes."""
    return context.invoke(ECHO, event)


@durable_execution
def handler_5_2(event: dict[str, str], context: DurableContext) -> Any:
    """5-2: a named invoke; the Name appears on the ChainedInvoke events."""
    return context.invoke(ECHO, event["payload"], name=event["name"])


@durable_execution
def handler_5_3(event: dict[str, Any], context: DurableContext) -> Any:
    """5-3: a nested JSON payload is echoed back as-is."""
    return context.invoke(ECHO, event)


@durable_execution
def handler_5_4(event: Any, context: DurableContext) -> Any:
    """5-4: a null payload echoes null."""
    return context.invoke(ECHO, None)


LARGE_PAYLOAD_CHARS = 200 * 1024


@durable_execution
def handler_5_7(event: Any, context: DurableContext) -> dict[str, int]:
    """5-7: a ~200 KB payload goes through the invoke and comes back."""
    echoed: dict[str, str] = context.invoke(ECHO, {"data": "x" * LARGE_PAYLOAD_CHARS})
    return {"echoedChars": len(echoed["data"])}


@durable_execution
def handler_5_8(event: dict[str, str], context: DurableContext) -> Any:
    """5-8: the tenant id travels in ChainedInvokeStartedDetails.TenantId."""
    return context.invoke(
        ECHO_TENANT, event["payload"], config=InvokeConfig(tenant_id=event["tenantId"])
    )


@durable_execution
def handler_5_9(event: Any, context: DurableContext) -> Any:
    """5-9: invoke, then a 1 s wait; the replay returns the cached invoke result."""
    result: dict[str, str] = context.invoke(ECHO, {"value": "cached"})
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def handler_5_10(event: Any, context: DurableContext) -> str:
    """5-10: a failed invoke is caught, then a 1 s wait; the replay re-raises from the
    checkpoint (no second invoke) and the handler catches it again."""
    try:
        context.invoke(ERROR, {"value": "fails"})
        outcome = "not failed"
    except InvokeError:
        outcome = "caught"
    context.wait(Duration.from_seconds(1))
    return outcome


@durable_execution
def handler_5_12(event: Any, context: DurableContext) -> str:
    """5-12: an invoke, then a step that uses its result."""
    echoed: str = context.invoke(ECHO, "invoke-result")
    return context.step(lambda _: f"processed {echoed}")


@durable_with_child_context
def invoking_child(child_context: DurableContext) -> Any:
    return child_context.invoke(ECHO, "from child")


@durable_execution
def handler_5_13(event: Any, context: DurableContext) -> Any:
    """5-13: an invoke inside a child context (ParentId = the child)."""
    return context.run_in_child_context(invoking_child())


@durable_execution
def handler_5_14(event: Any, context: DurableContext) -> list[Any]:
    """5-14: two sequential invokes, three invocations."""
    first: str = context.invoke(ECHO, "first")
    second: str = context.invoke(ECHO, "second")
    return [first, second]


@durable_execution
def handler_5_15(event: dict[str, Any], context: DurableContext) -> Any:
    """5-15: a custom payload serdes upper-cases the outgoing payload."""
    return context.invoke(ECHO, event, config=InvokeConfig(serdes_payload=UppercaseSerDes()))


class UppercaseRawResultSerDes(SerDes[str]):
    """Upper-cases the raw result text on deserialize, so ``"hello"`` becomes ``"HELLO"``
    (quotes included), which is what 5-16 expects as the execution result."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data.upper()


@durable_execution
def handler_5_16(event: str, context: DurableContext) -> str:
    """5-16: a custom result serdes transforms the echoed result."""
    result: str = context.invoke(
        ECHO, event, config=InvokeConfig(serdes_result=UppercaseRawResultSerDes())
    )
    return result
