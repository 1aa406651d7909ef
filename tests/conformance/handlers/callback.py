"""Handlers for the ``callback`` suite (4-x).

The harness completes these callbacks from outside (``CallbackActions``), matching each
action's ``CallbackName`` against the CallbackStarted event's Name, so names come from the
input exactly as the requirements describe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from perdure import DurableContext, durable_execution
from perdure.config import CallbackConfig, Duration
from perdure.errors import CallbackError
from perdure.serdes import SerDes, SerDesContext


@durable_execution
def handler_4_1(event: str, context: DurableContext) -> Any:
    """4-1: a callback named from the input; the outside system sends success."""
    callback = context.create_callback(name=event)
    return callback.result()


@durable_execution
def handler_4_2(event: Any, context: DurableContext) -> Any:
    """4-2: a callback with the static name 'approval'."""
    callback = context.create_callback(name="approval")
    return callback.result()


@durable_execution
def handler_4_3(event: str, context: DurableContext) -> Any:
    """4-3: Timeout=5 s and nothing is sent: Callback.Timeout, execution FAILED."""
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(5))
    )
    return callback.result()


@durable_execution
def handler_4_4(event: str, context: DurableContext) -> Any:
    """4-4: HeartbeatTimeout=5 s and no heartbeat: Callback.Heartbeat, execution FAILED."""
    callback = context.create_callback(
        name=event, config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(5))
    )
    return callback.result()


@durable_execution
def handler_4_5(event: str, context: DurableContext) -> Any:
    """4-5: HeartbeatTimeout=10 s; a heartbeat, then success."""
    callback = context.create_callback(
        name=event, config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    )
    return callback.result()


@durable_execution
def handler_4_7(event: str, context: DurableContext) -> Any:
    """4-7: create the callback, run a step, then await; the external failure is uncaught."""
    callback = context.create_callback(name=event)
    context.step(lambda _: "work done while waiting")
    return callback.result()


@durable_execution
def handler_4_8(event: str, context: DurableContext) -> Any:
    """4-8: Timeout=5 s, a step, then await; the timeout fails the execution."""
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(5))
    )
    context.step(lambda _: "work done while waiting")
    return callback.result()


@durable_execution
def handler_4_10(event: str, context: DurableContext) -> Any:
    """4-10: callback, 5 s wait, await; the failure lands during the wait (3 invocations)."""
    callback = context.create_callback(name=event)
    context.wait(Duration.from_seconds(5))
    return callback.result()


@durable_execution
def handler_4_11(event: str, context: DurableContext) -> Any:
    """4-11: Timeout=3 s, 6 s wait, await; the timeout fires during the wait."""
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(3))
    )
    context.wait(Duration.from_seconds(6))
    return callback.result()


@durable_execution
def handler_4_12(event: str, context: DurableContext) -> Any:
    """4-12: await the callback, then a 2 s wait, then return its result."""
    callback = context.create_callback(name=event)
    result = callback.result()
    context.wait(Duration.from_seconds(2))
    return result


@durable_execution
def handler_4_13(event: str, context: DurableContext) -> str:
    """4-13: the callback failure is caught, then a 2 s wait, then the message is returned."""
    callback = context.create_callback(name=event)
    try:
        callback.result()
        message = "callback succeeded"
    except CallbackError as error:
        message = f"callback failed: {error}"
    context.wait(Duration.from_seconds(2))
    return message


@dataclass(frozen=True)
class Received:
    """The typed object 4-15's custom deserializer produces."""

    id: str
    message: str
    timestamp: int


class ReceivedSerDes(SerDes[Received]):
    """Parses the JSON callback payload and turns the ISO timestamp into epoch seconds."""

    def serialize(self, value: Received, serdes_context: SerDesContext) -> str:
        return json.dumps({"id": value.id, "message": value.message, "timestamp": value.timestamp})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Received:
        raw = json.loads(data)
        stamp = raw["timestamp"]
        if isinstance(stamp, str):
            stamp = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
        return Received(id=raw["id"], message=raw["message"], timestamp=int(stamp))


@durable_execution
def handler_4_15(event: str, context: DurableContext) -> dict[str, Any]:
    """4-15: a custom deserializer yields a typed object with an epoch timestamp."""
    callback = context.create_callback(name=event, config=CallbackConfig(serdes=ReceivedSerDes()))
    received = cast(Received, callback.result())
    return {
        "received": {
            "id": received.id,
            "message": received.message,
            "timestamp": received.timestamp,
        }
    }


class NumberSerDes(SerDes[int]):
    """Parses the callback payload as a number."""

    def serialize(self, value: int, serdes_context: SerDesContext) -> str:
        return str(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> int:
        return int(json.loads(data))


@durable_execution
def handler_4_16(event: str, context: DurableContext) -> dict[str, int]:
    """4-16: a custom deserializer yields a number."""
    callback = context.create_callback(name=event, config=CallbackConfig(serdes=NumberSerDes()))
    count = cast(int, callback.result())
    return {"count": count, "doubled": count * 2}


@durable_execution
def handler_4_17(event: list[str], context: DurableContext) -> list[Any]:
    """4-17: create and await A, then create and await B."""
    first = context.create_callback(name=event[0])
    result_a = first.result()
    second = context.create_callback(name=event[1])
    result_b = second.result()
    return [result_a, result_b]


@durable_execution
def handler_4_18(event: list[str], context: DurableContext) -> list[Any]:
    """4-18: create A and B, await A then B."""
    first = context.create_callback(name=event[0])
    second = context.create_callback(name=event[1])
    result_a = first.result()
    result_b = second.result()
    return [result_a, result_b]


@durable_execution
def handler_4_19(event: list[str], context: DurableContext) -> list[Any]:
    """4-19: create A and B, await B then A."""
    first = context.create_callback(name=event[0])
    second = context.create_callback(name=event[1])
    result_b = second.result()
    result_a = first.result()
    return [result_a, result_b]
