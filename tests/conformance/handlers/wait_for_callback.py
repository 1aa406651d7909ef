"""Handlers for the ``wait_for_callback`` suite (7-x).

Submitters do nothing durable: the harness plays the outside system and completes the
callback (``CallbackName: '*'`` in every 7-x action).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perdure import DurableContext, durable_execution, durable_with_child_context
from perdure.config import Duration, WaitForCallbackConfig
from tests.conformance.handlers._support import JsonObjectSerDes, fixed_retry

if TYPE_CHECKING:
    from perdure.types import WaitForCallbackContext


def submit(callback_id: str, callback_context: WaitForCallbackContext) -> None:
    """Stands in for handing the callback id to an external system."""


@durable_execution
def handler_7_1(event: str, context: DurableContext) -> Any:
    """7-1: wait_for_callback named from the input; the payload becomes the result."""
    return context.wait_for_callback(submit, name=event)


@durable_execution
def handler_7_2(event: Any, context: DurableContext) -> Any:
    """7-2: the static name 'approval'."""
    return context.wait_for_callback(submit, name="approval")


@durable_execution
def handler_7_3(event: Any, context: DurableContext) -> Any:
    """7-3: an anonymous inline submitter and no name."""
    return context.wait_for_callback(lambda callback_id, callback_context: None)


@durable_execution
def handler_7_4(event: str, context: DurableContext) -> Any:
    """7-4: the external failure is not caught, so the execution fails."""
    return context.wait_for_callback(submit, name=event)


@durable_execution
def handler_7_6(event: str, context: DurableContext) -> Any:
    """7-6: the external failure is caught and 'recovered' returned."""
    try:
        return context.wait_for_callback(submit, name=event)
    except Exception:
        return "recovered"


def failing_submit(callback_id: str, callback_context: WaitForCallbackContext) -> None:
    raise RuntimeError("submitter cannot reach the external system")


@durable_execution
def handler_7_7(event: str, context: DurableContext) -> Any:
    """7-7: the submitter always raises; 2 attempts 1 s apart, then the operation fails."""
    config = WaitForCallbackConfig(retry_strategy=fixed_retry(2))
    return context.wait_for_callback(failing_submit, name=event, config=config)


@durable_with_child_context
def wrapper(child_context: DurableContext, name: str) -> Any:
    return child_context.wait_for_callback(submit, name=name)


@durable_execution
def handler_7_8(event: str, context: DurableContext) -> Any:
    """7-8: wait_for_callback inside the child context 'wrapper'."""
    return context.run_in_child_context(wrapper(event), name="wrapper")


@durable_execution
def handler_7_9(event: Any, context: DurableContext) -> Any:
    """7-9: two sequential operations, 'first' then 'second'."""
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")


@durable_execution
def handler_7_10(event: str, context: DurableContext) -> Any:
    """7-10: a 1 s wait, a top-level step, then wait_for_callback."""
    context.wait(Duration.from_seconds(1))
    context.step(lambda _: {"prepared": True})
    return context.wait_for_callback(submit, name=event)


@durable_execution
def handler_7_11(event: str, context: DurableContext) -> Any:
    """7-11: the payload is decoded as a JSON object; the 'status' field is returned."""
    config = WaitForCallbackConfig(serdes=JsonObjectSerDes())
    decision = context.wait_for_callback(submit, name=event, config=config)
    return decision["status"]


@durable_execution
def handler_7_12(event: str, context: DurableContext) -> Any:
    """7-12: HeartbeatTimeout=5 s and nothing sent: Callback.Heartbeat, FAILED."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(5))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def handler_7_13(event: str, context: DurableContext) -> Any:
    """7-13: HeartbeatTimeout=10 s; a heartbeat (no history event), then success."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def handler_7_15(event: str, context: DurableContext) -> Any:
    """7-15: success with no payload yields a null result."""
    return context.wait_for_callback(submit, name=event)
