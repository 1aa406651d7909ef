"""The agent example on the local runner: its answer, the turns in the history, and the
property that makes an agent durable: a replay never calls the model again."""

from __future__ import annotations

from typing import Any

from agent_loop import MODEL_CALLS, agent

from perdure.testing import DurableTestRunner


def run() -> Any:
    MODEL_CALLS.clear()
    with DurableTestRunner(agent) as runner:
        return runner.run(input={"question": "How warm is it in Lisbon?"})


def started(result: Any, kind: str) -> list[str]:
    return [e["Name"] for e in result.history if e["EventType"] == kind]


def test_the_agent_answers_with_the_tools_results() -> None:
    result = run()
    assert result.status == "SUCCEEDED"
    assert result.result["answer"] == "It is 69.8°F in Lisbon."
    assert result.result["turns"] == 3


def test_each_turn_is_a_model_step_then_a_tool_step_then_a_durable_pause() -> None:
    result = run()
    assert started(result, "StepStarted") == [
        "model-1",
        "tool-get_weather",
        "model-2",
        "tool-calculate",
        "model-3",
    ]
    assert started(result, "WaitStarted") == ["pause-1", "pause-2"]


def test_replays_never_call_the_model_twice() -> None:
    result = run()
    invocations = [e for e in result.history if e["EventType"] == "InvocationCompleted"]
    assert len(invocations) == 3  # the handler ran three times, replaying earlier turns
    assert MODEL_CALLS == [1, 3, 5]  # yet the model was asked once per turn
