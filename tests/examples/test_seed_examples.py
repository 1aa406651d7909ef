"""The Python examples from the documents Perdure started from, run with only their
import lines changed (`aws_durable_execution_sdk_python` → `perdure`).

Helper functions the examples call but do not define (`fetch_user_from_db`,
`invoke_ai_model`, ...) are defined here as the examples' surroundings would.
"""

from __future__ import annotations

from typing import Any

import pytest

# --- imports as in the examples, renamed ------------------------------------------------
from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration
from perdure.testing import DurableTestRunner
from perdure.waits import WaitForCallbackConfig

CALLS: dict[str, int] = {}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


# --- basic handler: two steps around a 5 s wait --------------------------------------


def fetch_user_from_db(user_id: str) -> dict[str, Any]:
    _count("fetch_user_from_db")
    return {"id": user_id, "name": "Ada"}


def process_user(user_data: dict[str, Any]) -> dict[str, Any]:
    return {"greeting": f"hi {user_data['name']}"}


@durable_step
def fetch_user(step_ctx: StepContext, user_id: str):  # type: ignore[no-untyped-def]
    return fetch_user_from_db(user_id)


@durable_step
def process_user_data(step_ctx: StepContext, user_data: dict):  # type: ignore[no-untyped-def,type-arg]
    return process_user(user_data)


@durable_execution
def basic_handler(event: dict, context: DurableContext) -> dict:  # type: ignore[type-arg]
    user_data = context.step(fetch_user(event["userId"]))
    context.wait(duration=Duration.from_seconds(5))
    result = context.step(process_user_data(user_data))
    return {"success": True, "data": result}


def test_basic_handler_runs_two_steps_around_a_durable_wait() -> None:
    CALLS.clear()
    with DurableTestRunner(basic_handler) as runner:
        result = runner.run(input={"userId": "u1"}, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == {"success": True, "data": {"greeting": "hi Ada"}}
    # The first step ran once although the handler ran twice (before and after the wait).
    assert CALLS["fetch_user_from_db"] == 1
    kinds = [e["EventType"] for e in result.history]
    assert kinds.count("InvocationCompleted") == 2
    assert "WaitSucceeded" in kinds


# --- multi-step workflow (its wait uses the `seconds=` form) --------------------------


@durable_step
def fetch_data(step_context: StepContext, item_id: str) -> dict[str, Any]:
    return {"id": item_id, "value": 21}


@durable_step
def process_data(step_context: StepContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": data["id"], "value": data["value"] * 2}


@durable_execution
def multi_step_handler(event: dict, context: DurableContext) -> dict:  # type: ignore[type-arg]
    # Step 1: Call external API
    data = context.step(fetch_data(event["id"]))

    # Step 2: Wait 30 seconds
    context.wait(seconds=30)

    # Step 3: Process the data
    result = context.step(process_data(data))

    return result


def test_multi_step_workflow_waits_thirty_seconds_of_virtual_time() -> None:
    with DurableTestRunner(multi_step_handler) as runner:
        result = runner.run(input={"id": "x"}, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == {"id": "x", "value": 42}
    waits = result.events_of_type("WaitStarted")
    assert waits[0]["WaitStartedDetails"]["Duration"] == 30


# --- GenAI agent loop ----------------------------------------------------------------

SCRIPT: list[dict[str, Any]] = [
    {"response": "looking up weather", "tool": {"name": "weather", "city": "Oslo"}},
    {"response": "It is 3 degrees in Oslo.", "tool": None},
]


def invoke_ai_model(messages: list[dict[str, Any]]) -> dict[str, Any]:
    _count("invoke_ai_model")
    turns = sum(1 for m in messages if m["role"] == "assistant")
    return SCRIPT[turns]


def execute_tool(tool: dict[str, Any], response: str) -> str:
    _count("execute_tool")
    return f"{tool['city']}: 3C"


@durable_execution
def agent_handler(event: dict, context: DurableContext) -> str:  # type: ignore[type-arg]
    messages = [{"role": "user", "content": event["prompt"]}]

    while True:
        result = context.step(lambda _: invoke_ai_model(messages), name="invoke-model")

        if result.get("tool") is None:
            return result["response"]  # type: ignore[no-any-return]

        tool = result["tool"]
        tool_result = context.step(
            lambda _: execute_tool(tool, result["response"]), name=f"tool-{tool['name']}"
        )
        messages.append({"role": "assistant", "content": tool_result})


def test_agent_loop_calls_the_model_until_no_tool_is_requested() -> None:
    CALLS.clear()
    with DurableTestRunner(agent_handler) as runner:
        result = runner.run(input={"prompt": "weather in Oslo?"}, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == "It is 3 degrees in Oslo."
    names = [op.name for op in result.children()]
    assert names == ["invoke-model", "tool-weather", "invoke-model"]
    assert CALLS == {"invoke_ai_model": 2, "execute_tool": 1}


# --- human in the loop: wait_for_callback with a 24 h timeout --------------------------

SENT: list[tuple[str, Any, str]] = []


def generate_plan(event: dict[str, Any]) -> dict[str, Any]:
    return {"action": "deploy", "target": event["target"]}


def send_approval_email(address: str, plan: dict[str, Any], callback_id: str) -> None:
    SENT.append((address, plan, callback_id))


def perform_action(plan: dict[str, Any]) -> str:
    return f"{plan['action']}ed {plan['target']}"


@durable_execution
def approval_handler(event: dict, context: DurableContext) -> dict:  # type: ignore[type-arg]
    plan = context.step(lambda _: generate_plan(event), name="generate-plan")

    def submit_approval(callback_id: str):  # type: ignore[no-untyped-def]
        send_approval_email(event["approver_email"], plan, callback_id)

    answer = context.wait_for_callback(
        submitter=submit_approval,  # type: ignore[arg-type]  # one-argument, as published
        config=WaitForCallbackConfig(timeout=Duration.from_hours(24)),
        name="wait-for-approval",
    )

    if answer == "APPROVED":
        context.step(lambda _: perform_action(plan), name="execute")
        return {"status": "completed"}

    return {"status": "rejected"}


@pytest.mark.parametrize(("answer", "status"), [("APPROVED", "completed"), ("NO", "rejected")])
def test_approval_waits_for_the_human_answer(answer: str, status: str) -> None:
    SENT.clear()
    with DurableTestRunner(approval_handler) as runner:
        arn = runner.run_async(input={"approver_email": "boss@example.com", "target": "prod"})
        callback_id = runner.wait_for_callback(arn, timeout=10)
        assert SENT[0][0] == "boss@example.com" and SENT[0][2] == callback_id
        runner.send_callback_success(callback_id, answer.encode())
        result = runner.wait_for_result(arn, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == {"status": status}


def test_approval_fails_when_nobody_answers_within_24_hours() -> None:
    with DurableTestRunner(approval_handler) as runner:
        result = runner.run(input={"approver_email": "a@b.c", "target": "prod"}, timeout=10)
    assert result.status == "FAILED"
    timed_out = result.events_of_type("CallbackTimedOut")
    assert timed_out[0]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == (
        "Callback.Timeout"
    )


# --- saga with compensations (the TypeScript example, in Python) ----------------------

BOOKED: list[str] = []


class HotelFull(Exception):
    pass


def book(kind: str, event: dict[str, Any]) -> str:
    if kind == "hotel" and event.get("hotel_full"):
        raise HotelFull("no rooms")
    BOOKED.append(kind)
    return f"{kind}-ok"


def cancel(kind: str) -> str:
    BOOKED.remove(kind)
    return f"{kind}-cancelled"


@durable_execution
def saga_handler(event: dict, context: DurableContext) -> dict:  # type: ignore[type-arg]
    from perdure.config import StepConfig
    from perdure.retries import RetryPresets

    no_retry = StepConfig(retry_strategy=RetryPresets.none())
    compensations = []
    try:
        context.step(lambda _: book("flight", event), name="book-flight", config=no_retry)
        compensations.append(("cancel-flight", lambda _: cancel("flight")))
        context.step(lambda _: book("hotel", event), name="book-hotel", config=no_retry)
        compensations.append(("cancel-hotel", lambda _: cancel("hotel")))
        return {"success": True}
    except Exception:
        for name, fn in reversed(compensations):
            context.step(fn, name=name)
        raise


def test_saga_books_everything_when_all_steps_succeed() -> None:
    BOOKED.clear()
    with DurableTestRunner(saga_handler) as runner:
        result = runner.run(input={}, timeout=10)
    assert result.status == "SUCCEEDED"
    assert BOOKED == ["flight", "hotel"]


def test_saga_runs_compensations_in_reverse_when_a_step_fails() -> None:
    BOOKED.clear()
    with DurableTestRunner(saga_handler) as runner:
        result = runner.run(input={"hotel_full": True}, timeout=10)
    assert result.status == "FAILED"
    assert BOOKED == []
    assert [op.name for op in result.children()] == ["book-flight", "book-hotel", "cancel-flight"]
    assert result.error is not None and "no rooms" in (result.error.message or "")


# --- the greeting example and the pytest marker --------------------------------------


@durable_step
def greet_user(step_context: StepContext, name: str) -> str:
    """Generate a greeting."""
    return f"Hello {name}!"


@durable_execution
def greeting_handler(event: dict, context: DurableContext) -> str:  # type: ignore[type-arg]
    """Simple durable function."""
    name = event.get("name", "World")
    greeting = context.step(greet_user(name))
    return greeting


@pytest.mark.durable_execution(handler=greeting_handler, lambda_function_name="my_function")
def test_my_function(durable_runner: DurableTestRunner) -> None:
    with durable_runner:
        result = durable_runner.run(input={"name": "Perdure"}, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == "Hello Perdure!"
