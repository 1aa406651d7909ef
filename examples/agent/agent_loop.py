"""A GenAI agent loop: a model decides, tools act, until the model answers.

Every model call is a step, and so is every tool call: their results are checkpointed,
so when the execution replays (after the pause between turns, or after a crash) the
model is not asked again and no tool runs twice; the conversation is rebuilt from the
recorded results. Only the loop itself runs again, and it is deterministic.

The model and the tools are fakes that need no network: `fake_model` follows a script
(look up the weather, convert it to Fahrenheit, answer), as a real model would choose
tools from the conversation. Swap in a real client inside `call_model`; nothing else
changes.
"""

from __future__ import annotations

import json
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration

MAX_TURNS = 6
# Counts real model calls in this process, so tests can see replays never repeat one.
MODEL_CALLS: list[int] = []


def fake_model(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A stand-in model: asks for the weather, then a conversion, then answers."""
    tool_results = [m for m in messages if m["role"] == "tool"]
    city = messages[0]["content"].rsplit(" in ", 1)[-1].rstrip("?")
    if not tool_results:
        return {"tool": "get_weather", "arguments": {"city": city}}
    if len(tool_results) == 1:
        celsius = json.loads(tool_results[0]["content"])["celsius"]
        return {"tool": "calculate", "arguments": {"expression": f"{celsius} * 9 / 5 + 32"}}
    fahrenheit = tool_results[1]["content"]
    return {"answer": f"It is {fahrenheit}°F in {city}."}


TOOLS = {
    "get_weather": lambda args: json.dumps({"city": args["city"], "celsius": 21}),
    "calculate": lambda args: _calculate(args["expression"]),
}


def _calculate(expression: str) -> str:
    """`a * b / c + d` only: a tool that evaluates nothing it was not written for."""
    a, _, b, _, c, _, d = expression.split()
    return f"{float(a) * float(b) / float(c) + float(d):g}"


@durable_step
def call_model(step_ctx: StepContext, messages: list[dict[str, Any]]) -> dict[str, Any]:
    MODEL_CALLS.append(len(messages))
    step_ctx.logger.info("model call with %d messages", len(messages))
    return fake_model(messages)


@durable_step
def call_tool(step_ctx: StepContext, name: str, arguments: dict[str, Any]) -> str:
    return str(TOOLS[name](arguments))


@durable_execution
def agent(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": event["question"]}]
    for turn in range(1, MAX_TURNS + 1):
        reply = context.step(call_model(messages), name=f"model-{turn}")
        if "answer" in reply:
            return {"answer": reply["answer"], "turns": turn, "messages": messages}
        messages.append(
            {"role": "assistant", "tool": reply["tool"], "arguments": reply["arguments"]}
        )
        result = context.step(
            call_tool(reply["tool"], reply["arguments"]), name=f"tool-{reply['tool']}"
        )
        messages.append({"role": "tool", "name": reply["tool"], "content": result})
        # Between turns the execution sleeps without a process (a provider's rate limit);
        # the next invocation replays the turns so far from their checkpoints.
        context.wait(Duration.from_seconds(1), name=f"pause-{turn}")
    return {"answer": None, "turns": MAX_TURNS, "messages": messages}
